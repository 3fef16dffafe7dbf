// Shared machinery of the model builders: collecting diagnostics, dispatching a block's statements
// through a keyword table (unknown keywords get a did-you-mean), and reading typed arguments with
// keepalived's wording for bad values.
import type { Block, SourcePos, Statement, Word } from '../ast.js';
import type { Diagnostic } from '../diagnostic.js';
import type { UnmodelledSetting } from '../model.js';
import { suggest } from '../suggest.js';

export class BuildContext {
  readonly diagnostics: Diagnostic[] = [];

  error(pos: SourcePos | undefined, code: string, message: string, hint?: string): void {
    this.diagnostics.push(withOptional({ severity: 'error', code, message }, pos, hint));
  }

  warn(pos: SourcePos | undefined, code: string, message: string, hint?: string): void {
    this.diagnostics.push(withOptional({ severity: 'warning', code, message }, pos, hint));
  }
}

function withOptional(
  d: Diagnostic,
  pos: SourcePos | undefined,
  hint: string | undefined,
): Diagnostic {
  if (pos) d.pos = pos;
  if (hint) d.hint = hint;
  return d;
}

export type Handler<T> = (s: Statement, target: T, ctx: BuildContext) => void;

export interface KeywordSpec<T> {
  handle: Handler<T>;
  /** 'block': the statement must open `{ }`; 'line': it must not; 'either': both are accepted. */
  shape: 'block' | 'line' | 'either';
  /** Words the keyword uses; keepalived silently ignores any more, we warn. */
  maxArgs?: number;
}

/**
 * Keyword → how to apply it. Several spellings may share one spec (aliases). The specs are held
 * in a prototype-less object, not a Map: keywords of 13 characters or more (`connect_timeout`)
 * reach us as V8 sliced strings, which a Map compares with its stored key in the runtime's slow
 * path at every lookup, whereas a property lookup turns the tree's string into a reference to
 * the interned keyword the first time, and is a pointer compare from then on.
 */
export class KeywordTable<T> {
  private readonly specs: Record<string, KeywordSpec<T> | undefined> = Object.create(null);

  constructor(entries: Iterable<[string, KeywordSpec<T>]>) {
    for (const [keyword, spec] of entries) this.specs[keyword] = spec;
  }

  get(keyword: string): KeywordSpec<T> | undefined {
    return this.specs[keyword];
  }

  set(keyword: string, spec: KeywordSpec<T>): void {
    this.specs[keyword] = spec;
  }

  keys(): string[] {
    return Object.keys(this.specs);
  }
}

export function line<T>(handle: Handler<T>): KeywordSpec<T> {
  return { handle, shape: 'line' };
}

/** A keyword whose argument, when it reads cleanly, sets one field of the draft. */
export function field<T, K extends keyof T>(
  key: K,
  read: (ctx: BuildContext, s: Statement) => T[K] | undefined,
): KeywordSpec<T> {
  return line<T>((s, target, ctx) => {
    const v = read(ctx, s);
    if (v !== undefined) target[key] = v;
  });
}

export function block<T>(handle: Handler<T>): KeywordSpec<T> {
  return { handle, shape: 'block' };
}

/**
 * A block of value lines (keepalived's alloc_value_block): nothing may follow the keyword but the
 * `{`; keepalived reports the first other word and reads the block anyway.
 */
export function valueBlock<T>(handle: Handler<T>): KeywordSpec<T> {
  return block<T>((s, t, ctx) => {
    const [extra] = s.args;
    if (extra)
      ctx.error(
        extra.pos,
        'extra-parameters',
        `Block ${s.keyword.text} has extra parameters ${extra.text} ...`,
      );
    handle(s, t, ctx);
  });
}

/**
 * Sets how many words each named keyword of `table` takes. keepalived ignores surplus words
 * silently, which hides mistakes such as `lvs_sched rr ; protocol tcp` (`;` separates nothing).
 */
export function limitArgs<T>(table: KeywordTable<T>, limits: Record<string, number>): void {
  for (const [keyword, maxArgs] of Object.entries(limits)) {
    const spec = table.get(keyword);
    if (!spec) throw new Error(`limitArgs: no keyword '${keyword}'`);
    table.set(keyword, { ...spec, maxArgs });
  }
}

/** A keyword accepted and recorded in `list(target)` without being acted on. */
export function recorded<T>(list: (target: T) => UnmodelledSetting[]): KeywordSpec<T> {
  return {
    shape: 'either',
    handle: (s, t) => {
      list(t).push({ keyword: s.keyword.text, args: s.args.map((a) => a.text), pos: s.pos });
    },
  };
}

