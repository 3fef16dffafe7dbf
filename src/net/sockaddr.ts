// struct sockaddr_* encoders and decoders, pure. The addon takes and returns sockaddrs as bytes,
// so their layout lives here, testable:
//   sockaddr_in   u16 family | be16 port | 4 addr | 8 zero                         (16 bytes)
//   sockaddr_in6  u16 family | be16 port | u32 flowinfo | 16 addr | u32 scope_id   (28 bytes)
//   sockaddr_ll   u16 family | be16 protocol | s32 ifindex | u16 hatype | u8 pkttype |
//                 u8 halen | 8 addr                                                 (20 bytes)
//   sockaddr_nl   u16 family | u16 pad | u32 pid | u32 groups                       (12 bytes)
// Family, ifindex, scope, pid and groups are host order; ports and protocols network order.
import { isIPv4 } from 'node:net';
import { KtsError } from '../errors.js';
import { readU16, readU32, writeU16, writeU32, writeS32, readS32 } from '../netlink/attr.js';
import { addressBytes, formatAddress } from './inet.js';
import { AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, ETH_ALEN } from './constants.js';

export interface InetAddress {
  family: 4 | 6;
  address: string;
  port: number;
  /** IPv6 scope (interface index) of a link-local address; 0 otherwise. */
  scopeId: number;
}

export function encodeSockaddrInet(address: string, port = 0, scopeId = 0): Buffer {
  const bytes = addressBytes(address);
  if (isIPv4(address.split('%')[0])) {
    const b = Buffer.alloc(16);
    writeU16(b, AF_INET, 0);
    b.writeUInt16BE(port, 2);
    bytes.copy(b, 4);
    return b;
  }
  const b = Buffer.alloc(28);
  writeU16(b, AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  bytes.copy(b, 8);
  writeU32(b, scopeId, 24);
  return b;
}

export function decodeSockaddrInet(b: Buffer): InetAddress {
  const family = b.length >= 2 ? readU16(b, 0) : -1;
  if (family === AF_INET && b.length >= 8) {
    return {
      family: 4,
      address: formatAddress(b.subarray(4, 8)),
      port: b.readUInt16BE(2),
      scopeId: 0,
    };
  }
  if (family === AF_INET6 && b.length >= 28) {
    return {
      family: 6,
      address: formatAddress(b.subarray(8, 24)),
      port: b.readUInt16BE(2),
      scopeId: readU32(b, 24),
    };
  }
  throw new KtsError('NET_BAD_SOCKADDR', `not an inet sockaddr: ${b.toString('hex')}`);
}

export interface LinkAddress {
  /** EtherType, e.g. ETH_P_ARP. */
  protocol: number;
  ifindex: number;
  hatype: number;
  /** PACKET_HOST, PACKET_BROADCAST, ... */
  pkttype: number;
  /** Hardware address bytes (halen of them). */
  address: Buffer;
}

export function encodeSockaddrLl(protocol: number, ifindex: number, dest?: Uint8Array): Buffer {
  const b = Buffer.alloc(20);
  writeU16(b, AF_PACKET, 0);
  b.writeUInt16BE(protocol, 2);
  writeS32(b, ifindex, 4);
  if (dest) {
    b[11] = ETH_ALEN;
    b.set(dest.subarray(0, 8), 12);
  }
  return b;
}

export function decodeSockaddrLl(b: Buffer): LinkAddress {
  if (b.length < 20 || readU16(b, 0) !== AF_PACKET) {
    throw new KtsError('NET_BAD_SOCKADDR', `not a sockaddr_ll: ${b.toString('hex')}`);
  }
  const halen = Math.min(b[11], 8);
  return {
    protocol: b.readUInt16BE(2),
    ifindex: readS32(b, 4),
    hatype: readU16(b, 8),
    pkttype: b[10],
    address: Buffer.from(b.subarray(12, 12 + halen)),
  };
}

export function encodeSockaddrNl(pid = 0, groups = 0): Buffer {
  const b = Buffer.alloc(12);
  writeU16(b, AF_NETLINK, 0);
  writeU32(b, pid, 4);
  writeU32(b, groups, 8);
  return b;
}

export function decodeSockaddrNl(b: Buffer): { pid: number; groups: number } {
  if (b.length < 12 || readU16(b, 0) !== AF_NETLINK) {
    throw new KtsError('NET_BAD_SOCKADDR', `not a sockaddr_nl: ${b.toString('hex')}`);
  }
  return { pid: readU32(b, 4), groups: readU32(b, 8) };
}

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes. */
export function parseMac(text: string): Buffer {
  const parts = text.split(':');
  if (parts.length !== ETH_ALEN || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new KtsError('NET_BAD_MAC', `not a MAC address: ${text}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(':');
}
