// Per-check bookkeeping of the checker worker, in memory shared with the main thread: how many
// runs of each checker passed and failed, its last result, and a latency histogram per checker
// type. The worker writes it at every check (no allocation, no message); the main (VRRP) thread
// only reads it when /metrics or /status is asked for. The memory belongs to the supervisor, so a
// worker that crashes and is restarted continues the same counters, and what the dead worker
// counted stays readable meanwhile.
//
// One writer (the worker thread) and any number of readers. Each checker's record and each
// histogram has a sequence number (a seqlock): odd while the writer is inside, so a reader that
// saw it change or odd reads again and never mixes two runs' fields (Float64 reads can tear).
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';

/** Upper bounds (seconds) of keepalived_check_duration_seconds; a +Inf bucket follows. */
export const CHECK_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

// A checker's record, Float64 fields.
const SUCCESSES = 0;
const FAILURES = 1;
/** Epoch ms of the last run. */
const LAST_AT = 2;
const LAST_LATENCY_MS = 3;
/** 0: no run yet; else 1 + 2 * reason index + (ok ? 1 : 0). */
const LAST_RESULT = 4;
const CHECKER_FIELDS = 5;

// A histogram: one count per bucket (not cumulative; the last is +Inf), then sum (s) and count.
const BUCKET_COUNT = CHECK_DURATION_BUCKETS.length + 1;
const HISTOGRAM_SUM = BUCKET_COUNT;
const HISTOGRAM_COUNT = BUCKET_COUNT + 1;
const HISTOGRAM_FIELDS = BUCKET_COUNT + 2;

/** Distinct reasons kept; probes report a handful ("connected", "ECONNREFUSED", "status 503"). */
export const MAX_REASONS = 1024;
/** UTF-8 bytes of all reasons together. */
const REASON_TEXT_BYTES = 64 * 1024;
/** Reason 0, written at creation: what a run reports once the table is full. */
export const REASON_TABLE_FULL = '(reason not kept: too many distinct reasons)';
// Reason table header (Int32): how many entries are written.
const REASONS_WRITTEN = 0;
const REASON_HEADER_INTS = 1;

/**
 * How long a reader waits on a record whose writer is inside and makes no progress before taking
 * what it reads: a writer that died there (a terminated worker) would otherwise hold it forever.
 * A live writer is inside for well under a microsecond, unless the kernel preempts it.
 */
const STUCK_WRITER_MS = 20;

/** The shared memory, as it crosses to the worker (workerData) and back to a new supervisor. */
export interface LedgerMemory {
  /** Checker type of each checker id ("TCP_CHECK"); its histogram is `types.indexOf(type)`. */
  checkerTypes: string[];
  /** Histogram order: the distinct checker types. */
  types: string[];
  /** Int32 sequence numbers: one per checker, then one per histogram. */
  sequences: SharedArrayBuffer;
  /** Float64 CHECKER_FIELDS per checker id. */
  checkers: SharedArrayBuffer;
  /** Float64 HISTOGRAM_FIELDS per type. */
  histograms: SharedArrayBuffer;
  /** Int32 count written, Int32 end offset of each (MAX_REASONS), then the UTF-8 text. */
  reasons: SharedArrayBuffer;
}

export interface LastCheck {
  ok: boolean;
  reason: string;
  /** Epoch milliseconds. */
  atMs: number;
  latencyMs: number;
}

export interface CheckerFigures {
  successes: number;
  failures: number;
  last?: LastCheck;
}

export interface HistogramFigures {
  /** Cumulative counts, one per CHECK_DURATION_BUCKETS bound, then +Inf (= count). */
  cumulative: number[];
  sumSeconds: number;
  count: number;
}

const REASON_TEXT_OFFSET = (REASON_HEADER_INTS + MAX_REASONS) * Int32Array.BYTES_PER_ELEMENT;

/** Zeroed memory for checkers whose types are `checkerTypes[id]`. */
export function createLedgerMemory(checkerTypes: readonly string[]): LedgerMemory {
  const types = [...new Set(checkerTypes)];
  const memory: LedgerMemory = {
    checkerTypes: [...checkerTypes],
    types,
    sequences: new SharedArrayBuffer(
      (checkerTypes.length + types.length) * Int32Array.BYTES_PER_ELEMENT,
    ),
    checkers: new SharedArrayBuffer(
      checkerTypes.length * CHECKER_FIELDS * Float64Array.BYTES_PER_ELEMENT,
    ),
    histograms: new SharedArrayBuffer(
      types.length * HISTOGRAM_FIELDS * Float64Array.BYTES_PER_ELEMENT,
    ),
    reasons: new SharedArrayBuffer(REASON_TEXT_OFFSET + REASON_TEXT_BYTES),
  };
  new CheckLedger(memory).reasonIndex(REASON_TABLE_FULL);
  return memory;
}

