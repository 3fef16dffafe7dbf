import { test } from 'node:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changesBetween } from '../../../src/vrrp/changes.js';
import { ownedItems, ownedKey } from '../../../src/vrrp/owned.js';
import { vrrpSpecFromConfig } from '../../../src/vrrp/from-config.js';
import {
  routeSpecOf,
  systemRouteNames,
  virtualRouteOf,
  virtualRuleOf,
} from '../../../src/vrrp/virtual-routes.js';
import {
  FR_ACT_BLACKHOLE,
  FR_ACT_GOTO,
  FR_ACT_TO_TBL,
  RTN_BLACKHOLE,
  RTN_UNICAST,
  RTPROT_KEEPALIVED,
  RTPROT_STATIC,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
} from '../../../src/netlink/constants.js';
import { buildText } from '../../helpers/config-text.js';

/** The instance VI_1 of a config whose body is `blocks`, through the model and from-config. */
function instance(blocks: string) {
  const { config, diagnostics } = buildText(`
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.168.0.38/24
    }
${blocks}
}`);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return vrrpSpecFromConfig(config).instances[0];
}

test('virtual_routes: ip route form, rtnetlink fields, keepalived protocol and scope by default', () => {
  const { virtualRoutes } = instance(`
    virtual_routes {
        10.20.0.0/16 via 192.168.0.1 dev eth0 table 100 metric 5
        blackhole 10.66.0.0/16
        192.168.9.0/24 dev eth1 scope link proto static src 192.168.0.38 table main
        10.30.0.0/16 nexthop via 192.168.0.1 dev eth0 weight 2 nexthop via 192.168.0.2
    }`);
  assert.deepEqual(
    virtualRoutes.map((r) => r.text),
    [
      '10.20.0.0/16 via 192.168.0.1 dev eth0 table 100 metric 5',
      'blackhole 10.66.0.0/16',
      '192.168.9.0/24 dev eth1 src 192.168.0.38 table main scope link proto static',
      '10.30.0.0/16 nexthop via 192.168.0.1 dev eth0 weight 2 nexthop via 192.168.0.2',
    ],
  );
  const [a, b, c, d] = virtualRoutes;
  assert.deepEqual(a.route, {
    destination: '10.20.0.0',
    prefixLength: 16,
    type: RTN_UNICAST,
    scope: RT_SCOPE_UNIVERSE,
    protocol: RTPROT_KEEPALIVED,
    gateway: '192.168.0.1',
    table: 100,
    metric: 5,
  });
  assert.equal(a.dev, 'eth0');
  assert.deepEqual([b.route.type, b.dev, b.nexthops], [RTN_BLACKHOLE, undefined, []]);
  assert.deepEqual(
    [c.route.scope, c.route.protocol, c.route.source, c.route.table],
    [RT_SCOPE_LINK, RTPROT_STATIC, '192.168.0.38', RT_TABLE_MAIN],
  );
  assert.deepEqual(d.nexthops, [
    { gateway: '192.168.0.1', dev: 'eth0', weight: 2, onlink: false },
    { gateway: '192.168.0.2', onlink: false },
  ]);
});

test('routeSpecOf resolves every interface name through the given lookup', () => {
  const indexes: Record<string, number> = { eth0: 2, eth1: 3 };
  const [direct, multipath] = instance(`
    virtual_routes {
        10.20.0.0/16 via 192.168.0.1 dev eth1
        10.30.0.0/16 nexthop via 192.168.0.1 dev eth0 nexthop via 192.168.0.2 dev eth1 weight 3
    }`).virtualRoutes;
  assert.equal(routeSpecOf(direct, (dev) => indexes[dev]).ifindex, 3);
  assert.deepEqual(routeSpecOf(multipath, (dev) => indexes[dev]).nexthops, [
    { gateway: '192.168.0.1', ifindex: 2, onlink: false },
    { gateway: '192.168.0.2', ifindex: 3, weight: 3, onlink: false },
  ]);
});

test('virtual_rules: ip rule form; lookup, goto and blackhole actions; "from all" selects all', () => {
  const { virtualRules } = instance(`
    virtual_rules {
        from 192.168.0.38 table 100 priority 100
        to 10.1.0.0/16 iif eth1 fwmark 0x10/0xff goto 500 priority 10
        from all blackhole priority 20
        from all oif eth0 tos 0x10 lookup main priority 30
    }`);
  assert.deepEqual(
    virtualRules.map((r) => r.text),
    [
      'priority 100 from 192.168.0.38/32 lookup 100',
      'priority 10 to 10.1.0.0/16 iif eth1 fwmark 0x10/0xff goto 500',
      'priority 20 blackhole',
      'priority 30 oif eth0 tos 0x10 lookup main',
    ],
  );
  assert.deepEqual(
    virtualRules.map((r) => r.rule),
    [
      {
        family: 4,
        protocol: RTPROT_KEEPALIVED,
        priority: 100,
        from: { address: '192.168.0.38', prefixLength: 32 },
        action: FR_ACT_TO_TBL,
        table: 100,
      },
      {
        family: 4,
        protocol: RTPROT_KEEPALIVED,
        priority: 10,
        to: { address: '10.1.0.0', prefixLength: 16 },
        iifname: 'eth1',
        fwmark: 0x10,
        fwmask: 0xff,
        action: FR_ACT_GOTO,
        goto: 500,
        table: 0,
      },
      {
        family: 4,
        protocol: RTPROT_KEEPALIVED,
        priority: 20,
        action: FR_ACT_BLACKHOLE,
        table: 0,
      },
      {
        family: 4,
        protocol: RTPROT_KEEPALIVED,
        priority: 30,
        oifname: 'eth0',
        tos: 0x10,
        action: FR_ACT_TO_TBL,
        table: RT_TABLE_MAIN,
      },
    ],
  );
});

