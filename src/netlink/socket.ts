// A netlink socket over the native addon: sequence numbers, request/reply matching, ACKs and
// NLMSG_ERROR, multipart dumps to NLMSG_DONE, per-request timeouts, extended ACK, and multicast
// group subscription for kernel events.
//
// API
//   const nl = NetlinkSocket.open(NETLINK_ROUTE, { timeoutMs: 5000, groups?, netns? });
//   const replies = await nl.request(RTM_GETLINK, NLM_F_DUMP, payload, 'RTM_GETLINK');
//       NLM_F_REQUEST | NLM_F_ACK are always added. Resolves with the reply messages (without the
//       ACK / NLMSG_DONE) or rejects with NetlinkError (kernel errno, extended ACK) or
//       NetlinkSocketError (NETLINK_TIMEOUT, NETLINK_CLOSED, NETLINK_OVERRUN,
//       NETLINK_DUMP_INTERRUPTED).
//   nl.joinGroup(RTNLGRP_IPV4_IFADDR); nl.onNotification((msg) => ...); nl.onOverrun(() => ...)
//       Notifications are the messages the kernel multicasts to joined groups. An overrun
//       (ENOBUFS: the receive queue overflowed, events were lost) is reported so the owner can
//       resynchronise with a dump (a truncated datagram counts as one). nl.onError(...) hears
//       other receive failures (malformed datagrams, socket errors).
//   nl.close()   rejects whatever is pending or queued with NETLINK_CLOSED.
//   new NetlinkSocket(transport, opts)   over any NetlinkTransport (tests use a fake kernel).
//
// Requests are independent: up to maxInFlight (8) are sent at once, the rest queue; replies are
// matched by sequence number. The timeout runs from the send. A request that times out is
// forgotten; a late reply to it is dropped.
import { AF_NETLINK, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from '../net/constants.js';
import { NativeSocket, type Received } from '../net/native.js';
import { decodeSockaddrNl, encodeSockaddrNl } from '../net/sockaddr.js';
import { readS32 } from './attr.js';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_NOOP,
  NLMSG_OVERRUN,
  NLM_F_ACK,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  SOL_NETLINK,
} from './constants.js';
import { NetlinkError, NetlinkSocketError } from './errors.js';
import {
  decodeErrorMessage,
  decodeMessages,
  encodeMessage,
  type NetlinkMessage,
} from './message.js';

export interface NetlinkSocketOptions {
  /** Default per-request timeout. moby/ipvs learned to need one (a wedged socket hung forever). */
  timeoutMs?: number;
  /** Multicast groups (RTNLGRP_*, genl group ids) to join at once. */
  groups?: number[];
  /** Network namespace path (/run/netns/NAME) to talk to instead of our own. */
  netns?: string;
  /** Requests sent before their replies arrive; more wait in a queue (default 8). */
  maxInFlight?: number;
}

/**
 * The datagram layer under NetlinkSocket: the kernel through the addon in production, a scripted
 * fake kernel in tests (test/unit/netlink/fake-kernel.ts), faking at the message level.
 */
export interface NetlinkTransport {
  /** Our port id. */
  readonly pid: number;
  readonly isClosed: boolean;
  send(message: Buffer): void;
  joinGroup(group: number): void;
  leaveGroup(group: number): void;
  /** `groups` is the multicast group of a notification, 0 for a unicast reply. */
  start(
    onDatagram: (data: Buffer, groups: number, truncated: boolean) => void,
    onError: (err: Error) => void,
  ): void;
  setKeepAlive(alive: boolean): void;
  close(): void;
}

interface Pending {
  op: string;
  replies: NetlinkMessage[];
  interrupted: boolean;
  resolve(msgs: NetlinkMessage[]): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const KERNEL = encodeSockaddrNl(0, 0);
const RECEIVE_BUFFER_BYTES = 1 << 20;

/** A real AF_NETLINK socket, bound, with extended ACKs on. */
class NativeNetlinkTransport implements NetlinkTransport {
  readonly pid: number;
  private readonly sock: NativeSocket;

  constructor(protocol: number, netns: string | undefined) {
    this.sock = new NativeSocket(AF_NETLINK, SOCK_RAW, protocol, netns);
    try {
      // Ask for the kernel's reason text with every error, and a header-only echo of the
      // request (we match on seq; echoing a large request back is waste).
      this.sock.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
      this.sock.setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1);
      // Event bursts (many VIPs added at once, links flapping) must not overflow the queue.
      // SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN; SO_RCVBUF is capped by it.
      try {
        this.sock.setOption(SOL_SOCKET, SO_RCVBUFFORCE, RECEIVE_BUFFER_BYTES);
      } catch {
        this.sock.setOption(SOL_SOCKET, SO_RCVBUF, RECEIVE_BUFFER_BYTES);
      }
      this.sock.bind(encodeSockaddrNl(0, 0));
      this.pid = decodeSockaddrNl(this.sock.localAddress()).pid;
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  get isClosed(): boolean {
    return this.sock.isClosed;
  }

  send(message: Buffer): void {
    this.sock.sendTo(message, KERNEL);
  }

  joinGroup(group: number): void {
    this.sock.setOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);
  }

