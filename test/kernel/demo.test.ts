// `npm run demo:kernel` end to end on the VM's IPVS kernel: scripts/demo-kernel.mjs runs two
// keepalived-ts directors with --ipvs kernel on an LVS-DR namespace testbed and sends real client
// traffic through the VIP; its --report holds what it observed (kernel tables read by ipvsadm,
// every client request), which this test checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasCommand, isRoot, skipUnless } from '../helpers/privileged.js';

const skip = skipUnless([
  [isRoot, 'root'],
  [existsSync('/proc/net/ip_vs'), 'a kernel with IPVS (run under scripts/vm-run)'],
  [hasCommand('ipvsadm'), 'ipvsadm'],
  [hasCommand('ip'), 'iproute2'],
]);

/** This build's output directory (dist/ or an engineer's own): DIST/test/kernel/demo.test.js. */
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const demoScript = resolve(dist, '..', 'scripts', 'demo-kernel.mjs');

const VIP = '192.168.0.38';
/** Both directors program this DR service (examples/lvs-dr, summarised). */
const PROGRAMMED = [`TCP ${VIP}:80 rr`, '-> 192.168.0.18:80 Route 1', '-> 192.168.0.28:80 Route 1'];
const RS1 = 'hello from rs1';
const RS2 = 'hello from rs2';

interface Request {
  seq: number;
  /** Start, ms since the epoch (the guest's clock, as the daemons' log times). */
  at: number;
  ms: number;
  body?: string;
  error?: string;
}
interface Dest {
  address: string;
  [column: string]: string;
}
interface Service {
  service: string;
  dests: Dest[];
  [column: string]: unknown;
}
interface Report {
  prefix: string;
  tables: Record<
    'd1AtStart' | 'd2AtStart' | 'd1AfterRsDown' | 'd2AfterFailover' | 'd1AfterStop' | 'd2AfterStop',
    Service[]
  >;
  traffic: Record<'balanced' | 'afterRsDown' | 'failover', Request[]>;
  vipOwner: Record<'balanced' | 'failover', string>;
  sigtermAt: number;
  releasedAt: number;
  takeoverAt: number;
}

/** "TCP VIP:80 rr" with its destinations as "address forward weight". */
function summarise(table: Service[]): string[] {
  return table.flatMap((s) => [
    `${s.service} ${String(s.Scheduler)}`,
    ...s.dests.map((d) => `-> ${d.address} ${d.Forward} ${d.Weight}`),
  ]);
}

test(
  'demo:kernel: rr through the VIP, a failed real server leaves the kernel table, traffic survives failover, all cleaned up',
  { skip, timeout: 240_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-kdemo-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const reportFile = join(dir, 'report.json');
    const started = Date.now();
    const demo = spawn(process.execPath, [demoScript, '--report', reportFile], {
      env: { ...process.env, KTS_DIST: dist },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The demo cleans up after itself on SIGTERM too.
    t.after(() => demo.exitCode === null && demo.kill('SIGTERM'));
    let output = '';
    demo.stdout.on('data', (c: Buffer) => (output += c.toString()));
    demo.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const [code] = (await once(demo, 'exit')) as [number | null];
    assert.equal(code, 0, `the demo failed; its output:\n${output}`);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
    const slowest = Math.max(...report.traffic.failover.map((r) => r.ms));
    t.diagnostic(
      `demo ${((Date.now() - started) / 1000).toFixed(1)} s; VIP unowned for ${report.takeoverAt - report.releasedAt} ms; slowest request across the failover ${slowest} ms`,
    );
    try {
      checkReport(report);
    } catch (err) {
      (err as Error).message += `\n--- the demo's output:\n${output}`;
      throw err;
    }
  },
);

/** The facts the demo must have shown. */
function checkReport(report: Report): void {
  // Both directors programmed the same DR service in their own kernel table.
  assert.deepEqual(summarise(report.tables.d1AtStart), PROGRAMMED);
  assert.deepEqual(summarise(report.tables.d2AtStart), PROGRAMMED);

  // Through the MASTER's VIP, round robin alternates over both real servers.
  const balanced = report.traffic.balanced;
  assert.equal(report.vipOwner.balanced, 'd1');
  assert.ok(balanced.length >= 6);
  assert.deepEqual(
    balanced.filter((r) => r.error),
    [],
  );
  const bodies = balanced.map((r) => r.body);
  assert.deepEqual(new Set(bodies), new Set([RS1, RS2]));
  for (let i = 1; i < bodies.length; i++)
    assert.notEqual(bodies[i], bodies[i - 1], `rr alternates: ${bodies.join(', ')}`);

  // rs2 stopped: the checker removed it from the kernel table, and rs1 takes every request.
  assert.deepEqual(summarise(report.tables.d1AfterRsDown), PROGRAMMED.slice(0, 2));
  assert.deepEqual(
    report.traffic.afterRsDown.map((r) => r.body),
    report.traffic.afterRsDown.map(() => RS1),
  );

  // MASTER stopped while the client kept sending: d2 took the VIP (the client's ARP entry says
  // so, and d2's kernel counted the connections), and requests kept succeeding. A new
  // connection made while nobody held the VIP waits for a SYN retransmission and succeeds; only
  // a request in the middle of its exchange when d1 dropped the VIP can be reset (connection
  // state is not synced between directors), and with one request at a time there is at most
  // one such request.
  const { sigtermAt, releasedAt, takeoverAt } = report;
  assert.ok(sigtermAt <= releasedAt && releasedAt <= takeoverAt, 'SIGTERM, release, takeover');
  const failover = report.traffic.failover;
  const failed = failover.filter((r) => r.error);
  assert.ok(failed.length <= 1, `failed requests: ${JSON.stringify(failed)}`);
  for (const r of failed) assert.ok(r.at < releasedAt, `failed after the VIP left d1: ${r.seq}`);
  const after = failover.filter((r) => r.at > takeoverAt);
  assert.ok(after.length >= 5, `${after.length} requests after the takeover`);
  for (const r of failover.filter((q) => !q.error)) assert.equal(r.body, RS1);
  assert.equal(report.vipOwner.failover, 'd2');
  const [d2Service] = report.tables.d2AfterFailover;
  assert.deepEqual(summarise(report.tables.d2AfterFailover), PROGRAMMED.slice(0, 2));
  const entries = Number(d2Service.dests[0].ActiveConn) + Number(d2Service.dests[0].InActConn);
  assert.ok(entries >= after.length, `d2 has ${entries} connection entries`);

  // Each director released its kernel table on SIGTERM; the demo removed every namespace.
  assert.deepEqual(report.tables.d1AfterStop, []);
  assert.deepEqual(report.tables.d2AfterStop, []);
  const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.startsWith(`${report.prefix}-`));
  assert.deepEqual(left, []);
}
