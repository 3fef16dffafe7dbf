// IPVS generic netlink payloads, pure: services, destinations and GET_INFO replies to and from
// attribute bytes (linux/ip_vs.h; ipvs-netlink.md §1.3-1.6).
//
// API
//   ipvsMessage(cmd, { service?, serviceKey?, destination?, destinationKey? }): Buffer
//       genl header + attributes, the payload of a message to the IPVS family. `service` sends the
//       full set (NEW/SET_SERVICE), `serviceKey` only the key (DEL_SERVICE, GET_DEST); likewise
//       `destination` (NEW/SET_DEST) and `destinationKey` (DEL_DEST).
//   decodeServiceMessage(payload): Service              one GET_SERVICE reply
//   decodeDestinationMessage(payload, family): Destination   one GET_DEST reply
//   decodeServiceMessageAt(buf, start, end), decodeDestinationMessageAt(buf, start, end, family)
//       the same for a payload inside a received datagram, read in place (no copies or views:
//       NetlinkSocket.requestDecoded hands dump parts over this way)
//   decodeInfoMessage(payload): IpvsInfo                the GET_INFO reply
//   canonicalAddress(text): string                      the text form read-back produces
//
// Wire rules: integers host order except ports (network order) and the IPv4 persistence netmask
// (the mask's bytes); addresses are `union nf_inet_addr` (the kernel returns 16 bytes, IPv4 in the
// first 4); the family always comes from the AF attribute, never from the address bytes.
import { KtsError } from '../errors.js';
import { AF_INET, AF_INET6 } from '../net/constants.js';
import { endianness } from 'node:os';
import { AttributeEncoder, align4, readU32, writeU16, writeU32 } from '../netlink/attr.js';
import { GENL_HDRLEN, NLA_F_NESTED, NLA_HDRLEN, NLA_TYPE_MASK } from '../netlink/constants.js';
import { NetlinkDecodeError } from '../netlink/errors.js';
import { addressBytes, formatAddress } from '../net/inet.js';
import {
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPVS_CMD_ATTR_DEST,
  IPVS_CMD_ATTR_SERVICE,
  IPVS_DEST_ATTR_ACTIVE_CONNS,
  IPVS_DEST_ATTR_ADDR,
  IPVS_DEST_ATTR_ADDR_FAMILY,
  IPVS_DEST_ATTR_FWD_METHOD,
  IPVS_DEST_ATTR_INACT_CONNS,
  IPVS_DEST_ATTR_L_THRESH,
  IPVS_DEST_ATTR_PERSIST_CONNS,
  IPVS_DEST_ATTR_PORT,
  IPVS_DEST_ATTR_TUN_FLAGS,
  IPVS_DEST_ATTR_TUN_PORT,
  IPVS_DEST_ATTR_TUN_TYPE,
  IPVS_DEST_ATTR_U_THRESH,
  IPVS_DEST_ATTR_WEIGHT,
  IPVS_GENL_VERSION,
  IPVS_INFO_ATTR_CONN_TAB_SIZE,
  IPVS_INFO_ATTR_VERSION,
  IPVS_SVC_ATTR_ADDR,
  IPVS_SVC_ATTR_AF,
  IPVS_SVC_ATTR_FLAGS,
  IPVS_SVC_ATTR_FWMARK,
  IPVS_SVC_ATTR_NETMASK,
  IPVS_SVC_ATTR_PE_NAME,
  IPVS_SVC_ATTR_PORT,
  IPVS_SVC_ATTR_PROTOCOL,
  IPVS_SVC_ATTR_SCHED_NAME,
  IPVS_SVC_ATTR_TIMEOUT,
  IP_VS_CONN_F_DROUTE,
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_CONN_F_LOCALNODE,
  IP_VS_CONN_F_MASQ,
  IP_VS_CONN_F_TUNNEL,
  IP_VS_CONN_F_TUNNEL_TYPE_GRE,
  IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  IP_VS_PENAME_MAXLEN,
  IP_VS_SCHEDNAME_MAXLEN,
  IP_VS_SVC_F_HASHED,
} from './constants.js';
import type {
  Destination,
  DestinationKey,
  Family,
  ForwardMethod,
  Protocol,
  Service,
  ServiceKey,
} from './types.js';

