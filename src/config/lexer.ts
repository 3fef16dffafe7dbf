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
function skipWhiteSpace(s: string, i: number): number {
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

/**
 * The characters that make a physical line not plain: NUL and CR, which reading acts on, and
 * `"`, `\`, `#` and `!`, which `decomment` acts on.
 */
const NOT_PLAIN = /["\\#!\0\r]/g;

/**
 * Index of the first character at or after `from` in `text` that makes a line not plain, or
 * `text.length`. One native scan finds it for all the plain lines before it: the reader keeps
 * it per file and asks again only once past it.
 */
export function nextNotPlain(text: string, from: number): number {
  NOT_PLAIN.lastIndex = from;
  const found = NOT_PLAIN.exec(text);
  return found ? found.index : text.length;
}

const TAB = 0x09;
const SPACE = 0x20;

/**
 * `decomment` of the physical line text[start, end) of a file, when the line is plain (no
 * character of NOT_PLAIN: `notPlainAt`, from nextNotPlain, is at or past `end`), so that
 * decommenting only trims blanks: one slice of the file's text, where the general path copies
 * the line, scans it for NUL, CR and the special characters, and copies it again. Undefined
 * when the line is not plain; a line of blanks gives the empty text.
 */
export function decommentPlain(
  text: string,
  start: number,
  end: number,
  file: string,
  line: number,
  notPlainAt: number,
): SourceLine | undefined {
  if (notPlainAt < end) return undefined;
  let first = start;
  for (let c = text.charCodeAt(first); first < end && (c === SPACE || c === TAB);)
    c = text.charCodeAt(++first);
  if (first === end) return { text: '', file, line, col: end - start + 1 };
  let last = end;
  for (let c = text.charCodeAt(last - 1); c === SPACE || c === TAB;)
    c = text.charCodeAt(--last - 1);
  return { text: text.slice(first, last), file, line, col: first - start + 1 };
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
 * Returns the head; the residue goes to `setResidue` (called only when there is one), so that the
 * usual line, which has no brace, costs no result object.
 */
export function splitAtBrace(l: SourceLine, setResidue: (residue: SourceLine) => void): SourceLine {
  const at = findBrace(l.text);
  if (at < 0) return trimEndBlanks(l);
  const cut = at === 0 ? skipBlanks(l.text, 1) : at;
  if (cut >= l.text.length) return trimEndBlanks(l);
  setResidue(trimEndBlanks(sliceLine(l, cut)));
  // The head without its trailing blanks, sliced once.
  let end = cut;
  while (end > 0 && isBlank(l.text[end - 1])) end--;
  return sliceLine(l, 0, end);
}

/**
 * keepalived's word splitting (`alloc_strvec_r`) as a moo lexer: words are separated by
 * WHITE_SPACE_STR; a word starting with `"` runs to the next `"` (no escapes); a `"` inside a bare
 * word ends it. An unclosed quote swallows the rest of the line, which keepalived then drops (the
 * quote itself was already reported by `decomment`).
 *
 * Each word's token carries the separators before it: moo makes an 8-field object per token, and
 * a separator token per word was half of them. `quoted` also takes the unclosed quote (no
 * closing `"`); `space` is only left for separators at the end of a line. (A separator may be a
 * line break, from a multi-line definition: moo's line counting, which `lineBreaks` declares
 * them for, is not used, positions come from offsets.)
 */
const wordLexer = moo.compile({
  bare: /[ \t\f\v\r\n]*[^ \t\f\v\r\n"]+/,
  quoted: /[ \t\f\v\r\n]*"[^"]*"?/,
  space: { match: /[ \t\f\v\r\n]+/, lineBreaks: true },
});

/**
 * One string per distinct text, for texts a configuration repeats: the first word of a line (a
 * few dozen keywords, thousands of times) and short arguments (`3`, `8080`, `NAT`, `TCP`).
 * Sharing keeps those copies out of the tree, and out of the young generation: the tree's objects
 * are allocated in the old generation (see exactArray), and each of them pointing at a young
 * string is one more slot every scavenge must visit. The builders' keyword lookups also find the
 * hash already computed. Capped, so that values (the addresses of a long `virtual_ipaddress`
 * block, a thousand distinct ports) cannot grow it without bound.
 */
class SharedStrings {
  private readonly strings = new Map<string, string>();
  /**
   * The string last shared in each of RECENT_SLOTS slots, by a hash of its length and end
   * characters: a line's keyword is usually one of a few seen just before, and comparing it with
   * one candidate is cheaper than hashing all its characters for the Map.
   */
  private readonly recent = new Array<string | undefined>(RECENT_SLOTS);
  constructor(private readonly max: number) {}

  get(text: string): string {
    const n = text.length;
    const slot = (n * 31 + text.charCodeAt(0) * 7 + text.charCodeAt(n - 1)) & (RECENT_SLOTS - 1);
    const candidate = this.recent[slot];
    if (candidate === text) return candidate;
    let shared = this.strings.get(text);
    if (shared === undefined) {
      if (this.strings.size >= this.max) return text;
      this.strings.set(text, text);
      shared = text;
    }
    this.recent[slot] = shared;
    return shared;
  }
}

/** Slots of SharedStrings' recent cache, a power of two. */
const RECENT_SLOTS = 256;
/** Slots of the table of kept line splits (keptSplits), a power of two. */
const KEPT_SPLIT_SLOTS = 1024;

const sharedKeywords = new SharedStrings(4096);
/** Values apart from keywords, so that many distinct values cannot crowd the keywords out. */
const sharedValues = new SharedStrings(4096);
/**
 * Arguments up to this length are shared: longer ones (addresses, paths, names) are mostly
 * distinct, and looking them up would cost a hash each for nothing. Single characters need no
 * sharing: V8 keeps one string per character code already.
 */
const SHARED_VALUE_MAX_LENGTH = 6;

/**
 * The first `n` elements of `a` as a new array of exactly that length. Array literals for the
 * usual counts: V8 tracks each literal site and, seeing its arrays outlive the young generation
 * (they are kept in the syntax tree), allocates them, elements included, directly in the old
 * generation. Arrays made by `slice()` or grown by `push` are always allocated young, and every
 * scavenge they survive copies them: with the tree's arrays made here, scavenges during a parse
 * have next to nothing to copy.
 */
export function exactArray<T>(a: readonly T[], n: number): T[] {
  switch (n) {
    case 0:
      return [];
    case 1:
      return [a[0]];
    case 2:
      return [a[0], a[1]];
    case 3:
      return [a[0], a[1], a[2]];
    case 4:
      return [a[0], a[1], a[2], a[3]];
    case 5:
      return [a[0], a[1], a[2], a[3], a[4]];
    case 6:
      return [a[0], a[1], a[2], a[3], a[4], a[5]];
    default:
      return a.slice(0, n);
  }
}

/**
 * How moo splits a line's text: everything lexStatement needs apart from where the line is. The
 * words are in parallel arrays, `count` of them (the keyword first; none on a line of white
 * space), so that splitting a line that is not kept adds no object of ours per word to moo's.
 */
interface LineSplit {
  text: string;
  count: number;
  /** Each word's text without quotes, shared (SharedStrings) if a keyword or a short value. */
  texts: string[];
  quoted: boolean[];
  /** Index in the line's text of each word's first character (for a quoted word, its `"`). */
  offsets: number[];
  /** The text after the keyword (Statement.raw). */
  raw: string;
  /** Index of a `"` that is never closed and that `decomment` did not report, or -1. */
  unreportedQuote: number;
}

/** The split of the line being lexed, when it is not one to keep: reused from line to line. */
const scratchSplit: LineSplit = {
  text: '',
  count: 0,
  texts: [],
  quoted: [],
  offsets: [],
  raw: '',
  unreportedQuote: -1,
};

/** Splits `text` with moo into `split`. */
function splitWords(text: string, split: LineSplit): void {
  const { texts, quoted, offsets } = split;
  let count = 0;
  let unreportedQuote = -1;
  // Index in the text just after the first word (where the statement's raw text starts).
  let afterFirst = text.length;
  wordLexer.reset(text);
  for (let tok = wordLexer.next(); tok; tok = wordLexer.next()) {
    const type = tok.type;
    if (type === 'space') continue;
    const token = tok.text;
    const lead = skipWhiteSpace(token, 0);
    const offset = tok.offset + lead;
    const isQuoted = type === 'quoted';
    if (
      isQuoted &&
      (token.length - lead < 2 || token.charCodeAt(token.length - 1) !== DOUBLE_QUOTE)
    ) {
      // decomment already reported quotes it saw open; `\"` fools it but not the word splitter.
      // keepalived drops the rest of the line.
      if (!quoteLeftOpen(text)) unreportedQuote = offset;
      break;
    }
    const word = isQuoted ? token.slice(lead + 1, -1) : lead === 0 ? token : token.slice(lead);
    if (count === 0) {
      texts[count] = sharedKeywords.get(word);
      afterFirst = tok.offset + token.length;
    } else
      texts[count] =
        word.length > 1 && word.length <= SHARED_VALUE_MAX_LENGTH ? sharedValues.get(word) : word;
    quoted[count] = isQuoted;
    offsets[count] = offset;
    count++;
  }
  const rawStart = skipWhiteSpace(text, afterFirst);
  // A statement whose one bare argument is the rest of its line (`weight 1`, `lb_kind NAT`, the
  // usual case) shares that word's string instead of keeping a second copy in the tree.
  const only = count === 2 && !quoted[1] ? texts[1] : undefined;
  split.raw =
    only !== undefined && text.length - rawStart === only.length ? only : text.slice(rawStart);
  split.text = text;
  split.count = count;
  split.unreportedQuote = unreportedQuote;
}

/**
 * Splits kept, by a hash of the text's length and a few of its characters. A configuration
 * repeats most of its lines word for word (`weight 1`, `connect_timeout 3`, a checker's whole
 * block for each of thousands of real servers), and the split depends on the text alone: moo
 * splits such a text once, and each repetition costs a comparison and its Word objects, where
 * moo makes a match array, three strings and a token object per word. A table of slots, not a
 * Map: each line's text is a new string, and a Map would hash all its characters first. Two
 * repeated lines sharing a slot only cost splits again.
 */
const keptSplits = new Array<LineSplit | undefined>(KEPT_SPLIT_SLOTS);
/** The last text split in each slot of keptSplits, kept or not. */
const seenTexts = new Array<string | undefined>(KEPT_SPLIT_SLOTS);

function splitLine(text: string): LineSplit {
  const n = text.length;
  const slot =
    (n * 31 +
      text.charCodeAt(0) * 7 +
      text.charCodeAt(n > 1 ? n - 2 : 0) * 3 +
      text.charCodeAt(n - 1)) &
    (KEPT_SPLIT_SLOTS - 1);
  const kept = keptSplits[slot];
  if (kept !== undefined && kept.text === text) return kept;
  const split = scratchSplit;
  splitWords(text, split);
  // Kept from its second sighting on: a text seen once (most lines of a configuration whose
  // values all differ) would cost a copy for nothing.
  if (seenTexts[slot] !== text) {
    seenTexts[slot] = text;
    return split;
  }
  // Lines with a long argument (an address, a path, a name) are mostly distinct: keeping them
  // would cost a copy, and a slot another line might repeat in.
  for (let i = 1; i < split.count; i++)
    if (split.texts[i].length > SHARED_VALUE_MAX_LENGTH) return split;
  const { count, raw, unreportedQuote } = split;
  return (keptSplits[slot] = {
    text,
    count,
    texts: split.texts.slice(0, count),
    quoted: split.quoted.slice(0, count),
    offsets: split.offsets.slice(0, count),
    raw,
    unreportedQuote,
  });
}

/**
 * The arguments of the line being built, reused from line to line (`argCount` of them are this
 * line's): the tree gets an array of exactly the line's arguments (`exactArray`).
 */
const argScratch: Array<Word | undefined> = [];

/**
 * The statement on a logical line: its words split by the moo lexer, the first being the
 * keyword; undefined on a line of white space. A quote left open is reported to `diagnostics`.
 * `opensBlock`: a `{` is known to follow (see the end).
 */
export function lexStatement(
  l: SourceLine,
  diagnostics: Diagnostic[],
  opensBlock: boolean,
): Statement | undefined {
  const split = splitLine(l.text);
  if (split.unreportedQuote >= 0) diagnostics.push(unmatchedQuote(l, split.unreportedQuote));
  if (split.count === 0) return undefined;
  const { raw } = split;
  const keyword = placeWord(l, split, 0);
  const argCount = split.count - 1;
  for (let i = 0; i < argCount; i++) argScratch[i] = placeWord(l, split, i + 1);
  const args = exactArray(argScratch as Word[], argCount);
  // Drop this line's words from the scratch array, so that it holds no part of the tree.
  for (let i = 0; i < argCount; i++) argScratch[i] = undefined;
  const pos = keyword.pos;
  // The statement of a line opening a block is replaced, when the block closes, by withBlock's
  // copy with the block. V8 allocates the objects of a literal in the old generation once it sees
  // most of them survive young collections, and statements of both kinds from one literal were
  // too few survivors for that: all were allocated young, and the scavenges copied every one that
  // stays in the tree twice. A literal of their own keeps the others allocated where they stay.
  if (opensBlock) return { keyword, args, raw, pos };
  return { keyword, args, raw, pos };
}

/** Word `i` of `split`, placed in the line `l`. */
function placeWord(l: SourceLine, split: LineSplit, i: number): Word {
  const offset = split.offsets[i];
  // posAt, written out: this runs for every word of a configuration.
  return {
    text: split.texts[i],
    quoted: split.quoted[i],
    pos: { file: l.file, line: l.line, col: l.cols ? colAt(l, offset) : l.col + offset },
  };
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
function quoteLeftOpen(s: string): boolean {
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
// the grammar never has to guess whether a statement takes a block), a closing brace ('close'),
// and a closing brace directly followed by the opening of the next such block at the same level
// ('next': sibling blocks, such as the real servers of a virtual server, are one token apart).
// Runs and 'next' keep the token count, which is what nearley's time and allocation grow with,
// well under the line count.
// Braces keepalived would reject ("Unexpected '{'", "Extra '}'") are reported and left out
// before parsing; a block still open at the end of the input gets a 'close' without a position.
export type StatementToken =
  | { type: 'stmts'; value: string; statements: Statement[] }
  | BlockOpening
  | { type: 'close'; value: string; pos?: SourcePos };

/** A statement opening a block that holds blocks: 'open', or 'next' after its sibling's `}`. */
export type BlockOpening = {
  value: string;
  statement: Statement;
  open: SourcePos;
  /** The block's first statements, up to its first nested block or its end. */
  statements: Statement[];
} & ({ type: 'open' } | { type: 'next'; /** The sibling's `}`. */ close: SourcePos });

export const STATEMENT_TOKEN_TYPES = ['stmts', 'open', 'next', 'close'] as const;

const NO_LEXER_STATE: LexerState = Object.freeze({});

/** A nearley lexer over a prepared token array (nearley's text chunk is not used). */
export class StatementQueue implements NearleyLexer {
  private tokens: readonly StatementToken[] = [];
  private index = 0;

  /** The tokens of the next parse: a balanced piece of the stream. */
  load(tokens: readonly StatementToken[]): void {
    this.tokens = tokens;
    this.index = 0;
  }

  reset(): void {
    this.index = 0;
  }

  next(): StatementToken | undefined {
    return this.index < this.tokens.length ? this.tokens[this.index++] : undefined;
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
        : token.type === 'stmts'
          ? token.statements[0]?.pos
          : token.statement.pos;
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

/** Where statementsOf gathers a block's statements before copying them to an exact array. */
const statementScratch: Array<Statement | undefined> = [];

/** The statements of `list` in source order, after `first`. */
export function statementsOf(list: StatementList, first: readonly Statement[] = []): Statement[] {
  let count = first.length;
  for (let l = list; l; l = l.prev) count += l.run.length;
  const gathered = statementScratch as Statement[];
  for (let i = 0; i < first.length; i++) gathered[i] = first[i];
  // Runs are newest first: fill from the end.
  let end = count;
  for (let l = list; l; l = l.prev) {
    const run = l.run;
    end -= run.length;
    for (let i = 0; i < run.length; i++) gathered[end + i] = run[i];
  }
  const statements = exactArray(gathered, count);
  // Leave no part of the tree in the scratch array.
  for (let i = 0; i < count; i++) statementScratch[i] = undefined;
  return statements;
}

/**
 * `statement` with its block, as the grammar's block rules build it and as the tokenizer builds
 * leaf blocks itself; `close` is absent when the input ended first.
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

/**
 * Sibling blocks as the grammar collects them (`%open statements (%next statements)*`): the
 * blocks already closed, and the one still open with the statements parsed into it so far.
 */
export interface SiblingBlocks {
  closed: StatementList;
  opening: BlockOpening;
  list: StatementList;
}

/** The open block of `siblings`, closed by the `}` at `close` (absent: the input ended). */
export function closeSibling(siblings: SiblingBlocks, close: SourcePos | undefined): StatementList {
  const { opening, list } = siblings;
  const closed = withBlock(
    opening.statement,
    statementsOf(list, opening.statements),
    opening.open,
    close,
  );
  return { prev: siblings.closed, run: [closed] };
}

/** The lexer named in the grammar; parses use a StatementQueue holding their own tokens. */
export const statementLexer = new StatementQueue();
