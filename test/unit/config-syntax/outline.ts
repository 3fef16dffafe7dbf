// Compact views of a parse result for assertions: each statement as its words joined by single
// spaces, a block as [statement, [...contents]].
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Statement } from '../../../src/config/ast.js';
import { parseConfigText, type ParseOptions, type ParseResult } from '../../../src/config/parse.js';

export type Outline = Array<string | [string, Outline]>;

export function outline(statements: Statement[]): Outline {
  return statements.map((s) => {
    const head = [s.keyword, ...s.args].map((w) => w.text).join(' ');
    return s.block ? [head, outline(s.block.statements)] : head;
  });
}

export const FILE = '/etc/keepalived/keepalived.conf';

/** Parses `text` as FILE with config-id "main" unless told otherwise. */
export function parse(text: string, opts: ParseOptions = {}): ParseResult {
  return parseConfigText(text, FILE, { configId: 'main', ...opts });
}

export function codes(r: ParseResult): string[] {
  return r.diagnostics.map((d) => d.code);
}

/** A temporary directory tree of files (path -> content; mode 0o755 for executables). */
export class TempTree {
  readonly root = mkdtempSync(join(tmpdir(), `kts-config-syntax-${process.pid}-`));

  write(path: string, content: string, mode?: number): string {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    if (mode !== undefined) chmodSync(full, mode);
    return full;
  }

  dir(path: string): string {
    const full = join(this.root, path);
    mkdirSync(full, { recursive: true });
    return full;
  }

  path(path: string): string {
    return join(this.root, path);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
