import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatRatio, formatSummary, MS, ratioLine } from '../../../bench/lib/format.js';
import { median, quantile, summarize } from '../../../bench/lib/stats.js';
import { runTrials } from '../../../bench/lib/trials.js';
import { parseKbFields, parseSchedstat } from '../../../bench/lib/proc.js';
import { benchArgs } from '../../../bench/lib/args.js';

describe('summary statistics', () => {
  it('summarizes unsorted samples', () => {
    assert.deepEqual(summarize([5, 1, 4, 2, 3]), {
      n: 5,
      min: 1,
      median: 3,
      p99: 5,
      max: 5,
      mean: 3,
    });
  });

  it('takes the mean of the middle two for an even count', () => {
    assert.equal(median([1, 2, 10, 20]), 6);
  });

  it('uses nearest rank for quantiles (every reported figure was measured)', () => {
    const sorted = Array.from({ length: 200 }, (_, i) => i + 1);
    assert.equal(quantile(sorted, 0.99), 198);
    assert.equal(quantile(sorted, 0), 1);
    assert.equal(quantile(sorted, 1), 200);
    assert.equal(quantile([7], 0.99), 7);
  });

  it('takes the median of two samples near the largest double without overflowing', () => {
    // The counterexample fast-check found: (a + b) / 2 gave -Infinity, below both samples.
    const [a, b] = [-1.7976931348623135e308, -2.2952163559649278e293];
    const m = median([a, b]);
    assert.ok(Number.isFinite(m) && a <= m && m <= b, String(m));
    assert.equal(median([Number.MAX_VALUE, Number.MAX_VALUE]), Number.MAX_VALUE);
  });

  it('rejects empty and non-finite input', () => {
    assert.throws(() => summarize([]), RangeError);
    assert.throws(() => summarize([1, Number.NaN]), RangeError);
    assert.throws(() => quantile([1], 1.5), RangeError);
  });

  it('orders min <= median <= p99 <= max, each a bound of the samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1 }),
        (xs) => {
          const s = summarize(xs);
          assert.ok(s.min <= s.median && s.median <= s.p99 && s.p99 <= s.max);
          assert.equal(s.min, Math.min(...xs));
          assert.equal(s.max, Math.max(...xs));
          assert.ok(xs.includes(s.p99));
        },
      ),
    );
  });
});

/** A clock that advances only when a run says so. */
function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('trial runner', () => {
  it('discards warm-ups and measures wall time when the run returns nothing', async () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const r = await runTrials({ warmup: 2, trials: 3, now: clock.now }, (trial) => {
      seen.push(trial);
      clock.advance(trial < 0 ? 100 : 10 * (trial + 1));
    });
    assert.deepEqual(seen, [-1, -2, 0, 1, 2]);
    assert.deepEqual(r.samples, [10, 20, 30]);
    assert.equal(r.warmupsDone, 2);
    assert.equal(r.truncated, false);
    assert.equal(r.summary.median, 20);
  });

  it('keeps the figure a run reports', async () => {
    const r = await runTrials({ warmup: 0, trials: 2 }, (trial) => Promise.resolve(trial + 0.5));
    assert.deepEqual(r.samples, [0.5, 1.5]);
  });

  it('stops starting runs once the time bound is spent, but always measures one trial', async () => {
    const clock = fakeClock();
    const r = await runTrials({ warmup: 5, trials: 10, timeBoundMs: 250, now: clock.now }, () => {
      clock.advance(100);
    });
    // Three warm-ups use 300 ms of the 250 ms bound; one trial is still measured.
    assert.equal(r.warmupsDone, 3);
    assert.deepEqual(r.samples, [100]);
    assert.equal(r.truncated, true);
  });

  it('fills the time bound with trials', async () => {
    const clock = fakeClock();
    const r = await runTrials({ warmup: 0, trials: 10, timeBoundMs: 250, now: clock.now }, () => {
      clock.advance(100);
    });
    assert.equal(r.samples.length, 3);
    assert.equal(r.truncated, true);
  });
});

describe('report lines', () => {
  it('formats ratios, with no ratio to a zero baseline', () => {
    assert.equal(formatRatio(3, 2), '1.50x');
    assert.equal(formatRatio(66, 3), '22.0x');
    assert.equal(formatRatio(1, 0), 'n/a');
  });

  it('prints the ratio line the suite summary collects', () => {
    assert.equal(
      ratioLine('idle RSS', 60, 'keepalived', 3, { name: 'MiB', decimals: 1 }),
      'ratio: idle RSS: keepalived-ts 60.0 MiB vs keepalived 3.0 MiB = 20.0x (lower is better)',
    );
    assert.equal(
      formatSummary(summarize([1, 2, 3]), MS),
      'min 1.0 ms, median 2.0 ms, p99 3.0 ms, max 3.0 ms (n=3)',
    );
  });
});

describe('/proc parsing', () => {
  it('reads kB fields of /proc/PID/status', () => {
    const status = 'Name:\tnode\nVmRSS:\t   66056 kB\nRssAnon:\t   22040 kB\nThreads:\t7\n';
    const f = parseKbFields(status);
    assert.equal(f.get('VmRSS'), 66056);
    assert.equal(f.get('RssAnon'), 22040);
    assert.equal(f.has('Threads'), false);
  });

  it('reads the on-CPU nanoseconds of a schedstat line', () => {
    assert.equal(parseSchedstat('8123456 2000 31\n'), 8123456);
  });
});

describe('benchmark flags', () => {
  it('parses the shared flags and leaves the rest to the benchmark', () => {
    assert.deepEqual(benchArgs(['--quick', '--trials', '4', '--impl', 'ours']), {
      quick: true,
      trials: 4,
      json: false,
    });
    assert.throws(() => benchArgs(['--trials', '0']), RangeError);
  });
});
