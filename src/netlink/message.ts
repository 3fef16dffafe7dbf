// Netlink messages (struct nlmsghdr + payload), pure.
//
// API
//   encodeMessage({ type, flags, seq, pid, data }): Buffer   one message, length filled in, padded
//   decodeMessages(datagram): NetlinkMessage[]               a received datagram split into
//                                                            messages (the kernel packs several
//                                                            into one read, e.g. dump parts)
//   decodeErrorMessage(msg): { errno, request, extAck }      payload of NLMSG_ERROR: errno 0 = ACK
//   encodeErrorMessage(...)                                  the inverse, for fixtures and fakes
//
// Header fields are host byte order (netlink is never on the wire between machines). Decoders
// throw only NetlinkDecodeError (code NETLINK_MALFORMED).
import { AttributeDecoder, AttributeEncoder, align4, readS32, readU16, readU32 } from './attr.js';
import { writeS32, writeU16, writeU32 } from './attr.js';
import {
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_HDRLEN,
  NLMSG_HDRLEN,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
} from './constants.js';
import { NetlinkDecodeError, type ExtendedAck } from './errors.js';

export interface NetlinkHeader {
  /** Whole message length including the header; filled in by encodeMessage. */
  length: number;
  type: number;
  flags: number;
  seq: number;
  /** Sender port id: 0 from the kernel; our port id in our requests (or 0: the kernel fills it). */
  pid: number;
}

export interface NetlinkMessage {
  header: NetlinkHeader;
  /** The payload after the header, without trailing padding. */
  data: Buffer;
}

export interface MessageInput {
  type: number;
  flags: number;
  seq: number;
  pid?: number;
  data?: Uint8Array;
}

export function encodeHeader(h: NetlinkHeader): Buffer {
  const b = Buffer.alloc(NLMSG_HDRLEN);
  writeU32(b, h.length, 0);
  writeU16(b, h.type, 4);
  writeU16(b, h.flags, 6);
  writeU32(b, h.seq >>> 0, 8);
  writeU32(b, h.pid >>> 0, 12);
  return b;
}

export function decodeHeader(buf: Buffer, at = 0): NetlinkHeader {
  if (buf.length - at < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(`netlink header at ${at}: only ${buf.length - at} bytes`);
  }
  return {
    length: readU32(buf, at),
    type: readU16(buf, at + 4),
    flags: readU16(buf, at + 6),
    seq: readU32(buf, at + 8),
    pid: readU32(buf, at + 12),
  };
}

export function encodeMessage(m: MessageInput): Buffer {
  const data = m.data ?? Buffer.alloc(0);
  const length = NLMSG_HDRLEN + data.length;
  const out = Buffer.alloc(align4(length));
  encodeHeader({ length, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid ?? 0 }).copy(out);
  out.set(data, NLMSG_HDRLEN);
  return out;
}

/** Splits one received datagram into its messages (NLMSG_OK / NLMSG_NEXT). */
export function decodeMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let at = 0;
  while (at < buf.length) {
    const header = decodeHeader(buf, at);
    if (header.length < NLMSG_HDRLEN || at + header.length > buf.length) {
      throw new NetlinkDecodeError(
        `netlink message at ${at}: length ${header.length} outside ${NLMSG_HDRLEN}..${buf.length - at}`,
      );
    }
    out.push({ header, data: buf.subarray(at + NLMSG_HDRLEN, at + header.length) });
    at += align4(header.length);
  }
  return out;
}

export interface ErrorPayload {
  /** Positive errno; 0 means this NLMSG_ERROR is an ACK. */
  errno: number;
  /** The header of the request being answered (its seq and type identify it). */
  request: NetlinkHeader;
  extAck: ExtendedAck;
}

/** Decodes the payload of an NLMSG_ERROR message (struct nlmsgerr + optional ext-ACK TLVs). */
export function decodeErrorMessage(msg: NetlinkMessage): ErrorPayload {
  const { data, header } = msg;
  if (data.length < NLMSGERR_HDRLEN) {
    throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${data.length} bytes`);
  }
  const status = readS32(data, 0);
  const errno = status === 0 ? 0 : -status; // not -0: callers compare with 0

  const request = decodeHeader(data, 4);
  const extAck: ExtendedAck = {};
  if (header.flags & NLM_F_ACK_TLVS) {
    // Without NLM_F_CAPPED the whole request is echoed before the TLVs.
    const echoed = header.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : request.length;
    const tlvStart = 4 + align4(echoed);
    if (tlvStart <= data.length) {
      const d = new AttributeDecoder(data.subarray(tlvStart));
      while (d.next()) {
        if (d.type === NLMSGERR_ATTR_MSG) extAck.message = d.string();
        else if (d.type === NLMSGERR_ATTR_OFFS) extAck.offset = d.u32();
        else if (d.type === NLMSGERR_ATTR_MISS_TYPE) extAck.missingType = d.u32();
      }
      d.check();
    }
  }
  return { errno, request, extAck };
}

/** Builds an NLMSG_ERROR payload as the kernel does with NLM_F_CAPPED (header-only echo). */
export function encodeErrorPayload(
  errno: number,
  request: NetlinkHeader,
  extAck: ExtendedAck = {},
) {
  const head = Buffer.alloc(4);
  writeS32(head, -errno, 0);
  const tlv = new AttributeEncoder();
  if (extAck.message !== undefined) tlv.string(NLMSGERR_ATTR_MSG, extAck.message);
  if (extAck.offset !== undefined) tlv.u32(NLMSGERR_ATTR_OFFS, extAck.offset);
  if (extAck.missingType !== undefined) tlv.u32(NLMSGERR_ATTR_MISS_TYPE, extAck.missingType);
  const tlvs = tlv.encode();
  const flags = NLM_F_CAPPED | (tlvs.length > 0 ? NLM_F_ACK_TLVS : 0);
  return { flags, data: Buffer.concat([head, encodeHeader(request), tlvs]) };
}
