// Counters of /proc/net/snmp (or /proc/PID/net/snmp: the counters of that process's network
// namespace). A benchmark reads TCP ActiveOpens there to count the connections a daemon's TCP
// checks open without asking the daemon, so the count costs the measured process nothing.

/**
 * The counters of one protocol ("Tcp", "Udp", "Ip", ...): the file has, per protocol, a line of
 * names and a line of values, both starting with "Tcp:".
 */
export function snmpCounters(text: string, protocol: string): Map<string, number> {
  const lines = text.split('\n').filter((l) => l.startsWith(`${protocol}:`));
  if (lines.length < 2) throw new RangeError(`no ${protocol} counters in the snmp text`);
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return new Map(names.map((n, i) => [n, values[i]]));
}
