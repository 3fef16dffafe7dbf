// IPVS apply benchmark, run inside the kernel VM:
//   scripts/vm-run node dist/bench/ipvs-apply.js [--quick] [--json]
// Programs 100 services × 100 destinations (10 × 100 with --quick) into an empty table through the
// reconciler and KernelBackend (one netlink request per entry, as keepalived does), reads the table
// back, then flushes and has `ipvsadm -R` restore the same table in the same boot, and reads it
// back with `ipvsadm -Sn`. Everything happens in a network namespace of its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { KernelBackend, applyOps } from '../src/ipvs/backend.js';
import { IpvsClient } from '../src/ipvs/client.js';
import { diff } from '../src/ipvs/reconcile.js';
import type { IpvsTable } from '../src/ipvs/types.js';
import { createLogger } from '../src/observe/log.js';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
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

const netns = `kts-ipvs-bench-${process.pid}`;
execFileSync('ip', ['netns', 'add', netns]);
try {
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  const table = benchTable();
  const destinations = SERVICES * DESTS;
  const client = await IpvsClient.open({ netns: `/run/netns/${netns}`, timeoutMs: 30_000 });
  const backend = new KernelBackend(client);
  const log = createLogger({ level: 'silent' });

  const [ops, diffMs] = await timed(() => diff(table, []));
  const [result, applyMs] = await timed(() => applyOps(backend, ops, log));
  if (result.failed.length > 0) throw result.failed[0].error;
  const [readBack, readMs] = await timed(() => backend.read());
  const pending = diff(table, readBack);
  if (pending.length !== 0) throw new Error(`read-back differs: ${pending.length} ops pending`);
  await client.flush();
  client.close();

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
  const [, restoreMs] = await timed(() => ipvsadm(['-R'], script));
  const [saved, saveMs] = await timed(() => ipvsadm(['-Sn']));
  const savedDests = saved.split('\n').filter((l) => l.startsWith('-a ')).length;
  if (savedDests !== destinations) throw new Error(`ipvsadm restored ${savedDests} destinations`);

  const figures = {
    services: SERVICES,
    destinations,
    operations: ops.length,
    diffMs: Math.round(diffMs),
    applyMs: Math.round(applyMs),
    opsPerSecond: Math.round(ops.length / (applyMs / 1000)),
    readMs: Math.round(readMs),
    ipvsadmRestoreMs: Math.round(restoreMs),
    ipvsadmSaveMs: Math.round(saveMs),
    applyVsRestore: Number((applyMs / restoreMs).toFixed(2)),
    readVsSave: Number((readMs / saveMs).toFixed(2)),
  };
  if (json) console.log(JSON.stringify(figures));
  else {
    console.log(
      `IPVS apply: ${SERVICES} services × ${DESTS} destinations (${ops.length} operations)`,
    );
    console.log(`  keepalived-ts diff          ${figures.diffMs} ms`);
    console.log(
      `  keepalived-ts apply         ${figures.applyMs} ms (${figures.opsPerSecond} ops/s)`,
    );
    console.log(`  keepalived-ts read back     ${figures.readMs} ms`);
    console.log(`  ipvsadm -R (same table)     ${figures.ipvsadmRestoreMs} ms`);
    console.log(`  ipvsadm -Sn (read back)     ${figures.ipvsadmSaveMs} ms`);
    console.log(`  apply / ipvsadm -R          ${figures.applyVsRestore}×`);
    console.log(`  read / ipvsadm -Sn          ${figures.readVsSave}×`);
  }
} finally {
  execFileSync('ip', ['netns', 'del', netns]);
}
