// Generic netlink: the genlmsghdr, and family resolution through the nlctrl controller.
//
// API (pure)
//   encodeGenl({ cmd, version }, attrs?): Buffer     payload for a message of type = family id
//   decodeGenl(payload): { header, attrs }          attrs = the bytes after the 4-byte header
//   encodeGetFamily(name): Buffer                   CTRL_CMD_GETFAMILY payload (to GENL_ID_CTRL)
//   decodeFamily(payload): GenlFamily               a CTRL_CMD_NEWFAMILY reply
// API (I/O)
//   resolveFamily(requester, 'IPVS'): Promise<GenlFamily>
//     throws KtsError 'GENL_FAMILY_NOT_FOUND' when the kernel has no such family (ENOENT: on a
//     kernel without IPVS, or with the module not loaded), other NetlinkErrors unchanged.
import { KtsError } from '../errors.js';
import { AttributeDecoder, AttributeEncoder, writeU16 } from './attr.js';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_VERSION,
  GENL_HDRLEN,
  GENL_ID_CTRL,
} from './constants.js';
import { NetlinkDecodeError, NetlinkError } from './errors.js';
import type { NetlinkMessage } from './message.js';

export interface GenlHeader {
  cmd: number;
  version: number;
}

export function encodeGenl(h: GenlHeader, attrs: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(GENL_HDRLEN + attrs.length);
  out[0] = h.cmd;
  out[1] = h.version;
  writeU16(out, 0, 2); // reserved
  out.set(attrs, GENL_HDRLEN);
  return out;
}

export function decodeGenl(payload: Buffer): { header: GenlHeader; attrs: Buffer } {
  if (payload.length < GENL_HDRLEN) {
    throw new NetlinkDecodeError(`generic netlink payload of ${payload.length} bytes`);
  }
  return {
    header: { cmd: payload[0], version: payload[1] },
    attrs: payload.subarray(GENL_HDRLEN),
  };
}

export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  /** Size of the family's own fixed header after genlmsghdr (0 for IPVS). */
  hdrsize: number;
  maxattr: number;
  /** Multicast group name -> group id (for NETLINK_ADD_MEMBERSHIP). */
  mcastGroups: Map<string, number>;
}

export function encodeGetFamily(name: string): Buffer {
  const attrs = new AttributeEncoder().string(CTRL_ATTR_FAMILY_NAME, name).encode();
  return encodeGenl({ cmd: CTRL_CMD_GETFAMILY, version: CTRL_VERSION }, attrs);
}

export function decodeFamily(payload: Buffer): GenlFamily {
  const family: GenlFamily = {
    id: 0,
    name: '',
    version: 0,
    hdrsize: 0,
    maxattr: 0,
    mcastGroups: new Map(),
  };
  const d = new AttributeDecoder(decodeGenl(payload).attrs);
  while (d.next()) {
    switch (d.type) {
      case CTRL_ATTR_FAMILY_ID:
        family.id = d.u16();
        break;
      case CTRL_ATTR_FAMILY_NAME:
        family.name = d.string();
        break;
      case CTRL_ATTR_VERSION:
        family.version = d.u32();
        break;
      case CTRL_ATTR_HDRSIZE:
        family.hdrsize = d.u32();
        break;
      case CTRL_ATTR_MAXATTR:
        family.maxattr = d.u32();
        break;
      case CTRL_ATTR_MCAST_GROUPS:
        // An array: each element is a nest (its type is the index) holding NAME and ID.
        d.nested((groups) => {
          while (groups.next()) {
            let name = '';
            let id = 0;
            groups.nested((g) => {
              while (g.next()) {
                if (g.type === CTRL_ATTR_MCAST_GRP_NAME) name = g.string();
                else if (g.type === CTRL_ATTR_MCAST_GRP_ID) id = g.u32();
              }
            });
            if (name) family.mcastGroups.set(name, id);
          }
        });
        break;
    }
  }
  d.check();
  if (family.id === 0) throw new NetlinkDecodeError('nlctrl reply without CTRL_ATTR_FAMILY_ID');
  return family;
}

/** What resolveFamily needs from a socket (NetlinkSocket implements it). */
export interface NetlinkRequester {
  request(type: number, flags: number, data: Buffer, op: string): Promise<NetlinkMessage[]>;
}

export async function resolveFamily(nl: NetlinkRequester, name: string): Promise<GenlFamily> {
  let replies: NetlinkMessage[];
  try {
    replies = await nl.request(GENL_ID_CTRL, 0, encodeGetFamily(name), `genl getfamily ${name}`);
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'ENOENT') {
      throw new KtsError('GENL_FAMILY_NOT_FOUND', `generic netlink family ${name} not found`, {
        cause: err,
      });
    }
    throw err;
  }
  const reply = replies[0];
  if (!reply) throw new NetlinkDecodeError(`nlctrl sent no reply for ${name}`);
  return decodeFamily(reply.data);
}