/** An old spelling keepalived still accepts but warns about, naming the current one. */
export function deprecated<T>(current: string, spec: KeywordSpec<T>): KeywordSpec<T> {
  return {
    shape: spec.shape,
    handle: (s, target, ctx) => {
      ctx.warn(
        s.keyword.pos,
        'deprecated-keyword',
        `keyword '${s.keyword.text}' is deprecated - please use '${current}'`,
      );
      spec.handle(s, target, ctx);
    },
  };
}

/**
 * Applies every statement of a block through `table`. Statements whose keyword is not in the
 * table go to `fallback` when given (list blocks whose lines are values, e.g. addresses), else
 * are reported as unknown with the nearest valid keyword as a hint.
 */
export function applyBlock<T>(
  ctx: BuildContext,
  statements: Statement[],
  table: KeywordTable<T>,
  target: T,
  fallback?: Handler<T>,
): void {
  for (const s of statements) {
    const spec = table.get(s.keyword.text);
    if (!spec) {
      if (fallback) fallback(s, target, ctx);
      else reportUnknown(ctx, s, table.keys());
      continue;
    }
    if (spec.shape === 'block' && !s.block) {
      ctx.error(s.keyword.pos, 'missing-block', `'${s.keyword.text}' requires a '{ ... }' block`);
      continue;
    }
    if (spec.shape === 'line' && s.block) {
      ctx.error(s.block.open, 'unexpected-block', `unexpected '{' after '${s.keyword.text}'`);
      continue;
    }
    spec.handle(s, target, ctx);
    if (spec.maxArgs !== undefined && s.args.length > spec.maxArgs) {
      const extra = s.args.slice(spec.maxArgs);
      ctx.warn(
        extra[0].pos,
        'extra-parameters',
        `'${s.keyword.text}' takes ${spec.maxArgs} parameter${spec.maxArgs === 1 ? '' : 's'}; ignoring '${extra.map((w) => w.text).join(' ')}'`,
        extra.some((w) => w.text === ';')
          ? "';' does not separate statements: put each on its own line"
          : undefined,
      );
    }
  }
}

/** keyword → the blocks it is valid in, to explain a keyword written in the wrong block. */
const BLOCKS_OF = new Map<string, string[]>();

/** Records the keywords of a block (called once per keyword table, at module load). */
export function registerBlock(block: string, keywords: Iterable<string>): void {
  for (const k of keywords) BLOCKS_OF.set(k, [...(BLOCKS_OF.get(k) ?? []), block]);
}

export function reportUnknown(ctx: BuildContext, s: Statement, valid: Iterable<string>): void {
  const elsewhere = BLOCKS_OF.get(s.keyword.text);
  const near = suggest(s.keyword.text, valid);
  const hint = elsewhere
    ? `'${s.keyword.text}' belongs in ${elsewhere.join(' or ')}`
    : near
      ? `did you mean '${near}'?`
      : undefined;
  ctx.error(s.keyword.pos, 'unknown-keyword', `Unknown keyword '${s.keyword.text}'`, hint);
}

/** Only the keys whose value is defined, so absent optional fields stay absent in the model. */
export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  // A plain loop: this runs for every real server and checker of a config.
  const out: Record<string, unknown> = {};
  for (const key in o) if (o[key] !== undefined) out[key] = o[key];
  return out as { [K in keyof T]: Exclude<T[K], undefined> };
}

/** The statements of a statement's block (empty when it has none). */
export function children(s: Statement): Statement[] {
  return s.block?.statements ?? [];
}

/** Every word of a list block (`notification_email { a b }`, `group { VI_1 VI_2 }`). */
export function blockWords(b: Block | undefined): Word[] {
  return (b?.statements ?? []).flatMap((s) => [s.keyword, ...s.args]);
}

// ---------------------------------------------------------------------------------------------
// Argument readers. Each reports its own diagnostic and returns undefined on a bad value, so
// handlers simply skip the assignment (keepalived ignores such lines).

/** The argument at `index` (0 = first after the keyword), or a "missing parameter" error. */
export function arg(ctx: BuildContext, s: Statement, index = 0): Word | undefined {
  const w = s.args[index];
  if (!w) {
    ctx.error(
      s.keyword.pos,
      'missing-parameter',
      `Configuration line starting '${s.keyword.text}' is missing a parameter at word position ${index + 2}`,
    );
  }
  return w;
}