/** Views on a LedgerMemory: `record` for the worker, the readers for the main thread. */
export class CheckLedger {
  readonly memory: LedgerMemory;
  private readonly sequences: Int32Array;
  private readonly checkers: Float64Array;
  private readonly histograms: Float64Array;
  private readonly typeOf: Uint16Array;
  private readonly reasonHeader: Int32Array;
  private readonly reasonEnds: Int32Array;
  private readonly reasonText: Buffer;
  /** Reasons decoded (reader) or written (writer) so far, and their indexes. */
  private readonly reasonTexts: string[] = [];
  private readonly reasonIndexes = new Map<string, number>();

  constructor(memory: LedgerMemory) {
    this.memory = memory;
    this.sequences = new Int32Array(memory.sequences);
    this.checkers = new Float64Array(memory.checkers);
    this.histograms = new Float64Array(memory.histograms);
    this.typeOf = Uint16Array.from(memory.checkerTypes, (t) => memory.types.indexOf(t));
    this.reasonHeader = new Int32Array(memory.reasons, 0, REASON_HEADER_INTS);
    this.reasonEnds = new Int32Array(
      memory.reasons,
      REASON_HEADER_INTS * Int32Array.BYTES_PER_ELEMENT,
      MAX_REASONS,
    );
    this.reasonText = Buffer.from(memory.reasons, REASON_TEXT_OFFSET, REASON_TEXT_BYTES);
  }

  get checkerCount(): number {
    return this.memory.checkerTypes.length;
  }

  /** Writer: one completed run of checker `id`. */
  record(id: number, ok: boolean, latencyMs: number, reason: string, atMs: number): void {
    if (id < 0 || id >= this.checkerCount) return;
    const reasonIndex = this.reasonIndex(reason);
    const base = id * CHECKER_FIELDS;
    let seq = this.enter(id);
    this.checkers[base + (ok ? SUCCESSES : FAILURES)]! += 1;
    this.checkers[base + LAST_AT] = atMs;
    this.checkers[base + LAST_LATENCY_MS] = latencyMs;
    this.checkers[base + LAST_RESULT] = 1 + 2 * reasonIndex + (ok ? 1 : 0);
    Atomics.store(this.sequences, id, seq + 1);

    const type = this.typeOf[id]!;
    const h = type * HISTOGRAM_FIELDS;
    const seconds = latencyMs / 1000;
    let bucket = 0;
    while (bucket < CHECK_DURATION_BUCKETS.length && seconds > CHECK_DURATION_BUCKETS[bucket]!)
      bucket++;
    const slot = this.checkerCount + type;
    seq = this.enter(slot);
    this.histograms[h + bucket]! += 1;
    this.histograms[h + HISTOGRAM_SUM]! += seconds;
    this.histograms[h + HISTOGRAM_COUNT]! += 1;
    Atomics.store(this.sequences, slot, seq + 1);
  }

  /**
   * Marks `slot` as being written: the next odd number. One left odd by a writer that died inside
   * (a terminated worker) is moved on to the following odd number, so readers see the change.
   */
  private enter(slot: number): number {
    const seq = (Atomics.load(this.sequences, slot) + 1) | 1;
    Atomics.store(this.sequences, slot, seq);
    return seq;
  }

  /** Runs `read` until it saw no write to `slot` in between. */
  private consistent<T>(slot: number, read: () => T): T {
    let stuckSince: number | undefined;
    for (;;) {
      const before = Atomics.load(this.sequences, slot);
      const value = read();
      const after = Atomics.load(this.sequences, slot);
      if (after === before && (before & 1) === 0) return value;
      if (after !== before) {
        // The writer moves on: a quiet moment comes soon.
        stuckSince = undefined;
        continue;
      }
      stuckSince ??= performance.now();
      if (performance.now() - stuckSince > STUCK_WRITER_MS) return value;
    }
  }