const PROTOCOL_NUMBERS: Record<Protocol, number> = {
  tcp: IPPROTO_TCP,
  udp: IPPROTO_UDP,
  sctp: IPPROTO_SCTP,
};
const METHOD_NUMBERS: Record<ForwardMethod, number> = {
  nat: IP_VS_CONN_F_MASQ,
  dr: IP_VS_CONN_F_DROUTE,
  tun: IP_VS_CONN_F_TUNNEL,
  local: IP_VS_CONN_F_LOCALNODE,
};
type TunnelType = NonNullable<Destination['tunnelType']>;
const TUNNEL_NUMBERS: Record<TunnelType, number> = {
  ipip: IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
  gue: IP_VS_CONN_F_TUNNEL_TYPE_GUE,
  gre: IP_VS_CONN_F_TUNNEL_TYPE_GRE,
};

function invert<K extends string>(table: Record<K, number>): Map<number, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as number, k as K]));
}
const PROTOCOL_NAMES = invert(PROTOCOL_NUMBERS);
const METHOD_NAMES = invert(METHOD_NUMBERS);
const TUNNEL_NAMES = invert(TUNNEL_NUMBERS);

const afOf = (family: Family): number => (family === 4 ? AF_INET : AF_INET6);

function familyOf(af: number, what: string): Family {
  if (af === AF_INET) return 4;
  if (af === AF_INET6) return 6;
  throw new NetlinkDecodeError(`${what}: address family ${af} is neither AF_INET nor AF_INET6`);
}

function badInput(message: string): KtsError {
  return new KtsError('IPVS_BAD_ENTRY', message);
}

/**
 * Address bytes for `family`: 4 for IPv4 (the kernel zero-fills the union), 16 for IPv6. A
 * dotted quad is parsed directly; other text (IPv6, a zone, mistakes) through addressBytes.
 */
function encodeAddress(text: string, family: Family, what: string): Buffer {
  if (family === 4) {
    const quad = Buffer.alloc(4);
    if (writeDottedQuad(quad, 0, text)) return quad;
  }
  let bytes: Buffer;
  try {
    bytes = addressBytes(text);
  } catch (err) {
    throw badInput(`${what}: ${(err as Error).message}`);
  }
  if (bytes.length !== (family === 4 ? 4 : 16)) {
    throw badInput(`${what}: ${text} is not an IPv${family} address`);
  }
  return bytes;
}

/**
 * Writes the bytes of `text` at `at`. Dotted-quad IPv4 (what nearly every destination is) is
 * parsed in place; anything else goes through encodeAddress, which also says what is wrong.
 */
function writeAddress(buf: Buffer, at: number, text: string, family: Family, what: string): void {
  if (family !== 4 || !writeDottedQuad(buf, at, text)) {
    encodeAddress(text, family, what).copy(buf, at);
  }
}

/**
 * Writes the 4 bytes of a strict dotted-quad ("10.0.0.1": decimal octets up to 255, no leading
 * zeros, as node:net isIPv4 accepts). False for any other text, with the 4 bytes left undefined
 * (writeAddress then overwrites them).
 */
function writeDottedQuad(buf: Buffer, at: number, text: string): boolean {
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // a final '.' closes the last octet
    if (c === 0x2e) {
      if (digits === 0 || dots > 3) return false;
      buf[at + dots++] = octet;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return false; // a leading zero
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return false;
    } else return false;
  }
  return dots === 4;
}

/**
 * The address in buf[at, at + length) (a union nf_inet_addr: 4 or 16 leading bytes for the
 * family). IPv4, by far the common case in a big table, is formatted straight from the buffer.
 */
function decodeAddress(
  buf: Buffer,
  at: number,
  length: number,
  family: Family,
  what: string,
): string {
  const size = family === 4 ? 4 : 16;
  if (at < 0 || length < size) {
    throw new NetlinkDecodeError(
      `${what}: address of ${at < 0 ? 0 : length} bytes for IPv${family}`,
    );
  }
  if (family === 4) return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
  return formatAddress(buf.subarray(at, at + size));
}

/** The form read-back yields ("fd00::1" for "fd00:0::0001"), so tables compare as text. */
export function canonicalAddress(text: string): string {
  return formatAddress(addressBytes(text));
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw badInput(`${what}: port ${port}`);
}

function checkU32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw badInput(`${what}: ${value} is not a 32-bit unsigned value`);
  }
}

function checkName(name: string, max: number, what: string): void {
  if (Buffer.byteLength(name) >= max || name.includes('\0')) {
    throw badInput(`${what}: "${name}" must be shorter than ${max} bytes`);
  }
}

