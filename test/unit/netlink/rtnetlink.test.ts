import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeAddress,
  decodeLink,
  encodeAddress,
  encodeLinkQuery,
  encodeMacvlan,
} from '../../../src/netlink/rtnetlink.js';
import { AttributeDecoder } from '../../../src/netlink/attr.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import {
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MACVLAN_MODE,
  MACVLAN_MODE_PRIVATE,
  RT_SCOPE_HOST,
} from '../../../src/netlink/constants.js';

test('an IPv4 VIP: ifaddrmsg, IFA_LOCAL and IFA_ADDRESS as iproute2 sends them', () => {
  const body = encodeAddress({ ifindex: 2, address: '192.168.0.38', prefixLength: 32 });
  assert.equal(
    body.toString('hex'),
    '02200000' + '02000000' + '08000200c0a80026' + '08000100c0a80026',
  );
});

test('broadcast, label, scope and flags beyond 8 bits (IFA_FLAGS) round-trip', () => {
  const spec = {
    ifindex: 7,
    address: '10.0.0.1',
    prefixLength: 24,
    broadcast: '10.0.0.255',
    label: 'eth0:vip',
    scope: RT_SCOPE_HOST,
    flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
  };
  const body = encodeAddress(spec);
  assert.equal(body[2], IFA_F_NODAD, 'the header keeps the low 8 bits');
  assert.deepEqual(decodeAddress(body), {
    family: 4,
    ifindex: 7,
    address: '10.0.0.1',
    prefixLength: 24,
    scope: RT_SCOPE_HOST,
    flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
    label: 'eth0:vip',
    broadcast: '10.0.0.255',
  });
});

test('IPv6 addresses round-trip', () => {
  fc.assert(
    fc.property(
      fc.ipV6(),
      fc.integer({ min: 0, max: 128 }),
      fc.integer({ min: 1, max: 0x7fffffff }),
      (addr, len, ifindex) => {
        const got = decodeAddress(encodeAddress({ ifindex, address: addr, prefixLength: len }));
        assert.deepEqual([got.family, got.ifindex, got.prefixLength], [6, ifindex, len]);
        assert.deepEqual(
          encodeAddress({ ifindex, address: got.address, prefixLength: len }),
          encodeAddress({ ifindex, address: addr, prefixLength: len }),
        );
      },
    ),
  );
});

test('link queries by name and by index', () => {
  assert.equal(encodeLinkQuery(5).toString('hex'), '00000000' + '05000000' + '0000000000000000');
  assert.equal(
    encodeLinkQuery('eth0').toString('hex'),
    '00'.repeat(16) + '0900030065746830' + '00000000',
  );
});

test('fuzz: address and link decoders throw nothing but NETLINK_MALFORMED', () => {
  fc.assert(
    // The first byte is the family: make it a valid one, so decoding gets past the header.
    fc.property(fc.constantFrom(2, 10), fc.uint8Array({ maxLength: 80 }), (family, raw) => {
      const body = Buffer.from(raw);
      if (body.length > 0) body[0] = family;
      for (const decode of [decodeAddress, decodeLink]) {
        try {
          decode(body);
        } catch (err) {
          assert.ok(err instanceof NetlinkDecodeError, String(err));
        }
      }
    }),
    { numRuns: 3000 },
  );
});

test('a macvlan request: name, parent, MAC, then LINKINFO { KIND "macvlan", DATA { MODE } }', () => {
  const body = encodeMacvlan({ name: 'vrrp.51', parent: 2, mac: '00:00:5e:00:01:33' });
  assert.equal(body.subarray(0, 16).toString('hex'), '00'.repeat(16));
  const seen: unknown[] = [];
  const d = new AttributeDecoder(body.subarray(16));
  while (d.next()) {
    if (d.type === IFLA_IFNAME) seen.push(d.string());
    else if (d.type === IFLA_LINK) seen.push(d.u32());
    else if (d.type === IFLA_ADDRESS) seen.push(d.bytes().toString('hex'));
    else if (d.type === IFLA_LINKINFO) {
      d.nested((info) => {
        while (info.next()) {
          if (info.type === IFLA_INFO_KIND) seen.push(info.string());
          else if (info.type === IFLA_INFO_DATA) {
            info.nested((data) => {
              while (data.next()) seen.push([data.type, data.u32()]);
            });
          }
        }
      });
    }
  }
  d.check();
  assert.deepEqual(seen, [
    'vrrp.51',
    2,
    '00005e000133',
    'macvlan',
    [IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE],
  ]);
});
