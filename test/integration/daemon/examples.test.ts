// The shipped example configs (examples/lvs-dr, examples/lvs-nat) must pass both real keepalived's
// `-t` and our own loader, on a namespace that has the interfaces they name (eth0, eth1).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../../../src/config/load.js';
import { canCreateNetns, hasCommand, skipUnless } from '../../helpers/privileged.js';
import { createNetns, deleteNetns, ip, uniquePrefix } from '../../helpers/netns.js';

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const configs = ['lvs-dr', 'lvs-nat'].flatMap((d) =>
  readdirSync(join(examples, d))
    .filter((f) => f.endsWith('.conf'))
    .map((f) => join(examples, d, f)),
);

test('the examples load without findings', () => {
  assert.equal(configs.length, 4);
  const host = { listInterfaces: () => ['lo', 'eth0', 'eth1'], findCommand: () => undefined };
  for (const file of configs) {
    const { diagnostics, verdict } = loadConfig(file, { host, configId: 'test' });
    assert.deepEqual(diagnostics, [], file);
    assert.equal(verdict, 'ok');
  }
});

const skip = skipUnless([
  [canCreateNetns(), 'root and ip netns'],
  [hasCommand('keepalived'), 'keepalived'],
]);

test('the examples pass keepalived -t', { skip }, () => {
  const ns = `${uniquePrefix('ops')}-ex`;
  after(() => deleteNetns(ns));
  createNetns(ns);
  ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
  for (const file of configs) {
    const run = spawnSync('ip', ['netns', 'exec', ns, 'keepalived', '-t', '-f', file], {
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, `${file}: ${run.stdout}${run.stderr}`);
  }
});
