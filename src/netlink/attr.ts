// Netlink attributes (struct nlattr TLVs), pure.
//
// API
//   const e = new AttributeEncoder();
//   e.u16(IPVS_SVC_ATTR_AF, 2).u16be(IPVS_SVC_ATTR_PORT, 80).string(IPVS_SVC_ATTR_SCHED_NAME, 'rr');
//   e.nested(IPVS_CMD_ATTR_SERVICE, (n) => n.u32(IPVS_SVC_ATTR_FWMARK, 1));
//   const bytes: Buffer = e.encode();
//
//   const d = new AttributeDecoder(bytes);     // throws NetlinkDecodeError on broken framing
//   while (d.next()) {
//     switch (d.type) {                         // type without NLA_F_NESTED/NET_BYTEORDER
//       case IPVS_SVC_ATTR_AF: af = d.u16(); break;
//       case IPVS_CMD_ATTR_SERVICE: d.nested((n) => { while (n.next()) ... }); break;
//     }
//   }
//   d.check();                                  // throws the first (sticky) error, if any
//
// Integers are in host byte order unless the method says `be` (network order), as the kernel
// defines them per attribute. A getter whose payload has the wrong size records a sticky
// NetlinkDecodeError and returns 0 (mdlayher/netlink's design): decode loops stay linear and the
// caller checks once. u64 values are bigints (IPVS byte counters exceed 2^53).
import { endianness } from 'node:os';
import {
  NLA_ALIGNTO,
  NLA_F_NESTED,
  NLA_F_NET_BYTEORDER,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
} from './constants.js';
import { NetlinkDecodeError } from './errors.js';

const HOST_LE = endianness() === 'LE';

