// Interop with the real keepalived (Debian 2.2.7) on the two-director testbed, both ways round:
//  - ours at priority 100 against keepalived at 90: keepalived must accept our adverts (it stays
//    BACKUP) and our priority-0 advert (it takes over within its skew time);
//  - keepalived at 100 against ours at 90: we must accept its adverts (we stay BACKUP) and its
//    priority-0 advert.
// For VRRPv2 with PASS auth, for VRRPv3 over IPv4 (pseudo-header checksum, the only form 2.2.7
// knows) and IPv6 (VRID 52, fd00::38/64) side by side, and for VRRPv3 unicast (unicast_src_ip /
// unicast_peer: the pseudo-header carries the peer's address, not the group).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, hasCommand, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import {
  holdsFor,
  holdsVip,
  scratchDir,
  seedConfig,
  startKeepalived,
  startOurs,
  waitUntil,
  type RunningNode,
} from '../../helpers/vrrp-nodes.js';

const skip = skipUnless([
  [canCreateNetns(), 'root and ip netns'],
  [hasCommand('keepalived'), 'keepalived'],
]);
const VIP4 = '192.168.0.38/32';
const VIP6 = 'fd00::38/64';
const MASTER_DOWN_MS = 3609.375;
const SKEW_90_MS = 648.4375;
const SLACK_MS = 600;

let bed: Testbed;
let files: ReturnType<typeof scratchDir>;
let running: RunningNode[] = [];

before(() => {
  if (skip) return;
  bed = createTestbed('vrrpka', [
    { name: 'd1', ipv4: '192.168.0.48/24' },
    { name: 'd2', ipv4: '192.168.0.58/24' },
  ]);
  files = scratchDir('vrrpka');
});

after(async () => {
  if (skip) return;
  await Promise.all(running.map((n) => n.stop()));
  bed.teardown();
  files.cleanup();
});

type Impl = 'ours' | 'keepalived';

/**
 * d1 runs `high` (priority 100), d2 runs `low` (priority 90). The high node must become the only
 * holder of every VIP, the low node must stay BACKUP, and after SIGTERM of the high node the low
 * one must take every VIP over within its skew time.
 */
async function handover(
  t: { diagnostic(msg: string): void },
  high: Impl,
  low: Impl,
  version: 2 | 3,
  mode: 'multicast' | 'unicast' = 'multicast',
): Promise<void> {
  const unicast = mode === 'unicast';
  // Unicast runs VI_1 alone; multicast v3 adds VI_6 over IPv6.
  const ipv6 = version === 3 && !unicast;
  const vips = ipv6 ? [VIP4, VIP6] : [VIP4];
  const address = { d1: '192.168.0.48', d2: '192.168.0.58' };
  const start = (impl: Impl, node: 'd1' | 'd2') => {
    const peer = node === 'd1' ? 'd2' : 'd1';
    const conf = seedConfig({
      state: node === 'd1' ? 'MASTER' : 'BACKUP',
      priority: node === 'd1' ? 100 : 90,
      version,
      ipv6,
      unicast: unicast ? { src: address[node], peer: address[peer] } : undefined,
    });
    const path = files.write(`${impl}-${node}-v${version}-${mode}.conf`, conf);
    const n =
      impl === 'ours' ? startOurs(bed, node, path) : startKeepalived(bed, node, path, files.dir);
    running.push(n);
    return n;
  };
  const all = (node: 'd1' | 'd2') => () =>
    vips.every((v) => holdsVip(bed, node, v) && !holdsVip(bed, node === 'd1' ? 'd2' : 'd1', v));
  const hi = start(high, 'd1');
  // The low node must not take over on its own timer: it starts once the high one runs.
  await hi.waitForLine(/Entering BACKUP STATE|"to":"BACKUP"/, 5000);
  const lo = start(low, 'd2');
  try {
    await waitUntil(all('d1'), MASTER_DOWN_MS + 3000, `${high} on d1 to hold ${vips.join(', ')}`);
    // The low node heard the high one: it has not taken any VIP for several intervals.
    await holdsFor(all('d1'), 2500, `${high} on d1 as the only holder`);
    const term = performance.now();
    hi.signal('SIGTERM');
    const moved = await waitUntil(
      all('d2'),
      SKEW_90_MS + SLACK_MS * 2,
      `${low} on d2 to take over`,
    );
    t.diagnostic(
      `v${version} ${mode} ${high} -> ${low}: VIPs on d2 ${(moved - term).toFixed(0)} ms after SIGTERM`,
    );
    assert.ok(
      moved - term < SKEW_90_MS + SLACK_MS,
      'takeover within the skew time (priority 0 honoured)',
    );
    assert.equal(await hi.exited, 0);
    // Neither side complained about the other's packets (keepalived logs each rejected advert).
    for (const n of [hi, lo]) {
      const complaint = n.lines.find((l) =>
        /invalid|wrong version|auth|packet\.dropped/i.test(l.text),
      );
      assert.equal(complaint, undefined, `${n.label}: ${complaint?.text}`);
    }
    // keepalived 2.2.7 checksums VRRPv3/IPv4 with the pseudo-header, and we noticed.
    if (version === 3 && high === 'keepalived') {
      await lo.waitForLine(/sends VRRPv3 checksums with the IPv4 pseudo-header/, 1000);
    }
  } catch (err) {
    t.diagnostic(`--- ${hi.label}\n${hi.dump()}\n--- ${lo.label}\n${lo.dump()}`);
    throw err;
  } finally {
    await Promise.all([hi.stop(), lo.stop()]);
    running = running.filter((n) => n !== hi && n !== lo);
  }
  for (const v of vips) {
    assert.ok(!holdsVip(bed, 'd1', v) && !holdsVip(bed, 'd2', v), `${v} released on stop`);
  }
}

test('VRRPv2 + PASS: keepalived follows our adverts and our priority 0', { skip }, (t) =>
  handover(t, 'ours', 'keepalived', 2),
);
test('VRRPv2 + PASS: we follow keepalived adverts and its priority 0', { skip }, (t) =>
  handover(t, 'keepalived', 'ours', 2),
);
test('VRRPv3 IPv4 + IPv6: keepalived follows our adverts and our priority 0', { skip }, (t) =>
  handover(t, 'ours', 'keepalived', 3),
);
test('VRRPv3 IPv4 + IPv6: we follow keepalived adverts and its priority 0', { skip }, (t) =>
  handover(t, 'keepalived', 'ours', 3),
);
test('VRRPv3 unicast: keepalived follows our adverts and our priority 0', { skip }, (t) =>
  handover(t, 'ours', 'keepalived', 3, 'unicast'),
);
test('VRRPv3 unicast: we follow keepalived adverts and its priority 0', { skip }, (t) =>
  handover(t, 'keepalived', 'ours', 3, 'unicast'),
);
