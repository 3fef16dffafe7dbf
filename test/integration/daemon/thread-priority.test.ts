// global_defs vrrp_priority / checker_priority as the daemon applies them: the VRRP (main) thread
// and the checker worker thread each at their own nice value, read back from /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../../src/daemon/controller.js';
import { CheckSide } from '../../../src/daemon/sides.js';
import { VrrpSide } from '../../../src/daemon/vrrp-side.js';
import { validateEvent } from '../../../src/observe/events.js';
import { closedTcpPort } from '../../fixtures/check/servers.js';
import { isRoot, skipUnless } from '../../helpers/privileged.js';
import { captureObserver, HEADER } from '../../unit/daemon/capture.js';
import { configOf } from '../../unit/daemon/configs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function threadNice(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19 - 3]);
}

/** Starts the VRRP and check sides on `globalDefs`; returns the nice values each thread ended at. */
async function niceValues(globalDefs: string): Promise<{ vrrp: number; checker: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-daemon-nice-'));
  const workerLog = join(dir, 'worker.log');
  const startNice = getPriority(0);
  const cap = captureObserver();
  const port = await closedTcpPort();
  const text = `global_defs {\n${globalDefs}\n}\nvirtual_server 10.0.0.100 80 {\n  delay_loop 60\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 127.0.0.1 ${port} {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n`;
  const controller = new Controller({
    configFile: 'keepalived.conf',
    load: () => ({ config: configOf(text), diagnostics: [] }),
    subsystems: [
      new VrrpSide(cap.observer),
      new CheckSide(cap.observer, () => undefined, { workerLog: { destination: workerLog } }),
    ],
    observer: cap.observer,
    header: HEADER,
    sides: { vrrp: true, check: true },
    pidFiles: [],
    release: { releaseVips: true, releaseIpvs: true },
    dumpDir: dir,
  });
  try {
    await controller.start();
    const niceEvent = () =>
      (existsSync(workerLog) ? readFileSync(workerLog, 'utf8').trim().split('\n') : [])
        .map((l) => validateEvent(l))
        .flatMap((v) => (v.ok && v.record.event === 'thread.nice' ? [v.record] : []));
    for (let i = 0; i < 200 && niceEvent().length === 0; i++) await sleep(20);
    const [record] = niceEvent();
    assert.ok(record, 'the worker logged thread.nice');
    const main = cap.events().filter((e) => e.event === 'thread.nice');
    assert.deepEqual(
      main.map((e) => [e.thread, e.tid]),
      [['vrrp', process.pid]],
    );
    return { vrrp: threadNice(process.pid), checker: threadNice(record.tid as number) };
  } finally {
    await controller.stop();
    setPriority(process.pid, startNice);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rootOnly = { skip: skipUnless([[isRoot, 'root (lowering a nice value back)']]) };

test('vrrp_priority and checker_priority: each thread at its own value', rootOnly, async () => {
  assert.deepEqual(await niceValues('vrrp_priority -7\nchecker_priority 5'), {
    vrrp: -7,
    checker: 5,
  });
});

test('vrrp_priority alone: the checker worker does not inherit it', rootOnly, async () => {
  const start = getPriority(0);
  assert.deepEqual(await niceValues('vrrp_priority -7'), { vrrp: -7, checker: start });
});
