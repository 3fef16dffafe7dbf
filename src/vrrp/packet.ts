// VRRP advertisement codec: VRRPv2 (RFC 3768, IPv4 only) and VRRPv3 (RFC 5798, IPv4 and IPv6).
// Pure: bytes in, typed values out. Decoding never throws; every malformed input yields a
// `VrrpDecodeError` with a stable code, so the socket layer can drop and count it by reason.
import { isIPv4 } from 'node:net';
import { KtsError } from '../errors.js';
import { IPPROTO_VRRP } from '../net/constants.js';
import { addressBytes, formatAddress, internetChecksum } from '../net/inet.js';
import { pseudoHeader } from './checksum.js';

export const VRRP_VERSION_2 = 2;
export const VRRP_VERSION_3 = 3;
/** The only VRRP packet type (RFC 5798 §5.2.2). */
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** RFC 3768 §5.3.6 authentication types (deprecated by RFC 3768 itself, still used by keepalived). */
export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_PASS = 1;
export const VRRP_AUTH_AH = 2;
/** Length of the VRRPv2 authentication data field, which is always present. */
export const VRRP_AUTH_DATA_LEN = 8;
/** Fixed VRRP header: version/type, VRID, priority, count, and two 16-bit words. */
export const VRRP_HEADER_LEN = 8;
/** VRRPv3 Max Adver Int is 12 bits of centiseconds (RFC 5798 §5.2.7). */
export const VRRP_V3_MAX_INTERVAL_CS = 0x0fff;
/** Priority 0: the master is leaving (RFC 5798 §5.2.4). 255: the address owner. */
export const VRRP_PRIO_STOP = 0;
export const VRRP_PRIO_OWNER = 255;
/** Multicast groups (IANA) and the TTL / hop limit every VRRP packet must carry. */
export const VRRP_MCAST_V4 = '224.0.0.18';
export const VRRP_MCAST_V6 = 'ff02::12';
export const VRRP_TTL = 255;
/** keepalived sends with TOS / traffic class 0xc0 (DSCP CS6, "network control"). */
export const VRRP_TOS = 0xc0;

export type VrrpVersion = 2 | 3;
export type Family = 4 | 6;

export interface VrrpAdvert {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /**
   * Advertisement interval in centiseconds. VRRPv2 carries whole seconds, so a v2 advert always
   * has a multiple of 100 here.
   */
  intervalCs: number;
  /** Virtual addresses, all of the packet's family, in text form. */
  addresses: string[];
  /** v2 only (v3 has no authentication): type and the 8 data bytes as sent. */
  authType: number;
  authData: Buffer;
}

/** How the checksum of a VRRPv3/IPv4 packet was computed (see ipvs-netlink.md §2.3). */
export type ChecksumForm = 'pseudo-header' | 'plain';

/** The IP-level context a checksum depends on. */
export interface IpContext {
  src: string;
  dst: string;
}

export type VrrpDecodeErrorCode =
  | 'VRRP_PACKET_SHORT'
  | 'VRRP_PACKET_VERSION'
  | 'VRRP_PACKET_TYPE'
  | 'VRRP_PACKET_LENGTH'
  | 'VRRP_PACKET_CHECKSUM'
  | 'VRRP_PACKET_FAMILY';

export interface VrrpDecodeError {
  code: VrrpDecodeErrorCode;
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: VrrpDecodeError };

export interface DecodedAdvert {
  advert: VrrpAdvert;
  /** Which checksum form matched; always 'plain' for v2, 'pseudo-header' for IPv6. */
  checksumForm: ChecksumForm;
}

const fail = (code: VrrpDecodeErrorCode, message: string) =>
  ({ ok: false, error: { code, message } }) as const;

/** Bytes a VRRP message with `count` addresses takes. */
export function advertLength(version: VrrpVersion, family: Family, count: number): number {
  const addr = family === 4 ? 4 : 16;
  return VRRP_HEADER_LEN + count * addr + (version === 2 ? VRRP_AUTH_DATA_LEN : 0);
}

/** The 8 authentication bytes for a PASS password: keepalived keeps only its first 8 bytes. */
export function passAuthData(password: string): Buffer {
  const b = Buffer.alloc(VRRP_AUTH_DATA_LEN);
  Buffer.from(password, 'utf8').copy(b, 0, 0, VRRP_AUTH_DATA_LEN);
  return b;
}

/**
 * Decode a VRRP message (the IP payload). `ip` gives the addresses the pseudo-header needs.
 * VRRPv3/IPv4 checksums are accepted in either form; the form that matched is reported.
 */
