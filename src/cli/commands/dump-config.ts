// --dump-config: the resolved model as JSON with keys in sorted order, so two dumps of the same
// configuration are byte-identical and diffs between configurations are meaningful.
import { type LoadOptions, exitCodeOf, loadConfig } from '../../config/load.js';
import type { CliIo } from '../io.js';
import { reportDiagnostics } from './config-test.js';

/** JSON.stringify with object keys sorted at every level (arrays keep their order). */
export function stableJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
              a < b ? -1 : a > b ? 1 : 0,
            ),
          )
        : v,
    2,
  );
}

export function dumpConfig(file: string, opts: LoadOptions, io: CliIo): number {
  const result = loadConfig(file, opts);
  reportDiagnostics(result, io);
  io.stdout(`${stableJson(result.config)}\n`);
  return exitCodeOf(result.verdict);
}
