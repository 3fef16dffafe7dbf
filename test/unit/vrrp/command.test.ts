// Runs real processes: /bin/sh, /bin/true, /bin/false and sleep are on every Linux machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandSpec, runCommand } from '../../../src/vrrp/command.js';
import { ScriptRunner } from '../../../src/vrrp/script-runner.js';

test('plain command lines run without a shell; shell syntax selects /bin/sh', () => {
  assert.equal(
    commandSpec('/usr/bin/test -f /run/x', ['/usr/bin/test', '-f', '/run/x']).shell,
    false,
  );
  for (const line of ['a | b', 'a > f', 'a && b', 'echo $HOME', 'a; b', 'ls *.conf']) {
    assert.equal(commandSpec(line, line.split(' ')).shell, true, line);
  }
});

test('arguments are appended as separate words, with and without a shell', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-vrrp-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'out');
  const direct = commandSpec('/bin/sh -c', ['/bin/sh', '-c', `printf '%s|' "$@" > ${out}`, 'sh']);
  assert.equal((await runCommand(direct, ['INSTANCE', 'VI 1', 'MASTER', '100'], 2000)).code, 0);
  assert.equal(readFileSync(out, 'utf8'), 'INSTANCE|VI 1|MASTER|100|');
  const shell = commandSpec(`printf '%s|' > ${out}`, []);
  assert.equal(shell.shell, true);
  assert.equal((await runCommand(shell, ['a b', 'c'], 2000)).code, 0);
  assert.equal(readFileSync(out, 'utf8'), 'a b|c|');
});

test('exit codes, timeouts and commands that cannot start are reported', async () => {
  assert.equal((await runCommand(commandSpec('/bin/false', ['/bin/false']), [], 2000)).code, 1);
  const slow = await runCommand(commandSpec('sleep 5', ['sleep', '5']), [], 100);
  assert.equal(slow.timedOut, true);
  assert.equal(slow.signal, 'SIGKILL');
  const missing = await runCommand(commandSpec('/nonexistent', ['/nonexistent']), [], 1000);
  assert.match(missing.spawnError ?? '', /ENOENT/);
});

test('a vrrp_script runner applies fall and rise to real runs', async () => {
  const changes: boolean[] = [];
  const failing = new ScriptRunner(
    {
      name: 'chk',
      command: commandSpec('/bin/false', ['/bin/false']),
      intervalMs: 20,
      timeoutMs: 1000,
      rise: 1,
      fall: 3,
      initFail: false,
    },
    (up) => changes.push(up),
  );
  failing.start();
  const end = performance.now() + 3000;
  while (changes.length === 0 && performance.now() < end)
    await new Promise((r) => setTimeout(r, 10));
  failing.stop();
  assert.deepEqual(changes, [false]);
  assert.equal(failing.up, false);
});
