// VRRP-style traffic between two namespaces over real raw sockets: IP protocol 112 to the VRRP
// multicast groups (IPv4 224.0.0.18, IPv6 ff02::12 from a link-local source) and unicast, with
// the receive-side facts VRRP checks: TTL / hop limit, arrival ifindex, source address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import { RawIpSocket, type RawMessage } from '../../../src/net/raw-socket.js';

const IPPROTO_VRRP = 112;
const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

function nextMessage(sock: RawIpSocket, timeoutMs = 2000): Promise<RawMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no packet received')), timeoutMs);
    sock.onError(reject);
    sock.onMessage((m) => {
      clearTimeout(timer);
      resolve(m);
    });
  });
}

describe('RawIpSocket between two namespaces', { skip }, () => {
  let bed: Testbed;
  const open: RawIpSocket[] = [];
  const openIn = (node: string, family: 4 | 6) => {
    const s = RawIpSocket.open(family, IPPROTO_VRRP, { netns: bed.nodes[node].path });
    open.push(s);
    return s;
  };
  before(() => {
    bed = createTestbed('net', [
      { name: 'd1', ipv4: '192.168.0.48/24' },
      { name: 'd2', ipv4: '192.168.0.58/24' },
    ]);
  });
  after(() => {
    for (const s of open) s.close();
    bed?.teardown();
  });

  test('IPv4 multicast to 224.0.0.18 arrives with TTL 255, TOS 0xc0, ifindex and source', async () => {
    const { d1, d2 } = bed.nodes;
    const rx = openIn('d2', 4);
    rx.joinMulticast('224.0.0.18', d2.ifindex);
    const tx = openIn('d1', 4);
    tx.setMulticastIf(d1.ifindex, '192.168.0.48');
    tx.setMulticastTtl(255);
    tx.setMulticastLoop(false);
    tx.setTos(0xc0);
    const payload = Buffer.from('2133640101015699c0a800263131313100000000', 'hex');
    const got = nextMessage(rx);
    assert.equal(tx.send(payload, '224.0.0.18'), payload.length);
    assert.deepEqual(await got, {
      data: payload,
      source: '192.168.0.48',
      destination: '224.0.0.18',
      ifindex: d2.ifindex,
      ttl: 255,
      tos: 0xc0,
    });
  });

  test('IPv4 unicast (VRRP unicast_peer) keeps TTL 255 when set', async () => {
    const rx = openIn('d2', 4);
    const tx = openIn('d1', 4);
    tx.setUnicastTtl(255);
    tx.bind('192.168.0.48');
    const payload = Buffer.from('313364010064d630c0a80026', 'hex');
    const got = nextMessage(rx);
    tx.send(payload, '192.168.0.58');
    const m = await got;
    assert.deepEqual(
      [m.data, m.source, m.destination, m.ttl, m.ifindex],
      [payload, '192.168.0.48', '192.168.0.58', 255, bed.nodes.d2.ifindex],
    );
  });

  test('IPv6 multicast to ff02::12 from the link-local address, hop limit 255, kernel checksum', async () => {
    const { d1, d2 } = bed.nodes;
    assert.match(d1.linkLocal, /^fe80:/);
    const rx = openIn('d2', 6);
    rx.setChecksumOffset(6);
    rx.joinMulticast('ff02::12', d2.ifindex);
    const tx = openIn('d1', 6);
    tx.setChecksumOffset(6);
    tx.setMulticastIf(d1.ifindex);
    tx.setMulticastTtl(255);
    tx.setTos(0xc0);
    // VRRPv3 advert for fd00::38 with a zero checksum: the kernel fills bytes 6-7 on send and
    // verifies them on receive (a wrong checksum would be dropped, not delivered).
    const payload = Buffer.from('3134640100640000fd000000000000000000000000000038', 'hex');
    const got = nextMessage(rx);
    tx.send(payload, 'ff02::12', d1.ifindex);
    const m = await got;
    assert.equal(m.source, d1.linkLocal);
    assert.equal(m.destination, 'ff02::12');
    assert.equal(m.ifindex, d2.ifindex);
    assert.equal(m.ttl, 255);
    assert.deepEqual(m.data.subarray(0, 6), payload.subarray(0, 6));
    assert.deepEqual(m.data.subarray(8), payload.subarray(8));
    assert.notEqual(m.data.readUInt16BE(6), 0, 'checksum filled in by the kernel');
  });

  test('a packet sent with a lower hop limit is delivered with it (the caller rejects it)', async () => {
    const { d1, d2 } = bed.nodes;
    const rx = openIn('d2', 6);
    rx.joinMulticast('ff02::12', d2.ifindex);
    const tx = openIn('d1', 6);
    tx.setMulticastIf(d1.ifindex);
    tx.setMulticastTtl(64);
    const got = nextMessage(rx);
    tx.send(Buffer.from('313464010064000000', 'hex'), 'ff02::12', d1.ifindex);
    assert.equal((await got).ttl, 64);
  });

  test('bindToDevice with an unknown name fails with ENODEV', () => {
    const s = openIn('d1', 4);
    assert.throws(() => s.bindToDevice('nosuchdev0'), { code: 'ENODEV', syscall: 'setsockopt' });
  });
});
