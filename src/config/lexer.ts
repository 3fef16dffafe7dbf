// Line-level lexing of keepalived.conf, as keepalived's lib/parser.c does it: comment stripping
// (`decomment`), brace splitting (end of `read_line`) and word splitting (`alloc_strvec_r`, done
// by a moo lexer). Every piece of text keeps a map back to the column it was written at,
// so positions survive comment-escape removal and `$NAME` substitution.
import moo from 'moo';
import type { LexerState, Lexer as NearleyLexer } from 'nearley';
import type { Block, SourcePos, Statement, Word } from './ast.js';
import type { Diagnostic } from './diagnostic.js';

/** keepalived reads each physical line into a buffer of this size (lib/parser.h MAXBUF). */
export const MAXBUF = 1024;

/**
 * A piece of configuration text with its origin. Usually a contiguous slice of one source line
 * (`cols` absent: character i sits at column `col + i`); after escape removal or `$` substitution
 * the text is no longer contiguous and `cols` gives each character's column.
 */
export interface SourceLine {
  text: string;
  file: string;
  line: number;
  col: number;
  cols?: number[];
}

/** The column (1-based) character `i` of `l` came from; past the end, the column after the last. */
export function colAt(l: SourceLine, i: number): number {
  if (!l.cols) return l.col + i;
  if (l.cols.length === 0) return l.col;
  if (i < l.cols.length) return l.cols[i];
  return l.cols[l.cols.length - 1] + 1;
}

export function posAt(l: SourceLine, i: number): SourcePos {
  return { file: l.file, line: l.line, col: colAt(l, i) };
}

/** The characters [start, end) of `l`, keeping their columns. */
export function sliceLine(l: SourceLine, start: number, end = l.text.length): SourceLine {
  const text = l.text.slice(start, end);
  if (!l.cols) return { text, file: l.file, line: l.line, col: l.col + start };
  return { text, file: l.file, line: l.line, col: colAt(l, start), cols: l.cols.slice(start, end) };
}

/** Per-character columns of `l`, materialised (for edits that make the text non-contiguous). */
export function columnsOf(l: SourceLine): number[] {
  if (l.cols) return l.cols.slice();
  const cols = new Array<number>(l.text.length);
  for (let i = 0; i < cols.length; i++) cols[i] = l.col + i;
  return cols;
}

