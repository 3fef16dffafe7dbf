// A finding about a configuration: where, how bad, what. keepalived logs "(FILE: Line N) text";
// we add the column and, for misspelled keywords, a suggestion.
import type { SourcePos } from './ast.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable machine-readable code, e.g. "unknown-keyword", "out-of-range", "include-cycle". */
  code: string;
  message: string;
  /** Where the problem is; absent only for whole-config findings (e.g. script security). */
  pos?: SourcePos;
  /** "did you mean 'interface'?" and similar. */
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ` : '';
  const hint = d.hint ? ` (${d.hint})` : '';
  return `${where}${d.severity}: ${d.message}${hint} [${d.code}]`;
}
