// The IPVS codec against bytes written by hand from linux/ip_vs.h (little-endian host, as on
// x86-64 and arm64), against replies captured from Debian's 6.1 kernel (test/fixtures/ipvs, made
// by scripts/vm/capture-ipvs-fixtures.mjs), and in property round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { KtsError } from '../../../src/errors.js';
import { AttributeDecoder, AttributeEncoder } from '../../../src/netlink/attr.js';
import { encodeGenl } from '../../../src/netlink/genl.js';
import { addressBytes, formatAddress } from '../../../src/net/inet.js';
import {
  canonicalAddress,
  decodeDestination,
  decodeDestinationMessage,
  decodeInfoMessage,
  decodeService,
  decodeServiceMessage,
  ipvsMessage,
} from '../../../src/ipvs/codec.js';
import {
  IPVS_CMD_ATTR_DEST,
  IPVS_CMD_ATTR_SERVICE,
  IPVS_CMD_DEL_DEST,
  IPVS_CMD_DEL_SERVICE,
  IPVS_CMD_GET_INFO,
  IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE,
  IPVS_CMD_SET_INFO,
  IPVS_INFO_ATTR_CONN_TAB_SIZE,
  IPVS_INFO_ATTR_VERSION,
} from '../../../src/ipvs/constants.js';
import type { Destination, Service } from '../../../src/ipvs/types.js';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/ipvs/${name}`, import.meta.url), 'utf8'),
  ) as {
    payloads: string[];
  };

/** The attributes nested in the first top-level attribute of a genl payload. */
function nestedOf(payload: Buffer): Buffer {
  const d = new AttributeDecoder(payload.subarray(4));
  assert.ok(d.next());
  return d.bytes();
}

const tcpService: Service = {
  key: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
  scheduler: 'wrr',
  flags: 1,
  timeout: 300,
  netmask: '255.255.255.0',
};

test('NEW_SERVICE for tcp 10.0.0.1:80 wrr, persistent 300 s, mask /24: exact bytes', () => {
  const bytes = ipvsMessage(IPVS_CMD_NEW_SERVICE, { service: tcpService });
  const expected = [
    '01010000', // genl: cmd NEW_SERVICE, version 1
    '48000180', // SERVICE, nested, 72 bytes
    '0600010002000000', // AF = AF_INET
    '0600020006000000', // PROTOCOL = IPPROTO_TCP
    '080003000a000001', // ADDR = 10.0.0.1, 4 bytes
    '0600040000500000', // PORT = 80, network order
    '0800060077727200', // SCHED_NAME = "wrr\0"
    '0c00070001000000ffffffff', // FLAGS = { PERSISTENT, mask all ones }
    '080008002c010000', // TIMEOUT = 300
    '08000900ffffff00', // NETMASK = the mask's bytes
  ];
  assert.equal(bytes.toString('hex'), expected.join(''));
});

test('NEW_DEST for [fd00::2]:8080 over a UDP IPv6 service, tunnel GUE: exact bytes', () => {
  const dest: Destination = {
    family: 6,
    address: 'fd00::2',
    port: 8080,
    weight: 5,
    method: 'tun',
    upperThreshold: 100,
    lowerThreshold: 10,
    tunnelType: 'gue',
    tunnelPort: 6080,
    tunnelFlags: 1,
  };
  const key = { kind: 'addr', family: 6, protocol: 'udp', address: 'fd00::1', port: 53 } as const;
  const bytes = ipvsMessage(IPVS_CMD_NEW_DEST, { serviceKey: key, destination: dest });
  const expected = [
    '05010000',
    // SERVICE key: AF 10, PROTOCOL 17, ADDR 16 bytes, PORT 53
    '30000180',
    '060001000a000000',
    '0600020011000000',
    '14000300fd000000000000000000000000000001',
    '0600040000350000',
    // DEST: ADDR, PORT, ADDR_FAMILY, FWD_METHOD 2, WEIGHT, U/L_THRESH, TUN_TYPE 1, TUN_PORT, FLAGS
    '60000280',
    '14000100fd000000000000000000000000000002',
    '06000200' + '1f900000',
    '06000b00' + '0a000000',
    '08000300' + '02000000',
    '08000400' + '05000000',
    '08000500' + '64000000',
    '08000600' + '0a000000',
    '05000d00' + '01000000',
    '06000e00' + '17c00000',
    '06000f00' + '01000000',
  ].join('');
  assert.equal(bytes.toString('hex'), expected);
});

test('key-only messages: DEL_SERVICE for fwmark 7 inet6 and DEL_DEST carry no settings', () => {
  const fw = { kind: 'fwmark', family: 6, fwmark: 7 } as const;
  assert.equal(
    ipvsMessage(IPVS_CMD_DEL_SERVICE, { serviceKey: fw }).toString('hex'),
    '03010000' + '14000180' + '060001000a000000' + '0800050007000000',
  );
  const del = ipvsMessage(IPVS_CMD_DEL_DEST, {
    serviceKey: fw,
    destinationKey: { family: 6, address: '::1', port: 0 },
  });
  assert.equal(
    del.subarray(4 + 20).toString('hex'),
    '28000280' +
      '1400010000000000000000000000000000000001' +
      '0600020000000000' +
      '06000b000a000000',
  );
});

test('GET_INFO: an empty request, and the reply decoded to version text and table size', () => {
  assert.equal(ipvsMessage(IPVS_CMD_GET_INFO).toString('hex'), '0f010000');
  const reply = encodeGenl(
    { cmd: IPVS_CMD_SET_INFO, version: 1 },
    new AttributeEncoder()
      .u32(IPVS_INFO_ATTR_VERSION, 0x010201)
      .u32(IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096)
      .encode(),
  );
  assert.deepEqual(decodeInfoMessage(reply), {
    version: '1.2.1',
    versionCode: 0x010201,
    connTableSize: 4096,
  });
});

test('replies captured from the 6.1 kernel decode to what ipvsadm had created', () => {
  const services = fixture('kernel-services.json').payloads.map((p) =>
    decodeServiceMessage(Buffer.from(p, 'hex')),
  );
  assert.deepEqual(services, [
    {
      key: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
      scheduler: 'wrr',
      flags: 1,
      timeout: 300,
      netmask: '255.255.255.0',
    },
    {
      key: { kind: 'addr', family: 6, protocol: 'udp', address: '2001:db8::', port: 53 },
      scheduler: 'sh',
      flags: 0x18,
      timeout: 0,
      netmask: '128',
    },
    {
      key: { kind: 'fwmark', family: 4, fwmark: 7 },
      scheduler: 'rr',
      flags: 0,
      timeout: 0,
      netmask: '255.255.255.255',
    },
  ]);
  const dests = fixture('kernel-dests.json').payloads.map((p) =>
    decodeDestinationMessage(Buffer.from(p, 'hex'), 4),
  );
  // The kernel lists destinations newest first (list_add in ip_vs_add_dest).
  assert.deepEqual(dests, [
    {
      family: 4,
      address: '10.0.0.3',
      port: 80,
      weight: 0,
      method: 'dr',
      upperThreshold: 0,
      lowerThreshold: 0,
      connections: { active: 0, inactive: 0, persistent: 0 },
    },
    {
      family: 4,
      address: '10.0.0.2',
      port: 8080,
      weight: 3,
      method: 'nat',
      upperThreshold: 100,
      lowerThreshold: 10,
      connections: { active: 0, inactive: 0, persistent: 0 },
    },
  ]);
});

test('the family comes from AF, not the bytes: 2001:db8:: is not read as IPv4 (seesaw pitfall)', () => {
  const attrs = new AttributeEncoder()
    .u16(1, 10)
    .u16(2, 6)
    .bytes(3, Buffer.from('20010db8000000000000000000000000', 'hex'))
    .u16be(4, 443)
    .string(6, 'rr')
    .bytes(7, Buffer.from('0300000000000000', 'hex'))
    .u32(8, 0)
    .u32(9, 128)
    .encode();
  const s = decodeService(attrs);
  assert.deepEqual(s.key, {
    kind: 'addr',
    family: 6,
    protocol: 'tcp',
    address: '2001:db8::',
    port: 443,
  });
  assert.equal(s.flags, 1, 'IP_VS_SVC_F_HASHED is the kernel bookkeeping and is dropped');
});

test('a destination without ADDR_FAMILY (kernel < 3.18) takes the service family', () => {
  const attrs = new AttributeEncoder()
    .bytes(1, Buffer.from('c0a80001000000000000000000000000', 'hex'))
    .u16be(2, 80)
    .u32(3, 3)
    .u32(4, 1)
    .encode();
  assert.equal(decodeDestination(attrs, 4).address, '192.168.0.1');
});

test('bad entries are refused before anything is sent (KtsError IPVS_BAD_ENTRY)', () => {
  const cases: Array<[string, Service]> = [
    ['scheduler name too long', { ...tcpService, scheduler: 'a-very-long-scheduler' }],
    [
      'IPv6 address in an IPv4 key',
      { ...tcpService, key: { ...tcpService.key, address: '::1' } as Service['key'] },
    ],
    [
      'port out of range',
      { ...tcpService, key: { ...tcpService.key, port: 70000 } as Service['key'] },
    ],
    ['fwmark 0', { ...tcpService, key: { kind: 'fwmark', family: 4, fwmark: 0 } }],
    [
      'IPv6 prefix 0',
      { ...tcpService, key: { kind: 'fwmark', family: 6, fwmark: 1 }, netmask: '0' },
    ],
  ];
  for (const [why, service] of cases) {
    assert.throws(
      () => ipvsMessage(IPVS_CMD_NEW_SERVICE, { service }),
      (err: unknown) => err instanceof KtsError && err.code === 'IPVS_BAD_ENTRY',
      why,
    );
  }
  const local: Destination = {
    family: 4,
    address: '10.0.0.2',
    port: 80,
    weight: 1,
    method: 'local',
    upperThreshold: 0,
    lowerThreshold: 0,
  };
  assert.throws(
    () => ipvsMessage(IPVS_CMD_NEW_DEST, { serviceKey: tcpService.key, destination: local }),
    /chosen by the kernel/,
  );
});

// ---- properties ----

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const ipv6 = fc.ipV6().map(canonicalAddress);
const port = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const name = fc.stringMatching(/^[a-z0-9]{1,15}$/);

const serviceArb: fc.Arbitrary<Service> = fc
  .record({
    family: fc.constantFrom(4 as const, 6 as const),
    fwmark: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
    v4: ipv4,
    v6: ipv6,
    port,
    scheduler: name,
    flags: fc.integer({ min: 0, max: 0x3d }).map((f) => f & ~2),
    timeout: u32,
    mask4: ipv4,
    prefix: fc.integer({ min: 1, max: 128 }),
    pe: fc.option(name, { nil: undefined }),
  })
  .map((r) => {
    const key: Service['key'] =
      r.fwmark !== undefined
        ? { kind: 'fwmark', family: r.family, fwmark: r.fwmark }
        : {
            kind: 'addr',
            family: r.family,
            protocol: r.protocol,
            address: r.family === 4 ? r.v4 : r.v6,
            port: r.port,
          };
    const s: Service = {
      key,
      scheduler: r.scheduler,
      flags: r.flags,
      timeout: r.timeout,
      netmask: r.family === 4 ? r.mask4 : String(r.prefix),
    };
    if (r.pe !== undefined) s.persistenceEngine = r.pe;
    return s;
  });

const destinationArb: fc.Arbitrary<Destination> = fc
  .record({
    family: fc.constantFrom(4 as const, 6 as const),
    v4: ipv4,
    v6: ipv6,
    port,
    weight: fc.integer({ min: 0, max: 0x7fffffff }),
    method: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
    upperThreshold: u32,
    lowerThreshold: u32,
    tunnelType: fc.constantFrom('ipip' as const, 'gue' as const, 'gre' as const),
    tunnelPort: port,
    tunnelFlags: fc.integer({ min: 0, max: 3 }),
  })
  .map((r) => {
    const d: Destination = {
      family: r.family,
      address: r.family === 4 ? r.v4 : r.v6,
      port: r.port,
      weight: r.weight,
      method: r.method,
      upperThreshold: r.upperThreshold,
      lowerThreshold: r.lowerThreshold,
    };
    if (r.method === 'tun') {
      if (r.tunnelType !== 'ipip') d.tunnelType = r.tunnelType;
      if (r.tunnelPort !== 0) d.tunnelPort = r.tunnelPort;
      if (r.tunnelFlags !== 0) d.tunnelFlags = r.tunnelFlags;
    }
    return d;
  });

test('property: every service decodes back to itself', () => {
  fc.assert(
    fc.property(serviceArb, (s) => {
      assert.deepEqual(decodeServiceMessage(ipvsMessage(IPVS_CMD_NEW_SERVICE, { service: s })), s);
    }),
  );
});

test('property: every destination decodes back to itself (connection counts zero)', () => {
  fc.assert(
    fc.property(destinationArb, (d) => {
      const payload = ipvsMessage(IPVS_CMD_NEW_DEST, { destination: d });
      const decoded = decodeDestination(nestedOf(payload), d.family === 4 ? 6 : 4);
      assert.deepEqual(decoded, { ...d, connections: { active: 0, inactive: 0, persistent: 0 } });
    }),
  );
});

test('property: arbitrary bytes never crash the decoders with anything but a KtsError', () => {
  const attrsArb = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    // Well-framed attributes with random types and payloads reach the per-field checks.
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 16 }), fc.uint8Array({ maxLength: 20 })), {
        maxLength: 12,
      })
      .map((list) => {
        const e = new AttributeEncoder();
        for (const [type, payload] of list) e.bytes(type, payload);
        return e.encode();
      }),
  );
  fc.assert(
    fc.property(attrsArb, (attrs) => {
      for (const decode of [() => decodeService(attrs), () => decodeDestination(attrs, 4)]) {
        try {
          decode();
        } catch (err) {
          assert.ok(err instanceof KtsError, `unexpected ${String(err)}`);
        }
      }
      const wrapped = new AttributeEncoder()
        .nested(IPVS_CMD_ATTR_SERVICE, (n) => n.bytes(0, attrs))
        .nested(IPVS_CMD_ATTR_DEST, (n) => n.bytes(0, attrs))
        .encode();
      for (const payload of [Buffer.concat([Buffer.from([4, 1, 0, 0]), wrapped]), attrs]) {
        for (const decode of [
          () => decodeServiceMessage(payload),
          () => decodeInfoMessage(payload),
        ]) {
          try {
            decode();
          } catch (err) {
            assert.ok(err instanceof KtsError, `unexpected ${String(err)}`);
          }
        }
      }
    }),
    { numRuns: 500 },
  );
});

const destinationAt = (address: string): Destination => ({
  family: 4,
  address,
  port: 80,
  weight: 1,
  method: 'nat',
  upperThreshold: 0,
  lowerThreshold: 0,
});

test('IPv4 destination addresses: dotted quads written in place, other forms as addressBytes has them', () => {
  const encoded = (address: string) =>
    decodeDestination(
      nestedOf(ipvsMessage(IPVS_CMD_NEW_DEST, { destination: destinationAt(address) })),
      4,
    ).address;
  assert.equal(encoded('10.2.0.255'), '10.2.0.255');
  assert.equal(encoded('0.0.0.0'), '0.0.0.0');
  assert.equal(encoded('10.0.0.1%eth0'), '10.0.0.1', 'a zone is ignored, as everywhere');
  for (const bad of [
    '10.0.0.256',
    '10.0.0',
    '10.0.0.1.2',
    '010.0.0.1',
    '10..0.1',
    '1.2.3.4.',
    '',
  ]) {
    assert.throws(
      () => ipvsMessage(IPVS_CMD_NEW_DEST, { destination: destinationAt(bad) }),
      (err: unknown) => err instanceof KtsError && err.code === 'IPVS_BAD_ENTRY',
      bad,
    );
  }
});

test('property: an IPv4 destination address is encoded to the bytes addressBytes gives', () => {
  const text = fc.oneof(
    ipv4,
    fc.stringMatching(/^[0-9.]{0,16}$/),
    fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.nat(999)).map((o) => o.join('.')),
  );
  fc.assert(
    fc.property(text, (address) => {
      let expected: string;
      try {
        const bytes = addressBytes(address);
        expected = bytes.length === 4 ? formatAddress(bytes) : 'refused';
      } catch {
        expected = 'refused';
      }
      let got: string;
      try {
        got = decodeDestination(
          nestedOf(ipvsMessage(IPVS_CMD_NEW_DEST, { destination: destinationAt(address) })),
          4,
        ).address;
      } catch (err) {
        assert.ok(err instanceof KtsError && err.code === 'IPVS_BAD_ENTRY');
        got = 'refused';
      }
      assert.equal(got, expected, address);
    }),
    { numRuns: 2000 },
  );
});
