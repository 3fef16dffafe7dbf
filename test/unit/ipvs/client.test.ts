// IpvsClient's requests and its socket handling, against a scripted fake kernel at the message
// level (test/unit/netlink/fake-kernel.ts), and its answer on this host's kernel, which has no
// IPVS. The operations against a real IPVS kernel are in test/kernel (scripts/vm-run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { KtsError } from '../../../src/errors.js';
import { KernelBackend, applyOps } from '../../../src/ipvs/backend.js';
import { decodeDestination, ipvsMessage } from '../../../src/ipvs/codec.js';
import { IpvsClient } from '../../../src/ipvs/client.js';
import {
  IPVS_CMD_ATTR_DEST,
  IPVS_CMD_DEL_DEST,
  IPVS_CMD_GET_DEST,
  IPVS_CMD_GET_INFO,
  IPVS_CMD_GET_SERVICE,
  IPVS_CMD_NEW_DEST,
  IPVS_CMD_NEW_SERVICE,
  IPVS_CMD_SET_DEST,
  IPVS_CMD_SET_INFO,
  IPVS_INFO_ATTR_CONN_TAB_SIZE,
  IPVS_INFO_ATTR_VERSION,
} from '../../../src/ipvs/constants.js';
import type { IpvsOp } from '../../../src/ipvs/reconcile.js';
import type { Destination, Service } from '../../../src/ipvs/types.js';
import { AttributeDecoder, AttributeEncoder } from '../../../src/netlink/attr.js';
import type { NetlinkError } from '../../../src/netlink/errors.js';
import { createLogger } from '../../../src/observe/log.js';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
} from '../../../src/netlink/constants.js';
import { decodeGenl, encodeGenl } from '../../../src/netlink/genl.js';
import type { NetlinkMessage } from '../../../src/netlink/message.js';
import { NetlinkSocket } from '../../../src/netlink/socket.js';
import { FakeKernel, ack, done, reply } from '../netlink/fake-kernel.js';

const IPVS_FAMILY = 0x20;

const services: Service[] = [
  {
    key: { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 },
    scheduler: 'rr',
    flags: 0,
    timeout: 0,
    netmask: '255.255.255.255',
  },
  {
    key: { kind: 'fwmark', family: 6, fwmark: 3 },
    scheduler: 'sh',
    flags: 1,
    timeout: 60,
    netmask: '64',
  },
];
const destination: Destination = {
  family: 4,
  address: '10.0.1.1',
  port: 8080,
  weight: 2,
  method: 'nat',
  upperThreshold: 0,
  lowerThreshold: 0,
};

/** nlctrl's answer to the IPVS family lookup. */
function familyReply(req: NetlinkMessage): Buffer[] {
  const attrs = new AttributeEncoder()
    .string(CTRL_ATTR_FAMILY_NAME, 'IPVS')
    .u16(CTRL_ATTR_FAMILY_ID, IPVS_FAMILY)
    .encode();
  return [
    reply(req, GENL_ID_CTRL, encodeGenl({ cmd: CTRL_CMD_NEWFAMILY, version: 2 }, attrs)),
    ack(req),
  ];
}

/** The address of the destination nested in a request. */
const destinationAddress = (attrs: Buffer) => decodeDestination(attrs, 4).address;

/**
 * A kernel with IPVS holding `services`, each with `destination`. It records every request and
 * checks the rule that matters for dumps: one at a time per socket (the kernel says EBUSY).
 */
function ipvsKernel(opts: { silent?: boolean } = {}) {
  const log: Array<{ cmd: number; flags: number }> = [];
  let dumpOpen = false;
  const violations: string[] = [];
  const kernel = new FakeKernel((req: NetlinkMessage) => {
    if (req.header.type === GENL_ID_CTRL) return familyReply(req);
    assert.equal(req.header.type, IPVS_FAMILY, 'requests go to the resolved family id');
    const { cmd } = decodeGenl(req.data).header;
    log.push({ cmd, flags: req.header.flags });
    if (opts.silent) return [];
    if (!(req.header.flags & NLM_F_DUMP)) {
      if (cmd !== IPVS_CMD_GET_INFO) return [ack(req)];
      const info = new AttributeEncoder()
        .u32(IPVS_INFO_ATTR_VERSION, 0x010201)
        .u32(IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096)
        .encode();
      return [
        reply(req, IPVS_FAMILY, encodeGenl({ cmd: IPVS_CMD_SET_INFO, version: 1 }, info)),
        ack(req),
      ];
    }
    if (dumpOpen) violations.push(`dump of cmd ${cmd} while another dump was running`);
    dumpOpen = true;
    // The kernel has written the whole dump by the time its DONE reaches the client (a turn
    // later): another dump sent before then would overlap it.
    setImmediate(() => (dumpOpen = false));
    const parts =
      cmd === IPVS_CMD_GET_SERVICE
        ? services.map((service) => ipvsMessage(IPVS_CMD_NEW_SERVICE, { service }))
        : [ipvsMessage(IPVS_CMD_NEW_DEST, { destination })];
    return [
      Buffer.concat([...parts.map((p) => reply(req, IPVS_FAMILY, p, NLM_F_MULTI)), done(req)]),
    ];
  });
  return { kernel, log, violations };
}

