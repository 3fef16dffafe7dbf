// GARP and unsolicited NA sent by Announcer in one namespace arrive byte-exact in another,
// captured with an AF_PACKET socket there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import { Announcer } from '../../../src/net/announce.js';
import { PacketSocket, type ReceivedFrame } from '../../../src/net/packet-socket.js';
import { buildGratuitousArp } from '../../../src/net/garp.js';
import { buildUnsolicitedNa } from '../../../src/net/ndp.js';
import {
  ETH_P_ARP,
  ETH_P_IPV6,
  PACKET_BROADCAST,
  PACKET_MULTICAST,
} from '../../../src/net/constants.js';
import { parseMac } from '../../../src/net/sockaddr.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

describe('Announcer between two namespaces', { skip }, () => {
  let bed: Testbed;
  let announcer: Announcer;
  before(() => {
    bed = createTestbed('net', [
      { name: 'd1', ipv4: '192.168.0.48/24' },
      { name: 'd2', ipv4: '192.168.0.58/24' },
    ]);
    announcer = Announcer.open({ netns: bed.nodes.d1.path });
  });
  after(() => {
    announcer?.close();
    bed?.teardown();
  });

  function capture(
    etherType: number,
    match: (f: ReceivedFrame) => boolean,
  ): { frames: Promise<ReceivedFrame[]>; close(): void } {
    const { d2 } = bed.nodes;
    const sock = PacketSocket.open(etherType, { ifindex: d2.ifindex, netns: d2.path });
    const frames = new Promise<ReceivedFrame[]>((resolve, reject) => {
      const got: ReceivedFrame[] = [];
      const timer = setTimeout(() => reject(new Error(`captured ${got.length} frames`)), 2000);
      sock.onFrame((f) => {
        if (!match(f)) return;
        got.push(f);
        if (got.length === 5) {
          clearTimeout(timer);
          resolve(got);
        }
      }, reject);
    });
    return { frames, close: () => sock.close() };
  }

  test('a burst of 5 GARPs for 192.168.0.38 arrives as broadcast, byte-exact', async () => {
    const { d1, d2 } = bed.nodes;
    const expected = buildGratuitousArp(parseMac(d1.mac), '192.168.0.38');
    const cap = capture(ETH_P_ARP, (f) => f.frame.equals(expected));
    try {
      for (let i = 0; i < 5; i++) announcer.announce(d1.ifindex, d1.mac, ['192.168.0.38']);
      const frames = await cap.frames;
      for (const f of frames) {
        assert.deepEqual(
          [f.ifindex, f.pkttype, f.protocol],
          [d2.ifindex, PACKET_BROADCAST, ETH_P_ARP],
        );
      }
    } finally {
      cap.close();
    }
  });

  test('a burst of 5 unsolicited NAs for fd00::38 arrives as multicast, byte-exact', async () => {
    const { d1, d2 } = bed.nodes;
    const expected = buildUnsolicitedNa(parseMac(d1.mac), 'fd00::38');
    const cap = capture(ETH_P_IPV6, (f) => f.frame.equals(expected));
    try {
      for (let i = 0; i < 5; i++) announcer.announce(d1.ifindex, d1.mac, ['fd00::38']);
      const frames = await cap.frames;
      for (const f of frames)
        assert.deepEqual([f.ifindex, f.pkttype], [d2.ifindex, PACKET_MULTICAST]);
    } finally {
      cap.close();
    }
  });

  test('the GARP updates the neighbour entry another host holds for the VIP', async () => {
    const { d1 } = bed.nodes;
    // d2 knows 192.168.0.38 at a stale MAC; the GARP from d1 must move it to d1's MAC.
    bed.exec('d2', 'ip', [
      'neigh',
      'replace',
      '192.168.0.38',
      'lladdr',
      '02:00:00:00:00:01',
      'dev',
      'eth0',
      'nud',
      'stale',
    ]);
    announcer.announce(d1.ifindex, d1.mac, ['192.168.0.38']);
    const deadline = Date.now() + 2000;
    let lladdr = '';
    while (Date.now() < deadline) {
      const [entry] = JSON.parse(
        bed.exec('d2', 'ip', ['-j', 'neigh', 'show', '192.168.0.38', 'dev', 'eth0']),
      ) as Array<{ lladdr: string }>;
      lladdr = entry?.lladdr ?? '';
      if (lladdr === d1.mac) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(lladdr, d1.mac);
  });
});