export const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/** The characters `decomment` acts on: quotes, escapes and comment starts. */
const DECOMMENT_SPECIAL = /["\\#!]/;

const DOUBLE_QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const BANG = 0x21;

/** keepalived's WHITE_SPACE_STR: " \t\f\v\r\n", by character code. */
const isWhiteSpace = (c: number): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0c || c === 0x0b || c === 0x0d || c === 0x0a;

/** Index after the run of WHITE_SPACE_STR characters starting at `i`. */
export function skipWhiteSpace(s: string, i: number): number {
  while (i < s.length && isWhiteSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Index after the run of spaces and tabs starting at `i`. */
export function skipBlanks(s: string, i: number): number {
  while (i < s.length && isBlank(s[i])) i++;
  return i;
}

/** `l` without trailing spaces and tabs. */
export function trimEndBlanks(l: SourceLine): SourceLine {
  let end = l.text.length;
  while (end > 0 && isBlank(l.text[end - 1])) end--;
  return end === l.text.length ? l : sliceLine(l, 0, end);
}

export interface Decommented {
  line: SourceLine;
  /** Index of a `"` left open at the end of the line, or -1. */
  openQuote: number;
}

/**
 * keepalived's `decomment`: drop leading blanks; cut at the first `#` or `!` outside double
 * quotes; turn `\#` and `\!` outside quotes into `#` and `!`; drop trailing blanks, except that a
 * line ending in `\` keeps it, glued to the text before it (`advert_int 1 \` gives `1\`).
 */
export function decomment(l: SourceLine): Decommented {
  const s = l.text;
  const start = skipBlanks(s, 0);
  if (!l.cols && !DECOMMENT_SPECIAL.test(s)) {
    // Nothing to cut or unescape (most lines): one native scan instead of the loop below.
    let end = s.length;
    while (end > start && isBlank(s[end - 1])) end--;
    const text = start === 0 && end === s.length ? s : s.slice(start, end);
    return { line: { text, file: l.file, line: l.line, col: l.col + start }, openQuote: -1 };
  }
  // Text before the last escape, when there was one; the text from `runStart` on is still
  // contiguous in `s`, so a line without escapes is sliced once, at the end.
  let out = '';
  // Columns are only tracked when the text is not (or will not stay) contiguous.
  let cols: number[] | undefined = l.cols ? [] : undefined;
  let quote = -1;
  let cont = false;
  let runStart = start;
  let i = start;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === DOUBLE_QUOTE) {
      quote = quote < 0 ? out.length + i - runStart : -1;
    } else if (c === BACKSLASH) {
      if (i + 1 >= s.length) {
        cont = true;
        break;
      }
      const escaped = s.charCodeAt(i + 1);
      if (quote < 0 && (escaped === HASH || escaped === BANG)) {
        cols ??= []; // nothing flushed yet: escapes are what force flushing
        for (let k = runStart; k < i; k++) cols.push(colAt(l, k));
        out += s.slice(runStart, i);
        runStart = i + 1;
      }
      i++;
    } else if (quote < 0 && (c === HASH || c === BANG)) {
      break;
    }
  }
  let text: string;
  if (!cols) {
    let end = i;
    while (end > start && isBlank(s[end - 1])) end--;
    text = s.slice(start, end);
  } else {
    for (let k = runStart; k < i; k++) cols.push(colAt(l, k));
    out += s.slice(runStart, i);
    let end = out.length;
    while (end > 0 && isBlank(out[end - 1])) end--;
    text = out.slice(0, end);
    cols.length = end;
  }
  if (cont) {
    text += '\\';
    if (cols) cols.push(colAt(l, s.length - 1));
  }
  const line: SourceLine = cols
    ? { text, file: l.file, line: l.line, col: cols[0] ?? colAt(l, start), cols }
    : { text, file: l.file, line: l.line, col: colAt(l, start) };
  return { line, openQuote: quote };
}

const NUL = 0x00;
const TAB = 0x09;
const CR = 0x0d;
const SPACE = 0x20;

/**
 * `decomment` of the physical line text[start, end) of a file, when the line is plain: no NUL
 * or CR (which reading acts on) and no `"`, `\`, `#` or `!` (which `decomment` acts on), so that
 * decommenting only trims blanks. One pass over the file's text and one slice, where the general
 * path copies the line, scans it for NUL, CR and the special characters, and copies it again.
 * Undefined when the line is not plain; a line of blanks gives the empty text.
 */
export function decommentPlain(
  text: string,
  start: number,
  end: number,
  file: string,
  line: number,
): SourceLine | undefined {
  let first = -1;
  let last = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE || c === TAB) continue;
    if (c === DOUBLE_QUOTE || c === BACKSLASH || c === HASH || c === BANG || c === NUL || c === CR)
      return undefined;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return { text: '', file, line, col: end - start + 1 };
  return { text: text.slice(first, last + 1), file, line, col: first - start + 1 };
}

/** Index of the first `{` or `}` outside double quotes, as keepalived finds it, or -1. */
export function findBrace(s: string): number {
  // Most lines have no brace at all: two native scans instead of a loop over every character.
  if (s.indexOf('{') < 0 && s.indexOf('}') < 0) return -1;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '{' || c === '}') return i;
    if (c === '"') {
      const close = s.indexOf('"', i + 1);
      if (close < 0) return -1;
      i = close + 1;
    } else i++;
  }
  return -1;
}

/**
 * Splits a line at its first brace as keepalived does: a line starting with a brace yields the
 * brace alone and the rest (after blanks) as residue; otherwise the text before the brace, with
 * the brace and what follows as residue. The residue is read again as if it were the next line.
 */
export function splitAtBrace(l: SourceLine): { head: SourceLine; residue?: SourceLine } {
  const at = findBrace(l.text);
  if (at < 0) return { head: trimEndBlanks(l) };
  const cut = at === 0 ? skipBlanks(l.text, 1) : at;
  if (cut >= l.text.length) return { head: trimEndBlanks(l) };
  return {
    head: trimEndBlanks(sliceLine(l, 0, cut)),
    residue: trimEndBlanks(sliceLine(l, cut)),
  };
}

