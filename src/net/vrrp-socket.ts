// One raw IP socket (protocol 112) per interface and address family, shared by every instance
// on it (keepalived's "sockpool"): joins 224.0.0.18 / ff02::12 on the interface, sends with TTL /
// hop limit 255 and TOS / traffic class 0xc0, and on receive checks the interface, the TTL of
// multicast adverts, the IP header and the VRRP codec, then dispatches by VRID. Everything
// dropped here is reported with a reason so the runtime can count it (`packet.dropped`).
import { isIPv4 } from 'node:net';
import { KtsError } from '../errors.js';
import { addressBytes } from './inet.js';
import { IPPROTO_VRRP } from './constants.js';
import {
  decodeAdvert,
  encodeAdvert,
  encodeIpv4Header,
  VRRP_TOS,
  VRRP_TTL,
  type ChecksumForm,
  type Family,
  type VrrpAdvert,
  type VrrpDecodeErrorCode,
} from '../vrrp/packet.js';
import { IP_HDRINCL, IPPROTO_IP } from './constants.js';
import { ifNameToIndex } from './native.js';
import { RawIpSocket, type RawMessage } from './raw-socket.js';

/** Offset of the VRRP checksum, for IPV6_CHECKSUM (the kernel computes it over the pseudo-header). */
const VRRP_CHECKSUM_OFFSET = 6;

export type SocketDropReason =
  'ttl' | 'interface' | 'vrid' | 'ip' | 'length' | 'version' | 'type' | 'checksum';

export interface ReceivedAdvert {
  advert: VrrpAdvert;
  source: string;
  checksumForm: ChecksumForm;
  /** IPv4 TTL / IPv6 hop limit it arrived with. */
  ttl: number;
}

export interface VrrpSocketOptions {
  family: Family;
  ifname: string;
  /** Called for every packet dropped before reaching an instance. */
  onDrop: (reason: SocketDropReason, source: string | undefined, detail: string) => void;
}

function dropReasonOf(code: VrrpDecodeErrorCode): SocketDropReason {
  switch (code) {
    case 'VRRP_PACKET_VERSION':
    case 'VRRP_PACKET_FAMILY':
      return 'version';
    case 'VRRP_PACKET_TYPE':
      return 'type';
    case 'VRRP_PACKET_CHECKSUM':
      return 'checksum';
    case 'VRRP_PACKET_SHORT':
    case 'VRRP_PACKET_LENGTH':
      return 'length';
  }
}

const isMulticast = (addr: string) =>
  isIPv4(addr) ? (addressBytes(addr)[0] & 0xf0) === 0xe0 : addressBytes(addr)[0] === 0xff;

export class VrrpSocket {
  readonly family: Family;
  readonly ifname: string;
  readonly ifindex: number;
  private readonly sock: RawIpSocket;
  private readonly handlers = new Map<number, (r: ReceivedAdvert) => void>();
  private readonly groups = new Set<string>();
  private ipId = 0;

  constructor(private readonly opts: VrrpSocketOptions) {
    this.family = opts.family;
    this.ifname = opts.ifname;
    this.ifindex = ifNameToIndex(opts.ifname);
    this.sock = RawIpSocket.open(opts.family, IPPROTO_VRRP);
    try {
      this.configure();
    } catch (err) {
      this.sock.close();
      throw err;
    }
    this.sock.onError((err) => opts.onDrop('ip', undefined, err.message));
    this.sock.onMessage((m) => this.onMessage(m));
  }

  private configure(): void {
    const s = this.sock;
    s.bindToDevice(this.ifname);
    s.setMulticastIf(this.ifindex);
    s.setMulticastLoop(false);
    if (this.family === 4) {
      // keepalived writes the IPv4 header itself: TTL 255, TOS 0xc0, DF clear, IDs from 1.
      s.setOption(IPPROTO_IP, IP_HDRINCL, 1);
    } else {
      s.setChecksumOffset(VRRP_CHECKSUM_OFFSET);
      s.setMulticastTtl(VRRP_TTL);
      s.setUnicastTtl(VRRP_TTL);
      s.setTos(VRRP_TOS);
    }
  }

  /** Join a multicast group on the interface (once; unicast-only sockets join none). */
  joinGroup(group: string): void {
    if (this.groups.has(group)) return;
    this.sock.joinMulticast(group, this.ifindex);
    this.groups.add(group);
  }

  /** Receive adverts for `vrid` (one instance per VRID and socket). */
  register(vrid: number, handler: (r: ReceivedAdvert) => void): void {
    if (this.handlers.has(vrid)) {
      throw new KtsError(
        'VRRP_VRID_IN_USE',
        `VRID ${vrid} already used on ${this.ifname} (IPv${this.family})`,
      );
    }
    this.handlers.set(vrid, handler);
  }

  unregister(vrid: number): void {
    this.handlers.delete(vrid);
  }

  /** Send `advert` from `src` to `dst` (the group or a unicast peer). */
  send(advert: VrrpAdvert, src: string, dst: string, v3ChecksumAsV2: boolean): void {
    const payload = encodeAdvert(advert, { src, dst, v3ChecksumAsV2 });
    if (this.family === 4) {
      this.ipId = (this.ipId % 0xffff) + 1;
      const header = encodeIpv4Header({ id: this.ipId, src, dst, payloadLength: payload.length });
      this.sock.send(Buffer.concat([header, payload]), dst);
    } else {
      this.sock.send(payload, dst, this.ifindex);
    }
  }

  close(): void {
    this.sock.close();
  }

  private onMessage(m: RawMessage): void {
    if (m.ifindex !== this.ifindex) {
      this.opts.onDrop('interface', m.source, `arrived on ifindex ${m.ifindex}`);
      return;
    }
    // The destination (IPV6_PKTINFO for IPv6) feeds the pseudo-header and the TTL rule.
    if (m.destination === '') {
      this.opts.onDrop('ip', m.source, 'no destination address');
      return;
    }
    const multicast = isMulticast(m.destination);
    // RFC 5798 §7.1: multicast adverts must arrive with TTL / hop limit 255. keepalived checks
    // unicast ones only when min_ttl / max_ttl is configured.
    if (multicast && m.ttl !== VRRP_TTL) {
      this.opts.onDrop('ttl', m.source, `TTL/hop limit ${m.ttl}, expected 255`);
      return;
    }
    const d = decodeAdvert(m.data, { src: m.source, dst: m.destination });
    if (!d.ok) {
      this.opts.onDrop(dropReasonOf(d.error.code), m.source, d.error.message);
      return;
    }
    const handler = this.handlers.get(d.value.advert.vrid);
    if (!handler) {
      this.opts.onDrop('vrid', m.source, `VRID ${d.value.advert.vrid} is not ours`);
      return;
    }
    handler({
      advert: d.value.advert,
      source: m.source,
      checksumForm: d.value.checksumForm,
      ttl: m.ttl,
    });
  }
}
