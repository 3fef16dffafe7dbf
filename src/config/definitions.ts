// `$NAME=value` definitions and their substitution, as keepalived's lib/parser.c does it
// (`check_definition`, `find_definition`, `replace_param`), with the built-ins `${_PWD}`,
// `${_INSTANCE}`, `${_RANDOM [MIN [MAX]]}`, `${_HASH}`, `${_BANG}` and `${_ENV VAR}`.
import type { SourcePos } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import { MAXBUF, columnsOf, isBlank, posAt, skipBlanks, type SourceLine } from './lexer.js';

/** Separates the lines of a multi-line definition's value (keepalived's DEF_LINE_END). */
export const DEF_LINE_END = '\n';

/**
 * keepalived has no bound here: `$A=$A` loops forever. We stop after this many substitutions on
 * one line and report a loop instead.
 */
export const MAX_SUBSTITUTIONS_PER_LINE = 1024;

export interface Definition {
  name: string;
  /** The value; for a multi-line definition its lines joined by DEF_LINE_END. */
  value: string;
  multiline: boolean;
  /** Built-ins compute their value at each use from the words after the name. */
  compute?: (params: string[] | undefined) => string;
  minParams: number;
  maxParams: number;
  numbersOnly: boolean;
}

export interface BuiltinContext {
  /** Directory of the file being read (keepalived changes into it, then calls getcwd). */
  cwd: () => string;
  configId: string;
  env: Record<string, string | undefined>;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
  report: (d: Diagnostic) => void;
}

const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isNameChar = (c: string | undefined): boolean => isAlpha(c) || isDigit(c) || c === '_';

/** The value of `${_RANDOM [MIN [MAX]]}`: keepalived's `random() % (max - min + 1) + min`. */
function randomValue(ctx: BuiltinContext, params: string[] | undefined): string {
  let min = params && params.length > 0 ? Number(params[0]) : 0;
  let max = params && params.length > 1 ? Number(params[1]) : 32767;
  if (min > max) {
    ctx.report({
      severity: 'error',
      code: 'random-range',
      message: `\${_RANDOM}: min ${min} exceeds max ${max}, using ${min}`,
    });
    max = min;
  }
  min = Math.trunc(min);
  return String(Math.floor(ctx.random() * (max - min + 1)) + min);
}

export class Definitions {
  private readonly defs = new Map<string, Definition>();

  constructor(ctx: BuiltinContext) {
    const builtin = (
      name: string,
      compute: Definition['compute'],
      minParams = 0,
      maxParams = 0,
      numbersOnly = false,
    ): void => {
      this.defs.set(name, {
        name,
        value: '',
        multiline: false,
        compute,
        minParams,
        maxParams,
        numbersOnly,
      });
    };
    builtin('_PWD', () => ctx.cwd());
    builtin('_INSTANCE', () => ctx.configId);
    builtin('_RANDOM', (params) => randomValue(ctx, params), 0, 2, true);
    builtin('_ENV', (params) => (params ? (ctx.env[params[0]] ?? '') : ''), 1, 1);
    builtin('_HASH', () => '#');
    builtin('_BANG', () => '!');
  }

  get(name: string): Definition | undefined {
    return this.defs.get(name);
  }

  /** keepalived's `set_definition` (used by ~SEQ/~LST): overrides a built-in, keeps `multiline`. */
  set(name: string, value: string): void {
    const def = this.defs.get(name);
    if (def) {
      def.value = value;
      def.compute = undefined;
    } else this.defs.set(name, plain(name, value, false));
  }

  /**
   * keepalived's `check_definition`: a line `$NAME=value` (no blank between name and `=`) defines
   * NAME. A value ending in `\` starts a multi-line definition; returns it so the reader can
   * append the following lines. Returns undefined when the line is not a definition.
   */
  define(text: string): Definition | undefined {
    if (text[0] !== '$' || !(isAlpha(text[1]) || text[1] === '_')) return undefined;
    let p = 2;
    while (p < text.length && text[p] !== '=') {
      if (!isNameChar(text[p])) return undefined;
      p++;
    }
    if (p >= text.length) return undefined;
    const name = text.slice(1, p);
    let value = text.slice(skipBlanks(text, p + 1));
    let multiline = false;
    if (value.endsWith('\\')) {
      multiline = true;
      let end = value.length - 1;
      while (end > 0 && isBlank(value[end - 1])) end--;
      value = end === 0 ? '' : value.slice(0, end) + DEF_LINE_END;
    }
    const def = this.defs.get(name);
    if (def) {
      def.value = value;
      def.multiline = multiline;
      def.compute = undefined;
      return def;
    }
    const created = plain(name, value, multiline);
    this.defs.set(name, created);
    return created;
  }
}

function plain(name: string, value: string, multiline: boolean): Definition {
  return { name, value, multiline, minParams: 0, maxParams: 0, numbersOnly: false };
}

interface Use {
  def: Definition;
  /** Index just after the use (`$NAME` or `${NAME params}`). */
  end: number;
  params?: string[];
}

/**
 * keepalived's `find_definition` for a use at `text[at] === '$'`: `$NAME` must be followed by a
 * blank, `,`, `)` or the end of the line; `${NAME}` may carry parameters (built-ins only). A
 * multi-line definition is only expanded at the end of the line.
 */
