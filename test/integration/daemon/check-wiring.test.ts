// The checker side as the daemon wires it, in-process with real parts: a Controller driving
// CheckSide (real checker worker, real TCP probes against loopback servers) and IpvsSide (dry-run
// table). Covers verdicts kept across a reload (keepalived#1720), alpha for new real servers,
// check results in /metrics and /status, and ha_suspend following the VIPs the VRRP side reports.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, type LoadResult } from '../../../src/daemon/controller.js';
import { CheckSide, IpvsSide } from '../../../src/daemon/sides.js';
import { DryRunBackend } from '../../../src/ipvs/backend.js';
import { validateEvent } from '../../../src/observe/events.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prom-text.js';
import { captureObserver, HEADER } from '../../unit/daemon/capture.js';
import { configOf } from '../../unit/daemon/configs.js';
import { closedTcpPort, tcpServer, type Running } from '../../fixtures/check/servers.js';

type Rec = Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > end) throw new Error(`${what}: not seen in ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A real server on 127.0.0.1:PORT with one fast TCP_CHECK; `extra` goes in its block. */
function realServer(port: number, extra = ''): string {
  return `    real_server 127.0.0.1 ${port} {
        weight 2
        ${extra}
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
`;
}

function virtualServer(address: string, realServers: string[], settings = ''): string {
  return `virtual_server ${address} 80 {
    delay_loop 0.2
    warmup 0
    lb_algo rr
    lb_kind NAT
    protocol TCP
    ${settings}
${realServers.join('')}}
`;
}

/** A controller with the real check and IPVS sides; its config text can be swapped for reloads. */
function daemon(firstText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-wiring-'));
  const workerLog = join(dir, 'worker.log');
  const cap = captureObserver();
  const ipvs = new IpvsSide(cap.observer, new DryRunBackend(), { reconcileMs: 3_600_000 });
  const check = new CheckSide(cap.observer, (v) => ipvs.verdict(v), {
    workerLog: { destination: workerLog },
  });
  let text = firstText;
  const controller = new Controller({
    configFile: 'keepalived.conf',
    load: (): LoadResult => ({ config: configOf(text), diagnostics: [] }),
    subsystems: [check, ipvs],
    observer: cap.observer,
    header: HEADER,
    sides: { vrrp: false, check: true },
    pidFiles: [],
    release: { releaseVips: true, releaseIpvs: true },
    dumpDir: dir,
  });
  const workerLines = () =>
    existsSync(workerLog) ? readFileSync(workerLog, 'utf8').split('\n').filter(Boolean) : [];
  /** Where both logs are now, for `records(mark)`. */
  const mark = () => ({ main: cap.lines.length, worker: workerLines().length });
  /**
   * Main-thread lines (IPVS) then the worker's (check, rs, quorum) since `from`, each checked
   * against the event schema. The two streams are not interleaved: order across them by `time`.
   */
  const records = (from = { main: 0, worker: 0 }): Rec[] =>
    [...cap.lines.slice(from.main), ...workerLines().slice(from.worker)].map((line) => {
      const v = validateEvent(line);
      assert.ok(v.ok, `${line}: ${v.ok ? '' : v.errors.join('; ')}`);
      return v.record;
    });
  return {
    cap,
    check,
    controller,
    mark,
    records,
    reload: async (next: string) => {
      text = next;
      assert.equal(await controller.reload(), true);
    },
    cleanup: async () => {
      await controller.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const is =
  (event: string, fields: Rec = {}) =>
  (r: Rec): boolean =>
    r.event === event && Object.entries(fields).every(([k, v]) => r[k] === v);

test('reload: a dead real server stays out, survivors keep their verdicts, new ones follow alpha', async () => {
  const servers: Running[] = [];
  const up = await tcpServer(() => undefined);
  const added = await tcpServer(() => undefined);
  const addedAlpha = await tcpServer(() => undefined);
  servers.push(up, added, addedAlpha);
  const dead = await closedTcpPort();
  const deadAlpha = await closedTcpPort();
  const d = daemon(virtualServer('10.0.0.100', [realServer(up.port), realServer(dead)]));
  after(async () => {
    await d.cleanup();
    for (const s of servers) await s.close();
  });
  const vs = 'tcp 10.0.0.100:80';
  const rs = (port: number) => `127.0.0.1:${port}`;

  await d.controller.start();
  await until('dead rs out', () => d.records().find(is('ipvs.dest.del', { dest: rs(dead) })));
  // The live one is checked and stays.
  await until(
    'a success',
    () => d.cap.observer.status.snapshot().virtualServers[0]?.realServers[0]?.checkers[0]?.last,
  );

  // /metrics and /status carry the check results the worker counts (read from its ledger).
  await until(
    'a batched failure',
    () => d.cap.observer.status.snapshot().virtualServers[0]?.realServers[1]?.checkers[0]?.last,
  );
  const metrics = parsePrometheusText(await d.cap.observer.metrics.text());
  const checks = (port: number, result: string) =>
    sampleValue(metrics, 'keepalived_checks_total', {
      virtual_server: vs,
      real_server: rs(port),
      checker: 'TCP_CHECK',
      result,
    }) ?? 0;
  assert.ok(checks(up.port, 'success') >= 1);
  assert.equal(checks(up.port, 'failure'), 0);
  assert.ok(checks(dead, 'failure') >= 1);
  assert.equal(checks(dead, 'success'), 0);
  // The histogram is rendered after the counters, while the worker keeps checking: it has seen
  // at least the runs they count.
  assert.ok(
    sampleValue(metrics, 'keepalived_check_duration_seconds_count', { checker: 'TCP_CHECK' })! >=
      checks(up.port, 'success') + checks(dead, 'failure'),
  );
  const status = d.cap.observer.status.snapshot().virtualServers[0]!;
  const [upStatus, deadStatus] = status.realServers;
  assert.deepEqual(
    [upStatus!.alive, upStatus!.checkers[0]!.up, upStatus!.checkers[0]!.last!.ok],
    [true, true, true],
  );
  assert.deepEqual(
    [deadStatus!.alive, deadStatus!.checkers[0]!.up, deadStatus!.checkers[0]!.last!.ok],
    [false, false, false],
  );
  assert.equal(deadStatus!.checkers[0]!.last!.reason, 'ECONNREFUSED');
  assert.equal(deadStatus!.appliedWeight, 0);

  // SIGHUP adding real servers (a change the checker side has to act on): one without alpha, one
  // with alpha that will pass, one with alpha that never will.
  const mark = d.mark();
  await d.reload(
    virtualServer('10.0.0.100', [
      realServer(up.port),
      realServer(dead),
      realServer(added.port),
      realServer(addedAlpha.port, 'alpha'),
      realServer(deadAlpha, 'alpha'),
    ]),
  );
  const since = () => d.records(mark);
  // Without alpha: in the table with the reload itself, before any check of it.
  const addNow = since().findIndex(is('ipvs.dest.add', { dest: rs(added.port) }));
  assert.ok(addNow >= 0, 'the new real server is added at once');
  // With alpha: added only after its first success.
  await until('alpha rs added', () =>
    since().find(is('ipvs.dest.add', { dest: rs(addedAlpha.port) })),
  );
  const after1 = since();
  const checkUp = after1.find(is('check.up', { realServer: rs(addedAlpha.port) }));
  const joined = after1.find(is('ipvs.dest.add', { dest: rs(addedAlpha.port) }))!;
  assert.ok(checkUp && String(checkUp.time) <= String(joined.time), 'check.up before it joins');
  // Let every checker run a few more rounds (0.2 s delay_loop) after the new worker's first runs.
  await sleep(1500);
  const after2 = since();
  for (const port of [dead, deadAlpha]) {
    assert.equal(after2.filter(is('ipvs.dest.add', { dest: rs(port) })).length, 0, rs(port));
    assert.equal(after2.filter(is('check.up', { realServer: rs(port) })).length, 0, rs(port));
  }
  // The dead one was down already: nothing to report again. The survivors report nothing either.
  for (const port of [dead, up.port]) {
    assert.deepEqual(
      after2.filter((r) => r.realServer === rs(port) || r.dest === rs(port)).map((r) => r.event),
      [],
      rs(port),
    );
  }
  // The new worker counts on from where the old one stopped: no counter went back to 0.
  const rerun = parsePrometheusText(await d.cap.observer.metrics.text());
  const deadLabels = {
    virtual_server: vs,
    real_server: rs(dead),
    checker: 'TCP_CHECK',
    result: 'failure',
  };
  assert.ok(sampleValue(rerun, 'keepalived_checks_total', deadLabels)! > checks(dead, 'failure'));
  // An alpha server that never passed was never in the table: nothing to remove.
  assert.equal(after2.filter(is('ipvs.dest.del', { dest: rs(deadAlpha) })).length, 0);
  assert.equal(
    d.cap.observer.status
      .snapshot()
      .virtualServers[0]!.realServers.find((r) => r.name === rs(dead))!.alive,
    false,
  );
});

test('ha_suspend: checkers run only while the virtual server address is a VIP we hold', async () => {
  const dead = await closedTcpPort();
  // TEST-NET-2: not configured on this host, so only the VIP events make it local.
  const vip = '198.51.100.7';
  const d = daemon(virtualServer(vip, [realServer(dead)], 'ha_suspend'));
  after(() => d.cleanup());
  const vs = `tcp ${vip}:80`;
  const checksRun = async () =>
    sampleValue(
      parsePrometheusText(await d.cap.observer.metrics.text()),
      'keepalived_checks_total',
      {
        virtual_server: vs,
        real_server: `127.0.0.1:${dead}`,
        checker: 'TCP_CHECK',
        result: 'failure',
      },
    ) ?? 0;

  await d.controller.start();
  assert.ok(!d.check.localAddresses().includes(vip));
  // Past the 1 s bootstrap delay and a batch period: suspended, nothing ran, still alive.
  await sleep(2500);
  assert.equal(await checksRun(), 0);
  assert.equal(d.records().filter(is('check.down')).length, 0);

  // The VRRP side adds the VIP: the checkers run at once and find the server dead.
  const addedAt = Date.now();
  d.cap.observer.vipAdded('VI_1', `${vip}/32`, 'eth0');
  assert.ok(d.check.localAddresses().includes(vip));
  await until('rs.down', () => d.records().find(is('rs.down', { virtualServer: vs })));
  assert.ok(Date.now() - addedAt < 1000, 'checked right after the VIP arrived');

  // The VIP goes: checking stops again. One probe may still be in flight and one batch pending.
  d.cap.observer.vipRemoved('VI_1', `${vip}/32`, 'eth0');
  await sleep(1500);
  const stopped = await checksRun();
  assert.ok(stopped >= 1);
  await sleep(1500);
  assert.equal(await checksRun(), stopped, 'no checks while the VIP is away');
});
