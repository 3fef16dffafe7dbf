// Checker benchmark: 10,000 real servers (1,000 with --quick) checked with TCP_CHECK every second
// (delay_loop 1, retry 1, delay_before_retry 1, keepalived's defaults otherwise) against real TCP
// servers on loopback. Reports achieved vs configured checks/s, CPU per check, RSS, and how long it
// takes to notice a quarter of the servers going away and coming back, against the bound keepalived's
// loop gives (down: delay_loop + delay_before_retry; up: delay_loop; plus the run's own lateness).
//
// File descriptors: the real servers are 4 child processes listening on 1,000 ports of 127.0.0.1
// (100 with --quick); the 10,000 real-server entries are distinct addresses (10.200.x.y:80) that
// share those ports through connect_ip/connect_port, as a big pool of identical backends would.
// Checks hold one socket each for well under a millisecond, so the checker side needs few fds.
//
//   node dist/bench/checkers.js [--quick] [--worker] [--json]
// --worker runs the checkers through startCheckers() (their own thread, as the daemon does) instead
// of a CheckRunner on the bench's thread; CPU figures then cover both threads.

import { fork } from 'node:child_process';
import net from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CheckRunner } from '../src/check/runner.js';
import { CheckScheduler } from '../src/check/scheduler.js';
import { startCheckers } from '../src/check/supervisor.js';
import type { CheckPlan, RealServerPlan } from '../src/check/plan.js';
import { createLogger } from '../src/observe/log.js';
import { machineLine } from './lib/machine.js';
import { summarize } from './lib/stats.js';

const SERVER_PROCESSES = 4;

if (process.argv[2] === '--serve') {
  serve(process.argv.slice(3).map(Number));
} else {
  await main();
}

/** Server child: listen on the given ports, accept and drop every connection. */
function serve(ports: number[]): void {
  let listening = 0;
  for (const port of ports) {
    const server = net.createServer({ pauseOnConnect: true }, (s) => s.destroy());
    server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => {
      if (++listening === ports.length) process.send?.('listening');
    });
  }
}

interface Figures {
  /** Scheduler cost per take + reschedule, ns, by number of checkers: flat means O(log n). */
  schedulerNsPerCycle: Record<string, number>;
  realServers: number;
  ports: number;
  /** 'worker': through startCheckers() as the daemon runs them; else a CheckRunner in-process. */
  mode: 'worker' | 'in-process';
  configuredChecksPerSec: number;
  achievedChecksPerSec: number;
  cpuMicrosPerCheck: number;
  cpuPercentOfOneCore: number;
  rssMiB: number;
  checkLatencyMeanMs: number;
  /** How late runs start against their due time (in-process mode only). */
  latenessMeanMs?: number;
  latenessMaxMs?: number;
  down: LatencySummary;
  up: LatencySummary;
}

interface LatencySummary {
  affected: number;
  detected: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  boundMs: number;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const inWorker = process.argv.includes('--worker');
  const realServers = quick ? 1000 : 10_000;
  const portCount = quick ? 100 : 1000;
  const basePort = 20000 + (process.pid % 1000) * 10;
  const ports = Array.from({ length: portCount }, (_, i) => basePort + i);
  const steadyMs = quick ? 3000 : 8000;

  const schedulerNsPerCycle = Object.fromEntries(
    [1000, 10_000, 100_000].map((n) => [String(n), schedulerCost(n)]),
  );

  const servers = await Promise.all(
    Array.from({ length: SERVER_PROCESSES }, (_, k) =>
      startServers(ports.filter((_, i) => i % SERVER_PROCESSES === k)),
    ),
  );

  const plan = benchPlan(realServers, ports);
  const rsDownAt = new Map<string, number>();
  const rsUpAt = new Map<string, number>();
  const onRealServer = (name: string, alive: boolean) =>
    (alive ? rsUpAt : rsDownAt).set(name, performance.now());
  const harness = inWorker
    ? await workerHarness(plan, onRealServer)
    : await inProcessHarness(plan, onRealServer);

  // Let the spread-out first runs settle (1 s + warmup 0..1 s), then measure a steady window.
  await sleep(2500);
  const cpu0 = process.cpuUsage();
  const counts0 = harness.counts();
  const t0 = performance.now();
  await sleep(steadyMs);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const counts1 = harness.counts();
  const checks = counts1.checks - counts0.checks;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;

