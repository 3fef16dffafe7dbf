// Generic Internet helpers shared by every layer (sockets, netlink, IPVS, VRRP, checkers): IP
// address text <-> network-order bytes, and the Internet checksum (RFC 1071).
import { isIPv4, isIPv6 } from 'node:net';
import { KtsError } from '../errors.js';

/** Network-order bytes of an IPv4 or IPv6 address (a `%zone` suffix is ignored). */
export function addressBytes(text: string): Buffer {
  const addr = text.split('%')[0];
  if (isIPv4(addr)) return Buffer.from(addr.split('.').map(Number));
  if (!isIPv6(addr)) throw new KtsError('INET_BAD_ADDRESS', `not an IP address: ${text}`);
  let head = addr;
  let tailV4: number[] = [];
  const lastColon = addr.lastIndexOf(':');
  if (addr.includes('.')) {
    const v4 = addr
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    tailV4 = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    head = addr.slice(0, lastColon + 1) + '0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const words = (s: string) => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const l = words(left);
  let groups: number[];
  if (right === undefined) {
    groups = l;
  } else {
    const r = words(right);
    groups = [
      ...l,
      ...new Array<number>(8 - l.length - r.length - (tailV4.length ? 1 : 0)).fill(0),
      ...r,
    ];
  }
  if (tailV4.length) groups = [...groups.slice(0, groups.length - 1), ...tailV4];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

/** Text form of 4 or 16 address bytes; IPv6 in the RFC 5952 canonical form. */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  // The longest run of two or more zero groups (the first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

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