export function decodeAdvert(buf: Uint8Array, ip: IpContext): Decoded<DecodedAdvert> {
  const data = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const family: Family = isIPv4(ip.src) ? 4 : 6;
  if (data.length < VRRP_HEADER_LEN) return fail('VRRP_PACKET_SHORT', `${data.length} bytes`);
  const version = data[0] >> 4;
  const type = data[0] & 0x0f;
  if (version !== VRRP_VERSION_2 && version !== VRRP_VERSION_3) {
    return fail('VRRP_PACKET_VERSION', `version ${version}`);
  }
  if (version === VRRP_VERSION_2 && family === 6) {
    return fail('VRRP_PACKET_FAMILY', 'VRRPv2 is defined for IPv4 only');
  }
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('VRRP_PACKET_TYPE', `type ${type}`);
  const count = data[3];
  const expected = advertLength(version, family, count);
  if (data.length !== expected) {
    return fail(
      'VRRP_PACKET_LENGTH',
      `${data.length} bytes for ${count} addresses, expected ${expected}`,
    );
  }
  let checksumForm: ChecksumForm;
  const plainOk = internetChecksum(data) === 0;
  const pseudoOk =
    version === VRRP_VERSION_3 &&
    internetChecksum(pseudoHeader(ip.src, ip.dst, data.length), data) === 0;
  if (version === VRRP_VERSION_2 || family === 4) {
    if (pseudoOk) checksumForm = 'pseudo-header';
    else if (plainOk) checksumForm = 'plain';
    else return fail('VRRP_PACKET_CHECKSUM', `checksum 0x${data.readUInt16BE(6).toString(16)}`);
  } else if (pseudoOk) {
    checksumForm = 'pseudo-header';
  } else {
    return fail('VRRP_PACKET_CHECKSUM', `checksum 0x${data.readUInt16BE(6).toString(16)}`);
  }
  const addrLen = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = VRRP_HEADER_LEN + i * addrLen;
    addresses.push(formatAddress(data.subarray(at, at + addrLen)));
  }
  const v2 = version === VRRP_VERSION_2;
  const authAt = VRRP_HEADER_LEN + count * addrLen;
  return {
    ok: true,
    value: {
      checksumForm,
      advert: {
        version,
        vrid: data[1],
        priority: data[2],
        intervalCs: v2 ? data[5] * 100 : data.readUInt16BE(4) & VRRP_V3_MAX_INTERVAL_CS,
        addresses,
        authType: v2 ? data[4] : VRRP_AUTH_NONE,
        authData: v2
          ? Buffer.from(data.subarray(authAt, authAt + VRRP_AUTH_DATA_LEN))
          : Buffer.alloc(0),
      },
    },
  };
}

export interface EncodeOptions extends IpContext {
  /** VRRPv3/IPv4 only: checksum without the pseudo-header (keepalived's v3_checksum_as_v2). */
  v3ChecksumAsV2?: boolean;
}

/**
 * Encode a VRRP message. Out-of-range fields (which a validated config never produces) throw a
 * KtsError VRRP_ENCODE_RANGE; Buffer's own range checks cover the 8-bit fields.
 */
export function encodeAdvert(a: VrrpAdvert, opts: EncodeOptions): Buffer {
  const family: Family = isIPv4(opts.src) ? 4 : 6;
  const v2 = a.version === VRRP_VERSION_2;
  if (v2 && a.intervalCs % 100 !== 0)
    throw new KtsError('VRRP_ENCODE_RANGE', 'VRRPv2 interval must be whole seconds');
  const buf = Buffer.alloc(advertLength(a.version, family, a.addresses.length));
  buf[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  buf.writeUInt8(a.vrid, 1);
  buf.writeUInt8(a.priority, 2);
  buf.writeUInt8(a.addresses.length, 3);
  if (v2) {
    buf.writeUInt8(a.authType, 4);
    buf.writeUInt8(a.intervalCs / 100, 5);
  } else {
    if (a.intervalCs > VRRP_V3_MAX_INTERVAL_CS)
      throw new KtsError('VRRP_ENCODE_RANGE', 'VRRPv3 interval above 4095 cs');
    buf.writeUInt16BE(a.intervalCs, 4);
  }
  const addrLen = family === 4 ? 4 : 16;
  a.addresses.forEach((addr, i) => addressBytes(addr).copy(buf, VRRP_HEADER_LEN + i * addrLen));
  if (v2)
    a.authData.copy(buf, VRRP_HEADER_LEN + a.addresses.length * addrLen, 0, VRRP_AUTH_DATA_LEN);
  const withPseudo = !v2 && !(family === 4 && opts.v3ChecksumAsV2);
  const sum = withPseudo
    ? internetChecksum(pseudoHeader(opts.src, opts.dst, buf.length), buf)
    : internetChecksum(buf);
  buf.writeUInt16BE(sum, 6);
  return buf;
}

const IPV4_MIN_HEADER = 20;

/**
 * An IPv4 header as keepalived writes it (IP_HDRINCL): TOS 0xc0, DF clear, TTL 255, the given ID,
 * with its header checksum.
 */
export function encodeIpv4Header(h: {
  id: number;
  src: string;
  dst: string;
  payloadLength: number;
}): Buffer {
  const b = Buffer.alloc(IPV4_MIN_HEADER);
  b[0] = 0x45;
  b[1] = VRRP_TOS;
  b.writeUInt16BE(IPV4_MIN_HEADER + h.payloadLength, 2);
  b.writeUInt16BE(h.id & 0xffff, 4);
  b[8] = VRRP_TTL;
  b[9] = IPPROTO_VRRP;
  addressBytes(h.src).copy(b, 12);
  addressBytes(h.dst).copy(b, 16);
  b.writeUInt16BE(internetChecksum(b), 10);
  return b;
}
