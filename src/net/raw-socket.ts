// Raw IPv4/IPv6 sockets for one IP protocol (VRRP is 112), on the native addon. The VRRP socket
// (src/net/vrrp-socket.ts) builds on this; so can anything else that speaks directly over IP.
//
// API
//   const s = RawIpSocket.open(4 | 6, protocol, { netns? });   netns: /run/netns/NAME
//   s.bindToDevice('eth0'); s.joinMulticast('224.0.0.18', ifindex); s.setMulticastIf(ifindex);
//   s.setMulticastTtl(255); s.setMulticastLoop(false); s.setTos(0xc0); s.setChecksumOffset(6);
//   s.bind('192.168.0.48'); s.send(payload, '224.0.0.18', ifindex?);
//   s.onMessage((m) => ...); s.onError((e) => ...); s.close();
//
// Received messages carry the protocol payload (for IPv4 the kernel includes the IP header on
// raw sockets: it is parsed and stripped here), the source and destination addresses, the
// arrival ifindex (IP_PKTINFO / IPV6_PKTINFO), and the TTL or hop limit (from the IPv4 header,
// or IPV6_HOPLIMIT). Nothing is filtered: checking TTL 255 is the caller's protocol logic.
import { KtsError } from '../errors.js';
import { writeU32 } from '../netlink/attr.js';
import { addressBytes, formatAddress } from './inet.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPV6_ADD_MEMBERSHIP,
  IPV6_CHECKSUM,
  IPV6_DROP_MEMBERSHIP,
  IPV6_MULTICAST_HOPS,
  IPV6_MULTICAST_IF,
  IPV6_MULTICAST_LOOP,
  IPV6_RECVHOPLIMIT,
  IPV6_RECVPKTINFO,
  IPV6_TCLASS,
  IPV6_UNICAST_HOPS,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  IP_MULTICAST_TTL,
  IP_PKTINFO,
  IP_TOS,
  IP_TTL,
  SOCK_RAW,
  SOL_SOCKET,
  SO_BINDTODEVICE,
} from './constants.js';
import { NativeSocket, type Received } from './native.js';
import { decodeSockaddrInet, encodeSockaddrInet } from './sockaddr.js';

export interface RawMessage {
  /** The protocol payload (after the IP header). */
  data: Buffer;
  source: string;
  destination: string;
  /** Interface the packet arrived on. */
  ifindex: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 TOS byte; undefined for IPv6. */
  tos?: number;
}

/**
 * Parses the IPv4 header a raw socket delivers in front of the payload. Returns undefined for a
 * datagram too short for its own header (the kernel never delivers one; a guard, not a path).
 */
export function splitIpv4Header(
  packet: Buffer,
): { ttl: number; tos: number; source: string; destination: string; payload: Buffer } | undefined {
  if (packet.length < 20) return undefined;
  const ihl = (packet[0] & 0x0f) * 4;
  const total = packet.readUInt16BE(2);
  if (ihl < 20 || packet.length < ihl) return undefined;
  return {
    tos: packet[1],
    ttl: packet[8],
    source: formatAddress(packet.subarray(12, 16)),
    destination: formatAddress(packet.subarray(16, 20)),
    // The kernel may hand over trailing bytes beyond the IP total length (link padding).
    payload: packet.subarray(ihl, Math.min(Math.max(total, ihl), packet.length)),
  };
}

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } (12 bytes). */
function ipMreqn(group: string | undefined, address: string | undefined, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  if (group) addressBytes(group).copy(b, 0);
  if (address) addressBytes(address).copy(b, 4);
  writeU32(b, ifindex, 8);
  return b;
}

/** struct ipv6_mreq { in6_addr multiaddr; int ifindex; } (20 bytes). */
function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  addressBytes(group).copy(b, 0);
  writeU32(b, ifindex, 16);
  return b;
}

export class RawIpSocket {
  readonly family: 4 | 6;
  readonly protocol: number;
  private readonly sock: NativeSocket;
  private messageHandler: ((m: RawMessage) => void) | undefined;
  private errorHandler: ((err: Error) => void) | undefined;

