import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeErrorMessage,
  decodeHeader,
  decodeMessages,
  encodeErrorPayload,
  encodeMessage,
} from '../../../src/netlink/message.js';
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  RTM_NEWADDR,
} from '../../../src/netlink/constants.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';

test('encodes a request header in host order with the length filled in and padding added', () => {
  const m = encodeMessage({
    type: RTM_NEWADDR,
    flags: NLM_F_REQUEST | NLM_F_ACK,
    seq: 7,
    data: Buffer.from([1, 2, 3]),
  });
  assert.equal(
    m.toString('hex'),
    '13000000' + '1400' + '0500' + '07000000' + '00000000' + '01020300',
  );
  assert.deepEqual(decodeHeader(m), { length: 19, type: 20, flags: 5, seq: 7, pid: 0 });
});

test('splits a multipart datagram, dropping each message padding', () => {
  const dgram = Buffer.concat([
    encodeMessage({ type: 20, flags: NLM_F_MULTI, seq: 1, pid: 9, data: Buffer.from('abcde') }),
    encodeMessage({ type: 20, flags: NLM_F_MULTI, seq: 1, pid: 9, data: Buffer.from('xy') }),
    encodeMessage({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 1, pid: 9, data: Buffer.alloc(4) }),
  ]);
  const msgs = decodeMessages(dgram);
  assert.deepEqual(
    msgs.map((m) => [m.header.type, m.data.toString('latin1')]),
    [
      [20, 'abcde'],
      [20, 'xy'],
      [3, '\0\0\0\0'],
    ],
  );
});

test('decodes the extended ACK of a real kernel reply', () => {
  // RTM_NEWADDR with an unknown ifindex, answered by Linux 6.18 with NLM_F_CAPPED|NLM_F_ACK_TLVS.
  const req = { length: 40, type: RTM_NEWADDR, flags: 0x605, seq: 3, pid: 0 };
  const { flags, data } = encodeErrorPayload(19, req, { message: 'Device not found', offset: 20 });
  assert.equal(flags, NLM_F_CAPPED | NLM_F_ACK_TLVS);
  const [msg] = decodeMessages(encodeMessage({ type: NLMSG_ERROR, flags, seq: 3, data }));
  assert.deepEqual(decodeErrorMessage(msg), {
    errno: 19,
    request: req,
    extAck: { message: 'Device not found', offset: 20 },
  });
});

test('an ACK is NLMSG_ERROR with errno 0', () => {
  const req = { length: 16, type: 20, flags: 5, seq: 4, pid: 0 };
  const { flags, data } = encodeErrorPayload(0, req);
  const [msg] = decodeMessages(encodeMessage({ type: NLMSG_ERROR, flags, seq: 4, data }));
  assert.equal(decodeErrorMessage(msg).errno, 0);
});

test('an uncapped error echoes the whole request before the TLVs', () => {
  const request = encodeMessage({ type: 20, flags: 5, seq: 2, data: Buffer.alloc(8, 0xaa) });
  const capped = encodeErrorPayload(22, decodeHeader(request), { message: 'bad' });
  // Rebuild as an uncapped reply: errno, the full request, then the TLVs.
  const tlvs = capped.data.subarray(4 + 16);
  const data = Buffer.concat([capped.data.subarray(0, 4), request, tlvs]);
  const [msg] = decodeMessages(
    encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, seq: 2, data }),
  );
  assert.deepEqual(decodeErrorMessage(msg).extAck, { message: 'bad' });
});

test('truncated and overlong messages throw NETLINK_MALFORMED', () => {
  const m = encodeMessage({ type: 20, flags: 0, seq: 1, data: Buffer.alloc(4) });
  assert.throws(() => decodeMessages(m.subarray(0, 10)), { code: 'NETLINK_MALFORMED' });
  assert.throws(() => decodeMessages(m.subarray(0, 18)), { code: 'NETLINK_MALFORMED' });
  const bad = Buffer.from(m);
  bad.writeUInt32LE(8, 0);
  assert.throws(() => decodeMessages(bad), { code: 'NETLINK_MALFORMED' });
});

const msgArb = fc.record({
  type: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.integer({ min: 0, max: 0xffff }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  pid: fc.integer({ min: 0, max: 0xffffffff }),
  data: fc.uint8Array({ maxLength: 50 }).map((a) => Buffer.from(a)),
});

test('property: any sequence of messages frames and splits back unchanged', () => {
  fc.assert(
    fc.property(fc.array(msgArb, { maxLength: 8 }), (msgs) => {
      const dgram = Buffer.concat(msgs.map((m) => encodeMessage(m)));
      const back = decodeMessages(dgram);
      assert.deepEqual(
        back.map((b) => ({ ...b.header, length: undefined, data: Buffer.from(b.data) })),
        msgs.map((m) => ({ ...m, length: undefined })),
      );
    }),
  );
});

test('fuzz: message and error decoders throw nothing but NETLINK_MALFORMED', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 96 }), (raw) => {
      try {
        for (const m of decodeMessages(Buffer.from(raw))) {
          if (m.header.type === NLMSG_ERROR) decodeErrorMessage(m);
        }
      } catch (err) {
        assert.ok(err instanceof NetlinkDecodeError, String(err));
      }
    }),
    { numRuns: 2000 },
  );
});

test('fuzz: NLMSG_ERROR payloads of random bytes decode or throw NETLINK_MALFORMED', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 80 }),
      fc.integer({ min: 0, max: 0xffff }),
      (raw, flags) => {
        const msg = {
          header: { length: 16 + raw.length, type: NLMSG_ERROR, flags, seq: 0, pid: 0 },
          data: Buffer.from(raw),
        };
        try {
          decodeErrorMessage(msg);
        } catch (err) {
          assert.ok(err instanceof NetlinkDecodeError, String(err));
        }
      },
    ),
    { numRuns: 2000 },
  );
});
