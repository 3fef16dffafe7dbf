// Memory and CPU of keepalived-ts against keepalived running the same VRRP configuration
// (`-P`, VRRP only), each alone as MASTER in the same namespace, one after the other so they never
// compete for the CPU; their trials are interleaved so the host's load falls on both. Scenarios:
//   idle    one instance, advert_int 1, VRRPv2 PASS (the tutorial layout, testbeds.md §C.1)
//   loaded  VRRPv3, 10 instances at advert_int 0.1: 100 adverts/s sent
//   reload  loaded's instances plus bench/gen-config.ts's 10,000 real servers (~100k lines),
//           which `-P` parses but does not run; each trial sends SIGHUP a few times (unchanged
//           file) and measures the CPU time of the VRRP thread per reload (keepalived: its VRRP
//           child; keepalived-ts: the main thread, task PID) and the worst advert lateness
//           meanwhile (the longest stall of the VRRP thread shows there, at 100 adverts/s), then
//           samples memory as in the other scenarios: what reloads leave resident
// A bare `node` process waiting on a timer is measured too in the idle scenario: the floor any
// Node daemon starts from.
// Each trial starts the daemon, waits until it holds every VIP, lets the takeover settle (GARP
// repeat after 5 s, first compilations), then samples every process in the namespace over a
// window: RSS and RssAnon from /proc/PID/status and PSS from smaps_rollup (median of the samples;
// PSS is the fair sum over keepalived's parent and child, which share pages), CPU time of all
// their threads from /proc/PID/task/*/schedstat, and the timing of the adverts on the wire.
//   node dist/bench/resources.js [--quick] [--trials N] [--json]
//        [--impl ours|keepalived|node] [--scenario idle|loaded|reload] [--node-flags "--flag ..."]
// --node-flags passes V8/Node flags to keepalived-ts's node, to measure their effect on memory.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createTestbed } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { holdsVip, RunningNode, scratchDir } from '../test/helpers/vrrp-nodes.js';
import { advertTimesUs, advertTiming } from './lib/advert-timing.js';
import { benchArgs } from './lib/args.js';
import { captureAdverts } from './lib/capture.js';
import { keepalivedTsCommand } from './lib/daemon.js';
import { formatSummary, MS, ratioLine, type Unit } from './lib/format.js';
import { generateConfig } from './gen-config.js';
import { machineLine } from './lib/machine.js';
import { namespacePids, parseSchedstat, readCpuNs, sampleGroup } from './lib/proc.js';
import { median, summarize, type Summary } from './lib/stats.js';
import { runTrials } from './lib/trials.js';

type Impl = 'ours' | 'keepalived' | 'node';
type Scenario = 'idle' | 'loaded' | 'reload';

const MIB: Unit = { name: 'MiB', decimals: 1 };
const CPU: Unit = { name: '% of one core', decimals: 3 };

const shared = benchArgs();
const { values } = parseArgs({
  options: {
    impl: { type: 'string' },
    scenario: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
  },
  strict: false,
});
const quick = shared.quick;
const trials = shared.trials ?? (quick ? 1 : 3);
/** Seconds after the daemon holds its VIPs before sampling, and the sampling window. */
const settleSeconds = quick ? 1 : 6;
const windowSeconds = quick ? 2 : 15;
const SAMPLE_EVERY_MS = 500;
/** Bound per scenario: rounds of trials stop starting once it is spent. */
const boundMs = quick ? 60_000 : 240_000;
const nodeFlags = String(values['node-flags']).split(/\s+/).filter(Boolean);

const SCENARIOS: Record<
  Scenario,
  { instances: number; advertInt: number; version: 2 | 3; reloads: number }
> = {
  idle: { instances: 1, advertInt: 1, version: 2, reloads: 0 },
  loaded: { instances: 10, advertInt: 0.1, version: 3, reloads: 0 },
  reload: { instances: 10, advertInt: 0.1, version: 3, reloads: quick ? 1 : 3 },
};
/** From SIGHUP to reading the CPU times: the reload and what follows it (GC) are over by then. */
const RELOAD_WINDOW_MS = 4000;

/** Instance i: VRID 51+i, VIP 192.168.0.(38+i)/32. */
const vip = (i: number) => `192.168.0.${38 + i}`;

function configFor(scenario: Scenario): string {
  const s = SCENARIOS[scenario];
  const auth =
    s.version === 2
      ? '    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n'
      : '';
  const instances = Array.from(
    { length: s.instances },
    (_, i) =>
      `vrrp_instance VI_${i + 1} {\n    state MASTER\n    interface eth0\n` +
      `    virtual_router_id ${51 + i}\n    priority 100\n    advert_int ${s.advertInt}\n${auth}` +
      `    virtual_ipaddress {\n        ${vip(i)}\n    }\n}\n`,
  );
  const lvs = scenario === 'reload' ? generateConfig() : '';
  return (
    lvs + (s.version === 3 ? 'global_defs {\n    vrrp_version 3\n}\n' : '') + instances.join('')
  );
}

