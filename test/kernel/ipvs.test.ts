// IpvsClient and the reconciler against a real IPVS kernel (Debian's, in the VM: scripts/vm-run).
// Each test works in its own network namespace (IPVS state is per namespace), and ipvsadm, an
// independent implementation, reads back what we programmed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { buildConfig } from '../../src/config/build/config.js';
import { parseConfigText } from '../../src/config/parse.js';
import { KernelBackend, applyOps } from '../../src/ipvs/backend.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { desiredTable } from '../../src/ipvs/desired.js';
import { diff, serviceId } from '../../src/ipvs/reconcile.js';
import type { Destination, Service, ServiceKey } from '../../src/ipvs/types.js';
import { createLogger } from '../../src/observe/log.js';
import { hasCommand, isRoot, skipUnless } from '../helpers/privileged.js';

const skip = skipUnless([
  [isRoot, 'root'],
  [existsSync('/proc/net/ip_vs'), 'a kernel with IPVS (run under scripts/vm-run)'],
  [hasCommand('ipvsadm'), 'ipvsadm'],
  [hasCommand('ip'), 'iproute2'],
]);

let nsCounter = 0;

/** A fresh network namespace (an empty IPVS table) with a client in it, removed after the test. */
async function namespace(t: TestContext) {
  const name = `kts-ipvs-${process.pid}-${nsCounter++}`;
  execFileSync('ip', ['netns', 'add', name]);
  t.after(() => execFileSync('ip', ['netns', 'del', name]));
  // Without lo up the namespace has no local routing table, and IPVS refuses every destination
  // as "not unicast" (EINVAL from inet_addr_type in ip_vs_ctl.c).
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const client = await IpvsClient.open({ netns: `/run/netns/${name}` });
  t.after(() => client.close());
  const ipvsadm = (...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', name, 'ipvsadm', ...args], { encoding: 'utf8' });
  return { name, client, ipvsadm };
}

/** ipvsadm's listing without its two header lines and trailing blanks. */
function listing(text: string): string[] {
  return text
    .split('\n')
    .slice(3)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
}

const svc = (key: ServiceKey, scheduler: string, extra: Partial<Service> = {}): Service => ({
  key,
  scheduler,
  flags: 0,
  timeout: 0,
  netmask: key.family === 4 ? '255.255.255.255' : '128',
  ...extra,
});
const dest = (
  family: 4 | 6,
  address: string,
  port: number,
  extra: Partial<Destination> = {},
): Destination => ({
  family,
  address,
  port,
  weight: 1,
  method: 'nat',
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});
const zero = { active: 0, inactive: 0, persistent: 0 };

test('GET_INFO reports IPVS 1.2.1 and its connection table size', { skip }, async (t) => {
  const { client } = await namespace(t);
  const info = await client.getInfo();
  assert.equal(info.version, '1.2.1');
  assert.ok(info.connTableSize > 0);
});

test(
  'services of every kind and destinations of every method: created, read back, listed by ipvsadm',
  { skip },
  async (t) => {
    const { client, ipvsadm } = await namespace(t);
    const tcp4: ServiceKey = {
      kind: 'addr',
      family: 4,
      protocol: 'tcp',
      address: '10.0.0.1',
      port: 80,
    };
    const udp6: ServiceKey = {
      kind: 'addr',
      family: 6,
      protocol: 'udp',
      address: '2001:db8::1',
      port: 53,
    };
    const sctp4: ServiceKey = {
      kind: 'addr',
      family: 4,
      protocol: 'sctp',
      address: '10.0.0.2',
      port: 3868,
    };
    const fw4: ServiceKey = { kind: 'fwmark', family: 4, fwmark: 7 };
    const fw6: ServiceKey = { kind: 'fwmark', family: 6, fwmark: 7 };
    const table = [
      {
        service: svc(tcp4, 'wrr', { flags: 1, timeout: 300, netmask: '255.255.255.0' }),
        destinations: [
          dest(4, '10.0.1.1', 8080, { weight: 3, upperThreshold: 100, lowerThreshold: 10 }),
          dest(4, '10.0.1.2', 80, { method: 'dr', weight: 0 }),
          dest(4, '10.0.1.3', 80, { method: 'tun', weight: 2 }),
        ],
      },
      {
        service: svc(udp6, 'sh', { flags: 0x4 | 0x8 | 0x10 }),
        destinations: [
          dest(6, '2001:db8::2', 53, {
            method: 'tun',
            tunnelType: 'gue',
            tunnelPort: 6080,
            tunnelFlags: 1,
          }),
          // An IPv4 tunnel endpoint behind an IPv6 service: only IPVS_DEST_ATTR_ADDR_FAMILY
          // tells the kernel (and our decoder) that these 4 address bytes are IPv4.
          dest(4, '10.0.1.6', 53, { method: 'tun' }),
        ],
      },
      {
        service: svc(sctp4, 'lc', { flags: 1, timeout: 60 }),
        destinations: [dest(4, '10.0.1.4', 3868)],
      },
      {
        service: svc(fw4, 'mh', { flags: 0x10 }),
        destinations: [dest(4, '10.0.1.5', 0, { method: 'dr' })],
      },
      { service: svc(fw6, 'rr', { flags: 1, timeout: 30, netmask: '64' }), destinations: [] },
    ];
    for (const e of table) {
      await client.addService(e.service);
      for (const d of e.destinations) await client.addDestination(e.service.key, d);
    }

    const read = await client.readTable();
    const byId = new Map(read.map((e) => [serviceId(e.service.key), e]));
    for (const e of table) {
      const got = byId.get(serviceId(e.service.key));
      assert.ok(got, `${serviceId(e.service.key)} read back`);
      assert.deepEqual(got.service, e.service);
      const sorted = (ds: Destination[]) =>
        [...ds].sort((a, b) => a.address.localeCompare(b.address));
      assert.deepEqual(
        sorted(got.destinations),
        sorted(e.destinations.map((d) => ({ ...d, connections: zero }))),
      );
    }
    assert.equal(read.length, table.length);

    // ipvsadm sorts services and destinations by protocol and address.
    assert.deepEqual(listing(ipvsadm('-Ln')), [
      'TCP  10.0.0.1:80 wrr persistent 300 mask 255.255.255.0',
      '  -> 10.0.1.1:8080                Masq    3      0          0',
      '  -> 10.0.1.2:80                  Route   0      0          0',
      '  -> 10.0.1.3:80                  Tunnel  2      0          0',
      'SCTP 10.0.0.2:3868 lc persistent 60',
      '  -> 10.0.1.4:3868                Masq    1      0          0',
      'UDP  [2001:db8::1]:53 sh (sh-fallback,sh-port) ops',
      '  -> 10.0.1.6:53                  Tunnel  1      0          0',
      '  -> [2001:db8::2]:53             Tunnel  1      0          0',
      'FWM  7 mh (mh-port)',
      '  -> 10.0.1.5:0                   Route   1      0          0',
      'FWM  7 IPv6 rr persistent 30 mask 64',
    ]);

    assert.match(ipvsadm('-Ln', '--thresholds'), /10\.0\.1\.1:8080\s+100\s+10\s+0\s+0/);
    assert.match(ipvsadm('-Ln', '--tun-info'), /\[2001:db8::2\]:53\s+Tunnel\s+gue:6080:\+c\s+1\s/);

    // Edits and removals, read back by ipvsadm.
    await client.editService({
      ...table[0].service,
      scheduler: 'lblcr',
      flags: 0,
      timeout: 0,
      netmask: '255.255.255.255',
    });
    await client.editDestination(tcp4, { ...table[0].destinations[0], weight: 9, method: 'dr' });
    await client.deleteDestination(tcp4, table[0].destinations[1]);
    await client.deleteService(sctp4);
    await client.deleteService(fw6);
    const after = listing(ipvsadm('-Ln'));
    assert.deepEqual(after.slice(0, 3), [
      'TCP  10.0.0.1:80 lblcr',
      '  -> 10.0.1.1:8080                Route   9      0          0',
      '  -> 10.0.1.3:80                  Tunnel  2      0          0',
    ]);
    assert.ok(!after.some((l) => l.startsWith('SCTP') || l.includes('IPv6 rr')));

    await client.flush();
    assert.deepEqual(await client.readTable(), []);
  },
);

test(
  'every scheduler and the sip persistence engine load on demand; an unknown one is ENOENT',
  { skip },
  async (t) => {
    const { client } = await namespace(t);
    const schedulers = [
      'rr',
      'wrr',
      'lc',
      'wlc',
      'lblc',
      'lblcr',
      'dh',
      'sh',
      'sed',
      'nq',
      'fo',
      'ovf',
      'mh',
    ];
    // twos arrived after 6.1: tested where the guest kernel has it.
    const twos = readdirSync(`/lib/modules/${release()}/kernel/net/netfilter/ipvs`).some((f) =>
      f.startsWith('ip_vs_twos.'),
    );
    if (twos) schedulers.push('twos');
    for (const [i, scheduler] of schedulers.entries()) {
      await client.addService(svc({ kind: 'fwmark', family: 4, fwmark: i + 1 }, scheduler));
    }
    const sip = svc(
      { kind: 'addr', family: 4, protocol: 'udp', address: '10.0.0.5', port: 5060 },
      'rr',
      {
        flags: 1,
        timeout: 90,
        persistenceEngine: 'sip',
      },
    );
    await client.addService(sip);
    const read = await client.listServices();
    assert.deepEqual(read.map((s) => s.scheduler).sort(), [...schedulers, 'rr'].sort());
    assert.deepEqual(
      read.find((s) => s.key.kind === 'addr'),
      sip,
    );
    await assert.rejects(
      client.addService(svc({ kind: 'fwmark', family: 4, fwmark: 99 }, 'nosuch')),
      {
        name: 'NetlinkError',
        code: 'ENOENT',
        op: 'IPVS_CMD_NEW_SERVICE fwmark 99',
      },
    );
  },
);

test('kernel refusals are NetlinkErrors with the op and errno name', { skip }, async (t) => {
  const { client } = await namespace(t);
  const key: ServiceKey = {
    kind: 'addr',
    family: 4,
    protocol: 'tcp',
    address: '10.0.0.1',
    port: 80,
  };
  await client.addService(svc(key, 'rr'));
  await assert.rejects(client.addService(svc(key, 'rr')), { code: 'EEXIST', errno: 17 });
  const other: ServiceKey = { ...key, port: 81 };
  await assert.rejects(client.deleteService(other), {
    code: 'ESRCH',
    op: 'IPVS_CMD_DEL_SERVICE tcp 10.0.0.1:81',
  });
  await assert.rejects(client.deleteDestination(key, dest(4, '10.0.1.1', 80)), {
    code: 'ENOENT',
    op: 'IPVS_CMD_DEL_DEST tcp 10.0.0.1:80 -> 10.0.1.1:80',
  });
  await client.addDestination(key, dest(4, '10.0.1.1', 80));
  await assert.rejects(client.addDestination(key, dest(4, '10.0.1.1', 80)), { code: 'EEXIST' });
});

const CONFIG = `
virtual_server_group MAIL {
  10.0.0.20-21 25
  fwmark 3
}
virtual_server 10.0.0.1 80 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  persistence_timeout 120
  real_server 10.0.1.1 8080 {
    weight 2
  }
  real_server 10.0.1.2 8080 {
    weight 4
  }
}
virtual_server group MAIL {
  lvs_sched sed
  lvs_method DR
  protocol TCP
  real_server 10.0.2.1 25 {
    weight 1
  }
}
virtual_server fd00::1 443 {
  lvs_sched sh
  lvs_method TUN
  protocol TCP
  real_server fd00::2 443 {
    weight 1
  }
}
`;

test(
  'reconcile: extra, missing and changed entries fixed in one pass; unowned untouched; second pass empty',
  { skip },
  async (t) => {
    const { client, ipvsadm } = await namespace(t);
    const { tree } = parseConfigText(CONFIG, '/etc/keepalived/keepalived.conf', { configId: 'vm' });
    const desired = desiredTable(buildConfig(tree, { configId: 'vm' }).config);
    // The kernel before: a changed service (scheduler, persistence), a changed, a missing and an
    // extra destination, a missing group member, an unowned service, and a previously owned one.
    for (const args of [
      ['-A', '-t', '10.0.0.1:80', '-s', 'rr'],
      ['-a', '-t', '10.0.0.1:80', '-r', '10.0.1.1:8080', '-m', '-w', '7'],
      ['-a', '-t', '10.0.0.1:80', '-r', '10.0.1.9:8080', '-m', '-w', '1'],
      ['-A', '-t', '10.0.0.20:25', '-s', 'sed'],
      ['-a', '-t', '10.0.0.20:25', '-r', '10.0.2.1:25', '-g', '-w', '1'],
      ['-A', '-t', '192.0.2.1:22', '-s', 'rr'],
      ['-a', '-t', '192.0.2.1:22', '-r', '192.0.2.2:22', '-g'],
      ['-A', '-u', '10.0.0.99:53', '-s', 'rr'],
    ]) {
      ipvsadm(...args);
    }
    const unownedBefore = listing(ipvsadm('-Ln', '-t', '192.0.2.1:22'));
    const owned = new Set(['udp 10.0.0.99:53']);
    const backend = new KernelBackend(client);
    const ops = diff(desired, await backend.read(), { owned });
    assert.deepEqual(
      ops.map((o) => o.kind),
      [
        'service.edit',
        'dest.add',
        'dest.edit',
        'dest.del', // tcp 10.0.0.1:80
        'service.add',
        'dest.add', // 10.0.0.21:25 (10.0.0.20:25 already matches)
        'service.add',
        'dest.add', // fwmark 3
        'service.add',
        'dest.add', // [fd00::1]:443
        'service.del', // udp 10.0.0.99:53, owned by a previous config
      ],
    );
    const result = await applyOps(backend, ops, createLogger({ level: 'silent' }));
    assert.deepEqual(result.failed, []);

    assert.deepEqual(
      diff(desired, await backend.read(), { owned }),
      [],
      'the second pass has nothing to do',
    );
    assert.deepEqual(
      listing(ipvsadm('-Ln', '-t', '192.0.2.1:22')),
      unownedBefore,
      'unowned service untouched',
    );
    const saved = ipvsadm('-Sn').split('\n').filter(Boolean).sort();
    assert.deepEqual(saved, [
      '-A -f 3 -s sed',
      '-A -t 10.0.0.1:80 -s wrr -p 120',
      '-A -t 10.0.0.20:25 -s sed',
      '-A -t 10.0.0.21:25 -s sed',
      '-A -t 192.0.2.1:22 -s rr',
      '-A -t [fd00::1]:443 -s sh',
      '-a -f 3 -r 10.0.2.1:25 -g -w 1',
      '-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 2',
      '-a -t 10.0.0.1:80 -r 10.0.1.2:8080 -m -w 4',
      '-a -t 10.0.0.20:25 -r 10.0.2.1:25 -g -w 1',
      '-a -t 10.0.0.21:25 -r 10.0.2.1:25 -g -w 1',
      '-a -t 192.0.2.1:22 -r 192.0.2.2:22 -g -w 1',
      '-a -t [fd00::1]:443 -r [fd00::2]:443 -i -w 1 --tun-type ipip',
    ]);
    // One service read back alone (what a checker verdict syncs) is that service of the table.
    const table = await backend.read();
    for (const want of desired) {
      const one = await backend.readService(want.service.key);
      const id = serviceId(want.service.key);
      assert.deepEqual(
        one,
        table.find((e) => serviceId(e.service.key) === id),
      );
    }
    for (const absent of [
      { kind: 'fwmark', family: 4, fwmark: 4242 },
      { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 81 },
    ] as const)
      assert.equal(
        await backend.readService(absent),
        undefined,
        'a service the kernel does not hold',
      );
  },
);

test(
  'a socket in doubt is replaced, in the same namespace, before the next request',
  { skip },
  async (t) => {
    const { client } = await namespace(t);
    const key: ServiceKey = { kind: 'fwmark', family: 4, fwmark: 42 };
    await client.addService(svc(key, 'rr'));
    // Stand-in for a wedged socket: the one in use stops working under the client.
    const internals = client as unknown as { current: { nl: { close(): void } } };
    internals.current.nl.close();
    await assert.rejects(client.getInfo(), { name: 'NetlinkSocketError', code: 'NETLINK_CLOSED' });
    assert.deepEqual(
      (await client.listServices()).map((s) => s.key),
      [key],
      'the new socket talks to the same namespace',
    );
    client.close();
    await assert.rejects(client.getInfo(), { code: 'NETLINK_CLOSED' });
  },
);
