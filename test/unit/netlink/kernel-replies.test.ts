// Decoders against replies recorded from a real kernel (test/fixtures/netlink/kernel-replies.json,
// see its `comment` for the setup that produced them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  decodeErrorMessage,
  decodeMessages,
  type NetlinkMessage,
} from '../../../src/netlink/message.js';
import { decodeAddress, decodeLink } from '../../../src/netlink/rtnetlink.js';
import { decodeFamily } from '../../../src/netlink/genl.js';
import {
  IFA_F_NODAD,
  IFA_F_NOPREFIXROUTE,
  IFA_F_PERMANENT,
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RT_SCOPE_UNIVERSE,
} from '../../../src/netlink/constants.js';

interface Fixture {
  ifindex: number;
  getaddrDump: string[];
  getlinkVeth0: string[];
  newaddrNoDevice: string[];
  newaddrExists: string[];
  getfamilyNlctrl: string[];
  getfamilyIpvs: string[];
}

const root = new URL('../../../../', import.meta.url);
const fx = JSON.parse(
  readFileSync(new URL('test/fixtures/netlink/kernel-replies.json', root), 'utf8'),
) as Fixture;
const messages = (dgrams: string[]): NetlinkMessage[] =>
  dgrams.flatMap((d) => decodeMessages(Buffer.from(d, 'hex')));

test('RTM_GETADDR dump: IPv4 with broadcast and label, IPv6 with 32-bit IFA_FLAGS, then DONE', () => {
  const msgs = messages(fx.getaddrDump);
  assert.deepEqual(
    msgs.map((m) => m.header.type),
    [RTM_NEWADDR, RTM_NEWADDR, NLMSG_DONE],
  );
  assert.deepEqual(decodeAddress(msgs[0].data), {
    family: 4,
    ifindex: fx.ifindex,
    address: '192.168.0.38',
    prefixLength: 24,
    scope: RT_SCOPE_UNIVERSE,
    flags: IFA_F_PERMANENT,
    label: 'veth0:vip',
    broadcast: '192.168.0.255',
  });
  assert.deepEqual(decodeAddress(msgs[1].data), {
    family: 6,
    ifindex: fx.ifindex,
    address: 'fd00::38',
    prefixLength: 64,
    scope: RT_SCOPE_UNIVERSE,
    flags: IFA_F_PERMANENT | IFA_F_NODAD | IFA_F_NOPREFIXROUTE,
  });
});

test('RTM_GETLINK reply: name, MAC, flags; the ACK follows', () => {
  const msgs = messages(fx.getlinkVeth0);
  assert.deepEqual(
    msgs.map((m) => m.header.type),
    [RTM_NEWLINK, NLMSG_ERROR],
  );
  const link = decodeLink(msgs[0].data);
  assert.deepEqual(
    [link.ifindex, link.name, link.mac, link.up, link.running, link.mtu],
    [fx.ifindex, 'veth0', '02:11:22:33:44:55', true, false, 1500],
  );
  assert.equal(decodeErrorMessage(msgs[1]).errno, 0);
});

test('kernel errors with extended ACK: ENODEV and EEXIST', () => {
  const [nodev] = messages(fx.newaddrNoDevice);
  assert.deepEqual(decodeErrorMessage(nodev).errno, 19);
  assert.deepEqual(decodeErrorMessage(nodev).extAck, { message: 'ipv4: Device not found' });
  const [exists] = messages(fx.newaddrExists);
  assert.equal(decodeErrorMessage(exists).errno, 17);
  assert.equal(decodeErrorMessage(exists).request.type, RTM_NEWADDR);
});

test('nlctrl: the controller family, and ENOENT for a kernel without IPVS', () => {
  const [reply, ackMsg] = messages(fx.getfamilyNlctrl);
  const family = decodeFamily(reply.data);
  assert.deepEqual(
    [family.id, family.name, family.version, [...family.mcastGroups]],
    [0x10, 'nlctrl', 2, [['notify', 0x10]]],
  );
  assert.equal(decodeErrorMessage(ackMsg).errno, 0);
  const [missing] = messages(fx.getfamilyIpvs);
  assert.equal(decodeErrorMessage(missing).errno, 2);
});
