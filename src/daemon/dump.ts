// SIGUSR1 / SIGUSR2 dumps. keepalived writes keepalived.data (state) and keepalived.stats (VRRP
// counters) into $TMPDIR or /tmp, in a text format it calls unstable; we write the same file names
// with a similar text layout, plus a `.json` twin of each that tools can rely on. The text is
// rendered from the status snapshot and from the metrics registry, so it agrees with /status and
// /metrics.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { StatusSnapshot } from '../observe/status.js';

export const DATA_FILE = 'keepalived.data';
export const STATS_FILE = 'keepalived.stats';

/** keepalived's dump directory: $TMPDIR, else /tmp. */
export function dumpDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.TMPDIR && env.TMPDIR !== '' ? env.TMPDIR : '/tmp';
}

export interface InstanceStats {
  advertsSent: number;
  advertsReceived: number;
  becameMaster: number;
  releasedMaster: number;
}

export interface StatsDump {
  instances: Record<string, InstanceStats>;
  /** VRRP packets dropped, by reason (all instances). */
  packetsDropped: Record<string, number>;
  splitBrain: Record<string, number>;
}

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** Extracts the VRRP counters from the registry's JSON form (`registry.getMetricsAsJSON()`). */
export function statsFromMetrics(metrics: MetricJson[]): StatsDump {
  const byName = new Map(metrics.map((m) => [m.name, m.values]));
  const values = (name: string) => byName.get(`keepalived_${name}`) ?? [];
  const dump: StatsDump = { instances: {}, packetsDropped: {}, splitBrain: {} };
  const inst = (name: string) =>
    (dump.instances[name] ??= {
      advertsSent: 0,
      advertsReceived: 0,
      becameMaster: 0,
      releasedMaster: 0,
    });
  for (const v of values('vrrp_state')) inst(String(v.labels.instance));
  for (const v of values('vrrp_adverts_sent_total'))
    inst(String(v.labels.instance)).advertsSent += v.value;
  for (const v of values('vrrp_adverts_received_total')) {
    inst(String(v.labels.instance)).advertsReceived += v.value;
  }
  for (const v of values('vrrp_transitions_total')) {
    const s = inst(String(v.labels.instance));
    if (v.labels.to === 'MASTER') s.becameMaster += v.value;
    if (v.labels.from === 'MASTER') s.releasedMaster += v.value;
  }
  for (const v of values('vrrp_packets_dropped_total'))
    dump.packetsDropped[String(v.labels.reason)] = v.value;
  for (const v of values('vrrp_split_brain_total'))
    dump.splitBrain[String(v.labels.instance)] = v.value;
  return dump;
}

/** keepalived.data: the state of every instance and virtual server, keepalived's layout. */
export function renderData(s: StatusSnapshot, now: Date): string {
  const out = [
    '------< Global definitions >------',
    ` keepalived-ts version = ${s.version}`,
    ` pid = ${s.pid}`,
    ` Started = ${s.startedAt}`,
    ` Config file = ${s.configFile}`,
    ` Config loaded = ${s.configLoadedAt}`,
    ` IPVS backend = ${s.ipvsBackend}`,
    ` Dump time = ${now.toISOString()}`,
    '------< VRRP Topology >------',
  ];
  for (const i of s.instances) {
    out.push(
      ` VRRP Instance = ${i.name}`,
      `   State = ${i.state}`,
      `   Last transition = ${i.since}`,
      `   Interface = ${i.interface ?? '(none)'}`,
      `   Virtual Router ID = ${i.vrid}`,
      `   Priority = ${i.priority}`,
      `   Effective priority = ${i.effectivePriority}`,
      `   Master router = ${i.masterAddress ?? '(unknown)'}`,
      `   Virtual IP = ${i.vips.length}`,
      ...i.vips.map((v) => `     ${v}`),
    );
  }
  out.push('------< LVS Topology >------');
  for (const vs of s.virtualServers) {
    out.push(
      ` VS = ${vs.name}`,
      `   Quorum = ${vs.quorum ? 'up' : 'down'}`,
      `   Sorry server active = ${vs.sorryServerActive ? 'yes' : 'no'}`,
    );
    for (const rs of vs.realServers) {
      out.push(
        `   RS = ${rs.name}`,
        `     Alive = ${rs.alive ? 'yes' : 'no'}`,
        `     Weight = ${rs.weight} (applied ${rs.appliedWeight})`,
      );
      for (const c of rs.checkers) {
        const last = c.last
          ? `, last ${c.last.ok ? 'ok' : 'failed'}: ${c.last.reason} at ${c.last.at}`
          : '';
        out.push(`     Checker = ${c.checker}: ${c.up ? 'up' : 'down'}${last}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** keepalived.stats: per-instance VRRP counters, keepalived's layout. */
export function renderStats(d: StatsDump): string {
  const out: string[] = [];
  for (const [name, s] of Object.entries(d.instances)) {
    out.push(
      `VRRP Instance: ${name}`,
      '  Advertisements:',
      `    Received: ${s.advertsReceived}`,
      `    Sent: ${s.advertsSent}`,
      `  Became master: ${s.becameMaster}`,
      `  Released master: ${s.releasedMaster}`,
      `  Split brain: ${d.splitBrain[name] ?? 0}`,
    );
  }
  out.push('Packets dropped (all instances):');
  for (const [reason, n] of Object.entries(d.packetsDropped)) out.push(`  ${reason}: ${n}`);
  return `${out.join('\n')}\n`;
}

/** Writes `text` to PATH and `json` to PATH.json, each atomically (write then rename). */
export function writeDump(
  path: string,
  text: string,
  json: unknown,
): { path: string; jsonPath: string } {
  const jsonPath = `${path}.json`;
  for (const [file, body] of [
    [path, text],
    [jsonPath, `${JSON.stringify(json, null, 2)}\n`],
  ] as const) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, body, { mode: 0o644 });
    renameSync(tmp, file);
  }
  return { path, jsonPath };
}

export function dumpPath(dir: string, configured: string | undefined, defaultName: string): string {
  return configured ?? join(dir, defaultName);
}
