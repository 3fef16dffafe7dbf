import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseIp, parsePrefix } from '../../../src/config/build/address.js';
import { loadText, summary } from '../../helpers/config-text.js';

test('addresses are validated and IPv6 is canonicalised (RFC 5952)', () => {
  assert.deepEqual(parseIp('10.0.0.1'), { address: '10.0.0.1', family: 4 });
  assert.deepEqual(parseIp('2001:DB8:0:0:0:0:0:1'), { address: '2001:db8::1', family: 6 });
  assert.deepEqual(parseIp('2001:db8:0:1:0:0:0:1'), { address: '2001:db8:0:1::1', family: 6 });
  assert.deepEqual(parseIp('::ffff:10.0.0.1'), { address: '::ffff:a00:1', family: 6 });
  assert.equal(parseIp('192.168.100.'), undefined);
  assert.equal(parseIp('300.1.1.1'), undefined);
  assert.deepEqual(parsePrefix('10.0.0.0/8'), { address: '10.0.0.0', prefixLength: 8, family: 4 });
  assert.deepEqual(parsePrefix('fe80::1'), { address: 'fe80::1', prefixLength: 128, family: 6 });
  assert.equal(parsePrefix('10.0.0.0/33'), undefined);
  assert.equal(parsePrefix('192.168.100./24'), undefined);
});

test('IPv6 canonical text round-trips through the parser for any address', () => {
  fc.assert(
    fc.property(fc.ipV6(), (text) => {
      const once = parseIp(text);
      assert.ok(once);
      assert.deepEqual(parseIp(once.address), once);
    }),
  );
});

const instance = (body: string) => `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${body}
}`;

test('VIP lines: /len, dev, brd, scope, label and flags; one address per line', () => {
  const r = loadText(
    instance(`  virtual_ipaddress {
    192.168.1.10/24 dev eth1 brd + scope global label eth1:vip noprefixroute no_track
    192.168.1.11
  }
  virtual_ipaddress_excluded {
    2001:db8::10/64 dev eth1 -nodad
  }`),
  );
  const [a, b] = r.config.vrrpInstances[0].virtualIpaddresses;
  assert.deepEqual(
    [
      a.address,
      a.prefixLength,
      a.family,
      a.dev,
      a.brd,
      a.scope,
      a.label,
      a.noPrefixRoute,
      a.noTrack,
    ],
    ['192.168.1.10', 24, 4, 'eth1', '+', 'global', 'eth1:vip', true, true],
  );
  assert.deepEqual([b.address, b.prefixLength, b.dev], ['192.168.1.11', 32, undefined]);
  const e = r.config.vrrpInstances[0].virtualIpaddressesExcluded[0];
  assert.deepEqual([e.address, e.prefixLength, e.family, e.noDad], ['2001:db8::10', 64, 6, true]);
  assert.deepEqual(summary(r.diagnostics), []);
});

test('bad VIPs are reported and skipped; duplicates removed; IPv6 refuses scope and label', () => {
  const r = loadText(
    instance(`  virtual_ipaddress {
    10.0.0.1/24
    10.0.0.1/24
    10.0.0.300
    10.0.0.2/24 10.0.0.3/24
  }
  virtual_ipaddress_excluded {
    fd00::1 label x
  }`),
  );
  assert.deepEqual(summary(r.diagnostics), [
    '7:error:duplicate-address',
    '8:error:invalid-address',
    '9:error:unknown-option',
    '12:error:invalid-option',
  ]);
  assert.deepEqual(
    r.config.vrrpInstances[0].virtualIpaddresses.map((v) => v.address),
    ['10.0.0.1', '10.0.0.2'],
  );
});

test('routes: destination, via/gw, dev, table, metric, types, multipath, options', () => {
  const r = loadText(`
static_routes {
  10.1.0.0/16 via 192.168.0.1 dev eth0 table 100 metric 5 mtu 1400
  blackhole 10.66.0.0/16
  default gw 192.168.0.254
  to 10.2.0.0/16 nexthop via 192.168.0.1 weight 2 nexthop via 192.168.0.2 dev eth1
  10.3.0.0/16 via inet6
  10.4.0.0/16 via 192.168.0.1 or 192.168.0.2
}`);
  const [a, b, c, d] = r.config.staticRoutes;
  assert.deepEqual(
    [a.to, a.via, a.dev, a.table, a.metric, a.options],
    [
      { address: '10.1.0.0', prefixLength: 16, family: 4 },
      '192.168.0.1',
      'eth0',
      '100',
      5,
      { mtu: '1400' },
    ],
  );
  assert.deepEqual([b.type, b.to.address], ['blackhole', '10.66.0.0']);
  assert.deepEqual([c.to.prefixLength, c.via], [0, '192.168.0.254']);
  assert.deepEqual(d.nexthops, [
    { via: '192.168.0.1', weight: 2, onlink: false },
    { via: '192.168.0.2', dev: 'eth1', onlink: false },
  ]);
  // The old `via A or B` form becomes two nexthops.
  assert.deepEqual(
    [r.config.staticRoutes[5].via, r.config.staticRoutes[5].nexthops.map((h) => h.via)],
    [undefined, ['192.168.0.1', '192.168.0.2']],
  );
  // Only the first line names its interface: keepalived cannot track the others.
  assert.deepEqual(summary(r.diagnostics), [
    '4:warning:route-untracked',
    '5:warning:route-untracked',
    '5:warning:deprecated-keyword',
    '6:warning:route-untracked',
    '7:warning:route-untracked',
    '7:error:invalid-route',
    '8:warning:route-untracked',
    '8:warning:deprecated-keyword',
  ]);
});

test('a route without an interface is not tracked, as keepalived says, unless no_track', () => {
  const r = loadText(`
static_routes {
  10.5.5.5 via 192.168.0.1
  default via 192.168.0.1 no_track
  10.6.0.0/16 via 192.168.0.1 dev eth0
}
${instance(`  virtual_ipaddress {
    10.0.0.1/24
  }
  virtual_routes {
    fd00::/64 via fd00::1
  }`)}`);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.severity} ${d.message}`),
    [
      '3 warning Warning - cannot track route 10.5.5.5 with no interface specified, not tracking',
      '15 warning Warning - cannot track route fd00::/64 with no interface specified, not tracking',
    ],
  );
  assert.deepEqual(
    r.config.staticRoutes.map((x) => x.noTrack),
    [true, true, false],
  );
  assert.equal(r.config.vrrpInstances[0].virtualRoutes[0].noTrack, true);
});

test('rules: preference, selectors and actions; missing preferences count down from 16384', () => {
  const r = loadText(`
static_rules {
  from 10.0.0.0/8 table 100 preference 200
  to 10.1.0.0/16 lookup 101
  iif eth1 fwmark 0x10/0xff goto 500 priority 10
  from all table main
}`);
  const [a, b, c, d] = r.config.staticRules;
  assert.deepEqual(
    [a.preference, a.preferenceAssigned, a.from?.address, a.table],
    [200, false, '10.0.0.0', '100'],
  );
  assert.deepEqual([b.preference, b.preferenceAssigned, b.to?.prefixLength], [16384, true, 16]);
  assert.deepEqual(
    [c.iif, c.fwmark, c.action, c.preference],
    ['eth1', '0x10/0xff', 'goto 500', 10],
  );
  assert.deepEqual([d.preference, d.from?.prefixLength], [16383, 0]);
  assert.deepEqual(summary(r.diagnostics), [
    '4:warning:rule-no-preference',
    '6:warning:rule-no-preference',
  ]);
});