/*
 * Host-order reads by index for the cursor, which has bounds-checked the attribute already:
 * attr.ts's readU16/readU32 go through Buffer.readUInt*, whose offset validation was a third of
 * the cost of decoding a destination.
 */
const HOST_LE = endianness() === 'LE';
const u16At = (b: Buffer, at: number): number =>
  HOST_LE ? b[at] | (b[at + 1] << 8) : (b[at] << 8) | b[at + 1];
const u32At = (b: Buffer, at: number): number =>
  HOST_LE
    ? (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000
    : b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);

/**
 * A walk over an attribute list that keeps offsets into the received buffer instead of making a
 * view per attribute as AttributeDecoder does: read-back decodes tens of thousands of
 * destinations, and those views were most of its cost (bench/ipvs-apply.ts profiled in the VM).
 * Framing and size rules are parseAttributes' and AttributeDecoder's; a violation throws
 * NetlinkDecodeError at once.
 */
class AttributeCursor {
  /** The current attribute's type (NLA_F_* bits masked off), payload offset and length. */
  type = 0;
  at = 0;
  length = 0;
  private next_: number;

  constructor(
    readonly buf: Buffer,
    private start: number,
    private end: number,
  ) {
    this.next_ = start;
  }

  /** Advances to the next attribute; false at the end (trailing bytes shorter than a header). */
  next(): boolean {
    const at = this.next_;
    if (this.end - at < NLA_HDRLEN) return false;
    const len = u16At(this.buf, at);
    if (len < NLA_HDRLEN || at + len > this.end) {
      throw new NetlinkDecodeError(
        `attribute at offset ${at - this.start}: length ${len} outside ${NLA_HDRLEN}..${this.end - at}`,
      );
    }
    this.type = u16At(this.buf, at + 2) & NLA_TYPE_MASK;
    this.at = at + NLA_HDRLEN;
    this.length = len - NLA_HDRLEN;
    this.next_ = at + align4(len);
    return true;
  }

  /** Descends into the current attribute: the cursor goes on over the attributes nested in it. */
  enter(): this {
    this.start = this.at;
    this.end = this.at + this.length;
    this.next_ = this.at;
    return this;
  }

  private sized(size: number, what: string): number {
    if (this.length !== size) {
      throw new NetlinkDecodeError(
        `attribute ${this.type}: ${what} needs ${size} bytes, got ${this.length}`,
      );
    }
    return this.at;
  }

  u8(): number {
    return this.buf[this.sized(1, 'u8')];
  }

  u16(): number {
    return u16At(this.buf, this.sized(2, 'u16'));
  }

  u32(): number {
    return u32At(this.buf, this.sized(4, 'u32'));
  }

  u16be(): number {
    const at = this.sized(2, 'u16be');
    return (this.buf[at] << 8) | this.buf[at + 1];
  }

  /** The payload as a view (copy it to keep it beyond the message). */
  bytes(): Buffer {
    return this.buf.subarray(this.at, this.at + this.length);
  }

  /** A string, cut at the first NUL (the kernel pads and terminates). */
  string(): string {
    const end = this.at + this.length;
    const nul = this.buf.indexOf(0, this.at);
    return this.buf.toString('utf8', this.at, nul === -1 || nul > end ? end : nul);
  }
}

// ---- services ----

function putServiceKey(e: AttributeEncoder, key: ServiceKey): void {
  e.u16(IPVS_SVC_ATTR_AF, afOf(key.family));
  if (key.kind === 'fwmark') {
    checkU32(key.fwmark, 'fwmark');
    if (key.fwmark === 0) throw badInput('fwmark 0 does not name a service');
    e.u32(IPVS_SVC_ATTR_FWMARK, key.fwmark);
    return;
  }
  checkPort(key.port, 'service');
  e.u16(IPVS_SVC_ATTR_PROTOCOL, PROTOCOL_NUMBERS[key.protocol]);
  e.bytes(IPVS_SVC_ATTR_ADDR, encodeAddress(key.address, key.family, 'service address'));
  e.u16be(IPVS_SVC_ATTR_PORT, key.port);
}

/**
 * The persistence netmask: IPv4 sends the mask's 4 bytes as they are (ip_vs_ctl.c reads a __be32),
 * IPv6 the prefix length as a plain host-order number (the same raw __be32 compared with 1..128).
 */
