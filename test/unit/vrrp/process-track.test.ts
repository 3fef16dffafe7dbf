// vrrp_track_process: matching, the quorum machine with its delays (keepalived 2.2.7
// core/track_process.c), and the /proc shell against real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  initialQuorumState,
  matchChanges,
  processMatches,
  quorumStep,
  type ProcessInfo,
  type ProcessMatchSpec,
  type QuorumChange,
  type QuorumPolicy,
  type QuorumState,
} from '../../../src/vrrp/process-track.js';
import { ProcessMonitor, readProcesses } from '../../../src/vrrp/process-tracker.js';
import { trackedPriority } from '../../../src/vrrp/track.js';
import { monotonicClock } from '../../../src/vrrp/deadlines.js';
import { waitUntil } from '../../helpers/vrrp-nodes.js';

const proc = (comm: string, argv: string[] = [comm], pid = 10, ppid = 1): ProcessInfo => ({
  pid,
  ppid,
  comm,
  cmdline: Buffer.from(argv.map((a) => `${a}\0`).join('')),
});
const match = (spec: Partial<ProcessMatchSpec> & { process: string }, p: ProcessInfo) =>
  processMatches({ params: [], fullCommand: false, ...spec }, p);

test('a name matches /proc/PID/comm whole: no pattern, no prefix', () => {
  assert.equal(match({ process: 'ssh' }, proc('ssh')), true);
  assert.equal(match({ process: 'ssh' }, proc('sshd')), false);
  assert.equal(match({ process: 'ss' }, proc('ssh')), false);
  assert.equal(match({ process: '/usr/bin/ssh' }, proc('ssh', ['/usr/bin/ssh'])), false);
});

test('full_command matches argv[0] of /proc/PID/cmdline', () => {
  const p = proc('sleep', ['/usr/bin/sleep', '100']);
  assert.equal(match({ process: '/usr/bin/sleep', fullCommand: true }, p), true);
  assert.equal(match({ process: 'sleep', fullCommand: true }, p), false);
  assert.equal(match({ process: 'x', fullCommand: true }, { pid: 1, ppid: 0, comm: 'x' }), false);
});

test('param_match: exact, partial (first ones), initial (the last may be longer)', () => {
  const p = proc('nginx', ['nginx', '-c', '/etc/nginx.conf', '-g']);
  const spec = (params: string[], paramMatch: ProcessMatchSpec['paramMatch']) => ({
    process: 'nginx',
    params,
    fullCommand: true,
    paramMatch,
  });
  assert.equal(match(spec(['-c', '/etc/nginx.conf', '-g'], 'exact'), p), true);
  assert.equal(match(spec(['-c', '/etc/nginx.conf'], 'exact'), p), false);
  assert.equal(match(spec(['-c', '/etc/nginx.conf'], 'partial'), p), true);
  assert.equal(match(spec(['-c', '/etc/nginx'], 'partial'), p), false);
  assert.equal(match(spec(['-c', '/etc/nginx'], 'initial'), p), true);
  assert.equal(match(spec(['-c', '/etc/apache'], 'initial'), p), false);
  // No parameters: exact wants none, partial and initial take any.
  assert.equal(match(spec([], 'exact'), p), false);
  assert.equal(match(spec([], 'exact'), proc('nginx')), true);
  assert.equal(match(spec([], 'partial'), p), true);
  assert.equal(match(spec([], 'initial'), p), true);
});

const policy = (o: Partial<QuorumPolicy> = {}): QuorumPolicy => ({
  quorum: 1,
  quorumMax: Infinity,
  forkDelayMs: 0,
  terminateDelayMs: 0,
  ...o,
});

/** Feeds changes at the given times; returns the verdict after each. */
function run(p: QuorumPolicy, count: number, steps: Array<[QuorumChange['type'], number]>) {
  let s: QuorumState = initialQuorumState(p, count);
  return steps.map(([type, at]) => {
    s = quorumStep(p, s, { type }, at).state;
    return { up: s.up, count: s.count, timer: s.timer?.kind };
  });
}

test('quorum..quorum_max is up; crossing either bound flips at once without delays', () => {
  const p = policy({ quorum: 2, quorumMax: 3 });
  assert.equal(initialQuorumState(p, 1).up, false);
  assert.equal(initialQuorumState(p, 2).up, true);
  assert.equal(initialQuorumState(p, 4).up, false);
  assert.deepEqual(
    run(p, 1, [
      ['exec', 0],
      ['fork', 0],
      ['exec', 0],
      ['exit', 0],
      ['unmatch', 0],
      ['exit', 0],
    ]).map((r) => r.up),
    [true, true, false, true, true, false],
  );
});

