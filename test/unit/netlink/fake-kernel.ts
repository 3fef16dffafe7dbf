// A scripted netlink peer for NetlinkSocket unit tests (mdlayher/nltest's idea: fake at the
// message level, not the syscall level). `answer` sees each request and returns the datagrams
// the kernel would send back (a plain Buffer is unicast; { data, groups } a multicast delivery);
// they are delivered asynchronously, as a real socket would. Like the kernel, it answers every
// message of a datagram in order, and drops the success ACK of a message sent without NLM_F_ACK.
import {
  decodeErrorMessage,
  encodeErrorPayload,
  encodeMessage,
  decodeMessages,
  type NetlinkMessage,
} from '../../../src/netlink/message.js';
import type { NetlinkTransport } from '../../../src/netlink/socket.js';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_ACK, NLM_F_MULTI } from '../../../src/netlink/constants.js';
import type { ExtendedAck } from '../../../src/netlink/errors.js';

export type Answer = (req: NetlinkMessage) => Array<Buffer | { data: Buffer; groups: number }>;

export class FakeKernel implements NetlinkTransport {
  readonly pid = 4242;
  isClosed = false;
  groups = new Set<number>();
  keepAlive = false;
  sent: NetlinkMessage[] = [];
  private onDatagram: ((data: Buffer, groups: number, truncated: boolean) => void) | undefined;
  private onError: ((err: Error) => void) | undefined;

  constructor(private readonly answer: Answer = () => []) {}

  /** Datagrams received, as the number of messages each held. */
  datagrams: number[] = [];

  send(datagram: Buffer): void {
    const requests = decodeMessages(datagram);
    this.datagrams.push(requests.length);
    for (const req of requests) {
      this.sent.push(req);
      for (const d of this.answer(req)) {
        if (Buffer.isBuffer(d)) {
          if (!(req.header.flags & NLM_F_ACK) && isSuccessAck(d)) continue;
          this.deliver(d);
        } else this.deliver(d.data, d.groups);
      }
    }
  }

  /** Delivers a datagram on the next turn of the event loop (0 = unicast). */
  deliver(data: Buffer, groups = 0, truncated = false): void {
    setImmediate(() => this.onDatagram?.(data, groups, truncated));
  }

  fail(err: Error): void {
    setImmediate(() => this.onError?.(err));
  }

  joinGroup(group: number): void {
    this.groups.add(group);
  }

  leaveGroup(group: number): void {
    this.groups.delete(group);
  }

  start(
    onDatagram: (data: Buffer, groups: number, truncated: boolean) => void,
    onError: (err: Error) => void,
  ): void {
    this.onDatagram = onDatagram;
    this.onError = onError;
  }

  setKeepAlive(alive: boolean): void {
    this.keepAlive = alive;
  }

  close(): void {
    this.isClosed = true;
  }
}

/** A datagram that is nothing but one NLMSG_ERROR with errno 0. */
function isSuccessAck(datagram: Buffer): boolean {
  const msgs = decodeMessages(datagram);
  return (
    msgs.length === 1 &&
    msgs[0].header.type === NLMSG_ERROR &&
    decodeErrorMessage(msgs[0]).errno === 0
  );
}

export function reply(req: NetlinkMessage, type: number, data: Buffer, flags = 0): Buffer {
  return encodeMessage({ type, flags, seq: req.header.seq, pid: req.header.pid, data });
}

export function ack(req: NetlinkMessage, errno = 0, extAck: ExtendedAck = {}): Buffer {
  const { flags, data } = encodeErrorPayload(errno, req.header, extAck);
  return encodeMessage({
    type: NLMSG_ERROR,
    flags,
    seq: req.header.seq,
    pid: req.header.pid,
    data,
  });
}

export function done(req: NetlinkMessage, status = 0): Buffer {
  const data = Buffer.alloc(4);
  data.writeInt32LE(status);
  return encodeMessage({
    type: NLMSG_DONE,
    flags: NLM_F_MULTI,
    seq: req.header.seq,
    pid: req.header.pid,
    data,
  });
}
