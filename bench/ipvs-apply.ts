// IPVS apply benchmark, run inside the kernel VM:
//   scripts/vm-run node dist/bench/ipvs-apply.js [--quick] [--trials N] [--json]
// Programs 100 services × 100 destinations (10 × 100 with --quick) into an empty table through the
// reconciler and KernelBackend (one netlink request per entry, as keepalived does, packed many to
// a datagram by the socket), reads the table back, then flushes and has `ipvsadm -R` restore the
// same table in the same boot, reads it back with `ipvsadm -Sn` and clears it. That is one round;
// the figures are the medians of N rounds (default 3, 1 with --quick): the emulated VM shares a
// busy host, and single timings swing by 2× from one round to the next. Everything happens in a
// network namespace of its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { KernelBackend, applyOps } from '../src/ipvs/backend.js';
import { IpvsClient } from '../src/ipvs/client.js';
import { diff } from '../src/ipvs/reconcile.js';
import type { IpvsTable } from '../src/ipvs/types.js';
import { createLogger } from '../src/observe/log.js';
import { benchArgs } from './lib/args.js';
import { summarize } from './lib/stats.js';

const { quick, json, trials } = benchArgs();
/** Rounds (--trials): each programs, reads back and restores the whole table once. */
const ROUNDS = trials ?? (quick ? 1 : 3);
const SERVICES = quick ? 10 : 100;
const DESTS = 100;

/** 10.1.S.1:80 services, each with destinations 10.2.S.D+1:8080, NAT, weight 1..5. */
function benchTable(): IpvsTable {
  return Array.from({ length: SERVICES }, (_, s) => ({
    service: {
      key: { kind: 'addr', family: 4, protocol: 'tcp', address: `10.1.${s}.1`, port: 80 },
      scheduler: 'wrr',
      flags: 0,
      timeout: 0,
      netmask: '255.255.255.255',
    },
    destinations: Array.from({ length: DESTS }, (_, d) => ({
      family: 4,
      address: `10.2.${s}.${d + 1}`,
      port: 8080,
      weight: (d % 5) + 1,
      method: 'nat',
      upperThreshold: 0,
      lowerThreshold: 0,
    })),
  }));
}

/** The same table as an `ipvsadm -R` script. */
function restoreScript(table: IpvsTable): string {
  const lines: string[] = [];
  for (const { service, destinations } of table) {
    if (service.key.kind !== 'addr') throw new Error('bench table holds address services only');
    const vs = `${service.key.address}:${service.key.port}`;
    lines.push(`-A -t ${vs} -s ${service.scheduler}`);
    for (const d of destinations)
      lines.push(`-a -t ${vs} -r ${d.address}:${d.port} -m -w ${d.weight}`);
  }
  return `${lines.join('\n')}\n`;
}

async function timed<T>(run: () => Promise<T> | T): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, performance.now() - start];
}

const median = (values: number[]) => summarize(values).median;

interface Round {
  diffMs: number;
  applyMs: number;
  readMs: number;
  ipvsadmRestoreMs: number;
  ipvsadmSaveMs: number;
}

const netns = `kts-ipvs-bench-${process.pid}`;
execFileSync('ip', ['netns', 'add', netns]);
try {
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  const table = benchTable();
  const destinations = SERVICES * DESTS;
  const script = restoreScript(table);
  const ipvsadm = (args: string[], input?: string) => {
    const r = spawnSync('ip', ['netns', 'exec', netns, 'ipvsadm', ...args], {
      input,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`ipvsadm ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const log = createLogger({ level: 'silent' });
  let operations = 0;

  const round = async (): Promise<Round> => {
    const client = await IpvsClient.open({ netns: `/run/netns/${netns}`, timeoutMs: 30_000 });
    const backend = new KernelBackend(client);
    const [ops, diffMs] = await timed(() => diff(table, []));
    operations = ops.length;
    const [result, applyMs] = await timed(() => applyOps(backend, ops, log));
    if (result.failed.length > 0) throw result.failed[0].error;
    const [readBack, readMs] = await timed(() => backend.read());
    const pending = diff(table, readBack);
    if (pending.length !== 0) throw new Error(`read-back differs: ${pending.length} ops pending`);
    await client.flush();
    client.close();

    const [, ipvsadmRestoreMs] = await timed(() => ipvsadm(['-R'], script));
    const [saved, ipvsadmSaveMs] = await timed(() => ipvsadm(['-Sn']));
    const savedDests = saved.split('\n').filter((l) => l.startsWith('-a ')).length;
    if (savedDests !== destinations) throw new Error(`ipvsadm restored ${savedDests} destinations`);
    ipvsadm(['-C']);
    return { diffMs, applyMs, readMs, ipvsadmRestoreMs, ipvsadmSaveMs };
  };

  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const med = (field: keyof Round) => median(rounds.map((r) => r[field]));
  const applyMs = med('applyMs');
  const readMs = med('readMs');
  const restoreMs = med('ipvsadmRestoreMs');
  const saveMs = med('ipvsadmSaveMs');
  const figures = {
    services: SERVICES,
    destinations,
    operations,
    rounds: rounds.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)])),
    ),
    diffMs: Math.round(med('diffMs')),
    applyMs: Math.round(applyMs),
    opsPerSecond: Math.round(operations / (applyMs / 1000)),
    readMs: Math.round(readMs),
    ipvsadmRestoreMs: Math.round(restoreMs),
    ipvsadmSaveMs: Math.round(saveMs),
    // Per round, then the median: the two sides of one round ran under the same host load.
    applyVsRestore: Number(median(rounds.map((r) => r.applyMs / r.ipvsadmRestoreMs)).toFixed(2)),
    readVsSave: Number(median(rounds.map((r) => r.readMs / r.ipvsadmSaveMs)).toFixed(2)),
  };
  if (json) console.log(JSON.stringify(figures));
  else {
    console.log(
      `IPVS apply: ${SERVICES} services × ${DESTS} destinations (${operations} operations), ` +
        `median of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}`,
    );
    for (const [i, r] of rounds.entries()) {
      console.log(
        `  round ${i + 1}: apply ${Math.round(r.applyMs)} ms vs ipvsadm -R ${Math.round(r.ipvsadmRestoreMs)} ms, ` +
          `read ${Math.round(r.readMs)} ms vs ipvsadm -Sn ${Math.round(r.ipvsadmSaveMs)} ms`,
      );
    }
    console.log(`  keepalived-ts diff          ${figures.diffMs} ms`);
    console.log(
      `  keepalived-ts apply         ${figures.applyMs} ms (${figures.opsPerSecond} ops/s)`,
    );
    console.log(`  keepalived-ts read back     ${figures.readMs} ms`);
    console.log(`  ipvsadm -R (same table)     ${figures.ipvsadmRestoreMs} ms`);
    console.log(`  ipvsadm -Sn (read back)     ${figures.ipvsadmSaveMs} ms`);
    console.log(`ratio apply / ipvsadm -R      ${figures.applyVsRestore}×`);
    console.log(`ratio read / ipvsadm -Sn      ${figures.readVsSave}×`);
  }
} finally {
  execFileSync('ip', ['netns', 'del', netns]);
}