  // A quarter of the servers (one child process) goes away, then comes back.
  const victim = servers[0]!;
  const affected = plan.virtualServers
    .flatMap((vs) => vs.realServers)
    .filter((rs) => victim.ports.has(connectPort(rs)))
    .map((rs) => rs.name);
  const killedAt = performance.now();
  victim.child.kill('SIGKILL');
  await sleep(4000);
  const restarted = await startServers([...victim.ports]);
  const backAt = performance.now();
  await sleep(3000);

  await harness.stop();
  for (const s of [restarted, ...servers.slice(1)]) s.child.kill('SIGKILL');

  const timing = plan.virtualServers[0]!.realServers[0]!.checkers[0]!.timing;
  const figures: Figures = {
    schedulerNsPerCycle,
    realServers,
    ports: portCount,
    mode: inWorker ? 'worker' : 'in-process',
    configuredChecksPerSec: realServers / (timing.delayLoopMs / 1000),
    achievedChecksPerSec: round((checks / elapsed) * 1000),
    cpuMicrosPerCheck: round((cpu.user + cpu.system) / checks),
    cpuPercentOfOneCore: round(((cpu.user + cpu.system) / 1000 / elapsed) * 100),
    rssMiB: round(rssMiB),
    checkLatencyMeanMs: round((counts1.latencySumMs - counts0.latencySumMs) / Math.max(1, checks)),
    latenessMeanMs:
      counts1.latenessSumMs === undefined
        ? undefined
        : round((counts1.latenessSumMs - (counts0.latenessSumMs ?? 0)) / Math.max(1, checks)),
    latenessMaxMs: counts1.latenessMaxMs === undefined ? undefined : round(counts1.latenessMaxMs),
    down: detection(affected, rsDownAt, killedAt, timing.delayLoopMs + timing.delayBeforeRetryMs),
    up: detection(affected, rsUpAt, backAt, timing.delayLoopMs),
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } else {
    report(figures);
  }
}

/** Cost of one take + reschedule with n checkers queued, after a warm-up; time jumps to each due. */
function schedulerCost(n: number): number {
  const s = new CheckScheduler({ maxConcurrent: n });
  for (let id = 0; id < n; id++) s.schedule(id, (id * 7919) % 60_000);
  const cycle = (count: number) => {
    let done = 0;
    while (done < count) {
      const now = s.nextDueMs()!;
      for (const id of s.takeDue(now)) {
        s.finish(id, now + 60_000 + (id % 97));
        done++;
      }
    }
    return done;
  };
  cycle(200_000);
  const t0 = process.hrtime.bigint();
  const cycles = cycle(1_000_000);
  return round(Number(process.hrtime.bigint() - t0) / cycles);
}

interface Counts {
  checks: number;
  latencySumMs: number;
  latenessSumMs?: number;
  latenessMaxMs?: number;
}

interface Harness {
  counts(): Counts;
  stop(): Promise<void>;
}

/** A CheckRunner on this thread; real-server changes read from its rs.up / rs.down events. */
async function inProcessHarness(
  plan: CheckPlan,
  onRealServer: (name: string, alive: boolean) => void,
): Promise<Harness> {
  const log = createLogger({
    destination: {
      write(line: string) {
        if (!line.includes('"event":"rs.')) return;
        const rec = JSON.parse(line) as { event: string; realServer: string };
        onRealServer(rec.realServer, rec.event === 'rs.up');
      },
    },
  });
  const runner = new CheckRunner(plan, { log });
  await runner.start();
  return {
    counts: () => {
      const s = runner.stats();
      return {
        checks: s.checks,
        latencySumMs: s.latencySumMs,
        latenessSumMs: s.latenessSumMs,
        latenessMaxMs: s.latenessMaxMs,
      };
    },
    stop: () => runner.stop(),
  };
}

/**
 * startCheckers(): the worker thread and its verdict events, as the daemon uses it. Checks are
 * counted as /metrics counts them, from the figures the worker keeps (read only when sampled).
 */
async function workerHarness(
  plan: CheckPlan,
  onRealServer: (name: string, alive: boolean) => void,
): Promise<Harness> {
  const handle = startCheckers(plan, {
    log: createLogger({ level: 'silent' }),
    workerLog: { level: 'silent' },
  });
  const alive = new Map<string, boolean>();
  handle.on('verdict', (v) => {
    for (const rs of v.realServers) {
      if (alive.get(rs.realServer) !== rs.alive) {
        if (alive.has(rs.realServer)) onRealServer(rs.realServer, rs.alive);
        alive.set(rs.realServer, rs.alive);
      }
    }
  });
  await handle.ready;
  const counts = (): Counts => {
    let checks = 0;
    let latencySumMs = 0;
    for (const c of handle.figures.runCounts()) checks += c.successes + c.failures;
    for (const h of handle.figures.histograms()) latencySumMs += h.sumSeconds * 1000;
    return { checks, latencySumMs };
  };
  return { counts, stop: () => handle.stop() };
}

