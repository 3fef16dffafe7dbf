import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRoute, decodeRule, encodeRoute, encodeRule } from '../../../src/netlink/route.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import {
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RTPROT_KEEPALIVED,
} from '../../../src/netlink/constants.js';

test('a route encodes rtmsg then RTA_DST, RTA_TABLE, RTA_GATEWAY, RTA_OIF, RTA_PRIORITY', () => {
  const body = encodeRoute({
    destination: '10.0.0.0',
    prefixLength: 8,
    gateway: '192.168.0.1',
    ifindex: 3,
    metric: 5,
  });
  assert.equal(
    body.toString('hex'),
    '02080000fe120001' + // family, dst_len 8, src_len, tos, table main, proto keepalived, scope, type
      '00000000' + // rtm_flags
      '080001000a000000' +
      '08000f00fe000000' +
      '08000500c0a80001' +
      '0800040003000000' +
      '0800060005000000',
  );
  assert.deepEqual(decodeRoute(body), {
    family: 4,
    destination: '10.0.0.0',
    prefixLength: 8,
    table: 254,
    protocol: RTPROT_KEEPALIVED,
    scope: RT_SCOPE_UNIVERSE,
    type: 1,
    gateway: '192.168.0.1',
    ifindex: 3,
    metric: 5,
  });
});

test('a direct route on an interface gets link scope, as ip route does', () => {
  assert.equal(
    decodeRoute(encodeRoute({ destination: 'fd01::', prefixLength: 64, ifindex: 2 })).scope,
    RT_SCOPE_LINK,
  );
});

test('a table id above 255 lives in RTA_TABLE only', () => {
  const body = encodeRoute({ destination: '10.0.0.0', prefixLength: 8, table: 1000 });
  assert.equal(body[4], 0);
  assert.equal(decodeRoute(body).table, 1000);
});

test('rules round-trip', () => {
  const spec = {
    family: 6 as const,
    priority: 7,
    from: { address: 'fd00::', prefixLength: 64 },
    to: { address: 'fd01::', prefixLength: 48 },
    table: 300,
    iifname: 'eth0',
    oifname: 'eth1',
    fwmark: 1,
    fwmask: 0xff,
    protocol: RTPROT_KEEPALIVED,
  };
  assert.deepEqual(decodeRule(encodeRule(spec)), { ...spec, action: 1 });
});

test('fuzz: route and rule decoders throw nothing but NETLINK_MALFORMED', () => {
  fc.assert(
    // The first byte is the family: make it a valid one, so decoding gets past the header.
    fc.property(fc.constantFrom(2, 10), fc.uint8Array({ maxLength: 80 }), (family, raw) => {
      const body = Buffer.from(raw);
      if (body.length > 0) body[0] = family;
      for (const decode of [decodeRoute, decodeRule]) {
        try {
          decode(body);
        } catch (err) {
          assert.ok(err instanceof NetlinkDecodeError, String(err));
        }
      }
    }),
    { numRuns: 2000 },
  );
});
