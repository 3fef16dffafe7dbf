// A Waker (deadlines.ts) over one timerfd: epoll returns when the earliest pending deadline
// passes, to the microsecond, where setTimeout rounds to whole milliseconds against the event
// loop's clock (keepalived's own timers are timerfd-based too). One timerfd serves every timer of
// the VRRP runtime: the pending wake-ups are kept here, and the timerfd is armed for the earliest.
// The watcher keeps the process alive only while a wake-up is pending, as a setTimeout would.
import { loadNative } from '../net/native.js';
import type { Clock, Waker } from './deadlines.js';

interface PendingWake {
  at: number;
  wake: () => void;
  /** Cancelled: set when it is taken out, so a wake-up already due in this batch is skipped. */
  cancelled?: boolean;
}

export class TimerfdWaker implements Waker {
  private readonly native = loadNative();
  private readonly fd = this.native.timerfdCreate();
  private readonly watch = this.native.watchStart(this.fd, () => this.expired());
  /** Not sorted: a handful per instance, and the earliest is found when the timerfd expires. */
  private pending: PendingWake[] = [];
  /** The deadline the timerfd is armed for (Infinity: not armed for any). */
  private armedFor = Infinity;
  private closed = false;

  constructor(private readonly clock: Clock) {
    this.native.watchRef(this.watch, false);
  }

  wakeAt(at: number, wake: () => void): () => void {
    const entry: PendingWake = { at, wake };
    this.pending.push(entry);
    if (this.pending.length === 1) this.native.watchRef(this.watch, true);
    if (at < this.armedFor) this.arm(at);
    return () => this.remove(entry);
  }

  /** Stops the watcher and closes the timerfd; pending wake-ups are dropped. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.native.watchStop(this.watch);
    this.native.close(this.fd);
  }

  private remove(entry: PendingWake): void {
    entry.cancelled = true;
    const i = this.pending.indexOf(entry);
    if (i < 0) return;
    this.pending.splice(i, 1);
    // The timerfd stays armed: expiring with nothing due only re-arms for the earliest.
    if (this.pending.length === 0) this.native.watchRef(this.watch, false);
  }

  private arm(at: number): void {
    if (this.closed) return;
    this.armedFor = at;
    this.native.timerfdArm(this.fd, (at - this.clock.now()) * 1000);
  }

  /** Runs the wake-ups that are due, in deadline order, then arms for the next one. */
  private expired(): void {
    if (this.closed) return;
    this.native.timerfdAck(this.fd);
    this.armedFor = Infinity;
    const now = this.clock.now();
    const due = this.pending.filter((p) => p.at <= now).sort((a, b) => a.at - b.at);
    if (due.length > 0) this.pending = this.pending.filter((p) => p.at > now);
    if (this.pending.length === 0) this.native.watchRef(this.watch, false);
    for (const p of due) if (!p.cancelled) p.wake();
    // A wake-up may have asked for another (re-armed, or a new deadline) and armed the timerfd.
    const next = this.pending.reduce((min, p) => Math.min(min, p.at), Infinity);
    if (next < this.armedFor) this.arm(next);
  }
}
