import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  createNetns,
  destroyNetns,
  netnsSkip,
  probeInNetns,
  SILENT_HOST,
} from '../../fixtures/check/netns.js';
import { skipUnless } from '../../helpers/privileged.js';

const addonBuilt = existsSync(
  new URL('../../../../build/Release/kts_native.node', import.meta.url),
);

describe(
  'PING_CHECK (namespace)',
  { skip: netnsSkip() ?? skipUnless([[addonBuilt, 'the native addon (npm rebuild)']]) },
  () => {
    let ns: string;
    before(() => {
      ns = createNetns('ping');
    });
    after(() => destroyNetns(ns));

    const ping = (address: string, family: 4 | 6 = 4) =>
      probeInNetns(ns, {
        type: 'PING_CHECK',
        endpoint: { address, port: 0, family, timeoutMs: 300 },
      });

    test('raw socket (ping_group_range excludes us): loopback answers, a silent host does not', async () => {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ping_group_range=1 0']);
      assert.deepEqual(await pick(ping('127.0.0.1')), [true, 'echo reply']);
      assert.deepEqual(await pick(ping('::1', 6)), [true, 'echo reply']);
      assert.deepEqual(await pick(ping(SILENT_HOST)), [false, 'no echo reply after 300 ms']);
    });

    test('ping socket (ping_group_range includes us)', async () => {
      execFileSync('ip', [
        'netns',
        'exec',
        ns,
        'sysctl',
        '-qw',
        'net.ipv4.ping_group_range=0 2147483647',
      ]);
      assert.deepEqual(await pick(ping('127.0.0.1')), [true, 'echo reply']);
      assert.deepEqual(await pick(ping(SILENT_HOST)), [false, 'no echo reply after 300 ms']);
    });
  },
);

async function pick(p: Promise<{ ok: boolean; reason: string }>): Promise<[boolean, string]> {
  const r = await p;
  return [r.ok, r.reason];
}
