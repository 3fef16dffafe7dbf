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
//   await nl.requestDecoded(type, NLM_F_DUMP, payload, op, (buf, at, end) => decode(...))
//       request() whose replies are decoded in place as they arrive: no message objects (big
//       dumps: the IPVS read-back).
//   await nl.command(IPVS_FAMILY, 0, payload, 'IPVS_CMD_NEW_DEST ...')
//       A change answered only by success or an errno: like request(), but it resolves with
//       nothing and may go without its own ACK (see below).
//   nl.close()   rejects whatever is pending or queued with NETLINK_CLOSED.
//   new NetlinkSocket(transport, opts)   over any NetlinkTransport (tests use a fake kernel).
//
// Requests are independent: up to maxInFlight (8) are in flight at once, the rest queue; replies
// are matched by sequence number. Requests made in the same turn of the event loop are packed
// into one datagram (the kernel handles its messages in order, each as if sent alone), and a
// command followed by another message in its datagram is sent without NLM_F_ACK: the kernel
// answers failures regardless, before it answers anything after, so the next ACK'd message's
// reply proves the silent ones succeeded. A burst of N commands thus costs one sendmsg and one
// ACK, not N of each. The timeout runs from the send, one timer per datagram (set to the longest
// timeout among its requests). A request that times out is forgotten; a late reply to it is
// dropped.
import { AF_NETLINK, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SO_RCVBUFFORCE } from '../net/constants.js';
import { NativeSocket, type Received } from '../net/native.js';
import { decodeSockaddrNl, encodeSockaddrNl } from '../net/sockaddr.js';
import { align4, readS32, readU16, readU32 } from './attr.js';
import {
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSG_OVERRUN,
  NLM_F_ACK,
  NLM_F_DUMP_INTR,
  NLM_F_REQUEST,
  SOL_NETLINK,
} from './constants.js';
import { NetlinkDecodeError, NetlinkError, NetlinkSocketError } from './errors.js';
import { decodeErrorMessage, decodeHeader, encodeMessage, type NetlinkMessage } from './message.js';

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

const KERNEL = encodeSockaddrNl(0, 0);

/** The message in data[at, end), framing already checked. */
function messageAt(data: Buffer, at: number, end: number): NetlinkMessage {
  return { header: decodeHeader(data, at), data: data.subarray(at + NLMSG_HDRLEN, end) };
}
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
/**
 * The largest datagram we pack requests into. The kernel refuses one above its send buffer
 * (netlink_sendmsg: EMSGSIZE past sk_sndbuf - 32, 208 KiB by default) and copies it into one
 * linear skb; 32 KiB stays far below and already carries a few hundred IPVS requests.
 */
const MAX_DATAGRAM_BYTES = 32 * 1024;

/** A request waiting for its turn to be sent. */
interface Queued {
  type: number;
  flags: number;
  data: Buffer;
  /** A command: success needs no ACK of its own when a later message of its datagram has one. */
  command: boolean;
  pending: Pending;
}

/** Requests sent together in one datagram: they share one timer. */
interface Datagram {
  timer: NodeJS.Timeout | undefined;
  /** Members not settled yet; the timer is cleared when none is left. */
  open: number;
}

/** Turns one reply's payload, data[at, end) of the received datagram, into a result. */
export type ReplyDecoder<T> = (data: Buffer, at: number, end: number) => T;

interface Pending {
  op: string;
  seq: number;
  timeoutMs: number;
  /** Reply messages, or what `decode` made of them. */
  replies: unknown[];
  decode: ReplyDecoder<unknown> | undefined;
  interrupted: boolean;
  resolve(replies: unknown[]): void;
  reject(err: Error): void;
  datagram: Datagram | undefined;
  /**
   * Commands sent just before this message, in its datagram, without NLM_F_ACK. The kernel handles
   * a datagram's messages in order and answers a failure at once, so the first reply to this
   * message proves that those not answered by then succeeded.
   */
  vouchesFor: Pending[] | undefined;
}

export class NetlinkSocket {
  /** Our port id, assigned by the kernel at bind. */
  readonly pid: number;
  private readonly sock: NetlinkTransport;
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly queued: Queued[] = [];
  private flushScheduled = false;
  private readonly maxInFlight: number;
  private readonly notificationHandlers = new Set<(msg: NetlinkMessage) => void>();
  private readonly overrunHandlers = new Set<(err: Error) => void>();
  private readonly errorHandlers = new Set<(err: Error) => void>();
  private seq = 0;
  private keptAlive: boolean | undefined;

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

