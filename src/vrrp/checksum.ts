// Internet checksums (RFC 1071) for VRRP, with the pseudo-headers VRRPv3 needs.
// VRRPv2 and "v3 as v2" (RFC 9568 reading, keepalived's v3_checksum_as_v2) cover the VRRP message
// only; VRRPv3 over IPv6, and over IPv4 by keepalived's default, prepend a pseudo-header.
import { isIPv4 } from 'node:net';
import { addressBytes } from './address.js';

/** IANA protocol number of VRRP (IPPROTO_VRRP in netinet/in.h). */
export const IPPROTO_VRRP = 112;

/** One's-complement sum of 16-bit big-endian words, not yet folded or inverted. */
function sumWords(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (buf.length & 1) sum += buf[buf.length - 1] << 8;
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** The Internet checksum of the concatenation of `parts` (each part starts on an even offset). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) sum = sumWords(p, sum);
  return fold(sum);
}

/**
 * The pseudo-header for an upper-layer checksum: IPv4 (RFC 768 layout: src, dst, zero, protocol,
 * length) or IPv6 (RFC 8200 §8.1: src, dst, 32-bit length, 3 zero bytes, next header).
 */
export function pseudoHeader(src: string, dst: string, length: number): Buffer {
  if (isIPv4(src)) {
    const b = Buffer.alloc(12);
    addressBytes(src).copy(b, 0);
    addressBytes(dst).copy(b, 4);
    b[9] = IPPROTO_VRRP;
    b.writeUInt16BE(length, 10);
    return b;
  }
  const b = Buffer.alloc(40);
  addressBytes(src).copy(b, 0);
  addressBytes(dst).copy(b, 16);
  b.writeUInt32BE(length, 32);
  b[39] = IPPROTO_VRRP;
  return b;
}
