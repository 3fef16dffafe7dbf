// rtnetlink: interface addresses (the VIPs), links (ifindex, MAC, up/down for track_interface),
// their change events, and routes and rules (virtual_routes / virtual_rules).
//
// API (pure: message bodies)
//   encodeAddress(spec): Buffer         struct ifaddrmsg + IFA_* for RTM_NEWADDR / RTM_DELADDR
//   decodeAddress(body): AddressInfo    an RTM_NEWADDR / RTM_DELADDR body (dump reply or event)
//   encodeLinkQuery(nameOrIndex): Buffer  / decodeLink(body): LinkInfo
//   encodeMacvlan({ name, parent, mac?, mode? }): Buffer   RTM_NEWLINK for use_vmac
// API (I/O)
//   const rt = Rtnetlink.open({ netns? });
//   await rt.addAddress({ ifindex, address: '192.168.0.38', prefixLength: 32 });  // EEXIST if there
//   await rt.addAddress(spec, { replace: true });                                // idempotent
//   await rt.deleteAddress(spec);                                                // EADDRNOTAVAIL if not
//   await rt.listAddresses({ ifindex?, family? });  await rt.getLink('eth0');  await rt.listLinks();
//   await rt.addMacvlan({ name: 'vrrp.51', parent, mac: '00:00:5e:00:01:33' }); setLinkUp(l, true);
//   await rt.deleteLink('vrrp.51');
//   await rt.addRoute({ destination: '10.0.0.0', prefixLength: 8, gateway, ifindex });
//   await rt.deleteRoute(spec); await rt.listRoutes(4, table?);      (codecs in route.ts)
//   await rt.addRule({ family: 4, priority: 100, from, table }); deleteRule; listRules(4)
//   const sub = rt.subscribe({ address(ev) {}, link(ev) {}, overrun() {} });  sub.close();
//     ev = { kind: 'new' | 'del', address | link }. After overrun() events were lost: re-list.
//   rt.close();
// Kernel refusals are NetlinkErrors whose code is the errno name (src/netlink/errors.ts).
import { isIPv4 } from 'node:net';
import { AF_INET, AF_INET6, AF_UNSPEC } from '../net/constants.js';
import { formatMac, parseMac } from '../net/sockaddr.js';
import { addressBytes, formatAddress } from '../net/inet.js';
import {
  AttributeDecoder,
  AttributeEncoder,
  readS32,
  readU32,
  writeS32,
  writeU32,
} from './attr.js';
import {
  IFADDRMSG_LEN,
  IFA_ADDRESS,
  IFA_BROADCAST,
  IFA_FLAGS,
  IFA_LABEL,
  IFA_LOCAL,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  IFINFOMSG_LEN,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_MACVLAN_MODE,
  IFLA_MASTER,
  MACVLAN_MODE_PRIVATE,
  IFLA_MTU,
  IFLA_OPERSTATE,
  NETLINK_ROUTE,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_DELROUTE,
  RTM_DELRULE,
  RTM_GETROUTE,
  RTM_GETRULE,
  RTM_NEWROUTE,
  RTM_NEWRULE,
  RTMSG_LEN,
  FIB_RULE_HDRLEN,
  RT_TABLE_MAIN,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_LINK,
  RT_SCOPE_UNIVERSE,
} from './constants.js';
import { NetlinkDecodeError } from './errors.js';
import type { NetlinkMessage } from './message.js';
import { NetlinkSocket } from './socket.js';
import {
  decodeRoute,
  decodeRule,
  encodeRoute,
  encodeRule,
  type RouteInfo,
  type RouteSpec,
  type RuleInfo,
  type RuleSpec,
} from './route.js';

export interface AddressSpec {
  ifindex: number;
  address: string;
  prefixLength: number;
  /** IPv4 broadcast address. */
  broadcast?: string;
  /** RT_SCOPE_* (keepalived's `scope`); default universe. */
  scope?: number;
  /** IPv4 label ("eth0:vip"); must start with the interface name. */
  label?: string;
  /** IFA_F_* (IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ...). */
  flags?: number;
}

