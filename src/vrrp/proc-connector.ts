// The kernel's process events connector (linux/connector.h, linux/cn_proc.h), which keepalived
// 2.2.7 follows for vrrp_track_process: the subscription message and the decoder of the events
// (pure), and a socket over the native addon that subscribes and reports them.
//
// Each datagram is one netlink message (type NLMSG_DONE) carrying a struct cn_msg
// { cb_id { u32 idx, u32 val }, u32 seq, u32 ack, u16 len, u16 flags } and then a struct
// proc_event { u32 what, u32 cpu, u64 timestamp_ns, union event_data }, all in host byte order.
import { AF_NETLINK, SOCK_DGRAM } from '../net/constants.js';
import { NativeSocket } from '../net/native.js';
import { encodeSockaddrNl } from '../net/sockaddr.js';
import { readU32, writeU16, writeU32 } from '../netlink/attr.js';
import { NLMSG_DONE } from '../netlink/constants.js';
import { decodeMessages, encodeMessage } from '../netlink/message.js';

/** linux/netlink.h */
export const NETLINK_CONNECTOR = 11;
/** linux/connector.h */
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
/** sizeof(struct cn_msg) without its data. */
export const CN_MSG_HDRLEN = 20;
/** linux/cn_proc.h enum proc_cn_mcast_op */
export const PROC_CN_MCAST_LISTEN = 1;
/** linux/cn_proc.h enum what */
export const PROC_EVENT_NONE = 0x0;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_COMM = 0x200;
export const PROC_EVENT_EXIT = 0x80000000;
/** struct proc_event: what, cpu, timestamp_ns; event_data follows. */
const PROC_EVENT_DATA = 16;
/** TASK_COMM_LEN */
const TASK_COMM_LEN = 16;

/** The events vrrp_track_process acts on; `pid` is the thread, `tgid` the process. */
export type ProcEvent =
  | { what: 'ack'; err: number }
  | { what: 'fork'; parentTgid: number; childPid: number; childTgid: number }
  | { what: 'exec'; pid: number; tgid: number }
  | { what: 'comm'; pid: number; tgid: number; comm: string }
  | { what: 'exit'; pid: number; tgid: number };

/** The message that subscribes the socket to process events. */
export function encodeProcListen(seq: number): Buffer {
  const data = Buffer.alloc(CN_MSG_HDRLEN + 4);
  writeU32(data, CN_IDX_PROC, 0);
  writeU32(data, CN_VAL_PROC, 4);
  writeU32(data, seq, 8);
  // ack (12) and flags (18) stay 0; len (16) is the operation's size.
  writeU16(data, 4, 16);
  writeU32(data, PROC_CN_MCAST_LISTEN, CN_MSG_HDRLEN);
  return encodeMessage({ type: NLMSG_DONE, flags: 0, seq, data });
}

/** One proc_event, or undefined for what we do not follow or a message too short for it. */
function decodeEvent(ev: Buffer, isAck: boolean): ProcEvent | undefined {
  if (ev.length < PROC_EVENT_DATA + 8) return undefined;
  const what = readU32(ev, 0);
  const u32 = (at: number) => readU32(ev, PROC_EVENT_DATA + at);
  // PROC_EVENT_NONE is an ack, every other event is not (keepalived checks the same).
  if ((what === PROC_EVENT_NONE) !== isAck) return undefined;
  switch (what) {
    case PROC_EVENT_NONE:
      return { what: 'ack', err: u32(0) };
    case PROC_EVENT_EXEC:
      return { what: 'exec', pid: u32(0), tgid: u32(4) };
    case PROC_EVENT_EXIT:
      return { what: 'exit', pid: u32(0), tgid: u32(4) };
    case PROC_EVENT_FORK:
      if (ev.length < PROC_EVENT_DATA + 16) return undefined;
      return { what: 'fork', parentTgid: u32(4), childPid: u32(8), childTgid: u32(12) };
    case PROC_EVENT_COMM: {
      const at = PROC_EVENT_DATA + 8;
      if (ev.length < at + TASK_COMM_LEN) return undefined;
      const raw = ev.subarray(at, at + TASK_COMM_LEN);
      const end = raw.indexOf(0);
      return {
        what: 'comm',
        pid: u32(0),
        tgid: u32(4),
        comm: raw.toString('utf8', 0, end < 0 ? TASK_COMM_LEN : end),
      };
    }
    default:
      return undefined;
  }
}

/**
 * The process events in one datagram. Messages that are not process events (other connector
 * ids, NLMSG_ERROR, truncated ones) are skipped; a malformed netlink framing throws
 * NetlinkDecodeError.
 */
export function decodeProcEvents(datagram: Buffer): ProcEvent[] {
  const out: ProcEvent[] = [];
  for (const msg of decodeMessages(datagram)) {
    if (msg.header.type !== NLMSG_DONE || msg.data.length < CN_MSG_HDRLEN) continue;
    const d = msg.data;
    if (readU32(d, 0) !== CN_IDX_PROC || readU32(d, 4) !== CN_VAL_PROC) continue;
    // cn_msg.ack at 12 is non-zero on the kernel's answer to our subscription.
    const ev = decodeEvent(d.subarray(CN_MSG_HDRLEN), readU32(d, 12) !== 0);
    if (ev) out.push(ev);
  }
  return out;
}

export interface ProcConnectorEvents {
  events(events: ProcEvent[]): void;
  /** Events were lost (receive queue overflow) or could not be read: resynchronise. */
  lost(err: Error): void;
}

/**
 * A NETLINK_CONNECTOR socket subscribed to process events. Opening throws where the connector
 * is not available: outside the initial network namespace the subscription is refused
 * (ECONNREFUSED), without CONFIG_PROC_EVENTS the protocol is (EPROTONOSUPPORT).
 */
export class ProcConnector {
  private readonly sock: NativeSocket;

  constructor(handler: ProcConnectorEvents) {
    this.sock = new NativeSocket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
    try {
      this.sock.bind(encodeSockaddrNl(0, CN_IDX_PROC));
      this.sock.sendTo(encodeProcListen(1), encodeSockaddrNl(0, 0));
      this.sock.startReading(
        (r) => {
          if (r.truncated) {
            handler.lost(new Error('truncated process event'));
            return;
          }
          let events: ProcEvent[];
          try {
            events = decodeProcEvents(r.data);
          } catch (err) {
            handler.lost(err as Error);
            return;
          }
          handler.events(events);
        },
        (err) => handler.lost(err),
      );
      this.sock.setKeepAlive(false);
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  close(): void {
    this.sock.close();
  }
}
