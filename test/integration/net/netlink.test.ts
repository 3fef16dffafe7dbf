// NetlinkSocket and genl against the real kernel, in a private namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createNetns, deleteNetns, ip, nsPath, uniquePrefix } from '../../helpers/netns.js';
import { NetlinkSocket } from '../../../src/netlink/socket.js';
import { resolveFamily } from '../../../src/netlink/genl.js';
import { Rtnetlink, decodeLink, encodeLinkQuery } from '../../../src/netlink/rtnetlink.js';
import { NETLINK_GENERIC, RTM_GETLINK } from '../../../src/netlink/constants.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const PAIRS = 150;

describe('netlink against the kernel', { skip }, () => {
  const ns = `${uniquePrefix('net')}-nl`;
  before(() => {
    createNetns(ns);
    // Enough links that a dump spans several datagrams (each RTM_NEWLINK is ~1.5 KB).
    const batch = Array.from(
      { length: PAIRS },
      (_, i) => `link add a${i} type veth peer name b${i}`,
    ).join('\n');
    execFileSync('ip', ['-n', ns, '-batch', '-'], { input: `${batch}\n` });
  });
  after(() => deleteNetns(ns));

  test('a multipart dump returns every link', async () => {
    const rt = Rtnetlink.open({ netns: nsPath(ns) });
    try {
      const links = await rt.listLinks();
      assert.equal(links.length, 1 + 2 * PAIRS);
      const fromIp = (
        JSON.parse(ip(['-j', '-n', ns, 'link', 'show'])) as Array<{ ifname: string }>
      ).map((l) => l.ifname);
      assert.deepEqual(links.map((l) => l.name).sort(), fromIp.sort());
    } finally {
      rt.close();
    }
  });

  test('100 concurrent requests on one socket each get their own reply', async () => {
    const rt = Rtnetlink.open({ netns: nsPath(ns) });
    try {
      const names = Array.from({ length: 100 }, (_, i) => `a${i}`);
      const links = await Promise.all(names.map((n) => rt.getLink(n)));
      assert.deepEqual(
        links.map((l) => l.name),
        names,
      );
    } finally {
      rt.close();
    }
  });

  test('a burst that overflows the receive queue is NETLINK_OVERRUN, and the socket recovers', async () => {
    // All 1000 requests are sent before anything is read: their replies exceed the 1 MiB queue.
    const rt = Rtnetlink.open({ netns: nsPath(ns) });
    const nl = NetlinkSocket.open(0, { netns: nsPath(ns), maxInFlight: 1000 });
    try {
      const query = encodeLinkQuery('a0');
      const results = await Promise.allSettled(
        Array.from({ length: 1000 }, () => nl.request(RTM_GETLINK, 0, query, 'RTM_GETLINK a0')),
      );
      const codes = new Set(
        results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
      );
      assert.ok(codes.has('NETLINK_OVERRUN'), [...codes].join());
      const [again] = await nl.request(RTM_GETLINK, 0, query, 'RTM_GETLINK a0');
      assert.equal(decodeLink(again.data).name, 'a0');
    } finally {
      nl.close();
      rt.close();
    }
  });

  test('generic netlink: nlctrl resolves itself; a missing family is GENL_FAMILY_NOT_FOUND', async () => {
    const nl = NetlinkSocket.open(NETLINK_GENERIC, { netns: nsPath(ns) });
    try {
      const ctrl = await resolveFamily(nl, 'nlctrl');
      assert.deepEqual(
        [ctrl.id, ctrl.name, ctrl.mcastGroups.get('notify')],
        [0x10, 'nlctrl', 0x10],
      );
      await assert.rejects(resolveFamily(nl, 'ktsnofamily'), { code: 'GENL_FAMILY_NOT_FOUND' });
    } finally {
      nl.close();
    }
  });

  test('a socket in a namespace that does not exist fails with ENOENT', () => {
    assert.throws(
      () => NetlinkSocket.open(NETLINK_GENERIC, { netns: '/run/netns/kts-missing-ns' }),
      {
        code: 'ENOENT',
        syscall: 'socket',
      },
    );
  });

  test('an idle socket does not keep the process alive', () => {
    // A child opens a socket, makes one request and never closes it: it must still exit.
    const script = `
      const { Rtnetlink } = await import(${JSON.stringify(new URL('../../../src/netlink/rtnetlink.js', import.meta.url).href)});
      const rt = Rtnetlink.open();
      await rt.listLinks();
      console.log('done');`;
    const out = execFileSync('node', ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 5000,
    });
    assert.equal(out.trim(), 'done');
  });
});