  /** A request the kernel answers (with replies, or only its ACK). Always sent with NLM_F_ACK. */
  request(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    timeoutMs = this.timeoutMs,
  ): Promise<NetlinkMessage[]> {
    return this.enqueue<NetlinkMessage>(type, flags, data, op, timeoutMs, false, undefined);
  }

  /**
   * request() for replies turned into results as they arrive (a dump of thousands of entries):
   * `decode` sees each reply's payload in place, and no message objects are made or kept. What it
   * throws rejects the request.
   */
  requestDecoded<T>(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    decode: ReplyDecoder<T>,
    timeoutMs = this.timeoutMs,
  ): Promise<T[]> {
    return this.enqueue<T>(type, flags, data, op, timeoutMs, false, decode);
  }

  /**
   * A change whose only answer is success or an errno (add, delete, set): rejects like request(),
   * resolves with nothing. Its NLM_F_ACK is left out when a later message of the same datagram
   * carries one (that message's answer vouches for it), so a burst of commands costs the kernel,
   * and us, one ACK per datagram instead of one per command.
   */
  async command(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    timeoutMs = this.timeoutMs,
  ): Promise<void> {
    await this.enqueue(type, flags, data, op, timeoutMs, true, undefined);
  }

  private enqueue<T>(
    type: number,
    flags: number,
    data: Buffer,
    op: string,
    timeoutMs: number,
    command: boolean,
    decode: ReplyDecoder<T> | undefined,
  ): Promise<T[]> {
    if (this.sock.isClosed) {
      return Promise.reject(new NetlinkSocketError('NETLINK_CLOSED', `${op}: socket closed`));
    }
    return new Promise<T[]>((resolve, reject) => {
      const pending: Pending = {
        op,
        seq: 0,
        timeoutMs,
        replies: [],
        decode,
        interrupted: false,
        resolve: resolve as (replies: unknown[]) => void,
        reject,
        datagram: undefined,
        vouchesFor: undefined,
      };
      this.queued.push({ type, flags, data, command, pending });
      this.scheduleFlush();
      this.updateKeepAlive();
    });
  }