test('quorum_max 0 (quorum 0): up while none runs', () => {
  const p = policy({ quorum: 0, quorumMax: 0 });
  assert.equal(initialQuorumState(p, 0).up, true);
  assert.deepEqual(
    run(p, 0, [
      ['exec', 0],
      ['exit', 0],
    ]).map((r) => r.up),
    [false, true],
  );
});

test('terminate_delay holds a loss back; a process coming back cancels it', () => {
  const p = policy({ terminateDelayMs: 500 });
  let s = initialQuorumState(p, 1);
  let r = quorumStep(p, s, { type: 'exit' }, 1000);
  assert.deepEqual(r, {
    state: { count: 0, up: true, timer: { kind: 'terminate', at: 1500 } },
    changed: false,
  });
  s = r.state;
  r = quorumStep(p, s, { type: 'exec' }, 1200);
  assert.deepEqual(r, { state: { count: 1, up: true }, changed: false });
  // Not back in time: the timer decides.
  r = quorumStep(
    p,
    quorumStep(p, initialQuorumState(p, 1), { type: 'exit' }, 0).state,
    { type: 'timer' },
    500,
  );
  assert.deepEqual(r, { state: { count: 0, up: false }, changed: true });
});

test('fork_delay holds back a gain by fork only; an exit cancels it', () => {
  const p = policy({ forkDelayMs: 300 });
  assert.deepEqual(run(p, 0, [['exec', 0]]), [{ up: true, count: 1, timer: undefined }]);
  assert.deepEqual(
    run(p, 0, [
      ['fork', 0],
      ['timer', 300],
    ]),
    [
      { up: false, count: 1, timer: 'fork' },
      { up: true, count: 1, timer: undefined },
    ],
  );
  assert.deepEqual(
    run(p, 0, [
      ['fork', 0],
      ['exit', 100],
    ]),
    [
      { up: false, count: 1, timer: 'fork' },
      { up: false, count: 0, timer: undefined },
    ],
  );
});

test('an unmatch (rename) is not delayed by terminate_delay', () => {
  const p = policy({ terminateDelayMs: 500 });
  assert.deepEqual(run(p, 1, [['unmatch', 0]]), [{ up: false, count: 0, timer: undefined }]);
});

test('property: without delays the verdict is always quorum..quorum_max of the count', () => {
  const change = fc.constantFrom<QuorumChange['type']>('fork', 'exec', 'exit', 'unmatch');
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 6 }),
      fc.integer({ min: 0, max: 6 }),
      fc.array(change, { maxLength: 30 }),
      (quorum, extra, start, types) => {
        const p = policy({ quorum, quorumMax: quorum + extra });
        let s = initialQuorumState(p, start);
        for (const type of types) {
          if (s.count === 0 && (type === 'exit' || type === 'unmatch')) continue;
          s = quorumStep(p, s, { type }, 0).state;
          assert.equal(s.up, s.count >= p.quorum && s.count <= p.quorumMax);
          assert.equal(s.timer, undefined);
        }
      },
    ),
  );
});

test('matchChanges: forks by parent, exits vs unmatches by liveness, replacements cancel out', () => {
  const at = (pid: number, ppid = 1) => proc('d', ['d'], pid, ppid);
  assert.deepEqual(matchChanges(new Set([5]), new Set([5, 6, 7]), [at(5), at(6, 5), at(7)]), [
    { type: 'exec' },
    { type: 'fork' },
  ]);
  assert.deepEqual(matchChanges(new Set([5, 6]), new Set([6]), []), [
    { type: 'unmatch' },
    { type: 'exit' },
  ]);
  // 5 went, 8 came: a restart inside one poll interval moves nothing.
  assert.deepEqual(matchChanges(new Set([5]), new Set([8]), [at(8)]), []);
  // 5 went, a fork of 6 and a new 9 came: the exec pairs with the exit, the fork remains.
  assert.deepEqual(matchChanges(new Set([5, 6]), new Set([6, 7, 9]), [at(6), at(7, 6), at(9)]), [
    { type: 'fork' },
  ]);
});

test('readProcesses sees a real child with its comm, parent and command line', async () => {
  const arg = `1000.${process.pid}1`;
  const child = spawn('sleep', [arg], { stdio: 'ignore' });
  try {
    await waitUntil(
      () => readProcesses(true).some((p) => p.pid === child.pid && p.comm === 'sleep'),
      2000,
      'the child to exec sleep',
    );
    const mine = readProcesses(true).find((p) => p.pid === child.pid)!;
    assert.equal(mine.ppid, process.pid);
    assert.deepEqual(mine.cmdline, Buffer.from(`sleep\0${arg}\0`));
    assert.equal(readProcesses(false).find((p) => p.pid === child.pid)?.cmdline, undefined);
  } finally {
    child.kill('SIGKILL');
  }
});

