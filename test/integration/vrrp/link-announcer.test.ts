// LinkAnnouncer on a real link: a burst of gratuitous ARPs from d1, captured on d2, goes out at
// once without pacing and paced by vrrp_garp_interval with it; a reload's new pacing
// (setPacing) applies to the next burst.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import { Announcer } from '../../../src/net/announce.js';
import { ETH_P_ARP } from '../../../src/net/constants.js';
import { buildGratuitousArp } from '../../../src/net/garp.js';
import { PacketSocket } from '../../../src/net/packet-socket.js';
import { parseMac } from '../../../src/net/sockaddr.js';
import { Rtnetlink } from '../../../src/netlink/rtnetlink.js';
import { LinkAnnouncer } from '../../../src/vrrp/link-announcer.js';
import type { VipSpec } from '../../../src/vrrp/spec.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const VIP: VipSpec = {
  address: '192.168.0.38',
  prefixLength: 32,
  family: 4,
  dev: 'eth0',
  noDad: false,
};

let bed: Testbed;
let frames: Announcer;
let rt: Rtnetlink;
let capture: PacketSocket;
/** Arrival times (performance.now()) of d1's GARPs for the VIP, as captured on d2. */
const arrivals: number[] = [];

before(() => {
  if (skip) return;
  bed = createTestbed('vrrpla', [
    { name: 'd1', ipv4: '192.168.0.48/24' },
    { name: 'd2', ipv4: '192.168.0.58/24' },
  ]);
  const { d1, d2 } = bed.nodes;
  frames = Announcer.open({ netns: d1.path });
  rt = Rtnetlink.open({ netns: d1.path });
  const garp = buildGratuitousArp(parseMac(d1.mac), VIP.address);
  capture = PacketSocket.open(ETH_P_ARP, { ifindex: d2.ifindex, netns: d2.path });
  capture.onFrame(
    (f) => {
      if (f.frame.equals(garp)) arrivals.push(performance.now());
    },
    () => undefined,
  );
});

after(() => {
  if (skip) return;
  capture.close();
  frames.close();
  rt.close();
  bed.teardown();
});

/** Sends a burst of `count` GARPs and resolves with the span between the first and last arrival. */
async function burstSpan(announcer: LinkAnnouncer, count: number): Promise<number> {
  arrivals.length = 0;
  await announcer.announce([VIP], count);
  const deadline = performance.now() + 2000;
  while (arrivals.length < count && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(arrivals.length, count, 'every GARP of the burst arrived');
  return arrivals[count - 1] - arrivals[0];
}

test(
  'a burst is paced by the GARP interval, and a new pacing applies to the next burst',
  { skip },
  async (t) => {
    const announcer = new LinkAnnouncer(frames, rt, () => ({
      garpIntervalMs: 0,
      gnaIntervalMs: 0,
    }));
    const unpaced = await burstSpan(announcer, 5);
    assert.ok(unpaced < 40, `unpaced burst spans ${unpaced.toFixed(1)} ms`);
    announcer.setPacing(() => ({ garpIntervalMs: 50, gnaIntervalMs: 0 }));
    // 4 gaps of 50 ms when sent; arrival times on this event loop jitter by a few ms.
    const paced = await burstSpan(announcer, 5);
    assert.ok(paced >= 180, `paced burst spans ${paced.toFixed(1)} ms`);
    announcer.setPacing(() => ({ garpIntervalMs: 0, gnaIntervalMs: 50 }));
    const ipv4Unpaced = await burstSpan(announcer, 5);
    t.diagnostic(
      `spans: unpaced ${unpaced.toFixed(1)} ms, paced ${paced.toFixed(1)} ms, GNA-paced ${ipv4Unpaced.toFixed(1)} ms`,
    );
    assert.ok(ipv4Unpaced < 40, `GNA pacing leaves GARPs alone: ${ipv4Unpaced.toFixed(1)} ms`);
  },
);
