// Failover benchmark on the two-director testbed (testbeds.md §A), the method of testbeds.md §C.2:
// d1 (MASTER, priority 100) and d2 (BACKUP, 90), VRID 51, advert_int 1, PASS, VIP 192.168.0.38.
// keepalived and keepalived-ts run one after the other in the same run, on the same testbed.
// Each trial waits a random 3-4 s of steady state (so the signal lands anywhere in the advert
// cycle), signals d1, and waits until d2 holds the VIP; then d1 is relaunched and the time until
// it preempts is measured too. SIGTERM and SIGKILL (of the whole process group) trials alternate.
//
// Two figures per trial:
// - on the wire: from d1's last advert (priority 0 after SIGTERM, an ordinary one after SIGKILL)
//   to d2's first, from a tcpdump on d2's bridge port. This is what the protocol bounds speak
//   of: the skew time after a priority-0 advert, the master-down interval after silence;
// - signal to VIP: from the signal to the moment `ip monitor address` in d2's namespace reports
//   the VIP (the kernel's own notification, not a poll).
// Also the idle cost of both directors over 10 s (full mode).
// Run as root:
//   node dist/bench/failover.js [--quick] [--trials N] [--impl ours|keepalived] [--json]
import { parseArgs } from 'node:util';
import { createTestbed } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import {
  RunningNode,
  holdsVip,
  scratchDir,
  seedConfig,
  startKeepalived,
  startOurs,
  waitUntil,
} from '../test/helpers/vrrp-nodes.js';
import { skewTimeMs } from '../src/vrrp/fsm.js';
import { vrrpAdverts } from './lib/advert-timing.js';
import { benchArgs } from './lib/args.js';
import { captureAdverts } from './lib/capture.js';
import { wireFailover } from './lib/failover-wire.js';
import { MS, formatSummary, ratioLine } from './lib/format.js';
import { machineLine } from './lib/machine.js';
import { namespacePids, sampleGroup } from './lib/proc.js';
import { summarize, type Summary } from './lib/stats.js';

type Impl = 'keepalived' | 'ours';
type Signal = 'SIGTERM' | 'SIGKILL';

const NAMES: Record<Impl, string> = { keepalived: 'keepalived', ours: 'keepalived-ts' };
const D1 = '192.168.0.48';
const D2 = '192.168.0.58';
const VRID = 51;
const VIP = '192.168.0.38/32';
const BACKUP_PRIORITY = 90;
/** RFC 3768: Skew_Time = (256 - Priority) / 256 s; Master_Down_Interval = 3 × advert_int + skew. */
const SKEW_MS = skewTimeMs(2, BACKUP_PRIORITY, 100);
const MASTER_DOWN_MS = 3 * 1000 + SKEW_MS;
const BOUND_MS: Record<Signal, number> = { SIGTERM: SKEW_MS, SIGKILL: MASTER_DOWN_MS };

const args = benchArgs();
const { values } = parseArgs({ options: { impl: { type: 'string' } }, strict: false });
const impls: Impl[] =
  values.impl === 'ours' || values.impl === 'keepalived' ? [values.impl] : ['keepalived', 'ours'];
const trials = args.trials ?? (args.quick ? 2 : 6);

const bed = createTestbed('vrrpbench', [
  { name: 'd1', ipv4: `${D1}/24` },
  { name: 'd2', ipv4: `${D2}/24` },
]);
const files = scratchDir('vrrpbench');
const running = new Set<RunningNode>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

function track(n: RunningNode): RunningNode {
  running.add(n);
  void n.exited.then(() => running.delete(n));
  return n;
}

function startDirector(impl: Impl, node: 'd1' | 'd2'): RunningNode {
  const conf = seedConfig({
    state: node === 'd1' ? 'MASTER' : 'BACKUP',
    priority: node === 'd1' ? 100 : BACKUP_PRIORITY,
  });
  const path = files.write(`${impl}-${node}.conf`, conf);
  return track(
    impl === 'ours' ? startOurs(bed, node, path) : startKeepalived(bed, node, path, files.dir),
  );
}