const D1_ADDRESS = '192.168.0.48';
const bed = createTestbed('res', [{ name: 'd1', ipv4: `${D1_ADDRESS}/24` }]);
const files = scratchDir('bench-res');
let current: RunningNode | undefined;

function teardown(): void {
  current?.signal('SIGKILL');
  bed.teardown();
  files.cleanup();
}
// The suite runner sends SIGTERM when the time bound passes: leave no namespace behind.
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    teardown();
    process.exit(1);
  });
}

const pidFile = (n: string) => `${files.dir}/${n}.pid`;
/** keepalived-ts's log in the reload scenario, where config.loaded lines say a reload is done. */
const reloadLog = () => `${files.dir}/ours-reload.log`;

function launch(impl: Impl, scenario: Scenario, config: string): RunningNode {
  const pid = pidFile;
  const logTo = scenario === 'reload' ? ['--log-file', reloadLog()] : [];
  const [cmd, args] =
    impl === 'keepalived'
      ? [
          'keepalived',
          ['-P', '-n', '-l', '-f', config, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('chk')],
        ]
      : impl === 'ours'
        ? keepalivedTsCommand(['-P', '-n', '-l', '-f', config, ...logTo], nodeFlags)
        : [process.execPath, ['-e', 'setInterval(() => {}, 1000)']];
  return new RunningNode(impl, bed.spawn('d1', cmd, args, { stdio: 'ignore' }));
}