function encodeNetmask(netmask: string, family: Family): Buffer {
  const b = Buffer.alloc(4);
  if (family === 4) {
    const mask = encodeAddress(netmask, 4, 'persistence netmask');
    mask.copy(b);
    return b;
  }
  const prefix = Number(netmask);
  if (!Number.isInteger(prefix) || prefix < 1 || prefix > 128) {
    throw badInput(`persistence netmask: IPv6 prefix length "${netmask}" outside 1..128`);
  }
  writeU32(b, prefix, 0);
  return b;
}

function decodeNetmask(raw: Buffer, family: Family): string {
  if (raw.length !== 4) throw new NetlinkDecodeError(`netmask of ${raw.length} bytes`);
  return family === 4 ? formatAddress(raw) : String(readU32(raw, 0));
}

/**
 * The IPVS_CMD_ATTR_SERVICE attribute holding only a key, encoded once per key object: a
 * reconcile pass sends the same key with every destination of the service. Keys are treated as
 * immutable values.
 */
const encodedKeys = new WeakMap<ServiceKey, Buffer>();
function serviceKeyAttr(key: ServiceKey): Buffer {
  let bytes = encodedKeys.get(key);
  if (!bytes) {
    bytes = new AttributeEncoder()
      .nested(IPVS_CMD_ATTR_SERVICE, (n) => putServiceKey(n, key))
      .encode();
    encodedKeys.set(key, bytes);
  }
  return bytes;
}

function putService(e: AttributeEncoder, s: Service): void {
  putServiceKey(e, s.key);
  checkName(s.scheduler, IP_VS_SCHEDNAME_MAXLEN, 'scheduler');
  checkU32(s.flags, 'service flags');
  checkU32(s.timeout, 'persistence timeout');
  e.string(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler);
  if (s.persistenceEngine !== undefined) {
    checkName(s.persistenceEngine, IP_VS_PENAME_MAXLEN, 'persistence engine');
    e.string(IPVS_SVC_ATTR_PE_NAME, s.persistenceEngine);
  }
  // struct ip_vs_flags { flags, mask }: mask all ones = replace every flag (ip_vs_ctl.c).
  const flags = Buffer.alloc(8);
  writeU32(flags, s.flags, 0);
  writeU32(flags, 0xffffffff, 4);
  e.bytes(IPVS_SVC_ATTR_FLAGS, flags);
  e.u32(IPVS_SVC_ATTR_TIMEOUT, s.timeout);
  e.bytes(IPVS_SVC_ATTR_NETMASK, encodeNetmask(s.netmask, s.key.family));
}

/** Decodes the attributes nested in IPVS_CMD_ATTR_SERVICE. Statistics are skipped. */
export function decodeService(attrs: Buffer): Service {
  return decodeServiceIn(new AttributeCursor(attrs, 0, attrs.length));
}

function decodeServiceIn(d: AttributeCursor): Service {
  let af = -1;
  let protocol = 0;
  let addrAt = -1;
  let addrLength = 0;
  let port = 0;
  let fwmark = 0;
  let scheduler = '';
  let flags = 0;
  let timeout = 0;
  let netmask: Buffer | undefined;
  let persistenceEngine: string | undefined;
  while (d.next()) {
    switch (d.type) {
      case IPVS_SVC_ATTR_AF:
        af = d.u16();
        break;
      case IPVS_SVC_ATTR_PROTOCOL:
        protocol = d.u16();
        break;
      case IPVS_SVC_ATTR_ADDR:
        addrAt = d.at;
        addrLength = d.length;
        break;
      case IPVS_SVC_ATTR_PORT:
        port = d.u16be();
        break;
      case IPVS_SVC_ATTR_FWMARK:
        fwmark = d.u32();
        break;
      case IPVS_SVC_ATTR_SCHED_NAME:
        scheduler = d.string();
        break;
      case IPVS_SVC_ATTR_PE_NAME:
        persistenceEngine = d.string();
        break;
      case IPVS_SVC_ATTR_FLAGS:
        if (d.length !== 8) throw new NetlinkDecodeError(`service flags of ${d.length} bytes`);
        flags = readU32(d.buf, d.at);
        break;
      case IPVS_SVC_ATTR_TIMEOUT:
        timeout = d.u32();
        break;
      case IPVS_SVC_ATTR_NETMASK:
        netmask = d.bytes();
        break;
    }
  }
  const family = familyOf(af, 'service');
  let key: ServiceKey;
  if (fwmark !== 0) {
    key = { kind: 'fwmark', family, fwmark };
  } else {
    const name = PROTOCOL_NAMES.get(protocol);
    if (!name) throw new NetlinkDecodeError(`service protocol ${protocol} is not TCP, UDP or SCTP`);
    key = {
      kind: 'addr',
      family,
      protocol: name,
      address: decodeAddress(d.buf, addrAt, addrLength, family, 'service'),
      port,
    };
  }
  const service: Service = {
    key,
    scheduler,
    // HASHED is the kernel's bookkeeping (set on every listed service), not configuration.
    flags: flags & ~IP_VS_SVC_F_HASHED,
    timeout,
    netmask: netmask ? decodeNetmask(netmask, family) : '',
  };
  if (persistenceEngine) service.persistenceEngine = persistenceEngine;
  return service;
}

