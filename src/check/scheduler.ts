// When each checker runs next. An indexed binary min-heap of due times: adding, moving, removing
// and taking the next due checker are O(log n), so the cost per check stays flat as the number of
// real servers grows. A cap on concurrent runs keeps a burst of due checks from opening thousands
// of sockets at once; late ones simply wait in the heap. Pure: time comes in as arguments.

/** keepalived's BOOTSTRAP_DELAY: the first check of every checker waits at least 1 s. */
export const BOOTSTRAP_DELAY_MS = 1000;

/** First run: 1 s plus a random 0..warmup, so checks to the same servers do not start together. */
export function firstRunDelayMs(warmupMs: number, random: () => number): number {
  return BOOTSTRAP_DELAY_MS + Math.floor(warmupMs * random());
}

export interface SchedulerOptions {
  /** Most checks in flight at once. */
  maxConcurrent: number;
}

export class CheckScheduler {
  private readonly maxConcurrent: number;
  /** Heap of ids ordered by (due, seq). */
  private readonly heap: number[] = [];
  /** id → index in `heap`, or -1 when not queued. */
  private readonly position = new Map<number, number>();
  private readonly due = new Map<number, number>();
  /** Insertion counter: equal due times run in the order they were scheduled. */
  private readonly seq = new Map<number, number>();
  private nextSeq = 0;
  private readonly inFlight = new Set<number>();

  constructor(opts: SchedulerOptions) {
    if (!(opts.maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be at least 1');
    this.maxConcurrent = opts.maxConcurrent;
  }

  get running(): number {
    return this.inFlight.size;
  }

  get queued(): number {
    return this.heap.length;
  }

  isRunning(id: number): boolean {
    return this.inFlight.has(id);
  }

  /** Queues `id` to run at `dueMs`, or moves it there if already queued. Not while it runs. */
  schedule(id: number, dueMs: number): void {
    if (this.inFlight.has(id)) throw new Error(`checker ${id} is running; use finish()`);
    this.due.set(id, dueMs);
    this.seq.set(id, this.nextSeq++);
    const at = this.position.get(id);
    if (at === undefined) {
      this.heap.push(id);
      this.position.set(id, this.heap.length - 1);
      this.siftUp(this.heap.length - 1);
    } else {
      this.siftUp(at);
      this.siftDown(this.position.get(id)!);
    }
  }

  /** Forgets `id` (queued or running). */
  remove(id: number): void {
    this.inFlight.delete(id);
    const at = this.position.get(id);
    if (at === undefined) return;
    this.removeAt(at);
    this.due.delete(id);
    this.seq.delete(id);
  }

  /** Earliest due time among queued checkers, or undefined when none is queued. */
  nextDueMs(): number | undefined {
    const top = this.heap[0];
    return top === undefined ? undefined : this.due.get(top);
  }

  /** When the caller should wake next: undefined while all slots are busy or nothing is queued. */
  wakeAtMs(): number | undefined {
    return this.inFlight.size >= this.maxConcurrent ? undefined : this.nextDueMs();
  }

  /** Takes the checkers due at `nowMs`, as many as free slots allow, and marks them running. */
  takeDue(nowMs: number): number[] {
    const taken: number[] = [];
    while (this.inFlight.size < this.maxConcurrent && this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.due.get(top)! > nowMs) break;
      this.removeAt(0);
      this.inFlight.add(top);
      taken.push(top);
    }
    return taken;
  }

  /** Due time a taken checker was scheduled for (for lateness figures), until it is rescheduled. */
  dueOf(id: number): number | undefined {
    return this.due.get(id);
  }

  /** A taken checker finished: frees its slot and queues its next run. */
  finish(id: number, nextDueMs: number): void {
    if (!this.inFlight.delete(id)) return;
    this.schedule(id, nextDueMs);
  }

  private less(a: number, b: number): boolean {
    const da = this.due.get(a)!;
    const db = this.due.get(b)!;
    return da < db || (da === db && this.seq.get(a)! < this.seq.get(b)!);
  }

  private removeAt(at: number): void {
    const id = this.heap[at]!;
    const last = this.heap.pop()!;
    this.position.delete(id);
    if (at === this.heap.length) return;
    this.heap[at] = last;
    this.position.set(last, at);
    this.siftUp(at);
    this.siftDown(this.position.get(last)!);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    this.position.set(b, i);
    this.position.set(a, j);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(this.heap[l]!, this.heap[smallest]!)) smallest = l;
      if (r < n && this.less(this.heap[r]!, this.heap[smallest]!)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
