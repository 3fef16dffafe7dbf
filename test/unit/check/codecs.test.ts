// The pure parts of the checkers: request builders, reply readers, pattern matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { encodeDnsQuery, judgeDnsReply } from '../../../src/check/dns.js';
import {
  judgeTrackedValue,
  parseTrackedValue,
  IPVS_WEIGHT_FAULT,
} from '../../../src/check/file.js';
import { buildRequest, ResponseReader, statusAccepted } from '../../../src/check/http.js';
import { encodeEchoRequest, isEchoReply } from '../../../src/check/ping.js';
import { ReplyReader } from '../../../src/check/smtp.js';
import { parseReplyPattern, replyMismatch } from '../../../src/check/udp.js';
import { internetChecksum } from '../../../src/net/inet.js';
import type { HttpProbe } from '../../../src/check/plan.js';

test('DNS query: header with RD, one question, labels', () => {
  const q = encodeDnsQuery(0x1234, 'www.example.com', 'MX');
  assert.equal(
    q.toString('hex'),
    '123401000001000000000000' + '03777777076578616d706c6503636f6d00' + '000f0001',
  );
  assert.equal(encodeDnsQuery(1, '.', 'SOA').subarray(12).toString('hex'), '0000060001');
  assert.throws(() => encodeDnsQuery(1, 'x'.repeat(64), 'A'), RangeError);
});

test('DNS reply: id and QR must match, RCODE decides', () => {
  const reply = (id: number, flags: number) => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(flags, 2);
    return b;
  };
  assert.deepEqual(judgeDnsReply(7, reply(7, 0x8180)), { kind: 'verdict', ok: true, rcode: 0 });
  assert.deepEqual(judgeDnsReply(7, reply(7, 0x8183)), { kind: 'verdict', ok: false, rcode: 3 });
  assert.deepEqual(judgeDnsReply(7, reply(8, 0x8180)), { kind: 'ignore' });
  assert.deepEqual(judgeDnsReply(7, reply(7, 0x0100)), { kind: 'ignore' });
  assert.deepEqual(judgeDnsReply(7, Buffer.alloc(5)), { kind: 'ignore' });
});

test('fuzz: DNS reply judging never throws', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffff }),
      fc.uint8Array({ maxLength: 64 }),
      (id, bytes) => {
        const j = judgeDnsReply(id, Buffer.from(bytes));
        assert.ok(j.kind === 'ignore' || j.kind === 'verdict');
      },
    ),
  );
});

test('UDP reply pattern: X nibbles are wildcards; only the shorter length is compared', () => {
  const p = parseReplyPattern('ab X1 xX');
  assert.deepEqual([...p.data], [0xab, 0x01, 0x00]);
  assert.deepEqual([...p.mask], [0xff, 0x0f, 0x00]);
  assert.equal(replyMismatch(Buffer.from([0xab, 0xf1, 0x55]), p, 0, 255), undefined);
  assert.equal(replyMismatch(Buffer.from([0xab]), p, 0, 255), undefined);
  assert.equal(replyMismatch(Buffer.from([0xab, 0x02]), p, 0, 255), 'reply differs at byte 1');
  assert.equal(
    replyMismatch(Buffer.from([1, 2, 3]), undefined, 4, 255),
    'reply length 3 outside 4..255',
  );
  assert.throws(() => parseReplyPattern('abc'), RangeError);
  assert.throws(() => parseReplyPattern('zz'), RangeError);
});

test('fuzz: a reply equal to the pattern (wildcards filled anyhow) always matches', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...'0123456789abcdefX'), { minLength: 2, maxLength: 40 }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      (digits, filler) => {
        const hex = (digits.length % 2 ? digits.slice(1) : digits).join('');
        const p = parseReplyPattern(hex);
        const reply = Buffer.from(
          p.data.map((b, i) => (b & p.mask[i]!) | (filler[i % 20]! & ~p.mask[i]!)),
        );
        assert.equal(replyMismatch(reply, p, 0, 255), undefined);
      },
    ),
  );
});

const httpSpec = (over: Partial<HttpProbe> = {}): HttpProbe => ({
  type: 'HTTP_GET',
  endpoint: { address: '10.0.0.2', port: 8080, family: 4, timeoutMs: 1000 },
  urls: [],
  httpProtocol: '1.0',
  enableSni: false,
  ...over,
});

