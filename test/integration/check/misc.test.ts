import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMiscCheck } from '../../../src/check/misc.js';
import type { MiscProbe } from '../../../src/check/plan.js';
import { isRoot, skipUnless } from '../../helpers/privileged.js';

const misc = (argv: string[], over: Partial<MiscProbe> = {}): MiscProbe => ({
  type: 'MISC_CHECK',
  argv,
  timeoutMs: 2000,
  dynamic: false,
  ...over,
});

test('exit 0 is up, exit 1 is down', async () => {
  assert.deepEqual(await pick(misc(['/bin/true'])), [true, 'exit 0']);
  assert.deepEqual(await pick(misc(['/bin/false'])), [false, 'exit 1']);
});

test('arguments reach the program without a shell', async () => {
  const r = await runMiscCheck(misc(['/bin/sh', '-c', 'test "$1" = "a b"', 'sh', 'a b']));
  assert.equal(r.ok, true);
});

test('misc_dynamic: exit 2..255 is up with weight exit - 2; 0 keeps the configured weight', async () => {
  const r = await runMiscCheck(misc(['/bin/sh', '-c', 'exit 7'], { dynamic: true }));
  assert.deepEqual([r.ok, r.weight], [true, { kind: 'set', weight: 5 }]);
  const zero = await runMiscCheck(misc(['/bin/true'], { dynamic: true }));
  assert.deepEqual([zero.ok, zero.weight], [true, { kind: 'add', offset: 0 }]);
  const one = await runMiscCheck(misc(['/bin/false'], { dynamic: true }));
  assert.deepEqual([one.ok, one.weight], [false, undefined]);
});

test('without misc_dynamic any non-zero exit is down', async () => {
  assert.deepEqual(await pick(misc(['/bin/sh', '-c', 'exit 7'])), [false, 'exit 7']);
});

test('a script past misc_timeout is killed with its children and is down', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-misc-'));
  try {
    const pidFile = join(dir, 'child.pid');
    const r = await runMiscCheck(
      misc(['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 200 }),
    );
    assert.deepEqual([r.ok, r.reason], [false, 'timed out after 200 ms']);
    assert.ok(r.latencyMs < 2000, `took ${r.latencyMs} ms`);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(!running(grandchild), `grandchild ${grandchild} still running`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing program is down', async () => {
  const r = await runMiscCheck(misc(['/nonexistent/check']));
  assert.deepEqual([r.ok, r.reason], [false, 'cannot run /nonexistent/check: ENOENT']);
});

test('user runs the script as that user', { skip: skipUnless([[isRoot, 'root']]) }, async () => {
  const nobody = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
  const r = await runMiscCheck(
    misc(['/bin/sh', '-c', `test "$(id -u)" = ${nobody}`], { user: 'nobody' }),
  );
  assert.equal(r.ok, true);
});

/** Alive and not a zombie (an orphan may wait for a reaper that never comes in a container). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function pick(spec: MiscProbe): Promise<[boolean, string]> {
  const r = await runMiscCheck(spec);
  return [r.ok, r.reason];
}