  /**
   * Requests made in the same turn go out together: sending waits for the current synchronous
   * code to finish queueing, then packs the queue into as few datagrams as the window allows.
   */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (!this.sock.isClosed && this.queued.length > 0 && this.pending.size < this.maxInFlight) {
      this.sendDatagram(this.takeDatagram());
    }
  }

  /** The queued requests that fit into the window and into one datagram (at least one). */
  private takeDatagram(): Queued[] {
    const room = this.maxInFlight - this.pending.size;
    let bytes = 0;
    let count = 0;
    while (count < room && count < this.queued.length) {
      const size = NLMSG_HDRLEN + align4(this.queued[count].data.length);
      if (count > 0 && bytes + size > MAX_DATAGRAM_BYTES) break;
      bytes += size;
      count += 1;
    }
    return this.queued.splice(0, count);
  }

  private sendDatagram(members: Queued[]): void {
    const datagram: Datagram = { timer: undefined, open: members.length };
    const messages: Buffer[] = [];
    let unvouched: Pending[] = [];
    let longest = 0;
    members.forEach((q, i) => {
      const p = q.pending;
      p.seq = this.nextSeq();
      p.datagram = datagram;
      this.pending.set(p.seq, p);
      longest = Math.max(longest, p.timeoutMs);
      const acked = !q.command || i === members.length - 1;
      if (acked) {
        if (unvouched.length > 0) p.vouchesFor = unvouched;
        unvouched = [];
      } else unvouched.push(p);
      messages.push(
        encodeMessage({
          type: q.type,
          flags: q.flags | NLM_F_REQUEST | (acked ? NLM_F_ACK : 0),
          seq: p.seq,
          pid: this.pid,
          data: q.data,
        }),
      );
    });
    datagram.timer = setTimeout(() => this.timedOut(members), longest);
    try {
      this.sock.send(messages.length === 1 ? messages[0] : Buffer.concat(messages));
    } catch (err) {
      for (const { pending: p } of members) this.fail(p, err as Error);
    }
  }

  /** No answer in time: every member still waiting fails (a late reply is then dropped). */
  private timedOut(members: Queued[]): void {
    for (const { pending: p } of members) {
      if (this.pending.get(p.seq) !== p) continue;
      this.fail(
        p,
        new NetlinkSocketError('NETLINK_TIMEOUT', `${p.op}: no reply in ${p.timeoutMs} ms`),
      );
    }
  }

  close(): void {
    if (this.sock.isClosed) return;
    this.sock.close();
    for (const p of this.pending.values()) {
      this.fail(p, new NetlinkSocketError('NETLINK_CLOSED', `${p.op}: socket closed`));
    }
    for (const { pending: p } of this.queued.splice(0)) {
      p.reject(new NetlinkSocketError('NETLINK_CLOSED', `${p.op}: socket closed`));
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

  /** Forgets a sent request; the caller then resolves or rejects it. */
  private settle(p: Pending): void {
    if (!this.pending.delete(p.seq)) return;
    const datagram = p.datagram;
    if (datagram && --datagram.open === 0) clearTimeout(datagram.timer);
    // The window has room again: send what waits, after the current replies have been handled.
    if (this.queued.length > 0 && !this.sock.isClosed) this.scheduleFlush();
    this.updateKeepAlive();
  }

  private fail(p: Pending, err: Error): void {
    this.settle(p);
    p.reject(err);
  }

  /** Keep the process alive only while someone waits for a reply or listens for events. */
  private updateKeepAlive(): void {
    if (this.sock.isClosed) return;
    const alive =
      this.pending.size > 0 || this.queued.length > 0 || this.notificationHandlers.size > 0;
    if (alive === this.keptAlive) return;
    this.keptAlive = alive;
    this.sock.setKeepAlive(alive);
  }

  /**
   * Walks the datagram's messages in place (decodeMessages' framing rules) instead of splitting it
   * first: a reply for a request with a decoder goes to it as a byte range, with no message object
   * made, which is most of the cost of reading back a big table. A malformed message fails what is
   * pending; the messages before it have been handled.
   */
  private onDatagram(data: Buffer, groups: number, truncated: boolean): void {
    // Multicast deliveries carry the group in the source address; they may even reuse the seq of
    // our own request (a RTM_NEWADDR we caused), so this test comes before seq matching.
    const multicast = groups !== 0;
    if (truncated) {
      this.lost(new NetlinkSocketError('NETLINK_OVERRUN', 'netlink datagram truncated'));
      return;
    }
    for (let at = 0; at < data.length;) {
      const room = data.length - at;
      const length = room >= NLMSG_HDRLEN ? readU32(data, at) : 0;
      if (length < NLMSG_HDRLEN || length > room) {
        this.failed(
          new NetlinkDecodeError(
            `netlink message at ${at}: length ${length} outside ${NLMSG_HDRLEN}..${room}`,
          ),
        );
        return;
      }
      const seq = readU32(data, at + 8);
      const end = at + length;
      if (multicast || seq === 0) {
        const msg = messageAt(data, at, end);
        for (const h of this.notificationHandlers) h(msg);
      } else {
        const p = this.pending.get(seq);
        if (p) this.onReply(p, data, at, end);
      }
      at += align4(length);
    }
  }

  /** One message for `p`, in data[at, end). */
  private onReply(p: Pending, data: Buffer, at: number, end: number): void {
    if (p.vouchesFor) {
      for (const earlier of p.vouchesFor) {
        if (this.pending.get(earlier.seq) !== earlier) continue; // failed on its own reply
        this.settle(earlier);
        earlier.resolve(earlier.replies);
      }
      p.vouchesFor = undefined;
    }
    const type = readU16(data, at + 4);
    if (readU16(data, at + 6) & NLM_F_DUMP_INTR) p.interrupted = true;
    if (type >= NLMSG_MIN_TYPE) {
      // A reply proper (a dump part, a GET answer); below NLMSG_MIN_TYPE are control messages.
      if (!p.decode) {
        p.replies.push(messageAt(data, at, end));
        return;
      }
      try {
        p.replies.push(p.decode(data, at + NLMSG_HDRLEN, end));
      } catch (err) {
        this.fail(p, err as Error);
      }
      return;
    }
    if (type === NLMSG_OVERRUN) {
      this.fail(p, new NetlinkSocketError('NETLINK_OVERRUN', `${p.op}: NLMSG_OVERRUN`));
      return;
    }
    if (type === NLMSG_ERROR) {
      let errno: number;
      let extAck;
      try {
        ({ errno, extAck } = decodeErrorMessage(messageAt(data, at, end)));
      } catch (err) {
        this.fail(p, err as Error);
        return;
      }
      if (errno !== 0) this.fail(p, new NetlinkError(p.op, errno, p.seq, extAck));
      else this.finish(p);
      return;
    }
    if (type === NLMSG_DONE) {
      // A dump that failed midway reports the (negative) errno in the DONE payload.
      const status = end - at >= NLMSG_HDRLEN + 4 ? readS32(data, at + NLMSG_HDRLEN) : 0;
      if (status < 0) this.fail(p, new NetlinkError(p.op, -status, p.seq));
      else this.finish(p);
    }
    // NLMSG_NOOP and unknown control types are ignored.
  }

  private finish(p: Pending): void {
    this.settle(p);
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
    for (const p of this.pending.values()) this.fail(p, err);
  }
}