const holdsOnly = (node: 'd1' | 'd2') => () =>
  holdsVip(bed, node, VIP) && !holdsVip(bed, node === 'd1' ? 'd2' : 'd1', VIP);

interface Trial {
  signal: Signal;
  /** When d1 was signalled, µs since the epoch (to find the takeover in the capture). */
  signalledUs: number;
  signalToVipMs: number;
  preemptAfterLaunchMs: number;
}

interface ImplResult {
  impl: Impl;
  trials: Trial[];
  /** Per signal: the wire gap of each trial that the capture holds, and how many were priority 0. */
  wire: Record<Signal, { gapsMs: number[]; priorityZero: number }>;
  idle?: Record<'d1' | 'd2', { cpuMs: number; rssMiB: number }>;
}

/** CPU time used by every process of a node's namespace over `ms`, and their RSS at the end. */
async function idleCost(node: 'd1' | 'd2', ms: number): Promise<{ cpuMs: number; rssMiB: number }> {
  const ns = bed.nodes[node].ns;
  const before = sampleGroup(namespacePids(ns));
  await sleep(ms);
  const after = sampleGroup(namespacePids(ns));
  return { cpuMs: (after.cpuNs - before.cpuNs) / 1e6, rssMiB: after.memory.rss / 1024 };
}

async function measure(impl: Impl): Promise<ImplResult> {
  const pcap = `${files.dir}/${impl}.pcap`;
  // d2's bridge port sees d1's adverts on their way to d2 and d2's own as they leave it.
  const capture = track(await captureAdverts(bed, 'd2', pcap));
  // The kernel's own notification of d2's address changes, each line timestamped as it arrives.
  const addresses = track(
    new RunningNode(
      `addresses ${impl}`,
      bed.spawn('d2', 'ip', ['-o', 'monitor', 'address'], { stdio: 'pipe' }),
    ),
  );

  let d1 = startDirector(impl, 'd1');
  await d1.waitForLine(/Entering BACKUP STATE|"to":"BACKUP"/, 5000);
  const d2 = startDirector(impl, 'd2');
  await waitUntil(holdsOnly('d1'), 8000, 'd1 to become MASTER');

  let idle: ImplResult['idle'];
  if (!args.quick) {
    // 10 s of steady state, MASTER and BACKUP, once the takeover (VIPs, GARP bursts and their
    // 5 s repeat, first-run compilation) is over.
    await sleep(6000);
    const [c1, c2] = await Promise.all([idleCost('d1', 10_000), idleCost('d2', 10_000)]);
    idle = { d1: c1, d2: c2 };
  }

  const done: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    const signal: Signal = i % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
    await sleep(3000 + Math.random() * 1000);
    const from = addresses.lines.length;
    const signalledUs = nowUs();
    const t0 = performance.now();
    d1.signal(signal);
    const vip = await addresses.waitFor(
      (l) => !l.text.startsWith('Deleted') && l.text.includes(`inet ${VIP} `),
      6000,
      'the VIP on d2',
      from,
    );
    await d1.exited;
    const launch = performance.now();
    d1 = startDirector(impl, 'd1');
    const preempted = await waitUntil(holdsOnly('d1'), 10_000, 'd1 to preempt');
    done.push({
      signal,
      signalledUs,
      signalToVipMs: vip.at - t0,
      preemptAfterLaunchMs: preempted - launch,
    });
  }
  await Promise.all([d1.stop(), d2.stop()]);
  await sleep(200); // the last frames reach the capture file
  await Promise.all([capture.stop(), addresses.stop()]);

  const adverts = vrrpAdverts(readPcap(pcap));
  const wire: ImplResult['wire'] = {
    SIGTERM: { gapsMs: [], priorityZero: 0 },
    SIGKILL: { gapsMs: [], priorityZero: 0 },
  };
  for (const t of done) {
    const f = wireFailover(adverts, {
      vrid: VRID,
      oldMaster: D1,
      newMaster: D2,
      afterUs: t.signalledUs,
    });
    if (!f) continue;
    wire[t.signal].gapsMs.push(f.gapMs);
    if (f.lastOldPriority === 0) wire[t.signal].priorityZero += 1;
  }
  return { impl, trials: done, wire, idle };
}

