// AF_PACKET sockets: whole Ethernet frames, for gratuitous ARP and unsolicited NA (the kernel
// cannot be asked to send those on our behalf) and, in tests, for capturing frames.
//
// API
//   const p = PacketSocket.open(ETH_P_ARP, { ifindex?, netns? });  // bound to ifindex if given
//   p.send(frame, ifindex)                              // dest MAC and EtherType read from frame
//   p.onFrame((f) => ...)                               // f: { frame, ifindex, pkttype, protocol }
//   p.close()
// SOCK_RAW: frames include the Ethernet header both ways.
import { ETH_ALEN, ETH_HLEN, SOCK_RAW, AF_PACKET } from './constants.js';
import { NativeSocket, type Received } from './native.js';
import { decodeSockaddrLl, encodeSockaddrLl } from './sockaddr.js';
import { KtsError } from '../errors.js';

export interface ReceivedFrame {
  frame: Buffer;
  ifindex: number;
  /** PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING. */
  pkttype: number;
  /** EtherType. */
  protocol: number;
}

export interface PacketSocketOptions {
  /** Receive only from this interface (and send from it by default). */
  ifindex?: number;
  /** Network namespace path (/run/netns/NAME) to open the socket in. */
  netns?: string;
}

export class PacketSocket {
  private readonly sock: NativeSocket;

  private constructor(protocol: number, opts: PacketSocketOptions) {
    // The protocol argument of socket(2) is network order: it selects which frames we receive.
    this.sock = new NativeSocket(AF_PACKET, SOCK_RAW, htons(protocol), opts.netns);
    try {
      if (opts.ifindex !== undefined) this.sock.bind(encodeSockaddrLl(protocol, opts.ifindex));
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  /** A socket for frames of one EtherType (ETH_P_ALL for every frame), optionally on one link. */
  static open(protocol: number, opts: PacketSocketOptions = {}): PacketSocket {
    return new PacketSocket(protocol, opts);
  }

  /** Sends a complete Ethernet frame out of `ifindex`. */
  send(frame: Uint8Array, ifindex: number): number {
    if (frame.length < ETH_HLEN) {
      throw new KtsError(
        'NET_SHORT_FRAME',
        `frame of ${frame.length} bytes has no Ethernet header`,
      );
    }
    const etherType = (frame[12] << 8) | frame[13];
    return this.sock.sendTo(
      frame,
      encodeSockaddrLl(etherType, ifindex, frame.subarray(0, ETH_ALEN)),
    );
  }

  onFrame(handler: (f: ReceivedFrame) => void, onError: (err: Error) => void): void {
    this.sock.startReading((r: Received) => {
      const ll = decodeSockaddrLl(r.from);
      handler({ frame: r.data, ifindex: ll.ifindex, pkttype: ll.pkttype, protocol: ll.protocol });
    }, onError);
  }

  close(): void {
    this.sock.close();
  }
}

function htons(v: number): number {
  return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}
