import { VECTORS_DIR } from '../../helpers/shared.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { etherType, ETH_P_IP, ETH_P_IPV6, readPcap } from '../../helpers/pcap.js';
import { addressBytes, formatAddress, internetChecksum } from '../../../src/net/inet.js';
import {
  decodeAdvert,
  encodeAdvert,
  encodeIpv4Header,
  passAuthData,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  VRRP_MCAST_V4,
  VRRP_MCAST_V6,
  type VrrpAdvert,
} from '../../../src/vrrp/packet.js';
import { IPPROTO_VRRP } from '../../../src/net/constants.js';
import { splitIpv4Header } from '../../../src/net/raw-socket.js';

const VECTORS = VECTORS_DIR;
const ETH_HLEN = 14;

/** The VRRP message and IP context of one captured frame, or undefined if it is not VRRP. */
function vrrpOf(frame: Buffer) {
  const ip = frame.subarray(ETH_HLEN);
  if (etherType(frame) === ETH_P_IP && ip[9] === IPPROTO_VRRP) {
    const h = splitIpv4Header(ip);
    assert.ok(h);
    const header = {
      id: ip.readUInt16BE(4),
      src: h.source,
      dst: h.destination,
      ttl: h.ttl,
      tos: h.tos,
    };
    return { ip, payload: h.payload, ctx: header, ipHeader: header };
  }
  if (etherType(frame) === ETH_P_IPV6 && ip[6] === IPPROTO_VRRP) {
    const ctx = { src: formatAddress(ip.subarray(8, 24)), dst: formatAddress(ip.subarray(24, 40)) };
    assert.equal(ip[7], 255, 'hop limit');
    return { ip, payload: ip.subarray(40, 40 + ip.readUInt16BE(4)), ctx, ipHeader: undefined };
  }
  return undefined;
}

const pcaps = readdirSync(VECTORS).filter((f) => f.endsWith('.pcap'));

test('every VRRP packet in the captured vectors decodes and re-encodes byte for byte', () => {
  let seen = 0;
  for (const file of pcaps) {
    for (const { frame } of readPcap(join(VECTORS, file))) {
      const v = vrrpOf(frame);
      if (!v) continue;
      seen++;
      const d = decodeAdvert(v.payload, v.ctx);
      assert.ok(d.ok, `${file}: ${d.ok ? '' : d.error.code}`);
      const { advert, checksumForm } = d.value;
      assert.equal(checksumForm, advert.version === 2 ? 'plain' : 'pseudo-header', file);
      assert.deepEqual(encodeAdvert(advert, v.ctx), Buffer.from(v.payload), file);
      if (v.ipHeader) {
        const header = encodeIpv4Header({ ...v.ipHeader, payloadLength: v.payload.length });
        assert.deepEqual(
          Buffer.concat([header, encodeAdvert(advert, v.ctx)]),
          Buffer.from(v.ip),
          file,
        );
      }
    }
  }
  assert.ok(seen >= 90, `only ${seen} VRRP frames found`);
});

test('the single-packet vectors decode to the documented fields', () => {
  const first = (f: string) => vrrpOf(readPcap(join(VECTORS, f))[0].frame)!;
  const v2 = first('vrrpv2-advert-pass-prio100.pcap');
  const d2 = decodeAdvert(v2.payload, v2.ctx);
  assert.ok(d2.ok);
  assert.deepEqual(d2.value.advert, {
    version: 2,
    vrid: 51,
    priority: 100,
    intervalCs: 100,
    addresses: ['192.168.0.38'],
    authType: VRRP_AUTH_PASS,
    authData: passAuthData('1111'),
  });
  assert.equal(v2.ipHeader?.ttl, 255);
  assert.equal(v2.ipHeader?.tos, 0xc0);
  const prio0 = first('vrrpv2-advert-pass-prio0.pcap');
  const d0 = decodeAdvert(prio0.payload, prio0.ctx);
  assert.ok(d0.ok);
  assert.equal(d0.value.advert.priority, 0);
  const v6 = first('vrrpv3-advert-ipv6.pcap');
  const d6 = decodeAdvert(v6.payload, v6.ctx);
  assert.ok(d6.ok);
  assert.deepEqual(d6.value.advert.addresses, ['fd00::38']);
  assert.equal(d6.value.advert.vrid, 52);
  assert.equal(v6.ctx.src, 'fe80::70b6:46ff:fee1:5320');
});

