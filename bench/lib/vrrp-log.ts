// VRRP state changes read from a daemon's log, for the benchmarks that count spurious transitions:
// keepalived-ts writes a JSON `vrrp.state` event per change, keepalived a line such as
// "(VI_1) Entering MASTER STATE". Pure: each takes the log text.

export interface StateChange {
  instance: string;
  /** The state entered: MASTER, BACKUP, FAULT, ... */
  to: string;
}

const KEEPALIVED_ENTERING = /\((\S+)\) Entering (\w+) STATE/;

/** The state change a log line reports, from either implementation; undefined for other lines. */
export function stateChange(line: string): StateChange | undefined {
  if (line.startsWith('{')) {
    let rec: { event?: unknown; instance?: unknown; to?: unknown };
    try {
      rec = JSON.parse(line) as typeof rec;
    } catch {
      return undefined; // a line cut short when the process was killed
    }
    if (rec.event !== 'vrrp.state') return undefined;
    return { instance: String(rec.instance), to: String(rec.to) };
  }
  const m = KEEPALIVED_ENTERING.exec(line);
  return m ? { instance: m[1], to: m[2] } : undefined;
}

/**
 * The changes after the node first entered `settled` (its intended role): for a node that is to
 * stay MASTER or BACKUP for the whole run, every one of them is a spurious transition. Returns
 * undefined when the node never reached `settled` at all.
 */
export function changesAfterSettling(
  changes: readonly StateChange[],
  settled: string,
): StateChange[] | undefined {
  const first = changes.findIndex((c) => c.to === settled);
  return first < 0 ? undefined : changes.slice(first + 1);
}

/**
 * How many lines of each keepalived-ts event (`"event"` of its JSON lines) the log holds, most
 * frequent first: what the daemon was busy with during a window. keepalived's lines are skipped.
 */
export function eventCounts(lines: readonly string[]): Array<[event: string, count: number]> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const m = line.startsWith('{') ? /"event":"([^"]+)"/.exec(line) : null;
    if (m) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
