// VRRP advert timing under checker load, and spurious transitions (issues 3 and 5). On the
// two-director testbed (testbeds.md §A), d1 is MASTER (VRRPv3, VRID 51, advert_int 0.1, priority
// 100) and d2 BACKUP (priority 90) running the same implementation. Scenarios, one after the other
// in the same run, each with freshly started daemons:
//   keepalived  keepalived 2.2.7 (`-P`) on both: the baseline
//   idle        keepalived-ts on both, d1's configuration VRRP only
//   load        keepalived-ts on both, d1's configuration also holds 10 virtual servers of 1,000
//               real servers each, TCP_CHECK with delay_loop 1 (10,000 checks/s configured),
//               against the loopback servers of bench/checkers.ts run inside d1's namespace
//               (4 processes on 1,000 ports; connect_ip/connect_port as in bench/checkers.ts).
//               d1 runs both sides (`--ipvs dry-run`): VRRP on the main thread, checkers in the
//               worker, as a production director does.
// Adverts are captured by tcpdump on d1's bridge port in the switch namespace, so measuring costs
// d1 nothing; each advert's lateness is its interval from the previous one minus advert_int.
// Spurious transitions: any state change of d1 after it first became MASTER, or of d2 after it
// first became BACKUP, from start to the end of the window (both logs parsed). Checks/s during
// `load` are counted from TCP ActiveOpens in d1's namespace (/proc/PID/net/snmp: every TCP_CHECK
// opens one connection), which asks the daemon nothing. After the window, two /metrics scrapes
// give keepalived_checks_total's rate (when the daemon counts it) and show what a scrape, which
// runs on the VRRP thread, costs the adverts; they stay out of the window's figures.
// Run as root:
//   node dist/bench/advert-jitter.js [--quick] [--soak SECONDS] [--scenario NAME]...
//                                    [--vrrp-priority NICE] [--vrrp-rt-priority N] [--json]
// --quick: 10 s windows; default 20 s; --soak N: the load window lasts N s (600: the 10-minute
// soak of issue 5), the other scenarios keep the default window; --vrrp-priority N: global_defs
// vrrp_priority N in every daemon's configuration (the nice value of keepalived's VRRP process,
// of keepalived-ts's VRRP thread); --vrrp-rt-priority N: global_defs vrrp_rt_priority N (SCHED_RR
// at N for keepalived's VRRP process, for keepalived-ts's VRRP thread).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestbed, spawnIn } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { parsePrometheusText } from '../test/helpers/prom-text.js';
import {
  holdsVip,
  RunningNode,
  scratchDir,
  startKeepalived,
  waitUntil,
} from '../test/helpers/vrrp-nodes.js';
import { advertTimesUs, advertTiming, type AdvertTiming } from './lib/advert-timing.js';
import { benchArgs, integerOption } from './lib/args.js';
import { captureAdverts } from './lib/capture.js';
import { keepalivedTsCommand } from './lib/daemon.js';
import { formatSummary, MS, ratioLine } from './lib/format.js';
import { machineLine } from './lib/machine.js';
import { namespacePids, readCpuNs } from './lib/proc.js';
import { snmpCounters } from './lib/snmp.js';
import {
  changesAfterSettling,
  eventCounts,
  stateChange,
  type StateChange,
} from './lib/vrrp-log.js';

type Scenario = 'keepalived' | 'idle' | 'load';
const SCENARIOS: Scenario[] = ['keepalived', 'idle', 'load'];

const shared = benchArgs();
const { values } = parseArgs({
  options: {
    soak: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    'vrrp-priority': { type: 'string' },
    'vrrp-rt-priority': { type: 'string' },
  },
  strict: false,
});
const soakSeconds = integerOption('soak', values.soak, 1, Infinity, 'a positive number of seconds');
const vrrpPriority = integerOption(
  'vrrp-priority',
  values['vrrp-priority'],
  -20,
  19,
  'a nice value -20..19',
);
const vrrpRtPriority = integerOption(
  'vrrp-rt-priority',
  values['vrrp-rt-priority'],
  1,
  99,
  'a realtime priority 1..99',
);
const selected = (values.scenario as string[] | undefined) ?? SCENARIOS;
for (const s of selected)
  if (!SCENARIOS.includes(s as Scenario))
    throw new RangeError(`--scenario takes ${SCENARIOS.join(', ')}, not '${s}'`);

const windowSeconds = shared.quick ? 10 : 20;
/** After both nodes hold their roles: takeover GARPs, first compilations, the first check round. */
const settleSeconds = shared.quick ? 4 : 8;