test('VRRPv3/IPv4 accepts both checksum forms and sends the configured one', () => {
  const ctx = { src: '192.168.0.48', dst: VRRP_MCAST_V4 };
  const withPseudo = Buffer.from('313364010064' + '0831' + 'c0a80026', 'hex');
  const plain = Buffer.from('313364010064' + 'a998' + 'c0a80026', 'hex');
  const a = decodeAdvert(withPseudo, ctx);
  const b = decodeAdvert(plain, ctx);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.checksumForm, 'pseudo-header');
  assert.equal(b.value.checksumForm, 'plain');
  assert.deepEqual(encodeAdvert(a.value.advert, ctx), withPseudo);
  assert.deepEqual(encodeAdvert(a.value.advert, { ...ctx, v3ChecksumAsV2: true }), plain);
  // keepalived accepted this crafted advert (testbeds.md §C.5).
  const crafted = { ...a.value.advert, priority: 150 };
  assert.equal(encodeAdvert(crafted, ctx).toString('hex'), '313396010064d630c0a80026');
});

test('crafted v2 adverts match the bytes keepalived accepted or rejected (testbeds.md §C.5)', () => {
  const ctx = { src: '192.168.0.48', dst: VRRP_MCAST_V4 };
  const base: VrrpAdvert = {
    version: 2,
    vrid: 51,
    priority: 150,
    intervalCs: 100,
    addresses: ['192.168.0.38'],
    authType: VRRP_AUTH_PASS,
    authData: passAuthData('1111'),
  };
  assert.equal(encodeAdvert(base, ctx).toString('hex'), '2133960101012499c0a800263131313100000000');
  assert.equal(
    encodeAdvert({ ...base, authData: passAuthData('9999') }, ctx).toString('hex'),
    '2133960101011489c0a800263939393900000000',
  );
  assert.equal(
    encodeAdvert({ ...base, authType: VRRP_AUTH_NONE, authData: Buffer.alloc(8) }, ctx).toString(
      'hex',
    ),
    '21339601000187fbc0a800260000000000000000',
  );
});

test('PASS keeps only the first 8 bytes of the password', () => {
  assert.deepEqual(passAuthData('abcdefghijk'), Buffer.from('abcdefgh'));
  assert.deepEqual(passAuthData('ab'), Buffer.from([0x61, 0x62, 0, 0, 0, 0, 0, 0]));
});

test('malformed packets yield coded errors', () => {
  const ctx = { src: '192.168.0.48', dst: VRRP_MCAST_V4 };
  const good = Buffer.from('2133640101015699c0a800263131313100000000', 'hex');
  const cases: Array<[string, Buffer, string]> = [
    ['short', good.subarray(0, 7), 'VRRP_PACKET_SHORT'],
    ['version 4', Buffer.from([0x41, ...good.subarray(1)]), 'VRRP_PACKET_VERSION'],
    ['type 2', Buffer.from([0x22, ...good.subarray(1)]), 'VRRP_PACKET_TYPE'],
    [
      'count 2',
      Buffer.from([...good.subarray(0, 3), 2, ...good.subarray(4)]),
      'VRRP_PACKET_LENGTH',
    ],
    ['truncated', good.subarray(0, 19), 'VRRP_PACKET_LENGTH'],
    [
      'checksum',
      Buffer.from([...good.subarray(0, 6), 0, 0, ...good.subarray(8)]),
      'VRRP_PACKET_CHECKSUM',
    ],
  ];
  for (const [name, bytes, code] of cases) {
    const d = decodeAdvert(bytes, ctx);
    assert.equal(d.ok ? 'ok' : d.error.code, code, name);
  }
  const v2over6 = decodeAdvert(good, { src: 'fe80::1', dst: VRRP_MCAST_V6 });
  assert.equal(v2over6.ok ? 'ok' : v2over6.error.code, 'VRRP_PACKET_FAMILY');
  // A v3/IPv6 packet with only the plain checksum is wrong: IPv6 always uses the pseudo-header.
  const v6 = encodeAdvert(
    {
      version: 3,
      vrid: 1,
      priority: 100,
      intervalCs: 100,
      addresses: ['fd00::1'],
      authType: VRRP_AUTH_NONE,
      authData: Buffer.alloc(0),
    },
    { src: 'fe80::1', dst: VRRP_MCAST_V6 },
  );
  v6.writeUInt16BE(0, 6);
  v6.writeUInt16BE(internetChecksum(v6), 6);
  const plain6 = decodeAdvert(v6, { src: 'fe80::1', dst: VRRP_MCAST_V6 });
  assert.equal(plain6.ok ? 'ok' : plain6.error.code, 'VRRP_PACKET_CHECKSUM');
});

