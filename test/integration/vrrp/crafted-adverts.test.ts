// Our node as MASTER of VI_1 (v2, PASS) and VI_6 (v3/IPv6) on d2, alone; the test injects crafted
// adverts from d1's namespace with a raw socket (testbeds.md §C.5 lists how keepalived reacts to
// the same packets). Every bad advert must be dropped and counted with its reason, leaving the
// instance MASTER; a valid higher-priority advert must make it BACKUP at once. Also checks the
// takeover GARP burst captured on d1 (bytes and vrrp_garp_interval pacing) and the notify order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import { chmodSync, readFileSync } from 'node:fs';
import {
  holdsVip,
  scratchDir,
  startOurs,
  waitUntil,
  type RunningNode,
} from '../../helpers/vrrp-nodes.js';
import { RawIpSocket } from '../../../src/net/raw-socket.js';
import { ETH_P_ARP, IP_HDRINCL, IPPROTO_IP, IPPROTO_VRRP } from '../../../src/net/constants.js';
import { PacketSocket } from '../../../src/net/packet-socket.js';
import {
  encodeAdvert,
  encodeIpv4Header,
  passAuthData,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  VRRP_MCAST_V4,
  VRRP_MCAST_V6,
  type VrrpAdvert,
} from '../../../src/vrrp/packet.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const D1 = '192.168.0.48';

const config = (notify: string) => `
global_defs {
    enable_script_security
    script_user root
    vrrp_garp_interval 0.02
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 90
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        192.168.0.38
    }
    notify ${notify}
    notify_master "${notify} master-only"
}
vrrp_instance VI_6 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 90
    advert_int 1
    virtual_ipaddress {
        fd00::38/64
    }
}
`;

let bed: Testbed;
let files: ReturnType<typeof scratchDir>;
let node: RunningNode;
let v4: RawIpSocket;
let v6: RawIpSocket;
let arp: PacketSocket;
const garps: Array<{ at: number; frame: Buffer }> = [];

before(() => {
  if (skip) return;
  bed = createTestbed('vrrpcr', [
    { name: 'd1', ipv4: `${D1}/24` },
    { name: 'd2', ipv4: '192.168.0.58/24' },
  ]);
  files = scratchDir('vrrpcr');
  const { path, ifindex } = bed.nodes.d1;
  v4 = RawIpSocket.open(4, IPPROTO_VRRP, { netns: path });
  v4.bindToDevice('eth0');
  v4.setMulticastIf(ifindex);
  v4.setOption(IPPROTO_IP, IP_HDRINCL, 1);
  arp = PacketSocket.open(ETH_P_ARP, { ifindex, netns: path });
  arp.onFrame(
    (f) => garps.push({ at: performance.now(), frame: Buffer.from(f.frame) }),
    () => undefined,
  );
  v6 = RawIpSocket.open(6, IPPROTO_VRRP, { netns: path });
  v6.bindToDevice('eth0');
  v6.setMulticastIf(ifindex);
  v6.setChecksumOffset(6);
});

after(async () => {
  if (skip) return;
  v4.close();
  v6.close();
  arp.close();
  await node?.stop();
  bed.teardown();
  files.cleanup();
});

const v2Advert: VrrpAdvert = {
  version: 2,
  vrid: 51,
  priority: 150,
  intervalCs: 100,
  addresses: ['192.168.0.38'],
  authType: VRRP_AUTH_PASS,
  authData: passAuthData('1111'),
};

/** An IPv4 VRRP packet from d1 to 224.0.0.18, keepalived-style header, optional TTL and tweak. */
function send4(advert: VrrpAdvert, opts: { ttl?: number; corrupt?: boolean } = {}): void {
  const payload = encodeAdvert(advert, { src: D1, dst: VRRP_MCAST_V4 });
  if (opts.corrupt) payload[6] ^= 0xff;
  const header = encodeIpv4Header({
    id: 1,
    src: D1,
    dst: VRRP_MCAST_V4,
    payloadLength: payload.length,
  });
  // The kernel refills the header checksum of IP_HDRINCL packets, so patching the TTL is enough.
  if (opts.ttl !== undefined) header[8] = opts.ttl;
  v4.send(Buffer.concat([header, payload]), VRRP_MCAST_V4);
}

function send6(priority: number, hopLimit: number): void {
  v6.setMulticastTtl(hopLimit);
  const advert: VrrpAdvert = {
    version: 3,
    vrid: 52,
    priority,
    intervalCs: 100,
    addresses: ['fd00::38'],
    authType: VRRP_AUTH_NONE,
    authData: Buffer.alloc(0),
  };
  v6.send(
    encodeAdvert(advert, { src: bed.nodes.d1.linkLocal, dst: VRRP_MCAST_V6 }),
    VRRP_MCAST_V6,
    bed.nodes.d1.ifindex,
  );
}

