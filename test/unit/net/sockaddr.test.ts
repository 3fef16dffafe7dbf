import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeSockaddrInet,
  decodeSockaddrLl,
  decodeSockaddrNl,
  encodeSockaddrInet,
  encodeSockaddrLl,
  encodeSockaddrNl,
  formatMac,
  parseMac,
} from '../../../src/net/sockaddr.js';
import { splitIpv4Header } from '../../../src/net/raw-socket.js';

test('sockaddr_in: family, network-order port, address, zero padding', () => {
  const b = encodeSockaddrInet('224.0.0.18', 80);
  assert.equal(b.toString('hex'), '02000050e0000012' + '0000000000000000');
  assert.deepEqual(decodeSockaddrInet(b), {
    family: 4,
    address: '224.0.0.18',
    port: 80,
    scopeId: 0,
  });
});

test('sockaddr_in6 carries the scope id of a link-local destination', () => {
  const b = encodeSockaddrInet('ff02::12', 0, 7);
  assert.equal(b.length, 28);
  assert.equal(
    b.toString('hex'),
    '0a000000' + '00000000' + 'ff020000000000000000000000000012' + '07000000',
  );
  assert.deepEqual(decodeSockaddrInet(b), { family: 6, address: 'ff02::12', port: 0, scopeId: 7 });
  assert.throws(() => decodeSockaddrInet(Buffer.alloc(4)), { code: 'NET_BAD_SOCKADDR' });
});

test('sockaddr_ll: EtherType in network order, ifindex, destination MAC', () => {
  const b = encodeSockaddrLl(0x0806, 3, parseMac('ff:ff:ff:ff:ff:ff'));
  assert.equal(
    b.toString('hex'),
    '1100' + '0806' + '03000000' + '0000' + '00' + '06' + 'ffffffffffff0000',
  );
  assert.deepEqual(decodeSockaddrLl(b), {
    protocol: 0x0806,
    ifindex: 3,
    hatype: 0,
    pkttype: 0,
    address: Buffer.alloc(6, 0xff),
  });
});

test('sockaddr_nl round-trips pid and groups', () => {
  assert.deepEqual(decodeSockaddrNl(encodeSockaddrNl(4242, 0x110)), { pid: 4242, groups: 0x110 });
  assert.throws(() => decodeSockaddrNl(encodeSockaddrInet('1.2.3.4')), {
    code: 'NET_BAD_SOCKADDR',
  });
});

test('MAC text <-> bytes', () => {
  assert.equal(formatMac(parseMac('72:B6:46:e1:53:20')), '72:b6:46:e1:53:20');
  assert.throws(() => parseMac('72:b6:46:e1:53'), { code: 'NET_BAD_MAC' });
  assert.throws(() => parseMac('72:b6:46:e1:53:zz'), { code: 'NET_BAD_MAC' });
});

test('property: inet sockaddrs round-trip', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (addr, port) => {
      assert.deepEqual(decodeSockaddrInet(encodeSockaddrInet(addr, port)), {
        family: 4,
        address: addr,
        port,
        scopeId: 0,
      });
    }),
  );
});

test('the IPv4 header a raw socket delivers is parsed and stripped (keepalived advert vector)', () => {
  const packet = Buffer.from(
    '45c0002800010000ff7019bac0a80030e00000122133640101015699c0a800263131313100000000',
    'hex',
  );
  const ip = splitIpv4Header(packet);
  assert.deepEqual(ip, {
    tos: 0xc0,
    ttl: 255,
    source: '192.168.0.48',
    destination: '224.0.0.18',
    payload: packet.subarray(20),
  });
  assert.equal(splitIpv4Header(packet.subarray(0, 12)), undefined);
  // trailing link padding beyond the IP total length is not payload
  const padded = Buffer.concat([packet, Buffer.alloc(6)]);
  assert.equal(splitIpv4Header(padded)?.payload.length, 20);
});
