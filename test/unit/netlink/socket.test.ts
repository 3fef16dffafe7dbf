// NetlinkSocket's request/reply logic against a scripted fake kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkSocket } from '../../../src/netlink/socket.js';
import {
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
} from '../../../src/netlink/constants.js';
import { encodeMessage } from '../../../src/netlink/message.js';
import { FakeKernel, ack, done, reply } from './fake-kernel.js';

test('a request carries REQUEST|ACK, our pid and a fresh seq, and resolves on the ACK', async () => {
  const kernel = new FakeKernel((req) => [ack(req)]);
  const nl = new NetlinkSocket(kernel);
  assert.deepEqual(await nl.request(RTM_NEWADDR, 0x600, Buffer.from([1, 2, 3, 4]), 'add'), []);
  await nl.request(RTM_NEWADDR, 0, Buffer.alloc(0), 'add');
  const [a, b] = kernel.sent;
  assert.equal(a.header.flags, 0x600 | NLM_F_REQUEST | NLM_F_ACK);
  assert.equal(a.header.pid, 4242);
  assert.deepEqual(a.data, Buffer.from([1, 2, 3, 4]));
  assert.notEqual(a.header.seq, 0);
  assert.equal(b.header.seq, a.header.seq + 1);
  nl.close();
});

test('a kernel error rejects with the errno name and the extended ACK', async () => {
  const kernel = new FakeKernel((req) => [ack(req, 17, { message: 'exists', offset: 24 })]);
  const nl = new NetlinkSocket(kernel);
  await assert.rejects(nl.request(RTM_NEWADDR, 0, Buffer.alloc(0), 'RTM_NEWADDR 10.0.0.1'), {
    name: 'NetlinkError',
    code: 'EEXIST',
    errno: 17,
    op: 'RTM_NEWADDR 10.0.0.1',
    seq: 1,
    extAck: { message: 'exists', offset: 24 },
    message: 'RTM_NEWADDR 10.0.0.1: EEXIST: exists',
  });
  nl.close();
});

test('a dump collects every part across datagrams until NLMSG_DONE', async () => {
  const kernel = new FakeKernel((req) => [
    Buffer.concat([
      reply(req, RTM_NEWLINK, Buffer.from('a'), NLM_F_MULTI),
      reply(req, RTM_NEWLINK, Buffer.from('b'), NLM_F_MULTI),
    ]),
    Buffer.concat([reply(req, RTM_NEWLINK, Buffer.from('c'), NLM_F_MULTI), done(req)]),
  ]);
  const nl = new NetlinkSocket(kernel);
  const parts = await nl.request(RTM_GETLINK, NLM_F_DUMP, Buffer.alloc(16), 'dump');
  assert.deepEqual(
    parts.map((m) => m.data.toString()),
    ['a', 'b', 'c'],
  );
  nl.close();
});

test('a dump that fails midway (negative status in DONE) rejects with that errno', async () => {
  const nl = new NetlinkSocket(new FakeKernel((req) => [done(req, -16)]));
  await assert.rejects(nl.request(RTM_GETLINK, NLM_F_DUMP, Buffer.alloc(0), 'dump'), {
    code: 'EBUSY',
  });
  nl.close();
});

test('an interrupted dump (NLM_F_DUMP_INTR) is NETLINK_DUMP_INTERRUPTED', async () => {
  const nl = new NetlinkSocket(
    new FakeKernel((req) => [
      reply(req, RTM_NEWLINK, Buffer.from('a'), NLM_F_MULTI | NLM_F_DUMP_INTR),
      done(req),
    ]),
  );
  await assert.rejects(nl.request(RTM_GETLINK, NLM_F_DUMP, Buffer.alloc(0), 'dump'), {
    code: 'NETLINK_DUMP_INTERRUPTED',
  });
  nl.close();
});

test('concurrent requests are matched by seq even when answered out of order', async () => {
  const held: Buffer[] = [];
  const kernel = new FakeKernel((req) => {
    held.push(
      Buffer.concat([reply(req, RTM_NEWLINK, Buffer.from(`r${req.header.seq}`)), ack(req)]),
    );
    return [];
  });
  const nl = new NetlinkSocket(kernel);
  const results = [1, 2, 3].map(() => nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get'));
  // Requests made in one turn leave together once it ends, in one datagram.
  await Promise.resolve();
  assert.deepEqual(kernel.datagrams, [3]);
  for (const d of held.reverse()) kernel.deliver(d);
  const got = await Promise.all(results);
  assert.deepEqual(
    got.map((r) => r[0].data.toString()),
    ['r1', 'r2', 'r3'],
  );
  nl.close();
});

test('no reply: NETLINK_TIMEOUT, and a late reply is dropped', async () => {
  const kernel = new FakeKernel();
  const nl = new NetlinkSocket(kernel, { timeoutMs: 20 });
  const started = Date.now();
  await assert.rejects(nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'slow'), {
    code: 'NETLINK_TIMEOUT',
    message: 'slow: no reply in 20 ms',
  });
  assert.ok(Date.now() - started >= 19);
  kernel.deliver(ack(kernel.sent[0]));
  await new Promise((r) => setImmediate(r));
  assert.equal(kernel.keepAlive, false, 'nothing pending keeps the process alive');
  nl.close();
});

