// Netlink errors. Every one is a KtsError with a stable `code`:
//   NetlinkError        the kernel refused a request: code = the errno name ('EEXIST', 'ENOENT'),
//                       plus errno, op, seq and the extended-ACK message/offset when the kernel
//                       gave them (we always request NETLINK_EXT_ACK).
//   NetlinkDecodeError  bytes that are not valid netlink: code 'NETLINK_MALFORMED'.
//   NetlinkSocketError  the local side: 'NETLINK_TIMEOUT', 'NETLINK_CLOSED', 'NETLINK_OVERRUN',
//                       'NETLINK_DUMP_INTERRUPTED' (the table changed mid-dump: retry).
import { KtsError } from '../errors.js';
import { errnoName } from './errno.js';

export interface ExtendedAck {
  /** NLMSGERR_ATTR_MSG: the kernel's human-readable reason. */
  message?: string;
  /** NLMSGERR_ATTR_OFFS: byte offset of the offending attribute in the request. */
  offset?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: the attribute type the kernel needed but did not find. */
  missingType?: number;
}

export class NetlinkError extends KtsError {
  /** Positive errno, e.g. 17. */
  readonly errno: number;
  /** What was asked, e.g. 'RTM_NEWADDR' or 'genl IPVS cmd 1'. */
  readonly op: string;
  readonly seq: number;
  readonly extAck: ExtendedAck;

  constructor(op: string, errno: number, seq: number, extAck: ExtendedAck = {}) {
    const name = errnoName(errno);
    const detail = extAck.message ? `: ${extAck.message}` : '';
    super(name, `${op}: ${name}${detail}`);
    this.name = 'NetlinkError';
    this.errno = errno;
    this.op = op;
    this.seq = seq;
    this.extAck = extAck;
  }
}

export class NetlinkDecodeError extends KtsError {
  constructor(message: string) {
    super('NETLINK_MALFORMED', message);
    this.name = 'NetlinkDecodeError';
  }
}

export type NetlinkSocketErrorCode =
  'NETLINK_TIMEOUT' | 'NETLINK_CLOSED' | 'NETLINK_OVERRUN' | 'NETLINK_DUMP_INTERRUPTED';

export class NetlinkSocketError extends KtsError {
  constructor(code: NetlinkSocketErrorCode, message: string) {
    super(code, message);
    this.name = 'NetlinkSocketError';
  }
}

/** The object does not exist (ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL on delete). */
export function isNotExist(err: unknown): boolean {
  return (
    err instanceof NetlinkError && ['ENOENT', 'ESRCH', 'ENODEV', 'EADDRNOTAVAIL'].includes(err.code)
  );
}

/** The object already exists (EEXIST). */
export function isExist(err: unknown): boolean {
  return err instanceof NetlinkError && err.code === 'EEXIST';
}