export interface AddressInfo {
  family: 4 | 6;
  ifindex: number;
  /** The interface's own address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6). */
  address: string;
  prefixLength: number;
  scope: number;
  /** Full IFA_F_* flags (IFA_FLAGS when present, else the 8-bit header field). */
  flags: number;
  label?: string;
  broadcast?: string;
}

export interface LinkInfo {
  ifindex: number;
  name: string;
  /** "aa:bb:cc:dd:ee:ff"; empty for links without one. */
  mac: string;
  /** IFF_* flags. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Up and with carrier (IFF_UP, IFF_RUNNING, IFF_LOWER_UP): what track_interface means by up. */
  running: boolean;
  mtu: number;
  /** IF_OPER_* (6 = up). */
  operState: number;
  /** ifindex of the master (bridge, bond), 0 if none. */
  master: number;
}

function familyOf(address: string): 4 | 6 {
  return isIPv4(address.split('%')[0]) ? 4 : 6;
}

/** struct ifaddrmsg { u8 family, prefixlen, flags, scope; u32 index }. */
function ifaddrmsg(
  family: number,
  prefixLength: number,
  flags: number,
  scope: number,
  ifindex: number,
) {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b[0] = family;
  b[1] = prefixLength;
  b[2] = flags & 0xff;
  b[3] = scope;
  writeU32(b, ifindex, 4);
  return b;
}

export function encodeAddress(spec: AddressSpec): Buffer {
  const v4 = familyOf(spec.address) === 4;
  const flags = spec.flags ?? 0;
  const head = ifaddrmsg(
    v4 ? AF_INET : AF_INET6,
    spec.prefixLength,
    flags,
    spec.scope ?? RT_SCOPE_UNIVERSE,
    spec.ifindex,
  );
  const bytes = addressBytes(spec.address);
  // As iproute2 does: IFA_LOCAL is the address; IFA_ADDRESS the same (no point-to-point peer).
  const attrs = new AttributeEncoder().bytes(IFA_LOCAL, bytes).bytes(IFA_ADDRESS, bytes);
  if (spec.broadcast !== undefined) attrs.bytes(IFA_BROADCAST, addressBytes(spec.broadcast));
  if (spec.label !== undefined) attrs.string(IFA_LABEL, spec.label);
  // The header holds 8 bits of flags; IFA_F_NOPREFIXROUTE and friends need IFA_FLAGS.
  if (flags > 0xff) attrs.u32(IFA_FLAGS, flags);
  return Buffer.concat([head, attrs.encode()]);
}

export function decodeAddress(body: Buffer): AddressInfo {
  if (body.length < IFADDRMSG_LEN) {
    throw new NetlinkDecodeError(`ifaddrmsg of ${body.length} bytes`);
  }
  const family = body[0] === AF_INET ? 4 : body[0] === AF_INET6 ? 6 : undefined;
  if (!family) throw new NetlinkDecodeError(`ifaddrmsg family ${body[0]}`);
  const info: AddressInfo = {
    family,
    ifindex: readU32(body, 4),
    address: '',
    prefixLength: body[1],
    scope: body[3],
    flags: body[2],
  };
  let local = '';
  let address = '';
  const d = new AttributeDecoder(body.subarray(IFADDRMSG_LEN));
  const ip = (b: Buffer) => {
    if (b.length !== (family === 4 ? 4 : 16)) {
      throw new NetlinkDecodeError(`IPv${family} address attribute of ${b.length} bytes`);
    }
    return formatAddress(b);
  };
  while (d.next()) {
    switch (d.type) {
      case IFA_LOCAL:
        local = ip(d.bytes());
        break;
      case IFA_ADDRESS:
        address = ip(d.bytes());
        break;
      case IFA_BROADCAST:
        info.broadcast = ip(d.bytes());
        break;
      case IFA_LABEL:
        info.label = d.string();
        break;
      case IFA_FLAGS:
        info.flags = d.u32();
        break;
    }
  }
  d.check();
  info.address = local || address;
  return info;
}