const ADVERT_INT_MS = 100;
const VRID = 51;
const VIP = '192.168.0.38';
const D1_ADDRESS = '192.168.0.48';
/** The checker load, as bench/checkers.ts builds it. */
const REAL_SERVERS = 10_000;
const REAL_SERVERS_PER_VS = 1000;
const SERVER_PORTS = 1000;
const SERVER_PROCESSES = 4;
const BASE_PORT = 20000;
const DELAY_LOOP_S = 1;
const STATUS_ADDRESS = '127.0.0.1:9190';
const CHECKERS_SCRIPT = fileURLToPath(new URL('./checkers.js', import.meta.url));

function vrrpConfig(role: 'MASTER' | 'BACKUP'): string {
  return (
    `global_defs {\n    vrrp_version 3\n${vrrpPriority === undefined ? '' : `    vrrp_priority ${vrrpPriority}\n`}` +
    `${vrrpRtPriority === undefined ? '' : `    vrrp_rt_priority ${vrrpRtPriority}\n`}}\n` +
    `vrrp_instance VI_1 {\n    state ${role}\n    interface eth0\n    virtual_router_id ${VRID}\n` +
    `    priority ${role === 'MASTER' ? 100 : 90}\n    advert_int ${ADVERT_INT_MS / 1000}\n` +
    `    virtual_ipaddress {\n        ${VIP}\n    }\n}\n`
  );
}

/** Real server i is 10.200.(i >> 8).(i & 255):80 checked on 127.0.0.1:(BASE_PORT + i % ports). */
function checkerConfig(): string {
  const out: string[] = [];
  for (let v = 0; v * REAL_SERVERS_PER_VS < REAL_SERVERS; v++) {
    out.push(
      `virtual_server 10.100.0.${v + 1} 80 {`,
      `    delay_loop ${DELAY_LOOP_S}`,
      '    lb_algo rr',
      '    lb_kind NAT',
      '    protocol TCP',
    );
    for (let i = v * REAL_SERVERS_PER_VS; i < (v + 1) * REAL_SERVERS_PER_VS; i++) {
      out.push(
        `    real_server 10.200.${i >> 8}.${i & 0xff} 80 {`,
        '        weight 1',
        '        TCP_CHECK {',
        '            connect_ip 127.0.0.1',
        `            connect_port ${BASE_PORT + (i % SERVER_PORTS)}`,
        '            connect_timeout 5',
        '            retry 1',
        '            delay_before_retry 1',
        '        }',
        '    }',
      );
    }
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

const bed = createTestbed('jit', [
  { name: 'd1', ipv4: `${D1_ADDRESS}/24` },
  { name: 'd2', ipv4: '192.168.0.58/24' },
]);
const files = scratchDir('bench-jit');
const running = new Set<RunningNode>();

function teardown(): void {
  for (const n of running) n.signal('SIGKILL');
  bed.teardown();
  files.cleanup();
}
// The suite runner sends SIGTERM when its time bound passes: leave no namespace behind.
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    teardown();
    process.exit(1);
  });
}