  leaveGroup(group: number): void {
    this.sock.setOption(SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, group);
  }

  start(
    onDatagram: (data: Buffer, groups: number, truncated: boolean) => void,
    onError: (err: Error) => void,
  ): void {
    this.sock.startReading(
      (r: Received) => onDatagram(r.data, decodeSockaddrNl(r.from).groups, r.truncated),
      onError,
    );
  }

  setKeepAlive(alive: boolean): void {
    this.sock.setKeepAlive(alive);
  }

  close(): void {
    this.sock.close();
  }
}

const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Replies to requests in flight share the socket's receive buffer; too many at once overflow it
 * (ENOBUFS) and replies are lost. A few in flight keep the round trips overlapped and bounded.
 */
const DEFAULT_MAX_IN_FLIGHT = 8;

export class NetlinkSocket {
  /** Our port id, assigned by the kernel at bind. */
  readonly pid: number;
  private readonly sock: NetlinkTransport;
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly queued: Array<{ send(): void; reject(err: Error): void; op: string }> = [];
  private readonly maxInFlight: number;
  private readonly notificationHandlers = new Set<(msg: NetlinkMessage) => void>();
  private readonly overrunHandlers = new Set<(err: Error) => void>();
  private readonly errorHandlers = new Set<(err: Error) => void>();
  private seq = 0;