// ---- destinations ----

/*
 * Destinations are encoded straight into the message buffer rather than through AttributeEncoder
 * (a buffer per attribute, then copies): a reconcile pass encodes one per real server, tens of
 * thousands for a big table, and under emulation that encoding was half the cost of applying it.
 * The layout is fixed: ADDR, PORT, ADDR_FAMILY, then for NEW/SET_DEST FWD_METHOD, WEIGHT,
 * U_THRESH, L_THRESH, and for TUN TUN_TYPE, TUN_PORT, TUN_FLAGS.
 */

/** Room an attribute with `payload` bytes takes, header and padding included. */
const attrSize = (payload: number): number => NLA_HDRLEN + align4(payload);

/** Writes an attribute header at `at`; returns where its payload starts. */
function attrHeader(buf: Buffer, at: number, type: number, payload: number): number {
  writeU16(buf, NLA_HDRLEN + payload, at);
  writeU16(buf, type, at + 2);
  return at + NLA_HDRLEN;
}

function checkDestination(d: DestinationKey, settings: Destination | undefined): void {
  checkPort(d.port, 'destination');
  if (!settings) return;
  if (settings.method === 'local') {
    throw badInput('forwarding method "local" is chosen by the kernel');
  }
  checkU32(settings.weight, 'weight');
  checkU32(settings.upperThreshold, 'upper threshold');
  checkU32(settings.lowerThreshold, 'lower threshold');
  if (settings.weight > 0x7fffffff) throw badInput(`weight ${settings.weight} above INT_MAX`);
  if (settings.method === 'tun') checkPort(settings.tunnelPort ?? 0, 'tunnel');
}

/** Size of the IPVS_CMD_ATTR_DEST attribute for `d`, with `settings` or as a key only. */
function destinationAttrSize(d: DestinationKey, settings: Destination | undefined): number {
  let payload = attrSize(d.family === 4 ? 4 : 16) + 2 * attrSize(2);
  if (settings) payload += 4 * attrSize(4);
  if (settings?.method === 'tun') payload += attrSize(1) + 2 * attrSize(2);
  return attrSize(payload);
}

/**
 * Writes the IPVS_CMD_ATTR_DEST attribute of destinationAttrSize() bytes at `at` of a zeroed
 * buffer (padding stays zero).
 */
function writeDestinationAttr(
  buf: Buffer,
  at: number,
  d: DestinationKey,
  settings: Destination | undefined,
): void {
  let p = attrHeader(
    buf,
    at,
    IPVS_CMD_ATTR_DEST | NLA_F_NESTED,
    destinationAttrSize(d, settings) - NLA_HDRLEN,
  );
  const addressSize = d.family === 4 ? 4 : 16;
  const addrAt = attrHeader(buf, p, IPVS_DEST_ATTR_ADDR, addressSize);
  writeAddress(buf, addrAt, d.address, d.family, 'destination address');
  p += attrSize(addressSize);
  buf.writeUInt16BE(d.port, attrHeader(buf, p, IPVS_DEST_ATTR_PORT, 2));
  p += attrSize(2);
  writeU16(buf, afOf(d.family), attrHeader(buf, p, IPVS_DEST_ATTR_ADDR_FAMILY, 2));
  p += attrSize(2);
  if (!settings) return;
  const u32 = (type: number, v: number) => {
    writeU32(buf, v, attrHeader(buf, p, type, 4));
    p += attrSize(4);
  };
  u32(IPVS_DEST_ATTR_FWD_METHOD, METHOD_NUMBERS[settings.method]);
  u32(IPVS_DEST_ATTR_WEIGHT, settings.weight);
  u32(IPVS_DEST_ATTR_U_THRESH, settings.upperThreshold);
  u32(IPVS_DEST_ATTR_L_THRESH, settings.lowerThreshold);
  if (settings.method !== 'tun') return;
  buf[attrHeader(buf, p, IPVS_DEST_ATTR_TUN_TYPE, 1)] =
    TUNNEL_NUMBERS[settings.tunnelType ?? 'ipip'];
  p += attrSize(1);
  buf.writeUInt16BE(settings.tunnelPort ?? 0, attrHeader(buf, p, IPVS_DEST_ATTR_TUN_PORT, 2));
  p += attrSize(2);
  writeU16(buf, settings.tunnelFlags ?? 0, attrHeader(buf, p, IPVS_DEST_ATTR_TUN_FLAGS, 2));
}