/** bench/checkers.ts's loopback servers (its --serve mode), in d1's namespace. */
async function startRealServers(): Promise<RunningNode[]> {
  const ports = Array.from({ length: SERVER_PORTS }, (_, i) => BASE_PORT + i);
  return Promise.all(
    Array.from({ length: SERVER_PROCESSES }, async (_, k) => {
      const mine = ports.filter((_, i) => i % SERVER_PROCESSES === k).map(String);
      const child = spawnIn(
        bed.nodes.d1.ns,
        process.execPath,
        [CHECKERS_SCRIPT, '--serve', ...mine],
        {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      const server = new RunningNode(`real servers ${k}`, child);
      running.add(server);
      await new Promise<void>((resolve, reject) => {
        child.once('message', () => resolve());
        child.once('exit', (code) => reject(new Error(`real-server process exited ${code}`)));
      });
      return server;
    }),
  );
}

function startNode(scenario: Scenario, node: 'd1' | 'd2'): RunningNode {
  const role = node === 'd1' ? 'MASTER' : 'BACKUP';
  const load = scenario === 'load' && node === 'd1';
  const config = files.write(
    `${scenario}-${node}.conf`,
    vrrpConfig(role) + (load ? checkerConfig() : ''),
  );
  const started =
    scenario === 'keepalived'
      ? startKeepalived(bed, node, config, files.dir)
      : new RunningNode(
          `keepalived-ts@${node}`,
          bed.spawn(
            node,
            ...keepalivedTsCommand([
              '-f',
              config,
              '--ipvs',
              'dry-run',
              ...(node === 'd1' ? ['--status', STATUS_ADDRESS] : []),
            ]),
            { stdio: ['ignore', 'pipe', 'pipe'] },
          ),
        );
  running.add(started);
  return started;
}

function stateChanges(node: RunningNode): StateChange[] {
  return node.lines.flatMap((l) => stateChange(l.text) ?? []);
}

/** A tcpdump of d1's adverts on its bridge port, stopped with the daemons on teardown. */
async function startCapture(file: string): Promise<RunningNode> {
  const capture = await captureAdverts(bed, 'd1', file, D1_ADDRESS);
  running.add(capture);
  return capture;
}

/** TCP connections opened in d1's namespace so far (every TCP_CHECK opens one). */
function activeOpens(pid: number): number {
  return snmpCounters(readFileSync(`/proc/${pid}/net/snmp`, 'utf8'), 'Tcp').get('ActiveOpens')!;
}

/**
 * Sum of keepalived_checks_total from d1's /metrics, and the mean check duration since start
 * (keepalived_check_duration_seconds); undefined when the daemon has no such series.
 */
function scrapeChecks(): {
  checks: number | undefined;
  meanCheckMs: number | undefined;
  scrapeMs: number;
  at: number;
} {
  const t0 = performance.now();
  // /metrics holds a few series per real server: megabytes, past execFileSync's default buffer.
  const text = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      bed.nodes.d1.ns,
      'curl',
      '-sf',
      '--max-time',
      '30',
      `http://${STATUS_ADDRESS}/metrics`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const at = performance.now();
  const scrapeMs = at - t0;
  const families = parsePrometheusText(text);
  const total = (samples: Array<{ value: number }>) =>
    samples.length > 0 ? samples.reduce((sum, s) => sum + s.value, 0) : undefined;
  const duration = families.get('keepalived_check_duration_seconds')?.samples ?? [];
  const seconds = total(duration.filter((s) => s.name.endsWith('_sum')));
  const count = total(duration.filter((s) => s.name.endsWith('_count')));
  return {
    checks: total(families.get('keepalived_checks_total')?.samples ?? []),
    meanCheckMs: seconds !== undefined && count ? (seconds / count) * 1000 : undefined,
    scrapeMs,
    at,
  };
}

interface Result {
  scenario: Scenario;
  windowSeconds: number;
  timing: AdvertTiming;
  /** Transitions of d1 after it became MASTER and of d2 after it became BACKUP. */
  spurious: { d1: StateChange[]; d2: StateChange[] };
  /** CPU of d1's daemon process(es), all threads, during the window. */
  cpuPercent: number;
  /** keepalived-ts events d1 logged during the window, most frequent first. */
  d1Events: Array<[event: string, count: number]>;
  checks?: {
    configuredPerSec: number;
    /** From TCP ActiveOpens in d1's namespace over the window. */
    connectsPerSec: number;
  };
  scrape?: ScrapePhase;
}

/**
 * After the window: two /metrics scrapes SCRAPE_GAP_MS apart, as Prometheus would make them, with
 * the adverts captured meanwhile. The scrape runs on the daemon's main thread, beside VRRP: this
 * shows what it costs the adverts, and gives keepalived_checks_total's rate (if it counts) next to
 * the TCP connects counted over the same interval.
 */
interface ScrapePhase {
  scrapeMs: number[];
  timing: AdvertTiming;
  /** State changes of either node during the phase. */
  transitions: number;
  connectsPerSec: number;
  /** undefined: the daemon has no keepalived_checks_total series. */
  metricPerSec: number | undefined;
  /** Mean check duration since the daemon started; undefined without the histogram. */
  meanCheckMs: number | undefined;
}

const SCRAPE_GAP_MS = 5000;

async function scrapePhase(d1: RunningNode, d2: RunningNode, pcap: string): Promise<ScrapePhase> {
  const changes = () => stateChanges(d1).length + stateChanges(d2).length;
  const changes0 = changes();
  const capture = await startCapture(pcap);
  const opens0 = activeOpens(d1.proc.pid!);
  const t0 = performance.now();
  const first = scrapeChecks();
  await sleep(SCRAPE_GAP_MS);
  const second = scrapeChecks();
  const opens = activeOpens(d1.proc.pid!) - opens0;
  const elapsedMs = performance.now() - t0;
  await sleep(500); // the adverts right after the second scrape
  await capture.stop();
  running.delete(capture);
  return {
    scrapeMs: [first.scrapeMs, second.scrapeMs],
    timing: advertTiming(advertTimesUs(readPcap(pcap), D1_ADDRESS, VRID), ADVERT_INT_MS),
    transitions: changes() - changes0,
    connectsPerSec: (opens / elapsedMs) * 1000,
    metricPerSec:
      first.checks !== undefined && second.checks !== undefined
        ? ((second.checks - first.checks) / (second.at - first.at)) * 1000
        : undefined,
    meanCheckMs: first.meanCheckMs,
  };
}

async function measure(scenario: Scenario, seconds: number): Promise<Result> {
  const servers = scenario === 'load' ? await startRealServers() : [];
  const serverPids = new Set(servers.map((s) => s.proc.pid));
  const nodes: RunningNode[] = [];
  try {
    const d1 = startNode(scenario, 'd1');
    nodes.push(d1);
    await waitUntil(() => holdsVip(bed, 'd1', `${VIP}/32`), 30_000, 'd1 to hold the VIP');
    const d2 = startNode(scenario, 'd2');
    nodes.push(d2);
    await d2.waitForLine(/Entering BACKUP STATE|"to":"BACKUP"/, 10_000);
    await sleep(settleSeconds * 1000);
    const daemonPids = namespacePids(bed.nodes.d1.ns).filter((p) => !serverPids.has(p));
    const cpuNs = () => daemonPids.reduce((sum, p) => sum + readCpuNs(p), 0);
    const loaded = scenario === 'load';
    const pcap = `${files.dir}/${scenario}.pcap`;
    const capture = await startCapture(pcap);
    const opens0 = loaded ? activeOpens(d1.proc.pid!) : 0;
    const cpu0 = cpuNs();
    const lines0 = d1.lines.length;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const elapsedMs = performance.now() - t0;
    const cpu = cpuNs() - cpu0;
    const opens = loaded ? activeOpens(d1.proc.pid!) - opens0 : 0;
    await capture.stop();
    running.delete(capture);
    const spurious = {
      d1: changesAfterSettling(stateChanges(d1), 'MASTER'),
      d2: changesAfterSettling(stateChanges(d2), 'BACKUP'),
    };
    if (!spurious.d1 || !spurious.d2) throw new Error(`${scenario}: a node never took its role`);
    return {
      scenario,
      windowSeconds: seconds,
      timing: advertTiming(advertTimesUs(readPcap(pcap), D1_ADDRESS, VRID), ADVERT_INT_MS),
      spurious: { d1: spurious.d1, d2: spurious.d2 },
      cpuPercent: (cpu / 1e6 / elapsedMs) * 100,
      d1Events: eventCounts(d1.lines.slice(lines0).map((l) => l.text)),
      ...(loaded && {
        checks: {
          configuredPerSec: REAL_SERVERS / DELAY_LOOP_S,
          connectsPerSec: (opens / elapsedMs) * 1000,
        },
        scrape: await scrapePhase(d1, d2, `${files.dir}/${scenario}-scrape.pcap`),
      }),
    };
  } finally {
    // The BACKUP first, so stopping the MASTER (priority 0 advert) makes no one take over.
    for (const n of nodes.reverse()) {
      await n.stop();
      running.delete(n);
    }
    for (const s of servers) {
      await s.stop();
      running.delete(s);
    }
  }
}

const LABEL: Record<Scenario, string> = {
  keepalived: 'keepalived 2.2.7, idle',
  idle: 'keepalived-ts, idle',
  load: `keepalived-ts, ${REAL_SERVERS} real servers checked every ${DELAY_LOOP_S} s`,
};

function print(r: Result): void {
  const t = r.timing;
  const transitions = (c: StateChange[]) => {
    const to = new Map<string, number>();
    for (const x of c) to.set(x.to, (to.get(x.to) ?? 0) + 1);
    const each = [...to].map(([state, n]) => `${n} to ${state}`).join(', ');
    return c.length === 0 ? '0' : `${c.length} (${each})`;
  };
  const lines = [
    `${LABEL[r.scenario]}: ${r.windowSeconds} s window`,
    `  adverts          ${t.adverts}, ${t.achievedPerSec.toFixed(2)}/s (configured ${t.configuredPerSec}/s), ` +
      `missed ${t.missed}, off-schedule ${t.early}`,
    `  lateness         ${formatSummary(t.latenessMs, MS3)}`,
    `  |interval error| ${formatSummary(t.intervalErrorMs, MS3)}`,
    `  spurious         MASTER ${transitions(r.spurious.d1)}, BACKUP ${transitions(r.spurious.d2)}`,
    `  CPU (d1 daemon)  ${r.cpuPercent.toFixed(1)}% of one core`,
  ];
  if (r.d1Events.length > 0) {
    const events = r.d1Events.map(([e, n]) => `${e} ${n}`).join(', ');
    lines.push(`  d1 log in window ${events}`);
  }
  if (r.checks) {
    lines.push(
      `  checks/s         configured ${r.checks.configuredPerSec}, achieved ${r.checks.connectsPerSec.toFixed(0)} ` +
        "(TCP connects in d1's namespace)",
    );
  }
  if (r.scrape) {
    const p = r.scrape;
    lines.push(
      `  then 2 /metrics scrapes ${SCRAPE_GAP_MS / 1000} s apart (${p.scrapeMs.map((m) => m.toFixed(0)).join(' and ')} ms each):`,
      `    adverts        lateness max ${p.timing.latenessMs.max.toFixed(3)} ms, missed ${p.timing.missed}, state changes ${p.transitions}`,
      `    checks/s       keepalived_checks_total ${p.metricPerSec === undefined ? 'not counted by the daemon' : p.metricPerSec.toFixed(0)}, ` +
        `TCP connects ${p.connectsPerSec.toFixed(0)}`,
    );
  }
  console.log(lines.join('\n'));
}

/** Lateness on loopback-fast hardware is sub-millisecond: three decimals. */
const MS3 = { ...MS, decimals: 3 };

async function main(): Promise<void> {
  console.log(machineLine());
  if (vrrpPriority !== undefined)
    console.log(`vrrp_priority ${vrrpPriority} in every daemon's global_defs`);
  if (vrrpRtPriority !== undefined)
    console.log(`vrrp_rt_priority ${vrrpRtPriority} in every daemon's global_defs`);
  const results: Result[] = [];
  for (const scenario of SCENARIOS.filter((s) => selected.includes(s))) {
    const seconds = scenario === 'load' && soakSeconds !== undefined ? soakSeconds : windowSeconds;
    const r = await measure(scenario, seconds);
    print(r);
    results.push(r);
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (a shared host: other work competes for the CPU)`,
  );
  const by = (s: Scenario) => results.find((r) => r.scenario === s);
  const baseline = by('keepalived');
  for (const s of ['idle', 'load'] as const) {
    const ours = by(s);
    if (!ours || !baseline) continue;
    console.log(
      ratioLine(
        `advert lateness p99 (${s} vs keepalived idle)`,
        ours.timing.latenessMs.p99,
        'keepalived',
        baseline.timing.latenessMs.p99,
        MS3,
      ),
    );
  }
  const load = by('load');
  if (load) {
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const spurious = load.spurious.d1.length + load.spurious.d2.length;
    console.log(
      `target: advert p99 lateness under load < 5 ms: ${verdict(load.timing.latenessMs.p99 < 5)} ` +
        `(${load.timing.latenessMs.p99.toFixed(3)} ms)`,
    );
    console.log(
      `target: full advert rate under load: ${verdict(load.timing.missed === 0)} ` +
        `(${load.timing.achievedPerSec.toFixed(2)}/s of ${load.timing.configuredPerSec}/s, ${load.timing.missed} missed)`,
    );
    if (load.checks) {
      // keepalived runs a checker again delay_loop after its last check ended, so N checkers
      // reach N / (delay_loop + mean check duration) checks/s, a little under N / delay_loop.
      const mean = load.scrape?.meanCheckMs;
      const full =
        mean === undefined
          ? load.checks.configuredPerSec
          : REAL_SERVERS / (DELAY_LOOP_S + mean / 1000);
      console.log(
        `target: full check rate: ${verdict(load.checks.connectsPerSec >= 0.99 * full)} ` +
          `(${load.checks.connectsPerSec.toFixed(0)}/s; ${REAL_SERVERS} every ${DELAY_LOOP_S} s = ` +
          `${load.checks.configuredPerSec}/s` +
          (mean === undefined
            ? ')'
            : `, or ${full.toFixed(0)}/s on keepalived's schedule: delay_loop after each check's ` +
              `end, mean check ${mean.toFixed(1)} ms)`),
      );
    }
    console.log(
      `target: zero spurious transitions over ${load.windowSeconds} s under load: ${verdict(spurious === 0)} (${spurious})`,
    );
  }
  if (shared.json) console.log(JSON.stringify(results));
}

try {
  await main();
} finally {
  teardown();
}
