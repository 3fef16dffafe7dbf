// -t / --config-test: load the configuration and report as `keepalived -t` does: findings on
// stderr as file:line:col: severity: message, and keepalived's exit status (keepalived.md §3.3).
import { formatDiagnostic } from '../../config/diagnostic.js';
import {
  CONFIG_TEST_EXIT,
  type LoadOptions,
  type LoadResult,
  exitCodeOf,
  loadConfig,
} from '../../config/load.js';
import type { CliIo } from '../io.js';

export function reportDiagnostics(result: LoadResult, io: CliIo): void {
  for (const d of result.diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
  if (result.verdict === 'missing-file') {
    io.stderr(
      'warning: no configuration file was read, so nothing was checked; exiting 0 as keepalived -t does [config-missing]\n',
    );
  }
}

export function configTest(file: string, opts: LoadOptions, io: CliIo, strict = false): number {
  const result = loadConfig(file, opts);
  reportDiagnostics(result, io);
  const warned = result.diagnostics.some((d) => d.severity === 'warning');
  // --strict: keepalived-ts's own stricter mode; keepalived itself has none.
  if (strict && result.verdict === 'ok' && warned) return CONFIG_TEST_EXIT.errors;
  return exitCodeOf(result.verdict);
}
