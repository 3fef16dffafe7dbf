// Routes and policy-routing rules (keepalived's virtual_routes / virtual_rules and static_*),
// as rtnetlink message bodies. Pure; Rtnetlink (rtnetlink.ts) sends them.
//
// API
//   encodeRoute(spec): Buffer   struct rtmsg + RTA_* for RTM_NEWROUTE / RTM_DELROUTE
//   decodeRoute(body): RouteInfo
//   encodeRule(spec): Buffer    struct fib_rule_hdr + FRA_* for RTM_NEWRULE / RTM_DELRULE
//   decodeRule(body): RuleInfo
// Addresses are text; the family comes from the destination (routes) or from `family` (rules).
import { isIPv4 } from 'node:net';
import { AF_INET, AF_INET6 } from '../net/constants.js';
import { addressBytes, formatAddress } from '../net/inet.js';
import { AttributeDecoder, AttributeEncoder, writeS32, writeU16, writeU32 } from './attr.js';
import {
  FIB_RULE_HDRLEN,
  FRA_DST,
  FRA_FWMARK,
  FRA_FWMASK,
  FRA_GOTO,
  FRA_IIFNAME,
  FRA_OIFNAME,
  FRA_PRIORITY,
  FRA_PROTOCOL,
  FRA_SRC,
  FRA_TABLE,
  FR_ACT_TO_TBL,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTMSG_LEN,
  RTNH_F_ONLINK,
  RTNH_LEN,
  RTN_UNICAST,
  RTPROT_KEEPALIVED,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
} from './constants.js';
import { NetlinkDecodeError } from './errors.js';

export interface NextHop {
  gateway?: string;
  ifindex?: number;
  /** 1..256; the kernel stores weight - 1. */
  weight?: number;
  onlink?: boolean;
}

export interface RouteSpec {
  destination: string;
  prefixLength: number;
  /** RTN_UNICAST (default), RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT, RTN_THROW. */
  type?: number;
  gateway?: string;
  ifindex?: number;
  /** Preferred source address (`src`). */
  source?: string;
  /** Routing table id; default RT_TABLE_MAIN. */
  table?: number;
  metric?: number;
  /** RT_SCOPE_*; default link for a direct route without gateway, else universe. */
  scope?: number;
  /** RTPROT_*; default RTPROT_KEEPALIVED, so `ip route` shows who installed it. */
  protocol?: number;
  onlink?: boolean;
  /** Multipath routes (`nexthop via ... dev ... weight ...`). */
  nexthops?: NextHop[];
}

export interface RouteInfo {
  family: 4 | 6;
  destination: string;
  prefixLength: number;
  type: number;
  table: number;
  protocol: number;
  scope: number;
  gateway?: string;
  ifindex?: number;
  source?: string;
  metric?: number;
}

function familyOf(address: string): 4 | 6 {
  return isIPv4(address) ? 4 : 6;
}

function encodeNexthops(hops: NextHop[]): Buffer {
  // struct rtnexthop { u16 len; u8 flags; u8 hops; s32 ifindex } followed by its attributes.
  return Buffer.concat(
    hops.map((h) => {
      const attrs = new AttributeEncoder();
      if (h.gateway) attrs.bytes(RTA_GATEWAY, addressBytes(h.gateway));
      const body = attrs.encode();
      const head = Buffer.alloc(RTNH_LEN);
      writeU16(head, RTNH_LEN + body.length, 0);
      head[2] = h.onlink ? RTNH_F_ONLINK : 0;
      head[3] = (h.weight ?? 1) - 1;
      writeS32(head, h.ifindex ?? 0, 4);
      return Buffer.concat([head, body]);
    }),
  );
}