  constructor(transport: NetlinkTransport, opts: NetlinkSocketOptions = {}) {
    this.sock = transport;
    this.pid = transport.pid;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    try {
      for (const g of opts.groups ?? []) this.joinGroup(g);
      this.sock.start(
        (data, groups, truncated) => this.onDatagram(data, groups, truncated),
        (err) => this.onReceiveError(err),
      );
      this.updateKeepAlive();
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  /** A socket to the kernel's `protocol` (NETLINK_ROUTE, NETLINK_GENERIC...). */
  static open(protocol: number, opts: NetlinkSocketOptions = {}): NetlinkSocket {
    return new NetlinkSocket(new NativeNetlinkTransport(protocol, opts.netns), opts);
  }

  joinGroup(group: number): void {
    this.sock.joinGroup(group);
  }

  leaveGroup(group: number): void {
    this.sock.leaveGroup(group);
  }

  /** Registers a handler for multicast notifications; returns a function that removes it. */
  onNotification(handler: (msg: NetlinkMessage) => void): () => void {
    this.notificationHandlers.add(handler);
    this.updateKeepAlive();
    return () => {
      this.notificationHandlers.delete(handler);
      this.updateKeepAlive();
    };
  }

  /** Called when the kernel dropped messages for us (ENOBUFS): state must be re-read. */
  onOverrun(handler: (err: Error) => void): () => void {
    this.overrunHandlers.add(handler);
    return () => this.overrunHandlers.delete(handler);
  }

  /** Called when receiving fails otherwise (a malformed datagram, a socket error). */
  onError(handler: (err: Error) => void): () => void {
    this.errorHandlers.add(handler);
    return () => this.errorHandlers.delete(handler);
  }

  request(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    timeoutMs = this.timeoutMs,
  ): Promise<NetlinkMessage[]> {
    if (this.sock.isClosed) {
      return Promise.reject(new NetlinkSocketError('NETLINK_CLOSED', `${op}: socket closed`));
    }
    return new Promise<NetlinkMessage[]>((resolve, reject) => {
      const send = () => this.send(type, flags, data, op, timeoutMs, resolve, reject);
      if (this.pending.size < this.maxInFlight) send();
      else this.queued.push({ send, reject: (err) => reject(err), op });
    });
  }

  private send(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    timeoutMs: number,
    resolve: (msgs: NetlinkMessage[]) => void,
    reject: (err: Error) => void,
  ): void {
    const seq = this.nextSeq();
    const msg = encodeMessage({
      type,
      flags: flags | NLM_F_REQUEST | NLM_F_ACK,
      seq,
      pid: this.pid,
      data,
    });
    const timer = setTimeout(() => {
      this.settle(seq);
      reject(new NetlinkSocketError('NETLINK_TIMEOUT', `${op}: no reply in ${timeoutMs} ms`));
    }, timeoutMs);
    this.pending.set(seq, { op, replies: [], interrupted: false, resolve, reject, timer });
    this.updateKeepAlive();
    try {
      this.sock.send(msg);
    } catch (err) {
      this.settle(seq);
      reject(err as Error);
    }
  }

  close(): void {
    if (this.sock.isClosed) return;
    this.sock.close();
    for (const [seq, p] of this.pending) {
      this.settle(seq);
      p.reject(new NetlinkSocketError('NETLINK_CLOSED', `${p.op}: socket closed`));
    }
    for (const q of this.queued.splice(0)) {
      q.reject(new NetlinkSocketError('NETLINK_CLOSED', `${q.op}: socket closed`));
    }
    this.notificationHandlers.clear();
    this.overrunHandlers.clear();
    this.errorHandlers.clear();
  }

  private nextSeq(): number {
    // 0 is what the kernel puts on unsolicited notifications; never use it for a request.
    this.seq = this.seq >= 0xffffffff ? 1 : this.seq + 1;
    return this.seq;
  }

  private settle(seq: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(seq);
    // Start the next queued request, after the current reply has been handled.
    const next = this.sock.isClosed ? undefined : this.queued.shift();
    if (next) queueMicrotask(next.send);
    this.updateKeepAlive();
  }

  /** Keep the process alive only while someone waits for a reply or listens for events. */
  private updateKeepAlive(): void {
    if (this.sock.isClosed) return;
    this.sock.setKeepAlive(this.pending.size > 0 || this.notificationHandlers.size > 0);
  }

  private onDatagram(data: Buffer, groups: number, truncated: boolean): void {
    // Multicast deliveries carry the group in the source address; they may even reuse the seq of
    // our own request (a RTM_NEWADDR we caused), so this test comes before seq matching.
    const multicast = groups !== 0;
    if (truncated) {
      this.lost(new NetlinkSocketError('NETLINK_OVERRUN', 'netlink datagram truncated'));
      return;
    }
    let msgs: NetlinkMessage[];
    try {
      msgs = decodeMessages(data);
    } catch (err) {
      this.failed(err as Error);
      return;
    }
    for (const msg of msgs) {
      if (multicast || msg.header.seq === 0) {
        for (const h of this.notificationHandlers) h(msg);
        continue;
      }
      const p = this.pending.get(msg.header.seq);
      if (p) this.onReply(msg.header.seq, p, msg);
    }
  }

  private onReply(seq: number, p: Pending, msg: NetlinkMessage): void {
    const { type, flags } = msg.header;
    if (flags & NLM_F_DUMP_INTR) p.interrupted = true;
    if (type === NLMSG_NOOP) return;
    if (type === NLMSG_OVERRUN) {
      this.settle(seq);
      p.reject(new NetlinkSocketError('NETLINK_OVERRUN', `${p.op}: NLMSG_OVERRUN`));
      return;
    }
    if (type === NLMSG_ERROR) {
      let errno: number;
      let extAck;
      try {
        ({ errno, extAck } = decodeErrorMessage(msg));
      } catch (err) {
        this.settle(seq);
        p.reject(err as Error);
        return;
      }
      this.settle(seq);
      if (errno !== 0) p.reject(new NetlinkError(p.op, errno, seq, extAck));
      else this.finish(p);
      return;
    }
    if (type === NLMSG_DONE) {
      // A dump that failed midway reports the (negative) errno in the DONE payload.
      const status = msg.data.length >= 4 ? readS32(msg.data, 0) : 0;
      this.settle(seq);
      if (status < 0) p.reject(new NetlinkError(p.op, -status, seq));
      else this.finish(p);
      return;
    }
    p.replies.push(msg);
  }

  private finish(p: Pending): void {
    if (p.interrupted) {
      // The kernel's table changed during the dump: the result may be inconsistent.
      p.reject(new NetlinkSocketError('NETLINK_DUMP_INTERRUPTED', `${p.op}: dump interrupted`));
    } else p.resolve(p.replies);
  }

  private onReceiveError(err: Error): void {
    if ((err as NodeJS.ErrnoException).code === 'ENOBUFS') {
      this.lost(new NetlinkSocketError('NETLINK_OVERRUN', 'netlink receive queue overflowed'));
    } else this.failed(err);
  }

  /** Messages were dropped: replies (so pending requests fail) and perhaps events. */
  private lost(err: NetlinkSocketError): void {
    for (const h of this.overrunHandlers) h(err);
    this.failAll(err);
  }

  /** Receiving or decoding failed for another reason. */
  private failed(err: Error): void {
    for (const h of this.errorHandlers) h(err);
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const [seq, p] of this.pending) {
      this.settle(seq);
      p.reject(err);
    }
  }
}
