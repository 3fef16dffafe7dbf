// Report lines shared by the benchmarks. scripts/bench.mjs copies every line starting with
// "ratio:" or "machine:" into its closing summary, so a benchmark printing through these helpers
// gets its comparison into the summary table without further wiring.
import type { Summary } from './stats.js';

export interface Unit {
  /** Printed after each figure, e.g. "ms", "MiB", "% of one core". */
  name: string;
  decimals: number;
}

export const MS: Unit = { name: 'ms', decimals: 1 };

export function formatFigure(value: number, unit: Unit): string {
  return `${value.toFixed(unit.decimals)} ${unit.name}`;
}

/** "min 1.0 ms, median 2.0 ms, p99 3.0 ms, max 3.0 ms (n=5)" */
export function formatSummary(s: Summary, unit: Unit): string {
  const f = (v: number) => formatFigure(v, unit);
  return `min ${f(s.min)}, median ${f(s.median)}, p99 ${f(s.p99)}, max ${f(s.max)} (n=${s.n})`;
}

/**
 * ours / baseline as "2.50x"; "n/a" when the baseline is zero (e.g. keepalived used no measurable
 * CPU in the window), because a ratio to zero says nothing useful.
 */
export function formatRatio(ours: number, baseline: number): string {
  if (baseline === 0 || !Number.isFinite(ours / baseline)) return 'n/a';
  const r = ours / baseline;
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

/**
 * The comparison line the suite summary collects:
 * "ratio: idle RSS: keepalived-ts 60.0 MiB vs keepalived 3.3 MiB = 18.2x (lower is better)".
 */
export function ratioLine(
  what: string,
  ours: number,
  baselineName: string,
  baseline: number,
  unit: Unit,
  better: 'lower' | 'higher' = 'lower',
): string {
  return (
    `ratio: ${what}: keepalived-ts ${formatFigure(ours, unit)} vs ${baselineName} ` +
    `${formatFigure(baseline, unit)} = ${formatRatio(ours, baseline)} (${better} is better)`
  );
}