/**
 * Decodes the attributes nested in IPVS_CMD_ATTR_DEST. `serviceFamily` is the family when the
 * kernel sends no IPVS_DEST_ATTR_ADDR_FAMILY (before 3.18). Tunnel fields are kept for TUN only,
 * and only when they differ from the defaults (ipip, port 0, flags 0) the kernel reports for all.
 */
export function decodeDestination(attrs: Buffer, serviceFamily: Family): Destination {
  return decodeDestinationIn(new AttributeCursor(attrs, 0, attrs.length), serviceFamily);
}

function decodeDestinationIn(d: AttributeCursor, serviceFamily: Family): Destination {
  let addrAt = -1;
  let addrLength = 0;
  let af = -1;
  let port = 0;
  let fwd = 0;
  let weight = 0;
  let upperThreshold = 0;
  let lowerThreshold = 0;
  let tunnelType = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
  let tunnelPort = 0;
  let tunnelFlags = 0;
  const connections = { active: 0, inactive: 0, persistent: 0 };
  while (d.next()) {
    switch (d.type) {
      case IPVS_DEST_ATTR_ADDR:
        addrAt = d.at;
        addrLength = d.length;
        break;
      case IPVS_DEST_ATTR_ADDR_FAMILY:
        af = d.u16();
        break;
      case IPVS_DEST_ATTR_PORT:
        port = d.u16be();
        break;
      case IPVS_DEST_ATTR_FWD_METHOD:
        fwd = d.u32() & IP_VS_CONN_F_FWD_MASK;
        break;
      case IPVS_DEST_ATTR_WEIGHT:
        weight = d.u32();
        break;
      case IPVS_DEST_ATTR_U_THRESH:
        upperThreshold = d.u32();
        break;
      case IPVS_DEST_ATTR_L_THRESH:
        lowerThreshold = d.u32();
        break;
      case IPVS_DEST_ATTR_ACTIVE_CONNS:
        connections.active = d.u32();
        break;
      case IPVS_DEST_ATTR_INACT_CONNS:
        connections.inactive = d.u32();
        break;
      case IPVS_DEST_ATTR_PERSIST_CONNS:
        connections.persistent = d.u32();
        break;
      case IPVS_DEST_ATTR_TUN_TYPE:
        tunnelType = d.u8();
        break;
      case IPVS_DEST_ATTR_TUN_PORT:
        tunnelPort = d.u16be();
        break;
      case IPVS_DEST_ATTR_TUN_FLAGS:
        tunnelFlags = d.u16();
        break;
    }
  }
  const family = af === -1 ? serviceFamily : familyOf(af, 'destination');
  const method = METHOD_NAMES.get(fwd);
  if (!method) throw new NetlinkDecodeError(`destination forwarding method ${fwd} is not handled`);
  const dest: Destination = {
    family,
    address: decodeAddress(d.buf, addrAt, addrLength, family, 'destination'),
    port,
    weight,
    method,
    upperThreshold,
    lowerThreshold,
    connections,
  };
  if (method === 'tun') {
    const type = TUNNEL_NAMES.get(tunnelType);
    if (!type) throw new NetlinkDecodeError(`tunnel type ${tunnelType} is not handled`);
    if (type !== 'ipip') dest.tunnelType = type;
    if (tunnelPort !== 0) dest.tunnelPort = tunnelPort;
    if (tunnelFlags !== 0) dest.tunnelFlags = tunnelFlags;
  }
  return dest;
}

// ---- messages ----