export interface Words {
  /** The first word, absent on a line of blanks. */
  keyword: Word | undefined;
  /** The words after it, in an array of exactly their number. */
  args: Word[];
  /** Index in the line's text just after the first word (where the statement's raw text starts). */
  afterFirst: number;
  /** Index of a `"` that has no partner (the rest of the line is dropped), or -1. */
  unclosed: number;
}

/**
 * keepalived's word splitting (`alloc_strvec_r`) as a moo lexer: words are separated by
 * WHITE_SPACE_STR; a word starting with `"` runs to the next `"` (no escapes); a `"` inside a bare
 * word ends it. An unclosed quote swallows the rest of the line, which keepalived then drops (the
 * quote itself was already reported by `decomment`).
 */
const wordLexer = moo.compile({
  // One space or tab, the usual separator, first: moo matches single-character literals at the
  // head of the rules through a table, without running its RegExp or counting line breaks.
  blank: [' ', '\t'],
  space: { match: /[ \t\f\v\r\n]+/, lineBreaks: true },
  quoted: /"[^"]*"/,
  unclosed: /"[^"]*/,
  bare: /[^ \t\f\v\r\n"]+/,
});

/**
 * The first words seen so far, each kept as one string. A configuration repeats a few dozen
 * keywords thousands of times: sharing one string per keyword keeps those copies out of the tree
 * (and out of the young generation, which copies every survivor), and the builders' keyword
 * lookups find its hash already computed. Capped, so that first words that are values (the
 * addresses of a long `virtual_ipaddress` block) cannot grow it without bound.
 */
const sharedKeywords = new Map<string, string>();
const SHARED_KEYWORDS_MAX = 4096;

function sharedKeyword(text: string): string {
  const shared = sharedKeywords.get(text);
  if (shared !== undefined) return shared;
  if (sharedKeywords.size < SHARED_KEYWORDS_MAX) sharedKeywords.set(text, text);
  return text;
}

/**
 * The arguments of the line being split, reused from line to line (`argCount` of them are this
 * line's). An array grown by push from empty gets room for 17 elements, garbage at once for a
 * line of two words, and clearing it through `length` is a runtime call; the tree gets an array of
 * exactly the line's arguments instead (`argsOf`).
 */
const argScratch: Array<Word | undefined> = [];

/**
 * The first `n` words of argScratch as a new array. Array literals for the usual counts: V8 tracks
 * each literal site and, seeing its arrays outlive the young generation (they are kept in the
 * tree), allocates them directly in the old generation instead of copying them there in every
 * scavenge; a `slice()` copy is always allocated young.
 */
function argsOf(n: number): Word[] {
  const a = argScratch as Word[];
  switch (n) {
    case 0:
      return [];
    case 1:
      return [a[0]];
    case 2:
      return [a[0], a[1]];
    case 3:
      return [a[0], a[1], a[2]];
    default:
      return a.slice(0, n);
  }
}

export function splitWords(l: SourceLine): Words {
  let keyword: Word | undefined;
  let argCount = 0;
  let afterFirst = l.text.length;
  let unclosed = -1;
  wordLexer.reset(l.text);
  for (let tok = wordLexer.next(); tok; tok = wordLexer.next()) {
    const type = tok.type;
    if (type === 'blank' || type === 'space') continue;
    if (type === 'unclosed') {
      unclosed = tok.offset;
      break;
    }
    const quoted = type === 'quoted';
    const offset = tok.offset;
    const text = quoted ? tok.value.slice(1, -1) : tok.value;
    const word: Word = {
      text: keyword ? text : sharedKeyword(text),
      quoted,
      // posAt, written out: this runs for every word of a configuration.
      pos: { file: l.file, line: l.line, col: l.cols ? colAt(l, offset) : l.col + offset },
    };
    if (keyword) argScratch[argCount++] = word;
    else {
      keyword = word;
      afterFirst = offset + tok.value.length;
    }
  }
  const args = argsOf(argCount);
  // Drop this line's words from the scratch array, so that it holds no part of the tree.
  for (let i = 0; i < argCount; i++) argScratch[i] = undefined;
  return { keyword, args, afterFirst, unclosed };
}

export function unmatchedQuote(l: SourceLine, at: number): Diagnostic {
  return {
    severity: 'error',
    code: 'unmatched-quote',
    message: `Unterminated quote '${l.text}'`,
    pos: posAt(l, at),
  };
}