test(
  'bad adverts are dropped by reason; a good higher one makes the master yield; notify order',
  { skip },
  async (t) => {
    const notifyLog = `${files.dir}/notify.log`;
    const notify = files.write('notify.sh', `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
    chmodSync(notify, 0o755);
    node = startOurs(bed, 'd2', files.write('d2.conf', config(notify)));
    await waitUntil(
      () => holdsVip(bed, 'd2', '192.168.0.38/32') && holdsVip(bed, 'd2', 'fd00::38/64'),
      6000,
      'd2 to become MASTER of both instances',
    );
    // The takeover burst on the wire: 5 GARPs exactly as keepalived's (vectors/README.md, with
    // d2's MAC), paced by vrrp_garp_interval 0.02.
    await waitUntil(() => garps.length >= 5, 2000, 'five gratuitous ARPs');
    const mac = bed.nodes.d2.mac.replaceAll(':', '');
    const expectedFrame = `ffffffffffff${mac}08060001080006040001${mac}c0a80026ffffffffffffc0a80026`;
    assert.deepEqual(
      garps.slice(0, 5).map((g) => g.frame.toString('hex')),
      new Array<string>(5).fill(expectedFrame),
    );
    const gaps = garps.slice(1, 5).map((g, i) => g.at - garps[i].at);
    t.diagnostic(`GARP gaps: ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`);
    // Arrival times are taken on this test's event loop, which the `ip` polling blocks now and
    // then, so single gaps jitter; the span of the burst (4 x 20 ms when sent) does not shrink much.
    const span = garps[4].at - garps[0].at;
    assert.ok(span >= 60, `paced by vrrp_garp_interval (span ${span.toFixed(1)} ms)`);
    const cases: Array<[string, () => void]> = [
      ['ttl', () => send4(v2Advert, { ttl: 64 })],
      ['auth', () => send4({ ...v2Advert, authData: passAuthData('9999') })],
      ['auth', () => send4({ ...v2Advert, authType: VRRP_AUTH_NONE, authData: Buffer.alloc(8) })],
      [
        'version',
        () =>
          send4({ ...v2Advert, version: 3, authType: VRRP_AUTH_NONE, authData: Buffer.alloc(0) }),
      ],
      ['vrid', () => send4({ ...v2Advert, vrid: 77 })],
      ['checksum', () => send4(v2Advert, { corrupt: true })],
      ['interval', () => send4({ ...v2Advert, intervalCs: 300 })],
      ['addresses', () => send4({ ...v2Advert, addresses: ['192.168.0.99'] })],
      ['ttl', () => send6(150, 64)],
    ];
    for (const [, send] of cases) for (let i = 0; i < 3; i++) send();
    const expected = [...new Set(cases.map(([reason]) => reason))].sort();
    const seen = async () => {
      await waitUntil(
        () => expected.every((r) => node.events('packet.dropped').some((e) => e.reason === r)),
        3000,
        `packet.dropped lines for ${expected.join(', ')}`,
      );
    };
    try {
      await seen();
    } catch (err) {
      t.diagnostic(node.dump());
      throw err;
    }
    const counts = new Map<string, number>();
    for (const e of node.events('packet.dropped')) {
      counts.set(String(e.reason), (counts.get(String(e.reason)) ?? 0) + Number(e.count));
    }
    t.diagnostic(`dropped: ${JSON.stringify(Object.fromEntries(counts))}`);
    assert.equal(counts.get('ttl'), 6);
    assert.equal(counts.get('auth'), 6);
    assert.equal(counts.get('version'), 3);
    assert.equal(counts.get('interval'), 3);
    assert.equal(
      node.events('vrrp.state').filter((e) => e.from === 'MASTER').length,
      0,
      'still MASTER',
    );

    // A valid advert with priority 150: both instances yield at once.
    send4(v2Advert);
    send6(150, 255);
    await node.waitForLine(
      /"instance":"VI_1","from":"MASTER","to":"BACKUP","reason":"higher priority 150 from 192.168.0.48/,
      1000,
    );
    await node.waitForLine(
      /"instance":"VI_6","from":"MASTER","to":"BACKUP","reason":"higher priority 150 from fe80::/,
      1000,
    );
    await waitUntil(() => !holdsVip(bed, 'd2', '192.168.0.38/32'), 1000, 'the IPv4 VIP to go');
    // Nothing more arrives: d2 is MASTER again after its master-down interval (3 s + 648 ms skew).
    await waitUntil(() => holdsVip(bed, 'd2', '192.168.0.38/32'), 5000, 'd2 to take the VIP back');

    // notify_master gets only its own arguments, `notify` gets TYPE NAME STATE PRIORITY; in order.
    const expectedNotify = [
      'INSTANCE VI_1 BACKUP 90',
      'master-only',
      'INSTANCE VI_1 MASTER 90',
      'INSTANCE VI_1 BACKUP 90',
      'master-only',
      'INSTANCE VI_1 MASTER 90',
    ];
    await waitUntil(
      () => readFileSync(notifyLog, 'utf8').split('\n').length > expectedNotify.length,
      2000,
      'the notify scripts to run',
    );
    assert.deepEqual(readFileSync(notifyLog, 'utf8').trim().split('\n'), expectedNotify);
  },
);