test('multicast notifications go to handlers, even when they reuse our seq', async () => {
  const kernel = new FakeKernel((req) => [
    // The kernel multicasts the change we caused (same seq) before it ACKs.
    {
      data: encodeMessage({
        type: RTM_NEWADDR,
        flags: 0,
        seq: req.header.seq,
        pid: 4242,
        data: Buffer.from('ev'),
      }),
      groups: 5,
    },
    ack(req),
  ]);
  const nl = new NetlinkSocket(kernel, { groups: [5] });
  assert.deepEqual([...kernel.groups], [5]);
  const seen: string[] = [];
  nl.onNotification((m) => seen.push(m.data.toString()));
  assert.equal(kernel.keepAlive, true, 'a listener keeps the process alive');
  assert.deepEqual(await nl.request(RTM_NEWADDR, 0, Buffer.alloc(0), 'add'), []);
  kernel.deliver(
    encodeMessage({ type: RTM_NEWADDR, flags: 0, seq: 0, pid: 0, data: Buffer.from('ev2') }),
  );
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['ev', 'ev2']);
  nl.close();
});

test('ENOBUFS reports an overrun and fails what is pending', async () => {
  const kernel = new FakeKernel();
  const nl = new NetlinkSocket(kernel);
  let overruns = 0;
  nl.onOverrun(() => overruns++);
  const p = nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get');
  kernel.fail(Object.assign(new Error('recvmsg ENOBUFS'), { code: 'ENOBUFS' }));
  await assert.rejects(p, { code: 'NETLINK_OVERRUN' });
  assert.equal(overruns, 1);
  nl.close();
});

test('a truncated datagram is an overrun; a malformed one an error; both fail what is pending', async () => {
  const kernel = new FakeKernel();
  const nl = new NetlinkSocket(kernel);
  const heard: string[] = [];
  nl.onOverrun((e) => heard.push(`overrun ${(e as { code?: string }).code}`));
  nl.onError((e) => heard.push(`error ${(e as { code?: string }).code}`));
  const a = nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'a');
  kernel.deliver(Buffer.alloc(20), 0, true);
  await assert.rejects(a, { code: 'NETLINK_OVERRUN' });
  const b = nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'b');
  kernel.deliver(Buffer.from([1, 2, 3]));
  await assert.rejects(b, { code: 'NETLINK_MALFORMED' });
  assert.deepEqual(heard, ['overrun NETLINK_OVERRUN', 'error NETLINK_MALFORMED']);
  nl.close();
});

test('close() rejects pending requests and later ones with NETLINK_CLOSED', async () => {
  const kernel = new FakeKernel();
  const nl = new NetlinkSocket(kernel);
  const p = nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get');
  nl.close();
  await assert.rejects(p, { code: 'NETLINK_CLOSED' });
  await assert.rejects(nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get'), {
    code: 'NETLINK_CLOSED',
  });
  assert.equal(kernel.isClosed, true);
});

test('commands of one turn share a datagram and one ACK: the last message carries it', async () => {
  const kernel = new FakeKernel((req) => [ack(req)]);
  const nl = new NetlinkSocket(kernel);
  const done = [1, 2, 3].map((i) => nl.command(RTM_NEWADDR, 0, Buffer.from([i]), `add ${i}`));
  assert.deepEqual(await Promise.all(done), [undefined, undefined, undefined]);
  assert.deepEqual(kernel.datagrams, [3]);
  assert.deepEqual(
    kernel.sent.map((m) => m.header.flags),
    [NLM_F_REQUEST, NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK],
  );
  nl.close();
});

test('a silent command that fails rejects with its own op and errno; its neighbours succeed', async () => {
  // The kernel answers a failure whether NLM_F_ACK was asked or not, before the next message.
  const kernel = new FakeKernel((req) => [ack(req, req.data[0] === 2 ? 17 : 0)]);
  const nl = new NetlinkSocket(kernel);
  const outcomes = await Promise.allSettled(
    [1, 2, 3].map((i) => nl.command(RTM_NEWADDR, 0, Buffer.from([i]), `add ${i}`)),
  );
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : (o.reason as { code: string }).code)),
    ['ok', 'EEXIST', 'ok'],
  );
  assert.equal((outcomes[1] as PromiseRejectedResult).reason.op, 'add 2');
  nl.close();
});

