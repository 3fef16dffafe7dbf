// Trial runner shared by the benchmarks: warm-up runs (discarded), then measured trials, stopping
// early when the time bound is spent so `npm run bench` always finishes; at least one trial runs.
// The clock is injected so the bound logic is tested exactly (test/unit/bench).
import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from './stats.js';

export interface TrialOptions {
  /** Runs before measuring (JIT, caches, first-run allocations); their figures are dropped. */
  warmup: number;
  /** Measured runs wanted. */
  trials: number;
  /** No new run (warm-up or trial) starts once this much time has passed; undefined: no bound. */
  timeBoundMs?: number;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: () => number;
}

export interface TrialResult {
  samples: number[];
  summary: Summary;
  warmupsDone: number;
  /** True when the time bound cut the trials short. */
  truncated: boolean;
}

/**
 * Runs `run` warmup + trials times. `run` returns the figure of one trial (or undefined to have
 * its wall time in ms taken as the figure), so a trial can report what it measured itself, e.g. a
 * latency observed inside a longer run.
 */
export async function runTrials(
  opts: TrialOptions,
  run: (trial: number) => Promise<number | void> | number | void,
): Promise<TrialResult> {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const spent = () => opts.timeBoundMs !== undefined && now() - start >= opts.timeBoundMs;
  let warmupsDone = 0;
  while (warmupsDone < opts.warmup && !spent()) {
    await run(-1 - warmupsDone);
    warmupsDone += 1;
  }
  const samples: number[] = [];
  while (samples.length < Math.max(1, opts.trials) && (samples.length === 0 || !spent())) {
    const t0 = now();
    const figure = await run(samples.length);
    samples.push(typeof figure === 'number' ? figure : now() - t0);
  }
  return {
    samples,
    summary: summarize(samples),
    warmupsDone,
    truncated: samples.length < opts.trials,
  };
}