async function stop(node: RunningNode): Promise<void> {
  await node.stop();
  // Anything else the daemon started in its namespace (scripts, keepalived's child).
  for (const pid of namespacePids(bed.nodes.d1.ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

async function waitForVips(proc: ChildProcess, count: number): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (![...Array(count).keys()].every((i) => holdsVip(bed, 'd1', `${vip(i)}/32`))) {
    if (proc.exitCode !== null) throw new Error(`daemon exited with status ${proc.exitCode}`);
    if (performance.now() > deadline) throw new Error('daemon did not take its VIPs in 15 s');
    await sleep(50);
  }
}

/**
 * The worst instance's `pick` (p99, max) of |advert interval - advert_int|, ms; undefined with no
 * adverts.
 */
function worstAdvertErrorMs(
  file: string,
  scenario: Scenario,
  pick: (s: Summary) => number,
): number | undefined {
  const records = readPcap(file);
  const { instances, advertInt } = SCENARIOS[scenario];
  const figures = [...Array(instances).keys()].flatMap((i) => {
    const times = advertTimesUs(records, D1_ADDRESS, 51 + i);
    return times.length < 2 ? [] : [pick(advertTiming(times, advertInt * 1000).intervalErrorMs)];
  });
  return figures.length > 0 ? Math.max(...figures) : undefined;
}

/**
 * CPU time so far of the thread that runs VRRP: keepalived's VRRP child process (single-threaded),
 * keepalived-ts's main thread (task PID; V8's helper threads and the checker worker are others).
 */
function vrrpThreadCpuNs(impl: Impl, daemonPid: number): number {
  if (impl === 'keepalived') return readCpuNs(Number(readFileSync(pidFile('vrrp'), 'utf8')));
  return parseSchedstat(readFileSync(`/proc/${daemonPid}/task/${daemonPid}/schedstat`, 'utf8'));
}

/** Reloads keepalived-ts has logged as done (config.loaded with reload true, or rejected). */
function reloadsLogged(): number {
  return readFileSync(reloadLog(), 'utf8')
    .split('\n')
    .filter((l) => /"event":"config\.(loaded|rejected)"/.test(l) && l.includes('"reload":true'))
    .length;
}

interface ReloadFigures {
  /** CPU time of the VRRP thread from SIGHUP to RELOAD_WINDOW_MS after it, ms. */
  vrrpThreadMs: number;
  /** keepalived-ts: SIGHUP to the config.loaded line, ms. */
  doneMs?: number;
}

/** One SIGHUP with the file unchanged, and what it cost the VRRP thread. */
async function reloadOnce(impl: Impl, daemonPid: number): Promise<ReloadFigures> {
  const logged = impl === 'ours' ? reloadsLogged() : 0;
  const before = vrrpThreadCpuNs(impl, daemonPid);
  const t0 = performance.now();
  process.kill(daemonPid, 'SIGHUP');
  let doneMs: number | undefined;
  if (impl === 'ours') {
    while (reloadsLogged() === logged) {
      if (performance.now() - t0 > RELOAD_WINDOW_MS) throw new Error('reload not logged in time');
      await sleep(5);
    }
    doneMs = performance.now() - t0;
  }
  await sleep(RELOAD_WINDOW_MS - (performance.now() - t0));
  const vrrpThreadMs = (vrrpThreadCpuNs(impl, daemonPid) - before) / 1e6;
  return { vrrpThreadMs, ...(doneMs !== undefined && { doneMs }) };
}

interface TrialFigures {
  processes: number;
  reloads: ReloadFigures[];
  /** The worst instance's max |advert interval - advert_int| while the reloads ran, ms. */
  reloadAdvertErrorMaxMs: number | undefined;
  /** The worst instance's p99 of |advert interval - advert_int| over the window, ms. */
  advertErrorP99Ms: number | undefined;
  rssMiB: number;
  pssMiB: number;
  anonMiB: number;
  cpuPercent: number;
}

async function measureOnce(impl: Impl, scenario: Scenario, config: string): Promise<TrialFigures> {
  const node = launch(impl, scenario, config);
  current = node;
  try {
    if (impl === 'node') await sleep(1000);
    else await waitForVips(node.proc, SCENARIOS[scenario].instances);
    await sleep(settleSeconds * 1000);
    const reloads: ReloadFigures[] = [];
    let reloadAdvertErrorMaxMs: number | undefined;
    if (SCENARIOS[scenario].reloads > 0) {
      const pcap = `${files.dir}/${impl}-reloads.pcap`;
      const capture = await captureAdverts(bed, 'd1', pcap, D1_ADDRESS);
      for (let r = 0; r < SCENARIOS[scenario].reloads; r++)
        reloads.push(await reloadOnce(impl, node.proc.pid as number));
      await capture.stop();
      reloadAdvertErrorMaxMs = worstAdvertErrorMs(pcap, scenario, (e) => e.max);
    }
    const pids = namespacePids(bed.nodes.d1.ns);
    const pcap = `${files.dir}/${impl}-${scenario}.pcap`;
    const capture = impl === 'node' ? undefined : await captureAdverts(bed, 'd1', pcap, D1_ADDRESS);
    const first = sampleGroup(pids);
    const samples = [first];
    const t0 = performance.now();
    while (performance.now() - t0 < windowSeconds * 1000) {
      await sleep(SAMPLE_EVERY_MS);
      samples.push(sampleGroup(pids));
    }
    const seconds = (performance.now() - t0) / 1000;
    await capture?.stop();
    const last = samples[samples.length - 1];
    const mid = (pick: (m: (typeof first)['memory']) => number) =>
      median(samples.map((s) => pick(s.memory)).sort((a, b) => a - b)) / 1024;
    return {
      processes: last.processes,
      reloads,
      reloadAdvertErrorMaxMs,
      advertErrorP99Ms: capture ? worstAdvertErrorMs(pcap, scenario, (e) => e.p99) : undefined,
      rssMiB: mid((m) => m.rss),
      pssMiB: mid((m) => m.pss),
      anonMiB: mid((m) => m.anon),
      cpuPercent: ((last.cpuNs - first.cpuNs) / 1e9 / seconds) * 100,
    };
  } finally {
    await stop(node);
    current = undefined;
  }
}

interface Figures {
  processes: number;
  /** Over every reload of every trial. */
  reloadVrrpThreadMs?: Summary;
  reloadDoneMs?: Summary;
  /** Per trial: the worst advert lateness while it reloaded. */
  reloadAdvertErrorMaxMs?: Summary;
  advertErrorP99Ms: Summary | undefined;
  rssMiB: Summary;
  pssMiB: Summary;
  anonMiB: Summary;
  cpuPercent: Summary;
}

/**
 * Trials of every implementation in the scenario, interleaved (keepalived, keepalived-ts, node,
 * keepalived, ...) so that a change in the host's load meanwhile falls on all of them alike.
 */
async function measure(impls: Impl[], scenario: Scenario): Promise<Partial<Record<Impl, Figures>>> {
  const config = files.write(`${scenario}.conf`, configFor(scenario));
  const per = new Map<Impl, TrialFigures[]>(impls.map((impl) => [impl, []]));
  await runTrials({ warmup: 0, trials, timeBoundMs: boundMs }, async () => {
    for (const impl of impls) per.get(impl)?.push(await measureOnce(impl, scenario, config));
  });
  return Object.fromEntries(impls.map((impl) => [impl, figuresOf(per.get(impl) ?? [])]));
}

function figuresOf(per: TrialFigures[]): Figures {
  const of = (pick: (f: TrialFigures) => number) => summarize(per.map(pick));
  const advertErrors = per.flatMap((f) =>
    f.advertErrorP99Ms === undefined ? [] : [f.advertErrorP99Ms],
  );
  const reloads = per.flatMap((f) => f.reloads);
  const reloadAdvertErrors = per.flatMap((f) =>
    f.reloadAdvertErrorMaxMs === undefined ? [] : [f.reloadAdvertErrorMaxMs],
  );
  const doneMs = reloads.flatMap((r) => (r.doneMs === undefined ? [] : [r.doneMs]));
  return {
    processes: per[per.length - 1].processes,
    ...(reloads.length > 0 && {
      reloadVrrpThreadMs: summarize(reloads.map((r) => r.vrrpThreadMs)),
    }),
    ...(doneMs.length > 0 && { reloadDoneMs: summarize(doneMs) }),
    ...(reloadAdvertErrors.length > 0 && {
      reloadAdvertErrorMaxMs: summarize(reloadAdvertErrors),
    }),
    advertErrorP99Ms: advertErrors.length > 0 ? summarize(advertErrors) : undefined,
    rssMiB: of((f) => f.rssMiB),
    pssMiB: of((f) => f.pssMiB),
    anonMiB: of((f) => f.anonMiB),
    cpuPercent: of((f) => f.cpuPercent),
  };
}

const IMPL_NAMES: Record<Impl, string> = {
  ours: 'keepalived-ts',
  keepalived: 'keepalived',
  node: 'bare node',
};

function print(impl: Impl, scenario: Scenario, f: Figures): void {
  console.log(`${scenario}, ${IMPL_NAMES[impl]} (${f.processes} process(es)), per-trial medians:`);
  console.log(`  RSS  ${formatSummary(f.rssMiB, MIB)}`);
  console.log(`  PSS  ${formatSummary(f.pssMiB, MIB)}`);
  console.log(`  anon ${formatSummary(f.anonMiB, MIB)}`);
  console.log(`  CPU  ${formatSummary(f.cpuPercent, CPU)}`);
  if (f.advertErrorP99Ms)
    console.log(`  advert interval error, p99 per trial: ${formatSummary(f.advertErrorP99Ms, MS)}`);
  if (f.reloadVrrpThreadMs)
    console.log(`  VRRP thread CPU per reload: ${formatSummary(f.reloadVrrpThreadMs, MS)}`);
  if (f.reloadDoneMs)
    console.log(`  SIGHUP to config.loaded: ${formatSummary(f.reloadDoneMs, MS)}`);
  if (f.reloadAdvertErrorMaxMs)
    console.log(
      `  advert interval error during reloads, max per trial: ${formatSummary(f.reloadAdvertErrorMaxMs, MS)}`,
    );
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log(
    `${trials} trial(s), ${settleSeconds} s settle, ${windowSeconds} s window` +
      (nodeFlags.length > 0 ? `, keepalived-ts node flags: ${nodeFlags.join(' ')}` : ''),
  );
  const impls: Impl[] =
    typeof values.impl === 'string' ? [values.impl as Impl] : ['keepalived', 'ours', 'node'];
  const scenarios: Scenario[] =
    typeof values.scenario === 'string' ? [values.scenario as Scenario] : ['idle', 'loaded'];
  const results: Partial<Record<Scenario, Partial<Record<Impl, Figures>>>> = {};
  for (const scenario of scenarios) {
    // The bare node floor only means something next to the idle daemon.
    const row = await measure(
      impls.filter((impl) => impl !== 'node' || scenario === 'idle'),
      scenario,
    );
    results[scenario] = row;
    for (const [impl, figures] of Object.entries(row)) print(impl as Impl, scenario, figures);
  }
  for (const scenario of scenarios) {
    const ours = results[scenario]?.ours;
    const theirs = results[scenario]?.keepalived;
    if (!ours || !theirs) continue;
    const pairs: Array<[string, 'rssMiB' | 'pssMiB' | 'cpuPercent', Unit]> = [
      ['RSS', 'rssMiB', MIB],
      ['PSS', 'pssMiB', MIB],
      ['CPU', 'cpuPercent', CPU],
    ];
    for (const [what, key, unit] of pairs)
      console.log(
        ratioLine(`${scenario} ${what}`, ours[key].median, 'keepalived', theirs[key].median, unit),
      );
    if (ours.reloadVrrpThreadMs && theirs.reloadVrrpThreadMs)
      console.log(
        ratioLine(
          `${scenario} VRRP thread CPU per reload`,
          ours.reloadVrrpThreadMs.median,
          'keepalived',
          theirs.reloadVrrpThreadMs.median,
          MS,
        ),
      );
    if (ours.advertErrorP99Ms && theirs.advertErrorP99Ms)
      console.log(
        ratioLine(
          `${scenario} advert interval error p99`,
          ours.advertErrorP99Ms.median,
          'keepalived',
          theirs.advertErrorP99Ms.median,
          MS,
        ),
      );
  }
  if (shared.json) console.log(JSON.stringify({ nodeFlags, results }));
}

try {
  await main();
} finally {
  teardown();
}
