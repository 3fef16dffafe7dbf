// Failover benchmark on the two-director testbed (testbeds.md §A), the method of testbeds.md §C.2:
// d1 (MASTER, priority 100) and d2 (BACKUP, 90), VRID 51, advert_int 1, PASS, VIP 192.168.0.38.
// Each trial waits a random 3-4 s of steady state (so the signal lands anywhere in the advert
// cycle), signals d1, and polls d2's addresses every 10 ms until it holds the VIP; then d1 is
// relaunched and the time until it preempts is measured too. SIGTERM and SIGKILL (of the whole
// process group) trials alternate. Also reports the idle cost of both directors over 10 s (CPU from
// /proc/PID/stat, RSS from /proc/PID/status, summed over every process in the node's namespace).
// Run as root:
//   node dist/bench/failover.js [--trials N] [--impl ours|keepalived] [--json]
import { readFileSync } from 'node:fs';
import { createTestbed, ip } from '../test/helpers/netns.js';
import {
  holdsVip,
  scratchDir,
  seedConfig,
  startKeepalived,
  startOurs,
  waitUntil,
  type RunningNode,
} from '../test/helpers/vrrp-nodes.js';

const VIP = '192.168.0.38/32';
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const trials = Number(arg('--trials') ?? 6);
const impl = arg('--impl') === 'keepalived' ? 'keepalived' : 'ours';
const json = process.argv.includes('--json');

const bed = createTestbed('vrrpbench', [
  { name: 'd1', ipv4: '192.168.0.48/24' },
  { name: 'd2', ipv4: '192.168.0.58/24' },
]);
const files = scratchDir('vrrpbench');
const running: RunningNode[] = [];

function start(node: 'd1' | 'd2'): RunningNode {
  const conf = seedConfig({
    state: node === 'd1' ? 'MASTER' : 'BACKUP',
    priority: node === 'd1' ? 100 : 90,
  });
  const path = files.write(`${node}.conf`, conf);
  const n =
    impl === 'ours' ? startOurs(bed, node, path) : startKeepalived(bed, node, path, files.dir);
  running.push(n);
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const only = (node: 'd1' | 'd2') => () =>
  holdsVip(bed, node, VIP) && !holdsVip(bed, node === 'd1' ? 'd2' : 'd1', VIP);

interface Stats {
  n: number;
  min: number;
  median: number;
  max: number;
}
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

/** CPU ms and RSS kB of every process in a node's namespace. */
function usage(node: string): { cpuMs: number; rssKb: number } {
  const ticksPerSec = 100; // USER_HZ on Linux
  let cpuMs = 0;
  let rssKb = 0;
  for (const pid of ip(['netns', 'pids', bed.nodes[node].ns]).split('\n').filter(Boolean)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSec; // utime + stime
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      rssKb += rss ? Number(rss[1]) : 0;
    } catch {
      // exited meanwhile
    }
  }
  return { cpuMs, rssKb };
}

async function main(): Promise<void> {
  const term: number[] = [];
  const kill: number[] = [];
  const preempt: number[] = [];
  let d1 = start('d1');
  await d1.waitForLine(/Entering BACKUP STATE|"to":"BACKUP"/, 5000);
  start('d2');
  await waitUntil(only('d1'), 8000, 'd1 to become MASTER');

  // Idle cost: 10 s of steady state, MASTER and BACKUP, once the takeover (VIPs, GARP bursts
  // and their 5 s repeat, first-run compilation) is over.
  await sleep(6000);
  const before = { d1: usage('d1'), d2: usage('d2') };
  await sleep(10_000);
  const idle = {
    d1: { cpuMs: usage('d1').cpuMs - before.d1.cpuMs, rssKb: usage('d1').rssKb },
    d2: { cpuMs: usage('d2').cpuMs - before.d2.cpuMs, rssKb: usage('d2').rssKb },
  };

  for (let i = 0; i < trials; i++) {
    const sig = i % 2 === 0 ? 'SIGTERM' : 'SIGKILL';
    await sleep(3000 + Math.random() * 1000);
    const t0 = performance.now();
    d1.signal(sig);
    const moved = await waitUntil(() => holdsVip(bed, 'd2', VIP), 6000, 'd2 to take over');
    (sig === 'SIGTERM' ? term : kill).push(moved - t0);
    await d1.exited;
    const launch = performance.now();
    d1 = start('d1');
    preempt.push((await waitUntil(only('d1'), 10_000, 'd1 to preempt')) - launch);
  }
  const result = {
    impl,
    trials,
    sigtermMs: stats(term),
    sigkillMs: stats(kill),
    preemptAfterLaunchMs: stats(preempt),
    idle10s: idle,
  };
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    const f = (s: Stats) =>
      `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)} ms (n=${s.n})`;
    console.log(`failover, ${impl}, min / median / max`);
    console.log(`  SIGTERM: VIP on d2 after ${f(result.sigtermMs)}   (theory: skew 648 ms)`);
    console.log(`  SIGKILL: VIP on d2 after ${f(result.sigkillMs)}   (theory: 2648..3648 ms)`);
    console.log(`  preemption: d1 holds the VIP ${f(result.preemptAfterLaunchMs)} after launch`);
    for (const n of ['d1', 'd2'] as const) {
      console.log(
        `  idle 10 s ${n}: CPU ${idle[n].cpuMs.toFixed(0)} ms, RSS ${(idle[n].rssKb / 1024).toFixed(1)} MiB`,
      );
    }
  }
}

try {
  await main();
} finally {
  await Promise.all(running.map((n) => n.stop()));
  bed.teardown();
  files.cleanup();
}