test('reads the table with one service dump, then one destination dump at a time', async () => {
  const { kernel, log, violations } = ipvsKernel();
  const client = await IpvsClient.open({ openSocket: (o) => new NetlinkSocket(kernel, o) });
  const table = await client.readTable();
  assert.deepEqual(
    table.map((e) => [e.service, e.destinations.length]),
    services.map((s) => [s, 1]),
  );
  assert.deepEqual(table[1].destinations[0], {
    ...destination,
    connections: { active: 0, inactive: 0, persistent: 0 },
  });
  const dump = NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP;
  assert.deepEqual(log, [
    { cmd: IPVS_CMD_GET_SERVICE, flags: dump },
    { cmd: IPVS_CMD_GET_DEST, flags: dump },
    { cmd: IPVS_CMD_GET_DEST, flags: dump },
  ]);
  assert.deepEqual(violations, []);
  assert.deepEqual(await client.getInfo(), {
    version: '1.2.1',
    versionCode: 0x010201,
    connTableSize: 4096,
  });
  await client.addDestination(services[0].key, destination);
  assert.deepEqual(log.at(-1), { cmd: IPVS_CMD_NEW_DEST, flags: NLM_F_REQUEST | NLM_F_ACK });
  client.close();
  assert.ok(kernel.isClosed);
});

test('a request that times out replaces the socket; the next one goes to a fresh socket', async () => {
  const kernels = [ipvsKernel({ silent: true }), ipvsKernel()];
  let opened = 0;
  const client = await IpvsClient.open({
    timeoutMs: 50,
    openSocket: (o) => new NetlinkSocket(kernels[opened++].kernel, o),
  });
  await assert.rejects(client.getInfo(), { code: 'NETLINK_TIMEOUT' });
  assert.ok(kernels[0].kernel.isClosed, 'the socket in doubt is closed');
  assert.equal((await client.getInfo()).version, '1.2.1');
  assert.equal(opened, 2);
  client.close();
});

test('a kernel without the IPVS family (ENOENT from nlctrl): KtsError ENOIPVS', async () => {
  const kernel = new FakeKernel((req) => [ack(req, constants.errno.ENOENT)]);
  await assert.rejects(IpvsClient.open({ openSocket: (o) => new NetlinkSocket(kernel, o) }), {
    code: 'ENOIPVS',
  });
  assert.ok(kernel.isClosed);
});

const hasIpvs = existsSync('/proc/net/ip_vs');

test(
  'this host kernel, built without IPVS: ENOIPVS telling to load ip_vs',
  { skip: hasIpvs ? 'this kernel has IPVS' : undefined },
  async () => {
    await assert.rejects(IpvsClient.open(), (err: unknown) => {
      assert.ok(err instanceof KtsError);
      assert.equal(err.code, 'ENOIPVS');
      assert.match(err.message, /this kernel has no IPVS; load ip_vs/);
      assert.equal((err.cause as KtsError).code, 'GENL_FAMILY_NOT_FOUND');
      return true;
    });
  },
);

test('applyOps over the kernel backend: one datagram, one ACK, and every answer maps to its op', async () => {
  const refusals = new Map([
    [`${IPVS_CMD_NEW_DEST} 10.0.1.2`, constants.errno.EEXIST], // adopted
    [`${IPVS_CMD_SET_DEST} 10.0.1.3`, constants.errno.ENOENT], // retried as an add
    [`${IPVS_CMD_DEL_DEST} 10.0.1.4`, constants.errno.ENOENT], // adopted
    [`${IPVS_CMD_NEW_DEST} 10.0.1.5`, constants.errno.EINVAL], // a failure
  ]);
  const kernel = new FakeKernel((req) => {
    if (req.header.type === GENL_ID_CTRL) return familyReply(req);
    const { header, attrs } = decodeGenl(req.data);
    const dest = new AttributeDecoder(attrs);
    let address = '';
    while (dest.next()) {
      if (dest.type === IPVS_CMD_ATTR_DEST) address = destinationAddress(dest.bytes());
    }
    return [ack(req, refusals.get(`${header.cmd} ${address}`) ?? 0)];
  });
  const client = await IpvsClient.open({ openSocket: (o) => new NetlinkSocket(kernel, o) });
  const key = services[0].key;
  const at = (address: string): Destination => ({ ...destination, address });
  const ops: IpvsOp[] = [
    { kind: 'dest.add', service: key, dest: at('10.0.1.1') },
    { kind: 'dest.add', service: key, dest: at('10.0.1.2') },
    { kind: 'dest.edit', service: key, dest: at('10.0.1.3'), before: at('10.0.1.3') },
    { kind: 'dest.del', service: key, dest: at('10.0.1.4') },
    { kind: 'dest.add', service: key, dest: at('10.0.1.5') },
    { kind: 'dest.add', service: key, dest: at('10.0.1.6') },
  ];
  const result = await applyOps(new KernelBackend(client), ops, createLogger({ level: 'silent' }));
  assert.equal(result.applied, 5);
  assert.deepEqual(
    result.failed.map((f) => [f.op.kind, (f.op as { dest: Destination }).dest.address]),
    [['dest.add', '10.0.1.5']],
  );
  assert.equal((result.failed[0].error as NetlinkError).code, 'EINVAL');
  assert.match(
    result.failed[0].error.message,
    /^IPVS_CMD_NEW_DEST tcp 10\.0\.0\.1:80 -> 10\.0\.1\.5:8080/,
  );
  // The family lookup, the six operations in one datagram, then the add retried for the edit.
  assert.deepEqual(kernel.datagrams, [1, 6, 1]);
  const opsSent = kernel.sent.slice(1, 7);
  assert.deepEqual(
    opsSent.map((m) => (m.header.flags & NLM_F_ACK) !== 0),
    [false, false, false, false, false, true],
  );
  client.close();
});
