// UDP_CHECK (check_udp.c, udp_socket_state in layer4.c): send `payload` on a connected UDP socket.
// An ICMP error (port unreachable → ECONNREFUSED) fails. Without `require_reply`, silence until the
// timeout passes; with it, a reply must arrive, be min_reply_length..max_reply_length bytes long
// and match the required bytes (X nibbles are wildcards) over the shorter of the two lengths.

import { failed, passed, udpExchange } from './connect.js';
import type { ProbeResult, UdpProbe } from './plan.js';

/** keepalived's UDP_BUFSIZE filler when no payload is configured (set_buf in layer4.c). */
const UDP_BUFSIZE = 32;
const UDP_FILLER = 'keepalived check - ';

export function defaultUdpPayload(): Buffer {
  return Buffer.from(
    UDP_FILLER.repeat(Math.ceil(UDP_BUFSIZE / UDP_FILLER.length)).slice(0, UDP_BUFSIZE),
  );
}

/** A hex pattern with X wildcard nibbles, as bytes and a mask of the bits that must match. */
export interface ReplyPattern {
  data: Buffer;
  mask: Buffer;
}

export function parseReplyPattern(hex: string): ReplyPattern {
  const digits = hex.replace(/\s+/g, '');
  if (digits.length % 2 !== 0 || !/^[0-9a-fA-FxX]*$/.test(digits)) {
    throw new RangeError(`not a hex string with X wildcards: ${hex}`);
  }
  const data = Buffer.alloc(digits.length / 2);
  const mask = Buffer.alloc(digits.length / 2);
  for (let i = 0; i < digits.length; i++) {
    const d = digits[i]!;
    const wild = d === 'x' || d === 'X';
    const nibble = wild ? 0 : parseInt(d, 16);
    const shift = i % 2 === 0 ? 4 : 0;
    data[i >> 1]! |= nibble << shift;
    if (!wild) mask[i >> 1]! |= 0xf << shift;
  }
  return { data, mask };
}

/** Why a reply does not satisfy the check, or undefined when it does. */
export function replyMismatch(
  reply: Buffer,
  pattern: ReplyPattern | undefined,
  minLength: number,
  maxLength: number,
): string | undefined {
  if (reply.length < minLength || reply.length > maxLength) {
    return `reply length ${reply.length} outside ${minLength}..${maxLength}`;
  }
  if (!pattern) return undefined;
  const n = Math.min(reply.length, pattern.data.length);
  for (let i = 0; i < n; i++) {
    if ((reply[i]! ^ pattern.data[i]!) & pattern.mask[i]!) return `reply differs at byte ${i}`;
  }
  return undefined;
}

export function runUdpCheck(spec: UdpProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const ep = spec.endpoint;
  const payload = spec.payload
    ? Buffer.from(spec.payload.replace(/\s+/g, ''), 'hex')
    : defaultUdpPayload();
  const pattern = spec.requireReply?.hex ? parseReplyPattern(spec.requireReply.hex) : undefined;
  return udpExchange(ep, payload, startedAt, {
    onMessage: (msg) => {
      if (!spec.requireReply) return passed('reply', startedAt);
      const why = replyMismatch(msg, pattern, spec.minReplyLength, spec.maxReplyLength);
      return why ? failed(why, startedAt) : passed('reply matches', startedAt);
    },
    onTimeout: () =>
      spec.requireReply
        ? failed(`no reply after ${ep.timeoutMs} ms`, startedAt)
        : passed('no ICMP error', startedAt),
  });
}