// Numbers are checked a character at a time, not with regexes: a configuration has one or more
// per line, and a regex match costs several times this scan once optimised. One loop per
// function, no call per character: the first load runs these in V8's interpreter.
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Past the optional sign of a number. */
function afterSign(text: string): number {
  const c = text.charCodeAt(0);
  return c === PLUS || c === MINUS ? 1 : 0;
}

/** Whether `text` is an integer, `[+-]?[0-9]+`. */
function isInteger(text: string): boolean {
  const start = afterSign(text);
  if (start === text.length) return false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < DIGIT_0 || c > DIGIT_9) return false;
  }
  return true;
}

/** The decimal places of `text` when it is a decimal, `[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)`; else -1. */
function decimalPlaces(text: string): number {
  const start = afterSign(text);
  let dot = -1;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT && dot < 0) dot = i;
    else if (c < DIGIT_0 || c > DIGIT_9) return -1;
  }
  if (dot < 0) return text.length > start ? 0 : -1;
  // A dot needs a digit on one side at least.
  return text.length - start > 1 ? text.length - dot - 1 : -1;
}

/** An integer in [min, max], keepalived's `read_int_strvec` / `read_unsigned_strvec`. */
export function readInt(
  ctx: BuildContext,
  w: Word | undefined,
  min: number,
  max: number,
): number | undefined {
  if (!w) return undefined;
  if (!isInteger(w.text)) {
    ctx.error(w.pos, 'invalid-number', `invalid number '${w.text}'`);
    return undefined;
  }
  const n = Number(w.text);
  if (n < min || n > max) {
    ctx.error(w.pos, 'out-of-range', `number '${w.text}' outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

export function intArg(
  ctx: BuildContext,
  s: Statement,
  min: number,
  max: number,
  index = 0,
): number | undefined {
  return readInt(ctx, arg(ctx, s, index), min, max);
}

/** Microseconds per second: keepalived's timers are fixed point with 6 decimals. */
const TIMER_HZ_DIGITS = 6;
/** The largest timer keepalived holds, in seconds (UINT_MAX microseconds). */
export const MAX_TIMER_SECONDS = 4294.967295;

/** Decimal seconds in [min, max] with at most microsecond precision (`read_decimal_unsigned_strvec`). */
export function readSeconds(
  ctx: BuildContext,
  w: Word | undefined,
  min: number,
  max: number,
): number | undefined {
  if (!w) return undefined;
  const decimals = decimalPlaces(w.text);
  if (decimals < 0) {
    ctx.error(w.pos, 'invalid-number', `invalid number '${w.text}'`);
    return undefined;
  }
  if (w.text.charCodeAt(0) === MINUS) {
    ctx.error(w.pos, 'invalid-number', `negative number '${w.text}'`);
    return undefined;
  }
  if (decimals > TIMER_HZ_DIGITS) {
    ctx.error(w.pos, 'invalid-number', `number '${w.text}' has too many decimal places`);
    return undefined;
  }
  const n = Number(w.text);
  if (n < min || n > max) {
    ctx.error(w.pos, 'out-of-range', `number '${w.text}' outside range [${min}, ${max}]`);
    return undefined;
  }
  return n;
}

export function secondsArg(
  ctx: BuildContext,
  s: Statement,
  min: number,
  max: number,
  index = 0,
): number | undefined {
  return readSeconds(ctx, arg(ctx, s, index), min, max);
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/** A flag with an optional boolean: bare keyword = true (keepalived's `check_true_false`). */
export function flagArg(ctx: BuildContext, s: Statement): boolean | undefined {
  const w = s.args[0];
  if (!w) return true;
  const v = w.text.toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  ctx.error(w.pos, 'invalid-boolean', `Invalid ${s.keyword.text} parameter ${w.text}`);
  return undefined;
}

/** A single string argument. */
export function stringArg(ctx: BuildContext, s: Statement, index = 0): string | undefined {
  return arg(ctx, s, index)?.text;
}

/** One of a fixed set of words. */
export function choiceArg<C extends string>(
  ctx: BuildContext,
  s: Statement,
  choices: readonly C[],
  index = 0,
): C | undefined {
  const w = arg(ctx, s, index);
  if (!w) return undefined;
  if ((choices as readonly string[]).includes(w.text)) return w.text as C;
  const near = suggest(w.text, choices);
  ctx.error(
    w.pos,
    'invalid-value',
    `invalid ${s.keyword.text} '${w.text}' (expected ${choices.join(', ')})`,
    near ? `did you mean '${near}'?` : undefined,
  );
  return undefined;
}