export function encodeRoute(spec: RouteSpec): Buffer {
  const v4 = familyOf(spec.destination) === 4;
  const table = spec.table ?? RT_TABLE_MAIN;
  const direct = !spec.gateway && !spec.nexthops?.length;
  // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags }
  const head = Buffer.alloc(RTMSG_LEN);
  head[0] = v4 ? AF_INET : AF_INET6;
  head[1] = spec.prefixLength;
  head[4] = table < 256 ? table : 0; // larger ids go in RTA_TABLE only
  head[5] = spec.protocol ?? RTPROT_KEEPALIVED;
  head[6] = spec.scope ?? (direct && spec.ifindex ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  head[7] = spec.type ?? RTN_UNICAST;
  if (spec.onlink) writeU32(head, RTNH_F_ONLINK, 8); // rtm_flags
  const attrs = new AttributeEncoder().bytes(RTA_DST, addressBytes(spec.destination));
  attrs.u32(RTA_TABLE, table);
  if (spec.gateway) attrs.bytes(RTA_GATEWAY, addressBytes(spec.gateway));
  if (spec.ifindex) attrs.u32(RTA_OIF, spec.ifindex);
  if (spec.source) attrs.bytes(RTA_PREFSRC, addressBytes(spec.source));
  if (spec.metric !== undefined) attrs.u32(RTA_PRIORITY, spec.metric);
  if (spec.nexthops?.length) attrs.bytes(RTA_MULTIPATH, encodeNexthops(spec.nexthops));
  return Buffer.concat([head, attrs.encode()]);
}

export function decodeRoute(body: Buffer): RouteInfo {
  if (body.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg of ${body.length} bytes`);
  const family = body[0] === AF_INET ? 4 : body[0] === AF_INET6 ? 6 : undefined;
  if (!family) throw new NetlinkDecodeError(`rtmsg family ${body[0]}`);
  const info: RouteInfo = {
    family,
    destination: family === 4 ? '0.0.0.0' : '::',
    prefixLength: body[1],
    table: body[4],
    protocol: body[5],
    scope: body[6],
    type: body[7],
  };
  const size = family === 4 ? 4 : 16;
  const d = new AttributeDecoder(body.subarray(RTMSG_LEN));
  const ip = () => {
    const b = d.bytes();
    if (b.length !== size) throw new NetlinkDecodeError(`route address of ${b.length} bytes`);
    return formatAddress(b);
  };
  while (d.next()) {
    switch (d.type) {
      case RTA_DST:
        info.destination = ip();
        break;
      case RTA_GATEWAY:
        info.gateway = ip();
        break;
      case RTA_PREFSRC:
        info.source = ip();
        break;
      case RTA_OIF:
        info.ifindex = d.u32();
        break;
      case RTA_PRIORITY:
        info.metric = d.u32();
        break;
      case RTA_TABLE:
        info.table = d.u32();
        break;
    }
  }
  d.check();
  return info;
}

export interface RuleSpec {
  family: 4 | 6;
  /** Rule priority (`preference`). */
  priority: number;
  from?: { address: string; prefixLength: number };
  to?: { address: string; prefixLength: number };
  /** Table to look up (FR_ACT_TO_TBL); default RT_TABLE_MAIN. */
  table?: number;
  /** FR_ACT_*; default FR_ACT_TO_TBL. */
  action?: number;
  /** Target priority of FR_ACT_GOTO. */
  goto?: number;
  iifname?: string;
  oifname?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  /** RTPROT_*; absent = none sent (the kernel records RTPROT_UNSPEC). */
  protocol?: number;
}

export interface RuleInfo extends RuleSpec {
  table: number;
  action: number;
}

export function encodeRule(spec: RuleSpec): Buffer {
  const table = spec.table ?? RT_TABLE_MAIN;
  // struct fib_rule_hdr { u8 family, dst_len, src_len, tos, table, res1, res2, action; u32 flags }
  const head = Buffer.alloc(FIB_RULE_HDRLEN);
  head[0] = spec.family === 4 ? AF_INET : AF_INET6;
  head[1] = spec.to?.prefixLength ?? 0;
  head[2] = spec.from?.prefixLength ?? 0;
  head[3] = spec.tos ?? 0;
  head[4] = table < 256 ? table : 0;
  head[7] = spec.action ?? FR_ACT_TO_TBL;
  const attrs = new AttributeEncoder().u32(FRA_PRIORITY, spec.priority).u32(FRA_TABLE, table);
  if (spec.from) attrs.bytes(FRA_SRC, addressBytes(spec.from.address));
  if (spec.to) attrs.bytes(FRA_DST, addressBytes(spec.to.address));
  if (spec.goto !== undefined) attrs.u32(FRA_GOTO, spec.goto);
  if (spec.iifname) attrs.string(FRA_IIFNAME, spec.iifname);
  if (spec.oifname) attrs.string(FRA_OIFNAME, spec.oifname);
  if (spec.fwmark !== undefined) attrs.u32(FRA_FWMARK, spec.fwmark);
  if (spec.fwmask !== undefined) attrs.u32(FRA_FWMASK, spec.fwmask);
  if (spec.protocol !== undefined) attrs.u8(FRA_PROTOCOL, spec.protocol);
  return Buffer.concat([head, attrs.encode()]);
}

export function decodeRule(body: Buffer): RuleInfo {
  if (body.length < FIB_RULE_HDRLEN)
    throw new NetlinkDecodeError(`fib_rule_hdr of ${body.length} bytes`);
  const family = body[0] === AF_INET ? 4 : body[0] === AF_INET6 ? 6 : undefined;
  if (!family) throw new NetlinkDecodeError(`fib_rule_hdr family ${body[0]}`);
  const info: RuleInfo = { family, priority: 0, table: body[4], action: body[7] };
  if (body[3]) info.tos = body[3];
  const d = new AttributeDecoder(body.subarray(FIB_RULE_HDRLEN));
  const prefix = (len: number) => {
    const b = d.bytes();
    if (b.length !== (family === 4 ? 4 : 16))
      throw new NetlinkDecodeError(`rule address of ${b.length} bytes`);
    return { address: formatAddress(b), prefixLength: len };
  };
  while (d.next()) {
    switch (d.type) {
      case FRA_PRIORITY:
        info.priority = d.u32();
        break;
      case FRA_TABLE:
        info.table = d.u32();
        break;
      case FRA_SRC:
        info.from = prefix(body[2]);
        break;
      case FRA_DST:
        info.to = prefix(body[1]);
        break;
      case FRA_GOTO:
        info.goto = d.u32();
        break;
      case FRA_IIFNAME:
        info.iifname = d.string();
        break;
      case FRA_OIFNAME:
        info.oifname = d.string();
        break;
      case FRA_FWMARK:
        info.fwmark = d.u32();
        break;
      case FRA_FWMASK:
        info.fwmask = d.u32();
        break;
      case FRA_PROTOCOL: {
        // RTPROT_UNSPEC (what rules added without a protocol carry) reads as absent.
        const protocol = d.u8();
        if (protocol) info.protocol = protocol;
        break;
      }
    }
  }
  d.check();
  return info;
}
