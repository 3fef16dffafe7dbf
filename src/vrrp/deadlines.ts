// Named one-shot timers at absolute deadlines on an injected monotonic clock: the shell side of
// the state machine's `setTimer` / `cancelTimer` actions.
//
// setTimeout works in whole milliseconds against its own loop clock, so against a sub-millisecond
// deadline it can fire a little early; the state machine ignores an early timer as stale, and the
// instance would then wait forever. An early wake-up therefore re-arms for the remainder, and a
// timer is only delivered once `clock.now() >= at`.

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
}

export const monotonicClock: Clock = { now: () => performance.now() };

export class Deadlines<Name extends string> {
  private readonly pending = new Map<Name, NodeJS.Timeout>();

  constructor(
    private readonly clock: Clock,
    private readonly fire: (name: Name) => void,
  ) {}

  /** (Re)arm `name` for `at`; replaces an earlier deadline of the same name. */
  set(name: Name, at: number): void {
    clearTimeout(this.pending.get(name));
    const wait = Math.max(0, Math.ceil(at - this.clock.now()));
    this.pending.set(
      name,
      setTimeout(() => {
        if (this.clock.now() < at) {
          this.set(name, at);
          return;
        }
        this.pending.delete(name);
        this.fire(name);
      }, wait),
    );
  }

  cancel(name: Name): void {
    clearTimeout(this.pending.get(name));
    this.pending.delete(name);
  }

  cancelAll(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