const maybe = (samples: number[]) => (samples.length > 0 ? summarize(samples) : undefined);

function report(r: ImplResult): void {
  const of = (signal: Signal) => r.trials.filter((t) => t.signal === signal);
  console.log(`failover, ${NAMES[r.impl]}:`);
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const wire = maybe(r.wire[signal].gapsMs);
    const what = signal === 'SIGTERM' ? 'priority-0 advert' : 'last advert';
    const bound = signal === 'SIGTERM' ? 'skew time' : 'master-down interval';
    if (wire) {
      console.log(
        `  ${signal} on the wire, d1's ${what} to d2's first advert: ${formatSummary(wire, MS)}; ` +
          `bound (${bound}) ${BOUND_MS[signal].toFixed(1)} ms, median ${signed(wire.median - BOUND_MS[signal])} ms` +
          (signal === 'SIGTERM'
            ? `; priority 0 sent in ${r.wire[signal].priorityZero}/${of(signal).length}`
            : ''),
      );
    }
    const vip = maybe(of(signal).map((t) => t.signalToVipMs));
    if (vip) console.log(`  ${signal} to the VIP on d2 (ip monitor): ${formatSummary(vip, MS)}`);
  }
  const preempt = maybe(r.trials.map((t) => t.preemptAfterLaunchMs));
  if (preempt)
    console.log(`  preemption, d1 holds the VIP after relaunch: ${formatSummary(preempt, MS)}`);
  for (const n of ['d1', 'd2'] as const) {
    const idle = r.idle?.[n];
    if (idle)
      console.log(
        `  idle 10 s ${n}: CPU ${idle.cpuMs.toFixed(0)} ms, RSS ${idle.rssMiB.toFixed(1)} MiB`,
      );
  }
}

const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

/** Ratio lines: keepalived-ts against the bound, and against keepalived when both ran. */
function compare(results: ImplResult[]): void {
  const ours = results.find((r) => r.impl === 'ours');
  const theirs = results.find((r) => r.impl === 'keepalived');
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const what = `${signal} takeover on the wire, median`;
    const oursWire: Summary | undefined = ours && maybe(ours.wire[signal].gapsMs);
    const theirWire = theirs && maybe(theirs.wire[signal].gapsMs);
    if (oursWire) console.log(ratioLine(what, oursWire.median, 'the bound', BOUND_MS[signal], MS));
    if (oursWire && theirWire)
      console.log(ratioLine(what, oursWire.median, 'keepalived', theirWire.median, MS));
    const vip = (r: ImplResult) =>
      maybe(r.trials.filter((t) => t.signal === signal).map((t) => t.signalToVipMs));
    const oursVip = ours && vip(ours);
    const theirVip = theirs && vip(theirs);
    if (oursVip && theirVip)
      console.log(
        ratioLine(
          `${signal} to the VIP, median`,
          oursVip.median,
          'keepalived',
          theirVip.median,
          MS,
        ),
      );
  }
}

try {
  console.log(machineLine());
  const results: ImplResult[] = [];
  for (const impl of impls) {
    const r = await measure(impl);
    report(r);
    results.push(r);
  }
  compare(results);
  if (args.json) console.log(JSON.stringify({ trials, boundsMs: BOUND_MS, results }));
} finally {
  await Promise.all([...running].map((n) => n.stop()));
  bed.teardown();
  files.cleanup();
}
