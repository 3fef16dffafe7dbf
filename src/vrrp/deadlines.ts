// Named one-shot timers at absolute deadlines on an injected monotonic clock: the shell side of
// the state machine's `setTimer` / `cancelTimer` actions. A Waker says when to look at the clock
// again; a timer is only delivered once `clock.now() >= at`, so a wake-up that comes early (a
// setTimeout against its own loop clock, a clock that runs slow) re-arms for the remainder.
//
// Two wakers: timeoutWaker (setTimeout, the default) counts whole milliseconds, so a timer is
// delivered 1-2 ms late; TimerfdWaker (timerfd-waker.ts), which the VRRP runtime gives its
// instances, wakes at the deadline to the microsecond.

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

/**
 * Calls `wake` at or after clock time `at` (ms), as close to it as the waker can. Returns a
 * function that cancels the wake-up.
 */
export interface Waker {
  wakeAt(at: number, wake: () => void): () => void;
}

/** The setTimeout waker. */
export function timeoutWaker(clock: Clock): Waker {
  return {
    wakeAt(at, wake) {
      const t = setTimeout(wake, Math.max(0, Math.ceil(at - clock.now())));
      return () => clearTimeout(t);
    },
  };
}

export interface DeadlinesOptions {
  /** Told how late (ms) each timer was delivered: how long the thread waited for a CPU. */
  delivered?: (lateMs: number) => void;
  /** Default: timeoutWaker(clock). */
  waker?: Waker;
}

export class Deadlines<Name extends string> {
  /** How to cancel each armed timer's pending wake-up. */
  private readonly pending = new Map<Name, () => void>();
  private readonly delivered?: (lateMs: number) => void;
  private readonly waker: Waker;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: Name) => void,
    opts: DeadlinesOptions = {},
  ) {
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
    const cancel = this.waker.wakeAt(at, () => this.wake(name, at));
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
