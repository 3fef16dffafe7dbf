// rtnetlink against a real kernel, inside a namespace: addresses added and removed through our
// netlink socket must be what `ip addr` sees, and the reverse; events arrive for both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createNetns, deleteNetns, execIn, ip, nsPath, uniquePrefix } from '../../helpers/netns.js';
import { Rtnetlink, type AddressEvent, type LinkEvent } from '../../../src/netlink/rtnetlink.js';
import {
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_PERMANENT,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
} from '../../../src/netlink/constants.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

interface IpAddrJson {
  ifname: string;
  addr_info: Array<{
    local: string;
    prefixlen: number;
    scope: string;
    label?: string;
    broadcast?: string;
    noprefixroute?: boolean;
    nodad?: boolean;
  }>;
}

describe('rtnetlink in a namespace', { skip }, () => {
  const ns = `${uniquePrefix('net')}-rt`;
  let rt: Rtnetlink;
  let ifindex: number;
  const ipAddrs = () =>
    (JSON.parse(ip(['-j', '-n', ns, 'addr', 'show', 'dev', 'veth0'])) as IpAddrJson[])[0].addr_info;

  before(() => {
    createNetns(ns);
    ip(['-n', ns, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth1']);
    ip(['-n', ns, 'link', 'set', 'veth0', 'up']);
    ip(['-n', ns, 'link', 'set', 'veth1', 'up']);
    ifindex = Number(execIn(ns, 'cat', ['/sys/class/net/veth0/ifindex']).trim());
    rt = Rtnetlink.open({ netns: nsPath(ns) });
  });
  after(() => {
    rt?.close();
    deleteNetns(ns);
  });

  test('getLink reports ifindex, MAC and state as ip link does', async () => {
    const [j] = JSON.parse(ip(['-j', '-n', ns, 'link', 'show', 'dev', 'veth0'])) as Array<{
      ifindex: number;
      address: string;
      mtu: number;
    }>;
    const link = await rt.getLink('veth0');
    assert.deepEqual(
      [link.ifindex, link.name, link.mac, link.mtu, link.up],
      [j.ifindex, 'veth0', j.address, j.mtu, true],
    );
    assert.deepEqual(await rt.getLink(ifindex), link);
    const names = (await rt.listLinks()).map((l) => l.name).sort();
    assert.deepEqual(names, ['lo', 'veth0', 'veth1']);
    await assert.rejects(rt.getLink('nosuch0'), { code: 'ENODEV' });
  });

  test('IPv4 VIP with broadcast, label, scope: add, read back, duplicate, delete', async () => {
    const vip = {
      ifindex,
      address: '192.168.0.38',
      prefixLength: 24,
      broadcast: '192.168.0.255',
      label: 'veth0:vip',
      scope: RT_SCOPE_HOST,
    };
    await rt.addAddress(vip);
    const seen = ipAddrs().find((a) => a.local === '192.168.0.38');
    assert.deepEqual(seen && [seen.prefixlen, seen.broadcast, seen.label, seen.scope], [
      24,
      '192.168.0.255',
      'veth0:vip',
      'host',
    ]);
    const mine = (await rt.listAddresses({ ifindex, family: 4 })).find(
      (a) => a.address === '192.168.0.38',
    );
    assert.deepEqual(mine, {
      family: 4,
      ifindex,
      address: '192.168.0.38',
      prefixLength: 24,
      scope: RT_SCOPE_HOST,
      flags: IFA_F_PERMANENT,
      label: 'veth0:vip',
      broadcast: '192.168.0.255',
    });
    await assert.rejects(rt.addAddress(vip), { code: 'EEXIST', errno: 17 });
    await rt.addAddress(vip, { replace: true });
    await rt.deleteAddress(vip);
    assert.equal(
      ipAddrs().find((a) => a.local === '192.168.0.38'),
      undefined,
    );
    await assert.rejects(rt.deleteAddress(vip), { code: 'EADDRNOTAVAIL' });
  });

  test('IPv6 address with NODAD and NOPREFIXROUTE (flags beyond 8 bits)', async () => {
    const spec = {
      ifindex,
      address: 'fd00::38',
      prefixLength: 64,
      flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
    };
    await rt.addAddress(spec);
    const seen = ipAddrs().find((a) => a.local === 'fd00::38');
    assert.deepEqual(seen && [seen.prefixlen, seen.nodad, seen.noprefixroute], [64, true, true]);
    assert.equal(ip(['-n', ns, '-6', 'route', 'show', 'fd00::/64']).trim(), '', 'no prefix route');
    const mine = (await rt.listAddresses({ family: 6 })).find((a) => a.address === 'fd00::38');
    assert.equal(
      mine && mine.flags & (IFA_F_NODAD | IFA_F_NOPREFIXROUTE),
      IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
    );
    await rt.deleteAddress(spec);
    assert.equal(
      ipAddrs().find((a) => a.local === 'fd00::38'),
      undefined,
    );
  });

  test('a link-local IPv6 address keeps its scope', async () => {
    const spec = {
      ifindex,
      address: 'fe80::38',
      prefixLength: 64,
      scope: RT_SCOPE_LINK,
      flags: IFA_F_NODAD,
    };
    await rt.addAddress(spec);
    const mine = (await rt.listAddresses({ ifindex })).find((a) => a.address === 'fe80::38');
    assert.equal(mine?.scope, RT_SCOPE_LINK);
    await rt.deleteAddress(spec);
  });

  test('an unknown ifindex is ENODEV with the kernel extended-ACK text', async () => {
    await assert.rejects(
      rt.addAddress({ ifindex: 9999, address: '10.0.0.1', prefixLength: 32 }),
      (err: Error & { code: string; extAck: { message?: string } }) => {
        assert.equal(err.code, 'ENODEV');
        assert.match(err.extAck.message ?? '', /Device not found/);
        return true;
      },
    );
  });

  test('a VRRP virtual MAC interface (macvlan, private mode): create, up, delete', async () => {
    const vmac = await rt.addMacvlan({
      name: 'vrrp.51',
      parent: ifindex,
      mac: '00:00:5e:00:01:33',
    });
    assert.deepEqual([vmac.name, vmac.mac, vmac.up], ['vrrp.51', '00:00:5e:00:01:33', false]);
    await rt.setLinkUp('vrrp.51', true);
    const [j] = JSON.parse(ip(['-j', '-d', '-n', ns, 'link', 'show', 'dev', 'vrrp.51'])) as Array<{
      link: string;
      address: string;
      flags: string[];
      linkinfo: { info_kind: string; info_data: { mode: string } };
    }>;
    assert.deepEqual(
      [j.link, j.address, j.flags.includes('UP'), j.linkinfo.info_kind, j.linkinfo.info_data.mode],
      ['veth0', '00:00:5e:00:01:33', true, 'macvlan', 'private'],
    );
    assert.equal((await rt.getLink(vmac.ifindex)).up, true);
    await rt.setLinkUp(vmac.ifindex, false);
    assert.equal((await rt.getLink('vrrp.51')).up, false);
    await assert.rejects(rt.addMacvlan({ name: 'vrrp.51', parent: ifindex }), { code: 'EEXIST' });
    await rt.deleteLink('vrrp.51');
    await assert.rejects(rt.getLink('vrrp.51'), { code: 'ENODEV' });
    await assert.rejects(rt.deleteLink('vrrp.51'), { code: 'ENODEV' });
  });

  test('address and link events, ours and those made by ip(8)', async () => {
    const addrEvents: AddressEvent[] = [];
    const linkEvents: LinkEvent[] = [];
    let wake: () => void = () => {};
    const sub = rt.subscribe({
      address: (ev) => {
        addrEvents.push(ev);
        wake();
      },
      link: (ev) => {
        linkEvents.push(ev);
        wake();
      },
    });
    const until = (cond: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('event did not arrive')), 2000);
        wake = () => {
          if (cond()) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    try {
      await rt.addAddress({ ifindex, address: '10.1.2.3', prefixLength: 32 });
      await until(() =>
        addrEvents.some((e) => e.kind === 'new' && e.address.address === '10.1.2.3'),
      );
      ip(['-n', ns, 'addr', 'del', '10.1.2.3/32', 'dev', 'veth0']);
      await until(() =>
        addrEvents.some((e) => e.kind === 'del' && e.address.address === '10.1.2.3'),
      );
      ip(['-n', ns, 'link', 'set', 'veth1', 'down']);
      await until(() => linkEvents.some((e) => e.link.name === 'veth0' && !e.link.running));
      ip(['-n', ns, 'link', 'set', 'veth1', 'up']);
      await until(() => linkEvents.some((e) => e.link.name === 'veth0' && e.link.running));
    } finally {
      sub.close();
    }
  });
});
