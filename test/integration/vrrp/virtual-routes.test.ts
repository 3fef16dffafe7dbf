// virtual_routes and virtual_rules follow the MASTER, as with keepalived 2.2.7: installed after
// the VIPs when an instance becomes MASTER, removed (rules, routes, then VIPs) when it leaves;
// a reload in place moves only what changed; static_* entries stay while the node runs. Two
// keepalived-ts nodes on a bridge; the routes and rules are read back with `ip route` / `ip rule`
// in each node's namespace, and compared with what the real keepalived installs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, hasCommand, skipUnless } from '../../helpers/privileged.js';
import { ip } from '../../helpers/netns.js';
import { startKeepalived, startOurs, waitUntil } from '../../helpers/vrrp-nodes.js';
import { D1, D2, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

const testbed = testbedForFile('vroute', [D1, D2], skip);

/** VI_1 with a route via the LAN in table 100, a route from the VIP, and a rule for the VIP. */
function config(priority: number, sourcedRoute: string): string {
  return `
vrrp_instance VI_1 {
    state ${priority === 100 ? 'MASTER' : 'BACKUP'}
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        192.168.0.38
    }
    virtual_routes {
        10.77.0.0/16 via 192.168.0.1 dev eth0 table 100
        ${sourcedRoute} src 192.168.0.38 dev eth0
    }
    virtual_rules {
        from 192.168.0.38 table 100 priority 100
    }
}
`;
}

/** The node's routes (every table) and rules that keepalived-ts installed. */
function installed(node: string): string[] {
  const ns = testbed.bed.nodes[node].ns;
  const lines = [
    ...ip(['-n', ns, 'route', 'show', 'table', 'all']).split('\n'),
    ...ip(['-n', ns, 'rule', 'show']).split('\n'),
  ];
  return lines.filter((l) => l.includes('proto keepalived')).map((l) => l.trim());
}

const routesAndRule = (sourced: string) => [
  '10.77.0.0/16 via 192.168.0.1 dev eth0 table 100 proto keepalived',
  `${sourced} dev eth0 proto keepalived src 192.168.0.38`,
  '100:\tfrom 192.168.0.38 lookup 100 proto keepalived',
];

const holds = (node: string, expected: string[]) => () =>
  JSON.stringify(installed(node)) === JSON.stringify(expected);

test(
  'routes and rules are on the MASTER only, follow a reload, and move on SIGTERM',
  { skip },
  async (t) => {
    let finished = false;
    t.after(() => {
      if (finished) return;
      for (const n of testbed.nodes) t.diagnostic(`--- ${n.label}\n${n.dump()}`);
    });
    const d1Conf = testbed.files.write('d1.conf', config(100, '10.78.0.0/16'));
    const d1 = startOurs(testbed.bed, 'd1', d1Conf);
    testbed.nodes.push(d1);
    await d1.waitForLine(/"to":"BACKUP"/, 5000);
    const d2 = startOurs(
      testbed.bed,
      'd2',
      testbed.files.write('d2.conf', config(90, '10.78.0.0/16')),
    );
    testbed.nodes.push(d2);
    await d2.waitForLine(/"to":"BACKUP"/, 5000);

    await waitUntil(holds('d1', routesAndRule('10.78.0.0/16')), 6000, 'routes and rule on d1');
    assert.deepEqual(installed('d2'), [], 'the BACKUP has none');
    // One line per change, in keepalived's order: the VIP first, so the route from it resolves.
    // (The lines may reach us a moment after the kernel has the rule.)
    await d1.waitForRecord((r) => r.event === 'vrule.add', 1000, 'vrule.add');
    const changes = d1
      .records()
      .filter((r) => ['vip.add', 'vroute.add', 'vrule.add'].includes(r.event as string))
      .map((r) => `${r.event as string} ${(r.address ?? r.route ?? r.rule) as string}`);
    assert.deepEqual(changes, [
      'vip.add 192.168.0.38/32',
      'vroute.add 10.77.0.0/16 via 192.168.0.1 dev eth0 table 100',
      'vroute.add 10.78.0.0/16 dev eth0 src 192.168.0.38',
      'vrule.add priority 100 from 192.168.0.38/32 lookup 100',
    ]);

    // Reload in place: the changed route is replaced, the others stay untouched.
    const mark = d1.lines.length;
    testbed.files.write('d1.conf', config(100, '10.79.0.0/16'));
    d1.signal('SIGHUP');
    await waitUntil(holds('d1', routesAndRule('10.79.0.0/16')), 3000, 'the reloaded route');
    await d1.waitForRecord((r) => r.event === 'vroute.add', 1000, 'vroute.add', mark);
    assert.deepEqual(
      d1
        .records(mark)
        .filter((r) => typeof r.event === 'string' && /^(vroute|vrule|vip)\./.test(r.event))
        .map((r) => `${r.event as string} ${(r.route ?? r.rule ?? r.address) as string}`),
      [
        'vroute.del 10.78.0.0/16 dev eth0 src 192.168.0.38',
        'vroute.add 10.79.0.0/16 dev eth0 src 192.168.0.38',
      ],
    );

    // SIGTERM: d1 removes everything; d2 takes over and installs its own (pre-reload) set.
    d1.signal('SIGTERM');
    assert.equal(await d1.exited, 0);
    assert.deepEqual(installed('d1'), [], 'the stopped node removed its routes and rule');
    await waitUntil(holds('d2', routesAndRule('10.78.0.0/16')), 3000, 'routes and rule on d2');
    finished = true;
  },
);

test(
  'a route the kernel refuses is logged with the netlink operation and errno and retried',
  { skip },
  async (t) => {
    const d3 = startOurs(
      testbed.bed,
      'd1',
      testbed.files.write(
        'd3.conf',
        `
vrrp_instance VI_3 {
    interface eth0
    virtual_router_id 53
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.0.39
    }
    virtual_routes {
        10.80.0.0/16 via 10.99.0.1 dev eth0
    }
}
`,
      ),
    );
    testbed.nodes.push(d3);
    t.after(() => d3.stop());
    // 10.99.0.1 is not on any connected network yet: RTM_NEWROUTE fails with ENETUNREACH.
    const failure = await d3.waitForRecord(
      (r) => r.msg === 'virtual route add failed; retrying',
      6000,
      'the failed route add',
    );
    const err = failure.err as Record<string, unknown>;
    assert.deepEqual(
      [failure.instance, failure.route, failure.op, err.code, err.op],
      [
        'VI_3',
        '10.80.0.0/16 via 10.99.0.1 dev eth0',
        'add',
        'ENETUNREACH',
        'RTM_NEWROUTE 10.80.0.0',
      ],
    );
    assert.equal(typeof err.errno, 'number');
    // Once the gateway's network exists the retry (1 s, then 2 s...) installs the route.
    ip(['-n', testbed.bed.nodes.d1.ns, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
    await d3.waitForRecord(
      (r) => r.event === 'vroute.add' && r.route === '10.80.0.0/16 via 10.99.0.1 dev eth0',
      5000,
      'the retried route',
    );
    assert.ok(
      ip(['-n', testbed.bed.nodes.d1.ns, 'route', 'show']).includes('10.80.0.0/16 via 10.99.0.1'),
    );
    assert.equal(d3.proc.exitCode, null, 'the node keeps running');
  },
);

test(
  'static addresses, routes and rules are there while the node runs, whatever its state',
  { skip },
  async (t) => {
    const statics = (routes: string) => `
static_ipaddress {
    192.168.0.70/24
}
static_routes {
${routes}
}
static_rules {
    from 192.168.0.70 table 200 priority 300
}
vrrp_instance VI_4 {
    interface eth0
    virtual_router_id 54
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.0.41
    }
}
`;
    const both =
      '    10.88.0.0/16 via 192.168.0.1 table 200\n    10.89.0.0/16 src 192.168.0.70 dev eth0';
    const conf = testbed.files.write('d4.conf', statics(both));
    const d4 = startOurs(testbed.bed, 'd1', conf);
    testbed.nodes.push(d4);
    t.after(() => d4.stop());
    const ns = testbed.bed.nodes.d1.ns;
    const hasStaticAddress = () => ip(['-n', ns, '-o', 'addr']).includes('192.168.0.70/24');
    const expected = [
      '10.88.0.0/16 via 192.168.0.1 dev eth0 table 200 proto keepalived',
      '10.89.0.0/16 dev eth0 proto keepalived src 192.168.0.70',
      '300:\tfrom 192.168.0.70 lookup 200 proto keepalived',
    ];
    // Installed at start, before the instance leaves BACKUP.
    await d4.waitForLine(/"to":"BACKUP"/, 5000);
    assert.deepEqual(installed('d1'), expected);
    assert.ok(hasStaticAddress());
    // The node's own entries: logged without an instance.
    assert.deepEqual(
      d4
        .records()
        .filter((r) => r.event === 'vroute.add' || r.event === 'vrule.add')
        .map((r) => [r.instance, r.route ?? r.rule]),
      [
        [undefined, '10.88.0.0/16 via 192.168.0.1 table 200'],
        [undefined, '10.89.0.0/16 dev eth0 src 192.168.0.70'],
        [undefined, 'priority 300 from 192.168.0.70/32 lookup 200'],
      ],
    );

    // Reload without the second route: only it goes.
    const mark = d4.lines.length;
    testbed.files.write('d4.conf', statics('    10.88.0.0/16 via 192.168.0.1 table 200'));
    d4.signal('SIGHUP');
    await d4.waitForLine(/"msg":"reloaded"/, 3000);
    assert.deepEqual(installed('d1'), [expected[0], expected[2]]);
    assert.deepEqual(
      d4
        .records(mark)
        .filter((r) => typeof r.event === 'string' && /^(vroute|vrule)\./.test(r.event))
        .map((r) => `${r.event as string} ${(r.route ?? r.rule) as string}`),
      ['vroute.del 10.89.0.0/16 dev eth0 src 192.168.0.70'],
    );

    d4.signal('SIGTERM');
    assert.equal(await d4.exited, 0);
    assert.deepEqual(installed('d1'), []);
    assert.ok(!hasStaticAddress());
  },
);

test(
  'keepalived 2.2.7 installs the same routes and rules, in the same form',
  { skip: skip ?? skipUnless([[hasCommand('keepalived'), 'keepalived']]) },
  async () => {
    const conf = testbed.files.write('same.conf', config(100, '10.78.0.0/16'));
    const expected = routesAndRule('10.78.0.0/16');
    const seen: Record<string, string[]> = {};
    for (const impl of ['keepalived', 'ours'] as const) {
      const n =
        impl === 'ours'
          ? startOurs(testbed.bed, 'd1', conf)
          : startKeepalived(testbed.bed, 'd1', conf, testbed.files.dir);
      testbed.nodes.push(n);
      try {
        const all = () => installed('d1').length === expected.length;
        await waitUntil(all, 6000, `${impl}: routes and rule on d1`);
        seen[impl] = installed('d1');
      } finally {
        await n.stop();
      }
      await waitUntil(holds('d1', []), 3000, `${impl}: routes and rule removed on stop`);
    }
    assert.deepEqual(seen.ours, seen.keepalived);
    assert.deepEqual(seen.keepalived, expected);
  },
);