function findUse(
  text: string,
  at: number,
  defs: Definitions,
  line: SourceLine,
  report: (d: Diagnostic) => void,
): Use | undefined {
  let p = at + 1;
  const braces = text[p] === '{';
  if (braces) p++;
  const nameStart = p;
  if (!isAlpha(text[p]) && text[p] !== '_') return undefined;
  while (isNameChar(text[p])) p++;
  const name = text.slice(nameStart, p);
  let end: number;
  let paramText: string | undefined;
  if (braces) {
    const nameEnd = p;
    while (isBlank(text[p]) || isNameChar(text[p])) p++;
    const raw = text.slice(nameEnd, p);
    if (raw.trim() !== '') {
      if (isBlank(raw[raw.length - 1])) return undefined;
      paramText = raw.trim();
    }
    if (text[p] !== '}') return undefined;
    // Without parameters keepalived replaces `${` NAME and one more character, which is the `}`
    // unless blanks precede it: `${IF }` leaves the `}` behind (observed with 2.2.7).
    end = paramText === undefined ? nameEnd + 1 : p + 1;
  } else {
    const c = text[p];
    if (c !== undefined && !isBlank(c) && c !== ',' && c !== ')') return undefined;
    end = p;
  }
  const def = defs.get(name);
  if (!def) return undefined;
  if (def.multiline && (end !== text.length || paramText !== undefined)) return undefined;
  if (paramText === undefined) return { def, end };
  if (def.maxParams === 0) return undefined;
  const params = paramText.split(/[ \t]+/);
  const where = posAt(line, at);
  if (def.numbersOnly && !/^[0-9 \t]*$/.test(paramText)) {
    report({
      severity: 'error',
      code: 'definition-params',
      message: `Definition ${name} requires numeric parameters only.`,
      pos: where,
    });
    return undefined;
  }
  if (params.length > def.maxParams || params.length < def.minParams) {
    report({
      severity: 'error',
      code: 'definition-params',
      message: `Definition ${name} requires between ${def.minParams} and ${def.maxParams} parameters, ${params.length} specified.`,
      pos: where,
    });
    return undefined;
  }
  return { def, end, params };
}

/** A multi-line definition expanded on a line: its remaining lines, read next. */
export interface MultilineStart {
  rest: string[];
  pos: SourcePos;
}

export interface Substituted {
  line: SourceLine;
  /** False when nothing was substituted, or when `aborted`. */
  found: boolean;
  /** True when substitution was cut off by MAX_SUBSTITUTIONS_PER_LINE. */
  looped: boolean;
  multilineStarts: MultilineStart[];
  /**
   * True when the result would have been too long. keepalived then gives up mid-way: the line
   * keeps the substitutions made so far, and multi-line definitions met so far have already
   * saved the expansion in progress (see Preprocessor.startMultilines).
   */
  aborted: boolean;
}

/**
 * keepalived's `replace_param`: replace every use of a definition, rescanning each replacement
 * (so values expand recursively). A value starting with `~` stops the scan. Substituted
 * characters take the column of the `$` that produced them.
 */
export function substitute(
  line: SourceLine,
  defs: Definitions,
  report: (d: Diagnostic) => void,
  maxLen = MAXBUF,
): Substituted {
  let text = line.text;
  let cols: number[] | undefined;
  let found = false;
  let count = 0;
  let looped = false;
  const multilineStarts: MultilineStart[] = [];
  const current = (): SourceLine =>
    cols ? { text, file: line.file, line: line.line, col: cols[0] ?? line.col, cols } : line;
  let cur = text.indexOf('$');
  while (cur >= 0 && cur + 1 < text.length) {
    const use = findUse(text, cur, defs, current(), report);
    if (!use) {
      cur = text.indexOf('$', cur + 1);
      continue;
    }
    if (++count > MAX_SUBSTITUTIONS_PER_LINE) {
      report({
        severity: 'error',
        code: 'definition-loop',
        message: `Definition ${use.def.name} expands without end`,
        pos: posAt(current(), cur),
      });
      looped = true;
      break;
    }
    found = true;
    const { def } = use;
    let replacement: string;
    if (def.multiline) {
      const lines = def.value.split(DEF_LINE_END);
      replacement = lines[0];
      // A ~SEQ variable reusing a multi-line name keeps the flag with a one-line value (where
      // keepalived reads past the end of the value): treat that as a plain value.
      if (lines.length > 1)
        multilineStarts.push({ rest: lines.slice(1), pos: posAt(current(), cur) });
    } else {
      replacement = def.compute ? def.compute(use.params) : def.value;
    }
    if (text.length + replacement.length - (use.end - cur) >= maxLen) {
      report({
        severity: 'warning',
        code: 'line-too-long',
        message: `Parameter substitution on line '${text}' would exceed maximum line length`,
        pos: posAt(current(), cur),
      });
      return { line: current(), found: false, looped, multilineStarts, aborted: true };
    }
    cols ??= columnsOf(line);
    const col = cols[cur] ?? line.col;
    cols.splice(cur, use.end - cur, ...new Array<number>(replacement.length).fill(col));
    text = text.slice(0, cur) + replacement + text.slice(use.end);
    const value = def.compute ? replacement : def.value;
    if (replacement.length > 0 && value[skipBlanks(value, 0)] === '~') break;
    cur = text.indexOf('$', cur);
  }
  return { line: current(), found, looped, multilineStarts, aborted: false };
}
