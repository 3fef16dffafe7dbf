// Named one-shot timers at absolute deadlines on an injected monotonic clock: the shell side of
// the state machine's `setTimer` / `cancelTimer` actions.
//
// setTimeout works in whole milliseconds against its own loop clock, so against a sub-millisecond
// deadline it can fire a little early; the state machine ignores an early timer as stale, and the
// instance would then wait forever. An early wake-up therefore re-arms for the remainder, and a
// timer is only delivered once `clock.now() >= at`.
//
// Re-arming costs at least another whole millisecond, so a plain timer is delivered 1-2 ms late.
// For the timers that decide a takeover (the master-down timer after a priority-0 advert or a
// silent master), that is time the VIP is nowhere: "precise" timers wake PRECISE_LEAD_MS early
// and cover the rest by checking the clock once per event-loop turn (setImmediate), which lets
// I/O in between. The extra turns run only when the timer is about to fire, not each time it is
// re-armed, so a BACKUP's master-down timer, pushed back by every advert, costs nothing.

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

/** How early a precise timer wakes from setTimeout before polling the clock. */
export const PRECISE_LEAD_MS = 2;

export class Deadlines<Name extends string> {
  /** How to cancel each armed timer's pending wake-up (a timeout or an immediate). */
  private readonly pending = new Map<Name, () => void>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: Name) => void,
    private readonly precise: ReadonlySet<Name> = new Set(),
    /** Told how late (ms) each timer was delivered: how long the thread waited for a CPU. */
    private readonly delivered?: (lateMs: number) => void,
  ) {}

  /** (Re)arm `name` for `at`; replaces an earlier deadline of the same name. */
  set(name: Name, at: number): void {
    this.cancel(name);
    const lead = this.precise.has(name) ? PRECISE_LEAD_MS : 0;
    this.sleep(name, at, Math.max(0, Math.ceil(at - lead - this.clock.now())));
  }

  cancel(name: Name): void {
    this.pending.get(name)?.();
    this.pending.delete(name);
  }

  cancelAll(): void {
    for (const cancel of this.pending.values()) cancel();
    this.pending.clear();
  }

  private sleep(name: Name, at: number, ms: number): void {
    const t = setTimeout(() => this.wake(name, at), ms);
    this.pending.set(name, () => clearTimeout(t));
  }

  private wake(name: Name, at: number): void {
    const left = at - this.clock.now();
    if (left <= 0) {
      this.pending.delete(name);
      this.delivered?.(-left);
      this.fire(name);
    } else if (this.precise.has(name) && left <= PRECISE_LEAD_MS) {
      const i = setImmediate(() => this.wake(name, at));
      this.pending.set(name, () => clearImmediate(i));
    } else {
      this.sleep(name, at, Math.ceil(left));
    }
  }
}