/** RTM_GETLINK body for one link, by name or ifindex. */
export function encodeLinkQuery(link: string | number): Buffer {
  return linkSelector(link);
}

/** struct ifinfomsg for a request about one link: index (0 when named), flags and change mask. */
function ifinfomsg(ifindex: number, flags = 0, change = 0): Buffer {
  const head = Buffer.alloc(IFINFOMSG_LEN);
  head[0] = AF_UNSPEC;
  writeS32(head, ifindex, 4);
  writeU32(head, flags, 8);
  writeU32(head, change, 12);
  return head;
}

/** Selects a link by ifindex, or by name through IFLA_IFNAME. */
function linkSelector(link: string | number, flags = 0, change = 0): Buffer {
  if (typeof link === 'number') return ifinfomsg(link, flags, change);
  const name = new AttributeEncoder().string(IFLA_IFNAME, link).encode();
  return Buffer.concat([ifinfomsg(0, flags, change), name]);
}

export interface MacvlanSpec {
  /** New interface name, e.g. keepalived's "vrrp.51". */
  name: string;
  /** ifindex of the interface it sits on. */
  parent: number;
  /** "00:00:5e:00:01:33" (the VRRP virtual MAC); default: a random one from the kernel. */
  mac?: string;
  /** MACVLAN_MODE_*; keepalived uses private (default). */
  mode?: number;
}

/** RTM_NEWLINK body creating a macvlan (keepalived's use_vmac). */
export function encodeMacvlan(spec: MacvlanSpec): Buffer {
  const attrs = new AttributeEncoder().string(IFLA_IFNAME, spec.name).u32(IFLA_LINK, spec.parent);
  if (spec.mac) attrs.bytes(IFLA_ADDRESS, parseMac(spec.mac));
  attrs.nested(IFLA_LINKINFO, (info) =>
    info
      .string(IFLA_INFO_KIND, 'macvlan')
      .nested(IFLA_INFO_DATA, (data) =>
        data.u32(IFLA_MACVLAN_MODE, spec.mode ?? MACVLAN_MODE_PRIVATE),
      ),
  );
  return Buffer.concat([ifinfomsg(0), attrs.encode()]);
}

export function decodeLink(body: Buffer): LinkInfo {
  if (body.length < IFINFOMSG_LEN)
    throw new NetlinkDecodeError(`ifinfomsg of ${body.length} bytes`);
  // struct ifinfomsg { u8 family, pad; u16 type; s32 index; u32 flags, change }
  const flags = readU32(body, 8);
  const info: LinkInfo = {
    ifindex: readS32(body, 4),
    name: '',
    mac: '',
    flags,
    up: (flags & IFF_UP) !== 0,
    running:
      (flags & (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)) === (IFF_UP | IFF_RUNNING | IFF_LOWER_UP),
    mtu: 0,
    operState: 0,
    master: 0,
  };
  const d = new AttributeDecoder(body.subarray(IFINFOMSG_LEN));
  while (d.next()) {
    switch (d.type) {
      case IFLA_IFNAME:
        info.name = d.string();
        break;
      case IFLA_ADDRESS:
        info.mac = formatMac(d.bytes());
        break;
      case IFLA_MTU:
        info.mtu = d.u32();
        break;
      case IFLA_OPERSTATE:
        info.operState = d.u8();
        break;
      case IFLA_MASTER:
        info.master = d.u32();
        break;
    }
  }
  d.check();
  return info;
}

export interface AddressEvent {
  kind: 'new' | 'del';
  address: AddressInfo;
}