/** Rounds up to the 4-byte netlink alignment (NLA_ALIGN / NLMSG_ALIGN). */
export function align4(n: number): number {
  return (n + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

// Host-order integer codecs, shared with the message header and the fixed rtnetlink structs.
export function writeU16(buf: Buffer, v: number, at: number): void {
  if (HOST_LE) buf.writeUInt16LE(v, at);
  else buf.writeUInt16BE(v, at);
}
export function writeU32(buf: Buffer, v: number, at: number): void {
  if (HOST_LE) buf.writeUInt32LE(v, at);
  else buf.writeUInt32BE(v, at);
}
export function writeS32(buf: Buffer, v: number, at: number): void {
  if (HOST_LE) buf.writeInt32LE(v, at);
  else buf.writeInt32BE(v, at);
}
export function readU16(buf: Buffer, at: number): number {
  return HOST_LE ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
}
export function readU32(buf: Buffer, at: number): number {
  return HOST_LE ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
}
export function readS32(buf: Buffer, at: number): number {
  return HOST_LE ? buf.readInt32LE(at) : buf.readInt32BE(at);
}

export class AttributeEncoder {
  private readonly parts: Buffer[] = [];

  /** Appends one attribute with a raw payload; `type` may carry NLA_F_* bits. */
  bytes(type: number, payload: Uint8Array): this {
    const len = NLA_HDRLEN + payload.length;
    if (len > 0xffff) throw new RangeError(`attribute ${type} payload of ${payload.length} bytes`);
    const b = Buffer.alloc(align4(len));
    writeU16(b, len, 0);
    writeU16(b, type, 2);
    b.set(payload, NLA_HDRLEN);
    this.parts.push(b);
    return this;
  }

  /** A zero-length attribute whose presence is the value (NLA_FLAG). */
  flag(type: number): this {
    return this.bytes(type, Buffer.alloc(0));
  }

  u8(type: number, v: number): this {
    return this.bytes(type, Buffer.of(v));
  }

  u16(type: number, v: number): this {
    const b = Buffer.alloc(2);
    writeU16(b, v, 0);
    return this.bytes(type, b);
  }

  u32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    writeU32(b, v, 0);
    return this.bytes(type, b);
  }

  s32(type: number, v: number): this {
    const b = Buffer.alloc(4);
    writeS32(b, v, 0);
    return this.bytes(type, b);
  }

  u64(type: number, v: bigint | number): this {
    const b = Buffer.alloc(8);
    if (HOST_LE) b.writeBigUInt64LE(BigInt(v));
    else b.writeBigUInt64BE(BigInt(v));
    return this.bytes(type, b);
  }

  /** u16 in network byte order (ports). */
  u16be(type: number, v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.bytes(type, b);
  }

  /** u32 in network byte order (IPv4 netmasks). */
  u32be(type: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return this.bytes(type, b);
  }

  /** NUL-terminated string (NLA_NUL_STRING / NLA_STRING as iproute2 sends it). */
  string(type: number, s: string): this {
    return this.bytes(type, Buffer.from(`${s}\0`, 'utf8'));
  }

  /** A nested attribute (NLA_F_NESTED set): `build` fills a fresh encoder for the inner list. */
  nested(type: number, build: (inner: AttributeEncoder) => void): this {
    const inner = new AttributeEncoder();
    build(inner);
    return this.bytes(type | NLA_F_NESTED, inner.encode());
  }

  encode(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** One raw attribute as found on the wire. */
export interface Attribute {
  /** Type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  type: number;
  nested: boolean;
  netByteOrder: boolean;
  data: Buffer;
}

/**
 * Splits a buffer into attributes. Throws NetlinkDecodeError when a length field is shorter than
 * the header or runs past the buffer; trailing bytes shorter than a header are padding.
 */
export function parseAttributes(buf: Buffer): Attribute[] {
  const out: Attribute[] = [];
  let at = 0;
  while (buf.length - at >= NLA_HDRLEN) {
    const len = readU16(buf, at);
    const rawType = readU16(buf, at + 2);
    if (len < NLA_HDRLEN || at + len > buf.length) {
      throw new NetlinkDecodeError(
        `attribute at offset ${at}: length ${len} outside ${NLA_HDRLEN}..${buf.length - at}`,
      );
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: buf.subarray(at + NLA_HDRLEN, at + len),
    });
    at += align4(len);
  }
  return out;
}

export class AttributeDecoder {
  private readonly attrs: Attribute[];
  private index = -1;
  private error: NetlinkDecodeError | undefined;

  constructor(buf: Buffer) {
    this.attrs = parseAttributes(buf);
  }

  /** Advances to the next attribute; false at the end (or after an error was recorded). */
  next(): boolean {
    if (this.error) return false;
    this.index += 1;
    return this.index < this.attrs.length;
  }

  private get current(): Attribute {
    const a = this.attrs[this.index];
    if (!a) throw new RangeError('AttributeDecoder: call next() before reading');
    return a;
  }

  get type(): number {
    return this.current.type;
  }

  get isNested(): boolean {
    return this.current.nested;
  }

  /** Number of attributes in this list. */
  get length(): number {
    return this.attrs.length;
  }

  /** The raw payload (a view; copy it to keep it beyond the message). */
  bytes(): Buffer {
    return this.current.data;
  }

  private sized(size: number, what: string): Buffer | undefined {
    const data = this.current.data;
    if (data.length === size) return data;
    this.fail(`attribute ${this.current.type}: ${what} needs ${size} bytes, got ${data.length}`);
    return undefined;
  }

  private fail(message: string): void {
    this.error ??= new NetlinkDecodeError(message);
  }

  u8(): number {
    return this.sized(1, 'u8')?.[0] ?? 0;
  }

  u16(): number {
    const b = this.sized(2, 'u16');
    return b ? readU16(b, 0) : 0;
  }

  u32(): number {
    const b = this.sized(4, 'u32');
    return b ? readU32(b, 0) : 0;
  }

  s32(): number {
    const b = this.sized(4, 's32');
    return b ? readS32(b, 0) : 0;
  }

  u64(): bigint {
    const b = this.sized(8, 'u64');
    if (!b) return 0n;
    return HOST_LE ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
  }

  u16be(): number {
    return this.sized(2, 'u16be')?.readUInt16BE(0) ?? 0;
  }

  u32be(): number {
    return this.sized(4, 'u32be')?.readUInt32BE(0) ?? 0;
  }

  /** A string, cut at the first NUL (the kernel pads and terminates). */
  string(): string {
    const data = this.current.data;
    const nul = data.indexOf(0);
    return data.toString('utf8', 0, nul === -1 ? data.length : nul);
  }

  /** The payload as a nested attribute list; its errors become this decoder's sticky error. */
  nested(read: (inner: AttributeDecoder) => void): void {
    let inner: AttributeDecoder;
    try {
      inner = new AttributeDecoder(this.current.data);
    } catch (err) {
      if (!(err instanceof NetlinkDecodeError)) throw err;
      this.fail(`nested attribute ${this.current.type}: ${err.message}`);
      return;
    }
    read(inner);
    if (inner.error) this.fail(`nested attribute ${this.current.type}: ${inner.error.message}`);
  }

  /** The first error recorded by a getter, if any. */
  err(): NetlinkDecodeError | undefined {
    return this.error;
  }

  /** Throws the first recorded error. Call after the decode loop. */
  check(): void {
    if (this.error) throw this.error;
  }
}