  private constructor(family: 4 | 6, protocol: number, netns: string | undefined) {
    this.family = family;
    this.protocol = protocol;
    this.sock = new NativeSocket(family === 4 ? AF_INET : AF_INET6, SOCK_RAW, protocol, netns);
    try {
      if (family === 4) {
        this.sock.setOption(IPPROTO_IP, IP_PKTINFO, 1);
      } else {
        this.sock.setOption(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
        this.sock.setOption(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
      }
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  static open(family: 4 | 6, protocol: number, opts: { netns?: string } = {}): RawIpSocket {
    return new RawIpSocket(family, protocol, opts.netns);
  }

  /** Any setsockopt the named helpers do not cover. */
  setOption(level: number, name: number, value: number | Buffer): void {
    this.sock.setOption(level, name, value);
  }

  getOption(level: number, name: number): number {
    return this.sock.getOption(level, name);
  }

  /** SO_BINDTODEVICE: send and receive only on this interface. */
  bindToDevice(ifname: string): void {
    this.sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
  }

  /** Binds the local (source) address; a link-local IPv6 address needs its scope. */
  bind(address: string, scopeId = 0): void {
    this.sock.bind(encodeSockaddrInet(address, 0, scopeId));
  }

  joinMulticast(group: string, ifindex: number): void {
    if (this.family === 4) {
      this.sock.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(group, undefined, ifindex));
    } else this.sock.setOption(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, ifindex));
  }

  leaveMulticast(group: string, ifindex: number): void {
    if (this.family === 4) {
      this.sock.setOption(IPPROTO_IP, IP_DROP_MEMBERSHIP, ipMreqn(group, undefined, ifindex));
    } else this.sock.setOption(IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, ipv6Mreq(group, ifindex));
  }

  /** Outgoing interface for multicast; for IPv4 `source` also picks the source address. */
  setMulticastIf(ifindex: number, source?: string): void {
    if (this.family === 4) {
      this.sock.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn(undefined, source, ifindex));
    } else this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex);
  }

  /** TTL / hop limit of multicast packets (VRRP: 255). */
  setMulticastTtl(ttl: number): void {
    if (this.family === 4) this.sock.setOption(IPPROTO_IP, IP_MULTICAST_TTL, ttl);
    else this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl);
  }

  /** TTL / hop limit of unicast packets (VRRP unicast peers: 255). */
  setUnicastTtl(ttl: number): void {
    if (this.family === 4) this.sock.setOption(IPPROTO_IP, IP_TTL, ttl);
    else this.sock.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl);
  }

  /** Whether our own multicast comes back to local listeners. */
  setMulticastLoop(loop: boolean): void {
    if (this.family === 4) this.sock.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, loop ? 1 : 0);
    else this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0);
  }

  /** IPv4 TOS / IPv6 traffic class byte (keepalived: 0xc0, DSCP CS6). */
  setTos(tos: number): void {
    if (this.family === 4) this.sock.setOption(IPPROTO_IP, IP_TOS, tos);
    else this.sock.setOption(IPPROTO_IPV6, IPV6_TCLASS, tos);
  }

  /**
   * IPv6 only: the kernel computes the pseudo-header checksum into the payload at this offset
   * on send and verifies it on receive (VRRP: 6).
   */
  setChecksumOffset(offset: number): void {
    if (this.family !== 6) throw new KtsError('NET_NOT_IPV6', 'IPV6_CHECKSUM needs an IPv6 socket');
    this.sock.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, offset);
  }

  /**
   * Sends one payload. `ifindex` scopes a link-local or multicast IPv6 destination; sockaddr_in
   * has no scope, so for IPv4 pick the interface with setMulticastIf / bindToDevice instead.
   */
  send(payload: Uint8Array, destination: string, ifindex = 0): number {
    return this.sock.sendTo(payload, encodeSockaddrInet(destination, 0, ifindex));
  }

  onMessage(handler: (m: RawMessage) => void): void {
    this.messageHandler = handler;
    this.sock.startReading(
      (r) => this.deliver(r),
      (err) => this.fail(err),
    );
  }

  onError(handler: (err: Error) => void): void {
    this.errorHandler = handler;
  }

  close(): void {
    this.sock.close();
  }

  private fail(err: Error): void {
    if (this.errorHandler) this.errorHandler(err);
    else throw err;
  }

  private deliver(r: Received): void {
    const message = this.family === 4 ? toMessage4(r) : toMessage6(r);
    if (message) this.messageHandler?.(message);
  }
}

function toMessage4(r: Received): RawMessage | undefined {
  const ip = splitIpv4Header(r.data);
  if (!ip) return undefined;
  return {
    data: ip.payload,
    source: ip.source,
    destination: ip.destination,
    ifindex: r.ifindex ?? 0,
    ttl: ip.ttl,
    tos: ip.tos,
  };
}

function toMessage6(r: Received): RawMessage {
  return {
    data: r.data,
    source: decodeSockaddrInet(r.from).address,
    destination: r.destination ? formatAddress(r.destination) : '',
    ifindex: r.ifindex ?? 0,
    ttl: r.hopLimit ?? -1,
  };
}