const canonical = (addr: string) => formatAddress(addressBytes(addr));

/** A random advert with the IP context it is sent in. */
const advertCase = fc.oneof(
  fc.record({
    advert: fc.record({
      version: fc.constant(2 as const),
      vrid: fc.integer({ min: 1, max: 255 }),
      priority: fc.nat(255),
      intervalCs: fc.nat(255).map((s) => s * 100),
      addresses: fc.array(fc.ipV4(), { minLength: 1, maxLength: 20 }),
      authType: fc.constantFrom(VRRP_AUTH_NONE, VRRP_AUTH_PASS),
      authData: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b)),
    }),
    ctx: fc.record({
      src: fc.ipV4(),
      dst: fc.constant(VRRP_MCAST_V4),
      v3ChecksumAsV2: fc.boolean(),
    }),
  }),
  fc.constantFrom(4, 6).chain((family) =>
    fc.record({
      advert: fc.record({
        version: fc.constant(3 as const),
        vrid: fc.integer({ min: 1, max: 255 }),
        priority: fc.nat(255),
        intervalCs: fc.nat(4095),
        addresses: fc.array((family === 4 ? fc.ipV4() : fc.ipV6()).map(canonical), {
          minLength: 1,
          maxLength: 20,
        }),
        authType: fc.constant(VRRP_AUTH_NONE),
        authData: fc.constant(Buffer.alloc(0)),
      }),
      ctx: fc.record({
        src: family === 4 ? fc.ipV4() : fc.ipV6(),
        dst: fc.constant(family === 4 ? VRRP_MCAST_V4 : VRRP_MCAST_V6),
        v3ChecksumAsV2: fc.boolean(),
      }),
    }),
  ),
);

test('property: decode(encode(advert)) is the advert, for v2, v3/IPv4 (both forms) and v3/IPv6', () => {
  fc.assert(
    fc.property(advertCase, ({ advert, ctx }) => {
      const bytes = encodeAdvert(advert, ctx);
      const d = decodeAdvert(bytes, ctx);
      assert.ok(d.ok);
      assert.deepEqual(d.value.advert, { ...advert }); // fc.record objects have a null prototype
      assert.deepEqual(encodeAdvert(d.value.advert, ctx), bytes);
    }),
  );
});

test('fuzz: the decoder never throws, whatever the bytes', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 120 }),
      fc.constantFrom('192.168.0.1', 'fe80::1'),
      (bytes, src) => {
        const d = decodeAdvert(bytes, {
          src,
          dst: src.includes(':') ? VRRP_MCAST_V6 : VRRP_MCAST_V4,
        });
        if (!d.ok) assert.match(d.error.code, /^VRRP_PACKET_/);
      },
    ),
    { numRuns: 5000 },
  );
});

test('fuzz: mutating one byte of a valid advert is either still valid or a coded error', () => {
  const good = Buffer.from('2133640101015699c0a800263131313100000000', 'hex');
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.nat(255), (at, value) => {
      const b = Buffer.from(good);
      b[at] = value;
      const d = decodeAdvert(b, { src: '192.168.0.48', dst: VRRP_MCAST_V4 });
      assert.ok(d.ok || typeof d.error.code === 'string');
      if (d.ok) assert.equal(value, good[at]);
    }),
  );
});
