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
  // Checker ids are small dense integers (plan indexes), so per-id data lives in typed arrays
  // indexed by id: no hashing and few cache misses on the hot path.
  /** Heap of ids ordered by (due, seq); the first `size` entries are live. */
  private heap = new Int32Array(64);
  private size = 0;
  /** id → index in `heap`, or -1 when not queued. */
  private position = new Int32Array(64).fill(-1);
  private due = new Float64Array(64);
  /** Scheduling counter per id: equal due times run in the order they were scheduled. */
  private seq = new Float64Array(64);
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
    return this.size;
  }

  isRunning(id: number): boolean {
    return this.inFlight.has(id);
  }

  /** Queues `id` to run at `dueMs`, or moves it there if already queued. Not while it runs. */
  schedule(id: number, dueMs: number): void {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`bad checker id ${id}`);
    if (this.inFlight.has(id)) throw new Error(`checker ${id} is running; use finish()`);
    this.ensureId(id);
    this.due[id] = dueMs;
    this.seq[id] = this.nextSeq++;
    const at = this.position[id]!;
    if (at < 0) {
      if (this.size === this.heap.length) this.heap = grow(this.heap, this.heap.length * 2, 0);
      this.heap[this.size] = id;
      this.position[id] = this.size;
      this.size += 1;
      this.siftUp(this.size - 1);
    } else {
      this.siftUp(at);
      this.siftDown(this.position[id]!);
    }
  }

  /** Forgets `id` (queued or running). */
  remove(id: number): void {
    this.inFlight.delete(id);
    if (id >= this.position.length) return;
    const at = this.position[id]!;
    if (at >= 0) this.removeAt(at);
  }

  /** Earliest due time among queued checkers, or undefined when none is queued. */
  nextDueMs(): number | undefined {
    return this.size === 0 ? undefined : this.due[this.heap[0]!];
  }

  /** When the caller should wake next: undefined while all slots are busy or nothing is queued. */
  wakeAtMs(): number | undefined {
    return this.inFlight.size >= this.maxConcurrent ? undefined : this.nextDueMs();
  }

  /** Takes the checkers due at `nowMs`, as many as free slots allow, and marks them running. */
  takeDue(nowMs: number): number[] {
    const taken: number[] = [];
    while (this.inFlight.size < this.maxConcurrent && this.size > 0) {
      const top = this.heap[0]!;
      if (this.due[top]! > nowMs) break;
      this.removeAt(0);
      this.inFlight.add(top);
      taken.push(top);
    }
    return taken;
  }

  /** Due time a checker was last scheduled for (for lateness figures). */
  dueOf(id: number): number | undefined {
    return id < this.due.length ? this.due[id] : undefined;
  }

  /** A taken checker finished: frees its slot and queues its next run. */
  finish(id: number, nextDueMs: number): void {
    if (!this.inFlight.delete(id)) return;
    this.schedule(id, nextDueMs);
  }

  private ensureId(id: number): void {
    if (id < this.position.length) return;
    const n = Math.max(id + 1, this.position.length * 2);
    this.position = grow(this.position, n, -1);
    this.due = grow(this.due, n, 0);
    this.seq = grow(this.seq, n, 0);
  }

  private less(a: number, b: number): boolean {
    const da = this.due[a]!;
    const db = this.due[b]!;
    return da < db || (da === db && this.seq[a]! < this.seq[b]!);
  }

  private removeAt(at: number): void {
    const id = this.heap[at]!;
    this.size -= 1;
    this.position[id] = -1;
    if (at === this.size) return;
    const last = this.heap[this.size]!;
    this.heap[at] = last;
    this.position[last] = at;
    this.siftUp(at);
    this.siftDown(this.position[last]!);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const id = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.less(id, p)) break;
      heap[i] = p;
      this.position[p] = i;
      i = parent;
    }
    heap[i] = id;
    this.position[id] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const id = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(heap[r]!, heap[l]!) ? r : l;
      const c = heap[child]!;
      if (!this.less(c, id)) break;
      heap[i] = c;
      this.position[c] = i;
      i = child;
    }
    heap[i] = id;
    this.position[id] = i;
  }
}

function grow<T extends Int32Array | Float64Array>(a: T, n: number, fill: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.fill(fill);
  b.set(a);
  return b;
}
