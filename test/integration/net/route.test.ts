// Routes and rules through our rtnetlink, checked against `ip route` / `ip rule` in a namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createNetns, deleteNetns, execIn, ip, nsPath, uniquePrefix } from '../../helpers/netns.js';
import { Rtnetlink } from '../../../src/netlink/rtnetlink.js';
import { RTN_BLACKHOLE, RTPROT_KEEPALIVED } from '../../../src/netlink/constants.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

describe('routes and rules in a namespace', { skip }, () => {
  const ns = `${uniquePrefix('net')}-route`;
  let rt: Rtnetlink;
  let ifindex: number;
  const ipJson = (args: string[]) =>
    JSON.parse(ip(['-j', '-n', ns, ...args])) as Array<Record<string, unknown>>;

  before(() => {
    createNetns(ns);
    ip(['-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
    ip(['-n', ns, 'link', 'set', 'veth0', 'up']);
    ip(['-n', ns, 'link', 'set', 'veth1', 'up']);
    ip(['-n', ns, 'addr', 'add', '192.168.5.10/24', 'dev', 'veth0']);
    ip(['-n', ns, 'addr', 'add', 'fd00:5::10/64', 'dev', 'veth0', 'nodad']);
    ifindex = Number(execIn(ns, 'cat', ['/sys/class/net/veth0/ifindex']).trim());
    rt = Rtnetlink.open({ netns: nsPath(ns) });
  });
  after(() => {
    rt?.close();
    deleteNetns(ns);
  });

  test('a gateway route in a table above 255, with metric and source', async () => {
    const spec = {
      destination: '10.10.0.0',
      prefixLength: 16,
      gateway: '192.168.5.1',
      ifindex,
      table: 1000,
      metric: 7,
      source: '192.168.5.10',
    };
    await rt.addRoute(spec);
    assert.deepEqual(ipJson(['route', 'show', 'table', '1000']), [
      {
        dst: '10.10.0.0/16',
        gateway: '192.168.5.1',
        dev: 'veth0',
        protocol: 'keepalived',
        metric: 7,
        prefsrc: '192.168.5.10',
        flags: [],
      },
    ]);
    const [mine] = await rt.listRoutes(4, 1000);
    assert.deepEqual(mine, {
      family: 4,
      destination: '10.10.0.0',
      prefixLength: 16,
      table: 1000,
      protocol: RTPROT_KEEPALIVED,
      scope: 0,
      type: 1,
      gateway: '192.168.5.1',
      ifindex,
      source: '192.168.5.10',
      metric: 7,
    });
    await assert.rejects(rt.addRoute(spec), { code: 'EEXIST' });
    await rt.deleteRoute(spec);
    assert.deepEqual(ipJson(['route', 'show', 'table', '1000']), []);
    await assert.rejects(rt.deleteRoute(spec), { code: 'ESRCH' });
  });

  test('blackhole, direct IPv6 and multipath routes', async () => {
    await rt.addRoute({ destination: '10.20.0.0', prefixLength: 16, type: RTN_BLACKHOLE });
    assert.equal(ipJson(['route', 'show', '10.20.0.0/16'])[0].type, 'blackhole');
    await rt.addRoute({ destination: 'fd01::', prefixLength: 64, ifindex });
    assert.equal(ipJson(['-6', 'route', 'show', 'fd01::/64'])[0].dev, 'veth0');
    const multipath = {
      destination: '10.30.0.0',
      prefixLength: 16,
      nexthops: [
        { gateway: '192.168.5.1', ifindex, weight: 2 },
        { gateway: '192.168.5.2', ifindex },
      ],
    };
    await rt.addRoute(multipath);
    assert.deepEqual(ipJson(['route', 'show', '10.30.0.0/16'])[0].nexthops, [
      { gateway: '192.168.5.1', dev: 'veth0', weight: 2, flags: [] },
      { gateway: '192.168.5.2', dev: 'veth0', weight: 1, flags: [] },
    ]);
    const dests = (await rt.listRoutes(4)).map((r) => `${r.destination}/${r.prefixLength}`);
    assert.ok(dests.includes('10.20.0.0/16') && dests.includes('10.30.0.0/16'), dests.join());
    await rt.deleteRoute(multipath);
    await rt.deleteRoute({ destination: '10.20.0.0', prefixLength: 16, type: RTN_BLACKHOLE });
    await rt.deleteRoute({ destination: 'fd01::', prefixLength: 64, ifindex });
    assert.deepEqual(ipJson(['route', 'show', '10.30.0.0/16']), []);
  });

  test('a policy rule with source, iif, fwmark and table', async () => {
    const rule = {
      family: 4 as const,
      priority: 100,
      from: { address: '192.168.5.0', prefixLength: 24 },
      iifname: 'veth0',
      fwmark: 0x10,
      fwmask: 0xff,
      table: 100,
    };
    await rt.addRule(rule);
    assert.deepEqual(ipJson(['rule', 'show', 'pref', '100']), [
      {
        priority: 100,
        src: '192.168.5.0',
        srclen: 24,
        fwmark: '0x10',
        fwmask: '0xff',
        iif: 'veth0',
        table: '100',
      },
    ]);
    const mine = (await rt.listRules(4)).find((r) => r.priority === 100);
    assert.deepEqual(mine, {
      family: 4,
      priority: 100,
      table: 100,
      action: 1,
      from: rule.from,
      iifname: 'veth0',
      fwmark: 0x10,
      fwmask: 0xff,
    });
    await rt.deleteRule(rule);
    assert.deepEqual(ipJson(['rule', 'show', 'pref', '100']), []);
    await assert.rejects(rt.deleteRule(rule), { code: 'ENOENT' });
  });
});