export interface LinkEvent {
  kind: 'new' | 'del';
  link: LinkInfo;
}

export interface RtnetlinkHandlers {
  address?(ev: AddressEvent): void;
  link?(ev: LinkEvent): void;
  /** Events were lost (the receive queue overflowed): re-list to resynchronise. */
  overrun?(): void;
  /** An event could not be received or decoded. */
  error?(err: Error): void;
}

export interface RtnetlinkOptions {
  netns?: string;
  timeoutMs?: number;
}

export class Rtnetlink {
  private readonly nl: NetlinkSocket;
  private readonly opts: RtnetlinkOptions;

  private constructor(opts: RtnetlinkOptions) {
    this.opts = opts;
    this.nl = NetlinkSocket.open(NETLINK_ROUTE, opts);
  }

  static open(opts: RtnetlinkOptions = {}): Rtnetlink {
    return new Rtnetlink(opts);
  }

  async addAddress(spec: AddressSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const flags = NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    await this.nl.request(RTM_NEWADDR, flags, encodeAddress(spec), `RTM_NEWADDR ${spec.address}`);
  }

  async deleteAddress(spec: AddressSpec): Promise<void> {
    await this.nl.request(RTM_DELADDR, 0, encodeAddress(spec), `RTM_DELADDR ${spec.address}`);
  }

  async listAddresses(filter: { ifindex?: number; family?: 4 | 6 } = {}): Promise<AddressInfo[]> {
    const family = filter.family === 4 ? AF_INET : filter.family === 6 ? AF_INET6 : AF_UNSPEC;
    const replies = await this.nl.request(
      RTM_GETADDR,
      NLM_F_DUMP,
      ifaddrmsg(family, 0, 0, 0, 0),
      'RTM_GETADDR',
    );
    return replies
      .filter((m) => m.header.type === RTM_NEWADDR)
      .map((m) => decodeAddress(m.data))
      .filter((a) => filter.ifindex === undefined || a.ifindex === filter.ifindex);
  }

  /** One link by name or ifindex; rejects with ENODEV if there is none. */
  async getLink(link: string | number): Promise<LinkInfo> {
    const [reply] = await this.nl.request(
      RTM_GETLINK,
      0,
      encodeLinkQuery(link),
      `RTM_GETLINK ${link}`,
    );
    if (!reply) throw new NetlinkDecodeError(`RTM_GETLINK ${link}: no reply`);
    return decodeLink(reply.data);
  }

  /** Creates a macvlan on `parent` and returns it (down: bring it up with setLinkUp). */
  async addMacvlan(spec: MacvlanSpec): Promise<LinkInfo> {
    await this.nl.request(
      RTM_NEWLINK,
      NLM_F_CREATE | NLM_F_EXCL,
      encodeMacvlan(spec),
      `RTM_NEWLINK macvlan ${spec.name}`,
    );
    return this.getLink(spec.name);
  }

  /** Sets a link administratively up or down (ip link set X up|down). */
  async setLinkUp(link: string | number, up: boolean): Promise<void> {
    const body = linkSelector(link, up ? IFF_UP : 0, IFF_UP);
    await this.nl.request(RTM_NEWLINK, 0, body, `RTM_NEWLINK ${link} ${up ? 'up' : 'down'}`);
  }

  /** Deletes a link (a macvlan we created); ENODEV if there is none. */
  async deleteLink(link: string | number): Promise<void> {
    await this.nl.request(RTM_DELLINK, 0, linkSelector(link), `RTM_DELLINK ${link}`);
  }

  async listLinks(): Promise<LinkInfo[]> {
    const replies = await this.nl.request(
      RTM_GETLINK,
      NLM_F_DUMP,
      Buffer.alloc(IFINFOMSG_LEN),
      'RTM_GETLINK',
    );
    return replies.filter((m) => m.header.type === RTM_NEWLINK).map((m) => decodeLink(m.data));
  }

