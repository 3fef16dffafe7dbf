// vrrp_priority / checker_priority: nice values per thread, checked in /proc/self/task/*/stat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { startCheckers } from '../../../src/check/supervisor.js';
import { currentThreadId, setThreadNice } from '../../../src/check/thread-priority.js';
import { validateEvent } from '../../../src/observe/events.js';
import { buildPlan } from '../../fixtures/check/plans.js';
import { captureLog } from '../../fixtures/check/log-capture.js';
import { closedTcpPort } from '../../fixtures/check/servers.js';
import { isRoot, skipUnless } from '../../helpers/privileged.js';
import { STAT_FIELD, taskStat } from '../../helpers/proc-stat.js';

/** Nice value of every thread of this process, by tid. */
function niceByThread(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task').map(Number))
    out.set(tid, taskStat(tid)(STAT_FIELD.nice));
  return out;
}

/** Raising a nice value back down needs CAP_SYS_NICE: these tests set and restore them. */
const rootOnly = { skip: skipUnless([[isRoot, 'root (lowering a nice value back)']]) };

test('currentThreadId is the tid of the calling thread', () => {
  assert.equal(currentThreadId(), process.pid, 'the main thread is the thread group leader');
  assert.ok(niceByThread().has(currentThreadId()));
});

test('os.setPriority(0, n) changes the calling thread only, on Linux', rootOnly, async () => {
  const before = niceByThread();
  // A worker thread sets 0 → 9 for itself and reports its tid.
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const { setPriority } = require('node:os');
     import(workerData).then(({ currentThreadId }) => {
       setPriority(0, 9);
       parentPort.postMessage(currentThreadId());
       parentPort.once('message', () => process.exit(0));
     });`,
    {
      eval: true,
      workerData: new URL('../../../src/check/thread-priority.js', import.meta.url).href,
    },
  );
  const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  try {
    const after = niceByThread();
    assert.equal(after.get(tid), 9);
    for (const [other, nice] of after) {
      if (other !== tid) assert.equal(nice, before.get(other) ?? nice, `thread ${other}`);
    }
    assert.equal(after.get(process.pid), before.get(process.pid), 'the main thread is untouched');
  } finally {
    worker.postMessage('exit');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
});

test('setThreadNice on the main thread leaves the other threads alone', rootOnly, () => {
  const before = niceByThread();
  try {
    assert.deepEqual(setThreadNice(-5), { ok: true, tid: process.pid });
    const after = niceByThread();
    assert.equal(after.get(process.pid), -5);
    for (const [tid, nice] of after) {
      if (tid !== process.pid && before.has(tid))
        assert.equal(nice, before.get(tid), `thread ${tid}`);
    }
  } finally {
    setPriority(process.pid, before.get(process.pid)!);
  }
});

test(
  'the checker worker sets checker_priority on its own thread and logs thread.nice',
  rootOnly,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-check-nice-'));
    const logPath = join(dir, 'worker.log');
    const mainBefore = niceByThread().get(process.pid);
    const plan = buildPlan({ realServers: [{ port: await closedTcpPort() }] });
    const { log } = captureLog();
    const handle = startCheckers(plan, { log, workerLog: { destination: logPath }, nice: 7 });
    try {
      await handle.ready;
      const lines = readFileSync(logPath, 'utf8').trim().split('\n');
      const record = lines
        .map((l) => validateEvent(l))
        .map((v) => {
          assert.ok(v.ok);
          return v.record;
        })
        .find((r) => r.event === 'thread.nice')!;
      assert.deepEqual([record.thread, record.nice], ['checker', 7]);
      assert.equal(niceByThread().get(record.tid as number), 7);
      assert.equal(niceByThread().get(process.pid), mainBefore, 'the VRRP thread keeps its own');
    } finally {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a refused nice value is reported, not thrown (unprivileged process)', rootOnly, () => {
  // As nobody, lowering the nice value (raising priority) is not permitted.
  const moduleUrl = new URL('../../../src/check/thread-priority.js', import.meta.url);
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { setThreadNice } = await import(${JSON.stringify(moduleUrl.href)});
       process.stdout.write(JSON.stringify(setThreadNice(-10)));`,
    ],
    { uid: 65534, gid: 65534, encoding: 'utf8', cwd: '/' },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { ok: false, error: 'EACCES' });
});
