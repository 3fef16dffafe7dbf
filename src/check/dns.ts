// DNS_CHECK (check_dns.c): send one recursive query of `type` for `name` over UDP and wait for
// the answer. keepalived's verdict: replies too short, with another id, or without the QR bit are
// ignored (it keeps waiting); the first matching reply passes when its RCODE is 0, whatever its
// answer count; a timeout or an ICMP error fails.

import { randomInt } from 'node:crypto';
import { failed, passed, udpExchange } from './connect.js';
import type { DnsProbe, DnsQueryType, ProbeResult } from './plan.js';

/** RFC 1035 §4.1.1 / RFC 3596 type codes. */
export const DNS_TYPE: Record<DnsQueryType, number> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  MX: 15,
  TXT: 16,
  AAAA: 28,
};
const DNS_CLASS_IN = 1;
const DNS_HEADER_LENGTH = 12;
/** Header flags: QR (response) and RD (recursion desired); RCODE is the low nibble. */
const DNS_FLAG_QR = 0x8000;
const DNS_FLAG_RD = 0x0100;
const DNS_RCODE_MASK = 0x000f;

/** The query keepalived sends: header with RD, one question. */
export function encodeDnsQuery(id: number, name: string, type: DnsQueryType): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  const qname = Buffer.concat([
    ...labels.map((l) => {
      const bytes = Buffer.from(l, 'utf8');
      if (bytes.length > 63) throw new RangeError(`DNS label longer than 63 bytes: ${l}`);
      return Buffer.concat([Buffer.of(bytes.length), bytes]);
    }),
    Buffer.of(0),
  ]);
  const header = Buffer.alloc(DNS_HEADER_LENGTH);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(DNS_FLAG_RD, 2);
  header.writeUInt16BE(1, 4); // QDCOUNT
  const question = Buffer.alloc(4);
  question.writeUInt16BE(DNS_TYPE[type], 0);
  question.writeUInt16BE(DNS_CLASS_IN, 2);
  return Buffer.concat([header, qname, question]);
}

/** What a datagram means for a query with `id`: keep waiting, or the verdict. */
export function judgeDnsReply(
  id: number,
  reply: Buffer,
): { kind: 'ignore' } | { kind: 'verdict'; ok: boolean; rcode: number } {
  if (reply.length < DNS_HEADER_LENGTH) return { kind: 'ignore' };
  if (reply.readUInt16BE(0) !== id) return { kind: 'ignore' };
  const flags = reply.readUInt16BE(2);
  if (!(flags & DNS_FLAG_QR)) return { kind: 'ignore' };
  const rcode = flags & DNS_RCODE_MASK;
  return { kind: 'verdict', ok: rcode === 0, rcode };
}

export function runDnsCheck(spec: DnsProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const id = randomInt(0, 0x10000);
  const query = encodeDnsQuery(id, spec.name, spec.queryType);
  return udpExchange(spec.endpoint, query, startedAt, {
    onMessage: (msg) => {
      const j = judgeDnsReply(id, msg);
      if (j.kind === 'ignore') return undefined;
      return j.ok ? passed('rcode 0', startedAt) : failed(`rcode ${j.rcode}`, startedAt);
    },
    onTimeout: () => failed(`read timeout after ${spec.endpoint.timeoutMs} ms`, startedAt),
  });
}