test('a request among commands is ACKed itself and vouches for the commands before it', async () => {
  const kernel = new FakeKernel((req) =>
    req.header.type === RTM_GETLINK
      ? [Buffer.concat([reply(req, RTM_NEWLINK, Buffer.from('link')), ack(req)])]
      : [ack(req)],
  );
  const nl = new NetlinkSocket(kernel);
  const first = nl.command(RTM_NEWADDR, 0, Buffer.alloc(0), 'add 1');
  const get = nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get');
  const last = nl.command(RTM_NEWADDR, 0, Buffer.alloc(0), 'add 2');
  await first;
  assert.equal((await get)[0].data.toString(), 'link');
  await last;
  assert.deepEqual(
    kernel.sent.map((m) => m.header.flags),
    [NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ACK],
  );
  nl.close();
});

test('the window bounds a datagram; the rest follows as answers free it', async () => {
  const kernel = new FakeKernel((req) => [ack(req)]);
  const nl = new NetlinkSocket(kernel, { maxInFlight: 2 });
  await Promise.all(
    [1, 2, 3, 4, 5].map((i) => nl.command(RTM_NEWADDR, 0, Buffer.from([i]), 'add')),
  );
  assert.deepEqual(kernel.datagrams, [2, 2, 1]);
  assert.deepEqual(
    kernel.sent.map((m) => m.data[0]),
    [1, 2, 3, 4, 5],
    'sent in the order asked',
  );
  assert.deepEqual(
    kernel.sent.map((m) => (m.header.flags & NLM_F_ACK) !== 0),
    [false, true, false, true, true],
  );
  nl.close();
});

test('a datagram stays below 32 KiB however many requests the window allows', async () => {
  const kernel = new FakeKernel((req) => [ack(req)]);
  const nl = new NetlinkSocket(kernel, { maxInFlight: 1000 });
  const body = Buffer.alloc(1000 - 16);
  await Promise.all(Array.from({ length: 70 }, () => nl.command(RTM_NEWADDR, 0, body, 'add')));
  assert.deepEqual(kernel.datagrams, [32, 32, 6]);
  nl.close();
});

test('silent commands time out with the message that was to vouch for them', async () => {
  const kernel = new FakeKernel();
  const nl = new NetlinkSocket(kernel, { timeoutMs: 20 });
  const outcomes = await Promise.allSettled([
    nl.command(RTM_NEWADDR, 0, Buffer.alloc(0), 'add 1'),
    nl.command(RTM_NEWADDR, 0, Buffer.alloc(0), 'add 2'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o as PromiseRejectedResult).reason.message),
    ['add 1: no reply in 20 ms', 'add 2: no reply in 20 ms'],
  );
  assert.equal(kernel.keepAlive, false);
  nl.close();
});

test('a failed send fails every request of the datagram', async () => {
  const kernel = new FakeKernel();
  kernel.send = () => {
    throw Object.assign(new Error('sendto EPERM'), { code: 'EPERM' });
  };
  const nl = new NetlinkSocket(kernel);
  const outcomes = await Promise.allSettled([
    nl.command(RTM_NEWADDR, 0, Buffer.alloc(0), 'add'),
    nl.request(RTM_GETLINK, 0, Buffer.alloc(0), 'get'),
  ]);
  assert.deepEqual(
    outcomes.map((o) => (o as PromiseRejectedResult).reason.code),
    ['EPERM', 'EPERM'],
  );
  nl.close();
});

test('requestDecoded hands each reply payload to the decoder in place; a throw rejects', async () => {
  const kernel = new FakeKernel((req) => [
    Buffer.concat([
      reply(req, RTM_NEWLINK, Buffer.from('ab'), NLM_F_MULTI),
      reply(req, RTM_NEWLINK, Buffer.from('cde'), NLM_F_MULTI),
    ]),
    done(req),
  ]);
  const nl = new NetlinkSocket(kernel);
  const parts = await nl.requestDecoded(
    RTM_GETLINK,
    NLM_F_DUMP,
    Buffer.alloc(0),
    'dump',
    (b, at, end) => b.toString('latin1', at, end),
  );
  assert.deepEqual(parts, ['ab', 'cde']);
  await assert.rejects(
    nl.requestDecoded(RTM_GETLINK, NLM_F_DUMP, Buffer.alloc(0), 'dump', () => {
      throw new Error('bad part');
    }),
    /bad part/,
  );
  nl.close();
});
