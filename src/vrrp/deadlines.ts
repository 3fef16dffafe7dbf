// Named one-shot timers at absolute deadlines on an injected monotonic clock: the shell side of
// the state machine's `setTimer` / `cancelTimer` actions. A Waker says when to look at the clock
// again; a timer is only delivered once `clock.now() >= at`, so a wake-up that comes early (a
// setTimeout against its own loop clock, a clock that runs slow) re-arms for the remainder.
//
// Two wakers:
// - timeoutWaker (setTimeout): whole milliseconds, so a timer is delivered 1-2 ms late. For the
//   timers that decide a takeover (the master-down timer after a priority-0 advert or a silent
//   master), that is time the VIP is nowhere: "precise" timers wake PRECISE_LEAD_MS early and
//   cover the rest by checking the clock once per event-loop turn (setImmediate), which lets I/O
//   in between. The extra turns run only when the timer is about to fire, not each time it is
//   re-armed, so a BACKUP's master-down timer, pushed back by every advert, costs nothing.
// - TimerfdWaker (timerfd-waker.ts, the daemon's): a timerfd makes epoll return at the deadline
//   to the microsecond, for every timer, without polling.

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

/**
 * Calls `wake` at or after clock time `at` (ms), as close to it as the waker can; `precise` asks
 * for better than a setTimeout's millisecond. Returns a function that cancels the wake-up.
 */
export interface Waker {
  wakeAt(at: number, wake: () => void, precise: boolean): () => void;
}

/** How early a precise timer wakes from setTimeout before polling the clock. */
export const PRECISE_LEAD_MS = 2;

/** The setTimeout waker, with polling for the last PRECISE_LEAD_MS of precise timers. */
export function timeoutWaker(clock: Clock): Waker {
  return {
    wakeAt(at, wake, precise) {
      const left = at - clock.now();
      if (precise && left <= PRECISE_LEAD_MS) {
        const i = setImmediate(wake);
        return () => clearImmediate(i);
      }
      const t = setTimeout(wake, Math.max(0, Math.ceil(left - (precise ? PRECISE_LEAD_MS : 0))));
      return () => clearTimeout(t);
    },
  };
}

export interface DeadlinesOptions<Name extends string> {
  /** Timers delivered to the sub-millisecond by a setTimeout waker (see above). */
  precise?: ReadonlySet<Name>;
  /** Told how late (ms) each timer was delivered: how long the thread waited for a CPU. */
  delivered?: (lateMs: number) => void;
  /** Default: timeoutWaker(clock). */
  waker?: Waker;
}

export class Deadlines<Name extends string> {
  /** How to cancel each armed timer's pending wake-up. */
  private readonly pending = new Map<Name, () => void>();
  private readonly precise: ReadonlySet<Name>;
  private readonly delivered?: (lateMs: number) => void;
  private readonly waker: Waker;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: Name) => void,
    opts: DeadlinesOptions<Name> = {},
  ) {
    this.precise = opts.precise ?? new Set();
    this.delivered = opts.delivered;
    this.waker = opts.waker ?? timeoutWaker(clock);
  }

  /** (Re)arm `name` for `at`; replaces an earlier deadline of the same name. */
  set(name: Name, at: number): void {
    this.cancel(name);
    this.sleep(name, at);
  }

  cancel(name: Name): void {
    this.pending.get(name)?.();
    this.pending.delete(name);
  }

  cancelAll(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  private sleep(name: Name, at: number): void {
    const cancel = this.waker.wakeAt(at, () => this.wake(name, at), this.precise.has(name));
    this.pending.set(name, cancel);
  }

  private wake(name: Name, at: number): void {
    const left = at - this.clock.now();
    if (left > 0) {
      this.sleep(name, at);
      return;
    }
    this.pending.delete(name);
    this.delivered?.(-left);
    this.fire(name);
  }
}