  /** Reader: checker `id`'s counts and last run. */
  checker(id: number): CheckerFigures {
    const base = id * CHECKER_FIELDS;
    const c = this.checkers;
    const [successes, failures, atMs, latencyMs, result] = this.consistent(id, () => [
      c[base + SUCCESSES]!,
      c[base + FAILURES]!,
      c[base + LAST_AT]!,
      c[base + LAST_LATENCY_MS]!,
      c[base + LAST_RESULT]!,
    ]) as [number, number, number, number, number];
    if (result === 0) return { successes, failures };
    const code = result - 1;
    return {
      successes,
      failures,
      last: { ok: code % 2 === 1, reason: this.reasonAt(code >> 1), atMs, latencyMs },
    };
  }

  /** Reader: the latency histogram of checkers of `type`, absent for a type the plan has not. */
  histogram(type: string): HistogramFigures | undefined {
    const t = this.memory.types.indexOf(type);
    if (t < 0) return undefined;
    const h = t * HISTOGRAM_FIELDS;
    const fields = this.consistent(this.checkerCount + t, () =>
      Array.from(this.histograms.subarray(h, h + HISTOGRAM_FIELDS)),
    );
    let acc = 0;
    const cumulative = fields.slice(0, BUCKET_COUNT).map((n) => (acc += n));
    return { cumulative, sumSeconds: fields[HISTOGRAM_SUM]!, count: fields[HISTOGRAM_COUNT]! };
  }

  /**
   * Before any worker writes this ledger (a reload): continues `from`'s figures. `pairs` maps the
   * old checker ids to the new ones of the same checkers; histograms continue by type.
   */
  carryFrom(from: CheckLedger, pairs: Iterable<readonly [oldId: number, newId: number]>): void {
    for (const [oldId, newId] of pairs) {
      const old = from.checker(oldId);
      const base = newId * CHECKER_FIELDS;
      this.checkers[base + SUCCESSES] = old.successes;
      this.checkers[base + FAILURES] = old.failures;
      if (old.last) {
        this.checkers[base + LAST_AT] = old.last.atMs;
        this.checkers[base + LAST_LATENCY_MS] = old.last.latencyMs;
        this.checkers[base + LAST_RESULT] =
          1 + 2 * this.reasonIndex(old.last.reason) + (old.last.ok ? 1 : 0);
      }
    }
    this.memory.types.forEach((type, t) => {
      const old = from.histogram(type);
      if (!old) return;
      const h = t * HISTOGRAM_FIELDS;
      old.cumulative.forEach((n, i) => (this.histograms[h + i] = n - (old.cumulative[i - 1] ?? 0)));
      this.histograms[h + HISTOGRAM_SUM] = old.sumSeconds;
      this.histograms[h + HISTOGRAM_COUNT] = old.count;
    });
  }

  /** Writer: the index of `reason` in the shared table, adding it if new (0 once full). */
  reasonIndex(reason: string): number {
    const known = this.reasonIndexes.get(reason);
    if (known !== undefined) return known;
    // A restarted worker finds the reasons its predecessor wrote.
    const written = this.syncReasons();
    const again = this.reasonIndexes.get(reason);
    if (again !== undefined) return again;
    const start = written === 0 ? 0 : this.reasonEnds[written - 1]!;
    const length = Buffer.byteLength(reason);
    if (written >= MAX_REASONS || start + length > REASON_TEXT_BYTES) return 0;
    this.reasonText.write(reason, start, length, 'utf8');
    this.reasonEnds[written] = start + length;
    // Published last: a reader that sees the count sees the text.
    Atomics.store(this.reasonHeader, REASONS_WRITTEN, written + 1);
    this.reasonTexts.push(reason);
    this.reasonIndexes.set(reason, written);
    return written;
  }

  private reasonAt(index: number): string {
    if (index >= this.reasonTexts.length) this.syncReasons();
    return this.reasonTexts[index] ?? REASON_TABLE_FULL;
  }

  /** Decodes the reasons written since the last look; returns how many there are. */
  private syncReasons(): number {
    const written = Atomics.load(this.reasonHeader, REASONS_WRITTEN);
    for (let i = this.reasonTexts.length; i < written; i++) {
      const start = i === 0 ? 0 : this.reasonEnds[i - 1]!;
      const text = this.reasonText.toString('utf8', start, this.reasonEnds[i]);
      this.reasonTexts.push(text);
      this.reasonIndexes.set(text, i);
    }
    return written;
  }
}
