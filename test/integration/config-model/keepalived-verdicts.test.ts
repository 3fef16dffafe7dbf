// The keepalived verdicts the config-model unit tests compare ours with (fixtures/config-model/
// keepalived-2.2.7/EXPECTED.json) are re-checked against keepalived itself: `keepalived -t` in a
// namespace with eth0..eth3, as they were recorded, must give the same exit status and messages.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canCreateNetns, hasCommand, skipUnless } from '../../helpers/privileged.js';
import { createNetns, deleteNetns, ip, uniquePrefix } from '../../helpers/netns.js';
import { VERDICTS_DIR, recordedVerdicts } from '../../fixtures/config-model/verdicts.js';

const skip = skipUnless([
  [canCreateNetns(), 'root and ip netns'],
  [hasCommand('keepalived'), 'keepalived'],
]);

/** keepalived's stderr as EXPECTED.json writes it: "LINE message", or "- message". */
function messages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^\(.*: Line (\d+)\) (.*)$/.exec(l);
      return m ? `${m[1]} ${m[2]}` : `- ${l}`;
    });
}

test('keepalived 2.2.7 still gives the recorded verdicts', { skip }, () => {
  const version = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  assert.match(`${version.stdout}${version.stderr}`, /Keepalived v2\.2\.7\b/);
  const ns = `${uniquePrefix('config-model')}-kv`;
  const runDir = mkdtempSync(join(tmpdir(), 'kts-config-model-kv-'));
  after(() => {
    deleteNetns(ns);
    rmSync(runDir, { recursive: true, force: true });
  });
  createNetns(ns);
  ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  ip(['-n', ns, 'link', 'add', 'eth2', 'type', 'veth', 'peer', 'name', 'eth3']);
  // Pid files of the -t run go to a directory of our own.
  const pids = ['-p', 'main', '-r', 'vrrp', '-c', 'checkers'].map((a, i) =>
    i % 2 ? join(runDir, `${a}.pid`) : a,
  );
  for (const [name, recorded] of recordedVerdicts()) {
    const run = spawnSync(
      'ip',
      ['netns', 'exec', ns, 'keepalived', '-t', '-f', `${VERDICTS_DIR}${name}.conf`, ...pids],
      { encoding: 'utf8' },
    );
    assert.deepEqual(
      { exit: run.status, keepalived: messages(run.stderr) },
      { exit: recorded.exit, keepalived: recorded.keepalived },
      name,
    );
  }
});