test('readProcesses: comm between the first ( and the last ), zombies skipped', () => {
  const root = mkdtempSync(join(tmpdir(), 'kts-vrrp3-proc-'));
  const stat = (pid: number, text: string) => {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'stat'), text);
  };
  try {
    stat(12, '12 (a) b) S 7 12 12 0 -1\n');
    stat(13, '13 (gone) Z 7 13 13 0 -1\n');
    stat(14, '14 (web content) R 12 14 14 0 -1\n');
    mkdirSync(join(root, 'self'));
    mkdirSync(join(root, '15')); // ended between readdir and read: no stat
    assert.deepEqual(
      readProcesses(false, root).sort((a, b) => a.pid - b.pid),
      [
        { pid: 12, ppid: 7, comm: 'a) b' },
        { pid: 14, ppid: 12, comm: 'web content' },
      ],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('ProcessMonitor: a real process started and killed flips the quorum', async () => {
  const arg = `1000.${process.pid}2`;
  const flips: Array<{ up: boolean; count: number }> = [];
  const monitor = new ProcessMonitor(monotonicClock, {
    onChange: (_name, v) => flips.push(v),
    onSource: () => undefined,
    pollMs: 20,
    connector: false,
  });
  monitor.configure([
    {
      name: 'tp',
      process: 'sleep',
      params: [arg],
      paramMatch: 'exact',
      fullCommand: true,
      quorum: 1,
      forkDelayMs: 0,
      terminateDelayMs: 0,
    },
  ]);
  const child = spawn('sleep', [arg], { stdio: 'ignore' });
  try {
    assert.deepEqual(monitor.verdict('tp'), { up: false, count: 0 });
    await waitUntil(() => flips.length === 1, 2000, 'quorum gained');
    assert.deepEqual(flips, [{ up: true, count: 1 }]);
    child.kill('SIGKILL');
    await waitUntil(() => flips.length === 2, 2000, 'quorum lost');
    assert.deepEqual(flips[1], { up: false, count: 0 });
  } finally {
    child.kill('SIGKILL');
    monitor.stop();
  }
});

test('ProcessMonitor: terminate_delay keeps a killed process counted as up until it expires', async () => {
  const arg = `1000.${process.pid}4`;
  const flips: Array<{ at: number; up: boolean }> = [];
  const monitor = new ProcessMonitor(monotonicClock, {
    onChange: (_name, v) => flips.push({ at: performance.now(), up: v.up }),
    onSource: () => undefined,
    pollMs: 20,
    connector: false,
  });
  const child = spawn('sleep', [arg], { stdio: 'ignore' });
  try {
    await waitUntil(
      () => readProcesses(true).some((p) => p.pid === child.pid && p.comm === 'sleep'),
      2000,
      'the child to exec sleep',
    );
    monitor.configure([
      {
        name: 'tp',
        process: 'sleep',
        params: [arg],
        paramMatch: 'exact',
        fullCommand: true,
        quorum: 1,
        forkDelayMs: 0,
        terminateDelayMs: 300,
      },
    ]);
    assert.deepEqual(monitor.verdict('tp'), { up: true, count: 1 });
    const killed = performance.now();
    child.kill('SIGKILL');
    await waitUntil(() => monitor.verdict('tp')?.count === 0, 2000, 'the exit to be seen');
    assert.equal(monitor.verdict('tp')?.up, true, 'still up inside terminate_delay');
    await waitUntil(() => flips.length === 1, 2000, 'terminate_delay to expire');
    assert.equal(flips[0].up, false);
    assert.ok(flips[0].at - killed >= 300, `lost after ${flips[0].at - killed} ms`);
  } finally {
    child.kill('SIGKILL');
    monitor.stop();
  }
});

test('the matches keepalived 2.2.7 counted for `sleep 1000.77 1` (effective priority 100 → 113)', () => {
  // keepalived -n -l -D with these five trackers (weights 1, 2, 4, 8, 16) on an instance of
  // priority 100 logged "Changing effective priority from 100 to 113": a, c and d matched.
  const running = proc('sleep', ['sleep', '1000.77', '1']);
  const trackers: Array<[ProcessMatchSpec, number]> = [
    [{ process: 'sleep', params: [], fullCommand: false }, 1],
    [{ process: 'sleep', params: ['1000.77'], paramMatch: 'exact', fullCommand: true }, 2],
    [{ process: 'sleep', params: ['1000.77'], paramMatch: 'partial', fullCommand: true }, 4],
    [{ process: 'sleep', params: ['1000.7'], paramMatch: 'initial', fullCommand: true }, 8],
    [{ process: 'sleep', params: ['1000.7'], paramMatch: 'partial', fullCommand: true }, 16],
  ];
  const statuses = trackers.map(([spec, weight], i) => ({
    name: `process:tp_${i}`,
    up: processMatches(spec, running),
    weight,
    reverse: false,
  }));
  assert.equal(trackedPriority(100, statuses).priority, 113);
});