test('HTTP request as keepalived writes it', () => {
  const url = { path: '/health', statusCodes: [[200, 299]] as Array<[number, number]> };
  assert.equal(
    buildRequest(httpSpec(), url),
    'GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.2:8080\r\n\r\n',
  );
  assert.equal(
    buildRequest(httpSpec({ httpProtocol: '1.0C', virtualhost: 'a.test' }), url),
    'GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: a.test\r\n\r\n',
  );
  assert.equal(
    buildRequest(
      httpSpec({
        httpProtocol: '1.1',
        endpoint: { address: 'fd00::2', port: 80, family: 6, timeoutMs: 1 },
      }),
      { ...url, virtualhost: undefined },
    ).split('\r\n')[3],
    'Host: [fd00::2]:80',
  );
});

test('HTTP status ranges', () => {
  assert.equal(statusAccepted(204, [[200, 299]]), true);
  assert.equal(statusAccepted(301, [[200, 299]]), false);
  assert.equal(
    statusAccepted(301, [
      [200, 200],
      [300, 302],
    ]),
    true,
  );
});

test('HTTP response reader: split chunks, content-length, digest of the raw body', () => {
  const body = '4\r\nWiki\r\n0\r\n\r\n';
  const r = new ResponseReader();
  const text = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const bytes = Buffer.from(text);
  let step;
  for (let i = 0; i < bytes.length && !step; i += 7) step = r.push(bytes.subarray(i, i + 7));
  assert.deepEqual(step, {
    ok: true,
    value: { status: 200, digest: createHash('md5').update(body).digest('hex') },
  });
  assert.deepEqual(new ResponseReader().end(), { ok: false, reason: 'no data received' });
  const partial = new ResponseReader();
  partial.push(Buffer.from('HTTP/1.0 200'));
  assert.deepEqual(partial.end(), { ok: false, reason: 'incomplete response header' });
});

test('fuzz: the response reader never throws', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 8 }), (chunks) => {
      const r = new ResponseReader();
      for (const c of chunks) if (r.push(Buffer.from(c))) return;
      r.end();
    }),
  );
});

test('SMTP replies: final lines only, garbage flagged', () => {
  const r = new ReplyReader();
  assert.deepEqual([...r.push(Buffer.from('220-hello\r\n220 rea'))], []);
  assert.deepEqual([...r.push(Buffer.from('dy\r\n250 ok\r\n'))], [220, 250]);
  assert.deepEqual([...new ReplyReader().push(Buffer.from('hello\r\n'))], [undefined]);
  assert.deepEqual([...new ReplyReader().push(Buffer.from('221\r\n'))], [221]);
});

test('tracked file values parse like strtol(..., 0)', () => {
  assert.equal(parseTrackedValue('42\n'), 42);
  assert.equal(parseTrackedValue('  -7 apples'), -7);
  assert.equal(parseTrackedValue('0x10'), 16);
  assert.equal(parseTrackedValue('010'), 8);
  assert.equal(parseTrackedValue('junk'), 0);
  assert.equal(parseTrackedValue(''), 0);
});

test('tracked value verdicts', () => {
  assert.deepEqual(judgeTrackedValue(0, 0, false), { ok: true, offset: 0 });
  assert.deepEqual(judgeTrackedValue(5, 0, false), { ok: false, offset: 0 });
  assert.deepEqual(judgeTrackedValue(5, 0, true), { ok: true, offset: 0 });
  assert.deepEqual(judgeTrackedValue(-3, 10, false), { ok: true, offset: -30 });
  assert.deepEqual(judgeTrackedValue(3, 10, true), { ok: true, offset: -30 });
  assert.equal(judgeTrackedValue(IPVS_WEIGHT_FAULT, 1, false).ok, false);
  assert.equal(judgeTrackedValue(2 ** 30, -4, false).ok, false);
});

test('ICMP echo: checksummed request, reply matching by type, id, sequence', () => {
  const req = encodeEchoRequest(4, 0xbeef, 7);
  assert.equal(req[0], 8);
  assert.equal(internetChecksum(req), 0);
  const reply = Buffer.from(req);
  reply[0] = 0;
  assert.equal(isEchoReply(4, reply, false, undefined, 7), true);
  assert.equal(isEchoReply(4, reply, false, 0xbeef, 8), false);
  assert.equal(isEchoReply(4, reply, false, 0xbeee, 7), false);
  const withIpHeader = Buffer.concat([Buffer.from([0x45, ...new Array(19).fill(0)]), reply]);
  assert.equal(isEchoReply(4, withIpHeader, true, 0xbeef, 7), true);
  assert.equal(isEchoReply(4, req, false, undefined, 7), false, 'a request is not a reply');
  const v6 = encodeEchoRequest(6, 1, 2);
  assert.equal(v6[0], 128);
  v6[0] = 129;
  assert.equal(isEchoReply(6, v6, false, 1, 2), true);
});