function benchPlan(count: number, ports: number[]): CheckPlan {
  const perVs = 1000;
  const virtualServers = [];
  let id = 0;
  for (let v = 0; v * perVs < count; v++) {
    const realServers: RealServerPlan[] = [];
    for (let i = v * perVs; i < Math.min(count, (v + 1) * perVs); i++) {
      const address = `10.200.${i >> 8}.${i & 0xff}`;
      realServers.push({
        name: `${address}:80`,
        address,
        port: 80,
        family: 4,
        weight: 1,
        inhibitOnFailure: false,
        checkers: [
          {
            id: id++,
            name: 'TCP_CHECK',
            probe: {
              type: 'TCP_CHECK',
              endpoint: {
                address: '127.0.0.1',
                port: ports[i % ports.length]!,
                family: 4,
                timeoutMs: 5000,
              },
            },
            timing: {
              delayLoopMs: 1000,
              retry: 1,
              delayBeforeRetryMs: 1000,
              warmupMs: 1000,
              alpha: false,
            },
          },
        ],
      });
    }
    virtualServers.push({
      name: `tcp 10.100.0.${v + 1}:80`,
      quorum: 1,
      hysteresis: 0,
      sorryServerInhibit: false,
      realServers,
    });
  }
  return { virtualServers };
}

function connectPort(rs: RealServerPlan): number {
  const probe = rs.checkers[0]!.probe;
  return probe.type === 'TCP_CHECK' ? probe.endpoint.port : -1;
}

async function startServers(
  ports: number[],
): Promise<{ child: ReturnType<typeof fork>; ports: Set<number> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...ports.map(String)], {
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`server child exited ${code}`)));
  });
  return { child, ports: new Set(ports) };
}

function detection(
  affected: string[],
  seenAt: Map<string, number>,
  since: number,
  boundMs: number,
): LatencySummary {
  const lat = affected
    .map((rs) => seenAt.get(rs))
    .filter((t): t is number => t !== undefined && t >= since)
    .map((t) => t - since);
  const s = lat.length > 0 ? summarize(lat) : undefined;
  return {
    affected: affected.length,
    detected: lat.length,
    p50Ms: round(s?.median ?? NaN),
    p99Ms: round(s?.p99 ?? NaN),
    maxMs: round(s?.max ?? NaN),
    boundMs,
  };
}

function report(f: Figures): void {
  const sched = Object.entries(f.schedulerNsPerCycle)
    .map(([n, ns]) => `${n}: ${ns} ns`)
    .join(', ');
  const lines = [
    machineLine(),
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (figures are for a host shared with whatever else runs)`,
    `scheduler cost per check cycle (take + reschedule): ${sched}`,
    `checkers benchmark (${f.mode}): ${f.realServers} real servers (TCP_CHECK, delay_loop 1 s) on ${f.ports} loopback ports`,
    `  checks/s        configured ${f.configuredChecksPerSec}, achieved ${f.achievedChecksPerSec}`,
    `  CPU             ${f.cpuMicrosPerCheck} µs per check (${f.cpuPercentOfOneCore}% of one core, whole process)`,
    `  RSS             ${f.rssMiB} MiB`,
    `  check latency   mean ${f.checkLatencyMeanMs} ms (connect on loopback)`,
    `  run lateness    ${f.latenessMeanMs === undefined ? 'n/a (inside the worker)' : `mean ${f.latenessMeanMs} ms, max ${f.latenessMaxMs} ms`}`,
    `  down detection  ${f.down.detected}/${f.down.affected} seen; p50 ${f.down.p50Ms} ms, p99 ${f.down.p99Ms} ms, max ${f.down.maxMs} ms (bound ${f.down.boundMs} ms + lateness)`,
    `  up detection    ${f.up.detected}/${f.up.affected} seen; p50 ${f.up.p50Ms} ms, p99 ${f.up.p99Ms} ms, max ${f.up.maxMs} ms (bound ${f.up.boundMs} ms + lateness)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
