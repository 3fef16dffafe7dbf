// The pseudo-headers VRRPv3 checksums need (the checksum itself is src/net/inet.ts's
// internetChecksum). VRRPv2 and "v3 as v2" (RFC 9568 reading, keepalived's v3_checksum_as_v2)
// cover the VRRP message only; VRRPv3 over IPv6, and over IPv4 by keepalived's default, prepend
// a pseudo-header.
import { isIPv4 } from 'node:net';
import { IPPROTO_VRRP } from '../net/constants.js';
import { addressBytes } from '../net/inet.js';

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