export interface IpvsMessageParts {
  /** A full service (NEW_SERVICE, SET_SERVICE). */
  service?: Service;
  /** A service key only (DEL_SERVICE, NEW/SET/DEL_DEST, GET_DEST). */
  serviceKey?: ServiceKey;
  /** A full destination (NEW_DEST, SET_DEST). */
  destination?: Destination;
  /** A destination key only (DEL_DEST). */
  destinationKey?: DestinationKey;
}

/** The generic netlink payload of one IPVS command. Throws KtsError IPVS_BAD_ENTRY on bad input. */
export function ipvsMessage(cmd: number, parts: IpvsMessageParts = {}): Buffer {
  const { service, serviceKey, destination, destinationKey } = parts;
  let serviceAttr: Buffer | undefined;
  if (service) {
    serviceAttr = new AttributeEncoder()
      .nested(IPVS_CMD_ATTR_SERVICE, (n) => putService(n, service))
      .encode();
  } else if (serviceKey) serviceAttr = serviceKeyAttr(serviceKey);
  const dest = destination ?? destinationKey;
  if (dest) checkDestination(dest, destination);
  const serviceSize = serviceAttr?.length ?? 0;
  const out = Buffer.alloc(
    GENL_HDRLEN + serviceSize + (dest ? destinationAttrSize(dest, destination) : 0),
  );
  out[0] = cmd;
  out[1] = IPVS_GENL_VERSION;
  serviceAttr?.copy(out, GENL_HDRLEN);
  if (dest) writeDestinationAttr(out, GENL_HDRLEN + serviceSize, dest, destination);
  return out;
}

/** The attributes after the genl header of the reply in buf[start, end). */
function replyAttributes(buf: Buffer, start: number, end: number): AttributeCursor {
  if (end - start < GENL_HDRLEN) {
    throw new NetlinkDecodeError(`generic netlink payload of ${end - start} bytes`);
  }
  return new AttributeCursor(buf, start + GENL_HDRLEN, end);
}

/** The attributes nested in the top-level attribute `type` of a reply. */
function nestedReply(buf: Buffer, start: number, end: number, type: number): AttributeCursor {
  const d = replyAttributes(buf, start, end);
  while (d.next()) {
    if (d.type === type) return d.enter();
  }
  throw new NetlinkDecodeError(`IPVS reply without attribute ${type}`);
}

/** One GET_SERVICE reply (a dump part or the answer to a keyed request). */
export function decodeServiceMessage(payload: Buffer): Service {
  return decodeServiceMessageAt(payload, 0, payload.length);
}

/** decodeServiceMessage() of the payload in buf[start, end), read in place. */
export function decodeServiceMessageAt(buf: Buffer, start: number, end: number): Service {
  return decodeServiceIn(nestedReply(buf, start, end, IPVS_CMD_ATTR_SERVICE));
}

/** One GET_DEST reply; `serviceFamily` is the family of the service that was dumped. */
export function decodeDestinationMessage(payload: Buffer, serviceFamily: Family): Destination {
  return decodeDestinationMessageAt(payload, 0, payload.length, serviceFamily);
}

/** decodeDestinationMessage() of the payload in buf[start, end), read in place. */
export function decodeDestinationMessageAt(
  buf: Buffer,
  start: number,
  end: number,
  serviceFamily: Family,
): Destination {
  return decodeDestinationIn(nestedReply(buf, start, end, IPVS_CMD_ATTR_DEST), serviceFamily);
}

export interface IpvsInfo {
  /** "1.2.1" */
  version: string;
  /** IP_VS_VERSION_CODE form, 0x00MMmmpp. */
  versionCode: number;
  /** Size of the connection hash table. */
  connTableSize: number;
}

export function decodeInfoMessage(payload: Buffer): IpvsInfo {
  let versionCode = -1;
  let connTableSize = 0;
  const d = replyAttributes(payload, 0, payload.length);
  while (d.next()) {
    if (d.type === IPVS_INFO_ATTR_VERSION) versionCode = d.u32();
    else if (d.type === IPVS_INFO_ATTR_CONN_TAB_SIZE) connTableSize = d.u32();
  }
  if (versionCode < 0) throw new NetlinkDecodeError('GET_INFO reply without a version');
  const version = [versionCode >> 16, versionCode >> 8, versionCode]
    .map((part) => part & 0xff)
    .join('.');
  return { version, versionCode, connTableSize };
}
