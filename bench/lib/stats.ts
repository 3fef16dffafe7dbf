// Summary statistics of benchmark samples. Pure: the trial runner and every benchmark feed it
// plain numbers (milliseconds, kB, percent), so the same min/median/p99/max reach every report.

export interface Summary {
  /** Number of samples. */
  n: number;
  min: number;
  median: number;
  /** Nearest-rank 99th percentile: with fewer than 100 samples it is the maximum. */
  p99: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank quantile of ascending-sorted samples (q in [0, 1]): the smallest sample with at
 * least q of the samples at or below it. No interpolation, so every figure reported was measured.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} outside [0, 1]`);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/** Median: the middle sample, or the mean of the two middle ones for an even count. */
export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) throw new RangeError('median of no samples');
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid];
  // Halved before adding: the sum of two samples near ±Number.MAX_VALUE would overflow.
  return sorted[mid - 1] / 2 + sorted[mid] / 2;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  if (samples.some((s) => !Number.isFinite(s))) throw new RangeError('non-finite sample');
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    min: sorted[0],
    median: median(sorted),
    p99: quantile(sorted, 0.99),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}
