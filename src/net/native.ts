// The native addon (native/kts_native.c, built to build/Release/kts_native.node) and a typed
// socket wrapper over it.
//
// API
//   loadNative(): NativeBinding        the raw functions, loaded on first use
//   new NativeSocket(domain, type, protocol, netns?)   netns: /run/netns/NAME to open it there
//     .setOption(level, name, int | Buffer)  .getOption(level, name)  .bind(sockaddr)
//     .sendTo(data, sockaddr)  .receive(): Received | null  .close()
//     .startReading(onPacket)  .stopReading()  .setKeepAlive(bool)
//   ifNameToIndex(name) / ifIndexToName(index)
// Failed system calls throw Error with code ('EPERM'...), errno and syscall.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KtsError } from '../errors.js';

/** One datagram from recvmsg, with the ancillary fields the socket enabled. */
export interface Received {
  data: Buffer;
  /** The source sockaddr bytes (decode with src/net/sockaddr.ts). */
  from: Buffer;
  /** The datagram was longer than the receive buffer (MSG_TRUNC). */
  truncated: boolean;
  /** IP_PKTINFO / IPV6_PKTINFO: arrival interface. */
  ifindex?: number;
  /** IP_PKTINFO / IPV6_PKTINFO: destination address bytes (4 or 16). */
  destination?: Buffer;
  /** IP_RECVTTL. */
  ttl?: number;
  /** IPV6_RECVHOPLIMIT. */
  hopLimit?: number;
}

declare const watchHandleBrand: unique symbol;
type WatchHandle = { readonly [watchHandleBrand]: true };

export interface NativeBinding {
  socket(domain: number, type: number, protocol: number, netnsPath?: string): number;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  getsockopt(fd: number, level: number, name: number): number;
  bind(fd: number, sockaddr: Buffer): void;
  getsockname(fd: number): Buffer;
  sendto(fd: number, data: Uint8Array, sockaddr: Buffer): number;
  recvmsg(fd: number): Received | null;
  close(fd: number): void;
  ifNameToIndex(name: string): number;
  ifIndexToName(index: number): string;
  /** The callback gets 0, or a negative libuv errno if polling failed. */
  watchStart(fd: number, onReadable: (status: number) => void): WatchHandle;
  watchStop(handle: WatchHandle): void;
  watchRef(handle: WatchHandle, ref: boolean): void;
  /** The calling thread to SCHED_RR at `priority` (1..99, reset on fork), or SCHED_OTHER with 0. */
  setThreadRealtime(priority: number): void;
  /** RLIMIT_RTTIME in microseconds; a negative hard limit leaves it unlimited. */
  setRealtimeCpuLimit(softUs: number, hardUs: number): void;
  /** A one-shot CLOCK_MONOTONIC timerfd (non-blocking, close-on-exec); watch it with watchStart. */
  timerfdCreate(): number;
  /** Arms it to expire `delayUs` microseconds from now (at least 1). */
  timerfdArm(fd: number, delayUs: number): void;
  /** Consumes an expiration (the fd stops being readable); none pending is not an error. */
  timerfdAck(fd: number): void;
}

const ADDON = join('build', 'Release', 'kts_native.node');
let binding: NativeBinding | undefined;

/** Walks up from this module (dist/src/net, dist-x/src/net, src/net) to the package root. */
function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, ADDON);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new KtsError('NATIVE_NOT_FOUND', `no package.json above ${fileURLToPath(import.meta.url)}`);
}

export function loadNative(): NativeBinding {
  if (binding) return binding;
  const path = findAddon();
  if (!existsSync(path)) {
    throw new KtsError('NATIVE_NOT_FOUND', `native addon missing: ${path} (run npm rebuild)`);
  }
  binding = createRequire(import.meta.url)(path) as NativeBinding;
  return binding;
}

export function ifNameToIndex(name: string): number {
  return loadNative().ifNameToIndex(name);
}

export function ifIndexToName(index: number): string {
  return loadNative().ifIndexToName(index);
}

/** A non-blocking socket owned by this object; close() releases the fd and the watcher. */
export class NativeSocket {
  readonly fd: number;
  private readonly native: NativeBinding;
  private watcher: WatchHandle | undefined;
  private closed = false;

  /** `netns`: a network namespace path (/run/netns/NAME) to create the socket in. */
  constructor(domain: number, type: number, protocol: number, netns?: string) {
    this.native = loadNative();
    this.fd =
      netns === undefined
        ? this.native.socket(domain, type, protocol)
        : this.native.socket(domain, type, protocol, netns);
  }

  setOption(level: number, name: number, value: number | Buffer): void {
    this.native.setsockopt(this.open(), level, name, value);
  }

  getOption(level: number, name: number): number {
    return this.native.getsockopt(this.open(), level, name);
  }

  bind(sockaddr: Buffer): void {
    this.native.bind(this.open(), sockaddr);
  }

  localAddress(): Buffer {
    return this.native.getsockname(this.open());
  }

  sendTo(data: Uint8Array, sockaddr: Buffer): number {
    return this.native.sendto(this.open(), data, sockaddr);
  }

  /** The next queued datagram, or null if none. */
  receive(): Received | null {
    return this.native.recvmsg(this.open());
  }

  /**
   * Calls onPacket for every datagram as it arrives (drained on each readability event), and
   * onError when a receive fails. One reader per socket. Exceptions thrown by onPacket are not
   * caught here: a handler's bug surfaces as an uncaught exception, not as a socket error.
   */
  startReading(onPacket: (r: Received) => void, onError: (err: Error) => void): void {
    if (this.watcher || this.closed) return;
    this.watcher = this.native.watchStart(this.fd, (status) => {
      if (status < 0) {
        onError(new KtsError('NET_POLL_FAILED', `polling fd ${this.fd} failed: ${status}`));
        return;
      }
      this.drain(onPacket, onError);
    });
  }

  /**
   * Reads until the queue is empty. One readability event may stand for many datagrams, and a
   * receive error (netlink ENOBUFS: messages were dropped) is reported and reading goes on: the
   * kernel stays silent about further drops until the queue has been emptied once. A handler may
   * close the socket, so that is checked before every read.
   */
  private drain(onPacket: (r: Received) => void, onError: (err: Error) => void): void {
    let failedLast = false;
    while (!this.closed) {
      let r: Received | null;
      try {
        r = this.receive();
      } catch (err) {
        onError(err as Error);
        if (failedLast) return; // the same error twice in a row: not a one-off, stop here
        failedLast = true;
        continue;
      }
      failedLast = false;
      if (r === null) return;
      onPacket(r);
    }
  }

  stopReading(): void {
    if (!this.watcher) return;
    this.native.watchStop(this.watcher);
    this.watcher = undefined;
  }

  /** Whether the reader keeps the process alive (default yes). */
  setKeepAlive(alive: boolean): void {
    if (this.watcher) this.native.watchRef(this.watcher, alive);
  }

  /** The fd, or a NET_SOCKET_CLOSED error: a closed fd number may already belong to another file. */
  private open(): number {
    if (this.closed) throw new KtsError('NET_SOCKET_CLOSED', `socket ${this.fd} is closed`);
    return this.fd;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.stopReading();
    this.closed = true;
    this.native.close(this.fd);
  }
}
