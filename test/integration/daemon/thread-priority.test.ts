// global_defs vrrp_priority / checker_priority and vrrp_rt_priority / checker_rt_priority as the
// daemon applies them: the VRRP (main) thread and the checker worker thread each at their own nice
// value and scheduling policy, read back from /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller } from '../../../src/daemon/controller.js';
import { CheckSide } from '../../../src/daemon/sides.js';
import { VrrpSide } from '../../../src/daemon/vrrp-side.js';
import { loadNative } from '../../../src/net/native.js';
import { validateEvent } from '../../../src/observe/events.js';
import { closedTcpPort } from '../../fixtures/check/servers.js';
import { isRoot, skipUnless } from '../../helpers/privileged.js';
import { STAT_FIELD, taskStat } from '../../helpers/proc-stat.js';
import { captureObserver, HEADER } from '../../unit/daemon/capture.js';
import { configOf } from '../../unit/daemon/configs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface ThreadScheduling {
  nice: number;
  /** 0 SCHED_OTHER, 2 SCHED_RR */
  policy: number;
  rtPriority: number;
}

function schedulingOf(tid: number): ThreadScheduling {
  const field = taskStat(tid);
  return {
    nice: field(STAT_FIELD.nice),
    policy: field(STAT_FIELD.policy),
    rtPriority: field(STAT_FIELD.rtPriority),
  };
}

/** The soft RLIMIT_RTTIME of this process, microseconds, or 'unlimited'. */
function realtimeCpuLimit(): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max realtime timeout'));
  return line!.split(/\s{2,}/)[1];
}

/** Starts the VRRP and check sides on `globalDefs`; returns how each thread ended up scheduled. */
async function threadScheduling(
  globalDefs: string,
): Promise<{ vrrp: ThreadScheduling; checker: ThreadScheduling }> {
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
    // The main thread logs what it set, naming itself. (A realtime main thread may also log
    // thread.rttime: SIGXCPU when start-up work ran past the soft limit without blocking, which
    // depends on the host's load, not on what was set.)
    const main = cap
      .events()
      .filter((e) => e.event === 'thread.nice' || e.event === 'thread.realtime');
    assert.deepEqual(
      main.map((e) => [e.event, e.thread, e.tid]),
      [
        ...(/vrrp_priority/.test(globalDefs) ? [['thread.nice', 'vrrp', process.pid]] : []),
        ...(/vrrp_rt_priority/.test(globalDefs) ? [['thread.realtime', 'vrrp', process.pid]] : []),
      ],
    );
    return { vrrp: schedulingOf(process.pid), checker: schedulingOf(record.tid as number) };
  } finally {
    await controller.stop();
    setPriority(process.pid, startNice);
    loadNative().setThreadRealtime(0);
    rmSync(dir, { recursive: true, force: true });
  }
}

const rootOnly = { skip: skipUnless([[isRoot, 'root (lowering a nice value back)']]) };
const normal = (nice: number): ThreadScheduling => ({ nice, policy: 0, rtPriority: 0 });

test('vrrp_priority and checker_priority: each thread at its own value', rootOnly, async () => {
  assert.deepEqual(await threadScheduling('vrrp_priority -7\nchecker_priority 5'), {
    vrrp: normal(-7),
    checker: normal(5),
  });
});

test('vrrp_priority alone: the checker worker does not inherit it', rootOnly, async () => {
  const start = getPriority(0);
  assert.deepEqual(await threadScheduling('vrrp_priority -7'), {
    vrrp: normal(-7),
    checker: normal(start),
  });
});

test(
  'vrrp_rt_priority: the VRRP thread alone runs SCHED_RR; RLIMIT_RTTIME soft limit set',
  rootOnly,
  async () => {
    const start = getPriority(0);
    // checker_priority 0 only makes the worker log its thread id.
    const threads = await threadScheduling(
      'vrrp_rt_priority 7\nvrrp_rlimit_rttime 40000\nchecker_priority 0',
    );
    assert.deepEqual(threads, {
      vrrp: { nice: start, policy: 2, rtPriority: 7 },
      // Created after the VRRP thread went realtime: SCHED_RESET_ON_FORK keeps it normal.
      checker: normal(0),
    });
    // Half the configured limit, as keepalived's soft limit; the hard limit stays unlimited.
    assert.equal(realtimeCpuLimit(), '20000');
  },
);

test('checker_rt_priority: the checker worker alone runs SCHED_RR', rootOnly, async () => {
  const start = getPriority(0);
  assert.deepEqual(await threadScheduling('checker_rt_priority 3\nchecker_priority 0'), {
    vrrp: normal(start),
    checker: { nice: 0, policy: 2, rtPriority: 3 },
  });
});

test(
  'reload re-applies the VRRP thread settings as keepalived restore_priority does',
  rootOnly,
  async () => {
    const start = getPriority(0);
    const dir = mkdtempSync(join(tmpdir(), 'kts-daemon-retune-'));
    const cap = captureObserver();
    let globalDefs = 'vrrp_priority -4';
    const controller = new Controller({
      configFile: 'keepalived.conf',
      load: () => ({ config: configOf(`global_defs {\n${globalDefs}\n}\n`), diagnostics: [] }),
      subsystems: [new VrrpSide(cap.observer)],
      observer: cap.observer,
      header: HEADER,
      sides: { vrrp: true, check: false },
      pidFiles: [],
      release: { releaseVips: true, releaseIpvs: true },
      dumpDir: dir,
    });
    const reloadWith = async (text: string): Promise<ThreadScheduling> => {
      globalDefs = text;
      assert.equal(await controller.reload(), true);
      return schedulingOf(process.pid);
    };
    try {
      await controller.start();
      assert.deepEqual(schedulingOf(process.pid), normal(-4));
      // vrrp_priority changed, then removed: back to the nice value the daemon started with.
      assert.deepEqual(await reloadWith('vrrp_priority -2'), normal(-2));
      assert.deepEqual(await reloadWith(''), normal(start));
      // Realtime only goes up: 5, then 8; a lower vrrp_rt_priority leaves 8.
      assert.deepEqual(await reloadWith('vrrp_rt_priority 5'), {
        ...normal(start),
        policy: 2,
        rtPriority: 5,
      });
      assert.deepEqual(await reloadWith('vrrp_rt_priority 8'), {
        ...normal(start),
        policy: 2,
        rtPriority: 8,
      });
      assert.deepEqual(await reloadWith('vrrp_rt_priority 3'), {
        ...normal(start),
        policy: 2,
        rtPriority: 8,
      });
      // ...down to a lower max_auto_priority, and off with max_auto_priority -1.
      assert.deepEqual(await reloadWith('max_auto_priority 2'), {
        ...normal(start),
        policy: 2,
        rtPriority: 2,
      });
      assert.deepEqual(await reloadWith('max_auto_priority -1'), normal(start));
      assert.deepEqual(
        cap
          .events()
          .filter((e) => e.event === 'thread.nice' || e.event === 'thread.realtime')
          .map((e) => [e.event, e.nice ?? e.priority]),
        [
          ['thread.nice', -4],
          ['thread.nice', -2],
          ['thread.nice', start],
          ['thread.realtime', 5],
          ['thread.realtime', 8],
          ['thread.realtime', 2],
          ['thread.realtime', 0],
        ],
      );
    } finally {
      await controller.stop();
      setPriority(process.pid, start);
      loadNative().setThreadRealtime(0);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