  /** Adds a route (NLM_F_EXCL: EEXIST if present; `replace` to overwrite). */
  async addRoute(spec: RouteSpec, opts: { replace?: boolean } = {}): Promise<void> {
    const flags = NLM_F_CREATE | (opts.replace ? NLM_F_REPLACE : NLM_F_EXCL);
    await this.nl.request(
      RTM_NEWROUTE,
      flags,
      encodeRoute(spec),
      `RTM_NEWROUTE ${spec.destination}`,
    );
  }

  /** Deletes a route; ESRCH if there is none. */
  async deleteRoute(spec: RouteSpec): Promise<void> {
    await this.nl.request(RTM_DELROUTE, 0, encodeRoute(spec), `RTM_DELROUTE ${spec.destination}`);
  }

  /** Routes of one family in one table (default main). */
  async listRoutes(family: 4 | 6, table = RT_TABLE_MAIN): Promise<RouteInfo[]> {
    const head = Buffer.alloc(RTMSG_LEN);
    head[0] = family === 4 ? AF_INET : AF_INET6;
    const replies = await this.nl.request(RTM_GETROUTE, NLM_F_DUMP, head, 'RTM_GETROUTE');
    return replies
      .filter((m) => m.header.type === RTM_NEWROUTE)
      .map((m) => decodeRoute(m.data))
      .filter((r) => r.table === table);
  }

  async addRule(spec: RuleSpec): Promise<void> {
    await this.nl.request(
      RTM_NEWRULE,
      NLM_F_CREATE | NLM_F_EXCL,
      encodeRule(spec),
      `RTM_NEWRULE ${spec.priority}`,
    );
  }

  /** Deletes a rule; ENOENT if there is none. */
  async deleteRule(spec: RuleSpec): Promise<void> {
    await this.nl.request(RTM_DELRULE, 0, encodeRule(spec), `RTM_DELRULE ${spec.priority}`);
  }

  async listRules(family: 4 | 6): Promise<RuleInfo[]> {
    const head = Buffer.alloc(FIB_RULE_HDRLEN);
    head[0] = family === 4 ? AF_INET : AF_INET6;
    const replies = await this.nl.request(RTM_GETRULE, NLM_F_DUMP, head, 'RTM_GETRULE');
    return replies.filter((m) => m.header.type === RTM_NEWRULE).map((m) => decodeRule(m.data));
  }

  /**
   * Listens for address and link changes on a socket of its own (so a burst of events cannot
   * delay replies to our requests). Only the groups with a handler are joined.
   */
  subscribe(handlers: RtnetlinkHandlers): { close(): void } {
    const groups: number[] = [];
    if (handlers.address) groups.push(RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR);
    if (handlers.link) groups.push(RTNLGRP_LINK);
    const events = NetlinkSocket.open(NETLINK_ROUTE, { ...this.opts, groups });
    events.onNotification((msg) => dispatchEvent(msg, handlers));
    events.onOverrun(() => handlers.overrun?.());
    events.onError((err) => handlers.error?.(err));
    return { close: () => events.close() };
  }

  close(): void {
    this.nl.close();
  }
}

function dispatchEvent(msg: NetlinkMessage, handlers: RtnetlinkHandlers): void {
  const { type } = msg.header;
  try {
    if ((type === RTM_NEWADDR || type === RTM_DELADDR) && handlers.address) {
      handlers.address({
        kind: type === RTM_NEWADDR ? 'new' : 'del',
        address: decodeAddress(msg.data),
      });
    } else if ((type === RTM_NEWLINK || type === RTM_DELLINK) && handlers.link) {
      handlers.link({ kind: type === RTM_NEWLINK ? 'new' : 'del', link: decodeLink(msg.data) });
    }
  } catch (err) {
    if (!(err instanceof NetlinkDecodeError) || !handlers.error) throw err;
    handlers.error(err);
  }
}