test('table and protocol names come from iproute2 files; an unknown name is refused', () => {
  const { config } = buildText(`
static_routes {
    10.20.0.0/16 via 192.168.0.1 table vrrp proto bird
}
static_rules {
    from 10.0.0.0/8 table vrrp priority 5
}`);
  const [route] = config.staticRoutes;
  const [rule] = config.staticRules;
  assert.throws(() => virtualRouteOf(route), {
    code: 'VRRP_ROUTE_UNSUPPORTED',
    message: 'unknown protocol "bird"',
  });
  assert.throws(() => virtualRuleOf(rule), {
    code: 'VRRP_ROUTE_UNSUPPORTED',
    message: 'unknown routing table "vrrp"',
  });

  const dir = mkdtempSync(join(tmpdir(), 'kts-rtnames-'));
  try {
    writeFileSync(
      join(dir, 'rt_tables'),
      '#\n# reserved values\n255\tlocal\n254\tmain\n100 vrrp\n',
    );
    mkdirSync(join(dir, 'rt_tables.d'));
    // A later file wins, as with iproute2; files not ending in .conf are not read.
    writeFileSync(join(dir, 'rt_tables.d', 'site.conf'), '0x66 vrrp # hex ids too\n');
    writeFileSync(join(dir, 'rt_tables.d', 'README'), '7 ignored\n');
    writeFileSync(join(dir, 'rt_protos'), '12\tbird\n');
    const names = systemRouteNames(dir);
    assert.deepEqual(names.tables, { main: 254, local: 255, default: 253, vrrp: 0x66 });
    assert.equal(names.protocols.bird, 12);
    assert.equal(names.protocols.keepalived, RTPROT_KEEPALIVED);
    assert.deepEqual(
      [virtualRouteOf(route, names).route.table, virtualRouteOf(route, names).route.protocol],
      [0x66, 12],
    );
    assert.equal(virtualRuleOf(rule, names).rule.table, 0x66);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(systemRouteNames('/nonexistent-kts').tables, {
    main: 254,
    local: 255,
    default: 253,
  });
});

test('changesBetween: what goes and what comes, each in its list order, matched by key', () => {
  assert.deepEqual(
    changesBetween(['a1', 'b1', 'c1'], ['c2', 'd2', 'a2'], (s) => s[0]),
    { gone: ['b1'], added: ['d2'] },
  );
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 20 })),
      fc.uniqueArray(fc.integer({ min: 0, max: 20 })),
      (before, after) => {
        const { gone, added } = changesBetween(before, after, String);
        // Applying the changes to `before` gives exactly the set `after`.
        const result = new Set(before.filter((x) => !gone.includes(x)).concat(added));
        assert.deepEqual([...result].sort(), [...new Set(after)].sort());
        assert.ok(gone.every((x) => !after.includes(x)));
        assert.ok(added.every((x) => !before.includes(x)));
      },
    ),
  );
});

test('static entries: addresses default to default_interface; dynamic_interfaces is read', () => {
  const build = (text: string) => vrrpSpecFromConfig(buildText(text).config);
  const spec = build(`
global_defs {
    default_interface eth2
    dynamic_interfaces
}
static_ipaddress {
    192.168.0.70/24
    192.168.1.70/32 dev eth1
}
static_routes {
    10.88.0.0/16 via 192.168.0.1 table 200
}
static_rules {
    from 192.168.0.70 table 200 priority 300
}`);
  assert.equal(spec.dynamicInterfaces, true);
  assert.deepEqual(
    spec.statics.addresses.map((a) => `${a.address}/${a.prefixLength} ${a.dev}`),
    ['192.168.0.70/24 eth2', '192.168.1.70/32 eth1'],
  );
  assert.deepEqual(
    [...spec.statics.routes, ...spec.statics.rules].map((r) => r.text),
    ['10.88.0.0/16 via 192.168.0.1 table 200', 'priority 300 from 192.168.0.70/32 lookup 200'],
  );
  assert.equal(build('static_routes {\n}').dynamicInterfaces, false);
});

test('a reload moves what changed: items in install order, matched by address or ip form', () => {
  const owned = (routes: string) => {
    const i = instance(`
    virtual_routes {
${routes}
    }
    virtual_rules {
        from 192.168.0.38 table 100 priority 100
    }`);
    return ownedItems({ addresses: i.vips, routes: i.virtualRoutes, rules: i.virtualRules });
  };
  const before = owned('        10.1.0.0/16 via 192.168.0.1\n        10.2.0.0/16 via 192.168.0.1');
  assert.deepEqual(before.map(ownedKey), [
    'vip 192.168.0.38/24/eth0',
    'route 10.1.0.0/16 via 192.168.0.1',
    'route 10.2.0.0/16 via 192.168.0.1',
    'rule priority 100 from 192.168.0.38/32 lookup 100',
  ]);
  const after = owned('        10.1.0.0/16 via 192.168.0.1\n        10.2.0.0/16 via 192.168.0.2');
  const { gone, added } = changesBetween(before, after, ownedKey);
  assert.deepEqual(
    [gone.map(ownedKey), added.map(ownedKey)],
    [['route 10.2.0.0/16 via 192.168.0.1'], ['route 10.2.0.0/16 via 192.168.0.2']],
  );
});