/** Whether a `"` is still open at the end of `s`, by keepalived's `decomment` rules. */
export function quoteLeftOpen(s: string): boolean {
  let open = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '"') open = !open;
    else if (s[i] === '\\') i++;
  }
  return open;
}

// The token stream the nearley grammar parses: a run of consecutive statements ('stmts': plain
// ones, and ones whose block holds no block, which the tokenizer builds itself), a statement
// opening a block that holds blocks ('open': the `{` is folded into the statement before it, so
// the grammar never has to guess whether a statement takes a block), and a closing brace.
// Runs keep the token count, which is what nearley's time grows with, well under the line count.
// Braces keepalived would reject ("Unexpected '{'", "Extra '}'") are reported and left out
// before parsing; a block still open at the end of the input gets a 'close' without a position.
export type StatementToken =
  | { type: 'stmts'; value: string; statements: Statement[] }
  | {
      type: 'open';
      value: string;
      statement: Statement;
      open: SourcePos;
      /** The block's first statements, up to its first nested block or its end. */
      statements: Statement[];
    }
  | { type: 'close'; value: string; pos?: SourcePos };

export const STATEMENT_TOKEN_TYPES = ['stmts', 'open', 'close'] as const;

const NO_LEXER_STATE: LexerState = Object.freeze({});

/** A nearley lexer over a prepared token array (nearley's text chunk is not used). */
export class StatementQueue implements NearleyLexer {
  private start = 0;
  private end: number;
  private index = 0;
  constructor(private readonly tokens: readonly StatementToken[]) {
    this.end = tokens.length;
  }

  /** Limits the next parse to the tokens [start, end), a balanced piece of the stream. */
  select(start: number, end: number): void {
    this.start = start;
    this.end = end;
    this.index = start;
  }

  reset(): void {
    this.index = this.start;
  }

  next(): StatementToken | undefined {
    return this.index < this.end ? this.tokens[this.index++] : undefined;
  }

  /**
   * nearley saves the lexer state after every token (keepHistory), for resuming a parse across
   * feed() calls; each parse here is fed once, so there is nothing to save and no object to
   * allocate.
   */
  save(): LexerState {
    return NO_LEXER_STATE;
  }

  formatError(token: StatementToken): string {
    const pos =
      token.type === 'close'
        ? token.pos
        : token.type === 'open'
          ? token.statement.pos
          : token.statements[0]?.pos;
    const where = pos ? `${pos.file}:${pos.line}:${pos.col}` : 'end of input';
    return `unexpected ${token.type} '${token.value}' at ${where}`;
  }

  has(type: string): boolean {
    return (STATEMENT_TOKEN_TYPES as readonly string[]).includes(type);
  }
}

/**
 * The grammar's list of statements: runs newest first, so a left-recursive rule adds one in O(1)
 * without mutating data an Earley parser may share between partial parses.
 */
export type StatementList = { prev: StatementList; run: Statement[] } | null;

/** The statements of `list` in source order, after `first`. */
export function statementsOf(list: StatementList, first: Statement[] = []): Statement[] {
  const runs: Statement[][] = [];
  let count = first.length;
  for (let l = list; l; l = l.prev) {
    runs.push(l.run);
    count += l.run.length;
  }
  const statements = new Array<Statement>(count);
  let at = 0;
  for (const s of first) statements[at++] = s;
  for (let r = runs.length - 1; r >= 0; r--) for (const s of runs[r]) statements[at++] = s;
  return statements;
}

/**
 * `statement` with its block, as the grammar's `%open statements %close` rule builds it and as
 * the tokenizer builds leaf blocks itself; `close` is absent when the input ended first.
 */
export function withBlock(
  statement: Statement,
  statements: Statement[],
  open: SourcePos,
  close: SourcePos | undefined,
): Statement {
  // Literals, not spreads: a spread copy of `statement` plus `block` gets a hidden class of
  // its own in V8, one per block (20k of them in a 100k-line config).
  const block: Block = close ? { statements, open, close } : { statements, open };
  const { keyword, args, raw, pos } = statement;
  return { keyword, args, raw, pos, block };
}

/** The lexer named in the grammar; parses use a StatementQueue holding their own tokens. */
export const statementLexer = new StatementQueue([]);
