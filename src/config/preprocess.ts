// The line reader: keepalived's `read_line` (lib/parser.c) as a state machine. Each call to
// `next()` returns one logical line, after, in keepalived's order: reading (1024-byte limit),
// CR/LF stripping, `decomment`, `@ID` conditionals, `$NAME=` definitions (multi-line ones
// swallow the following lines), `~SEQ`/`~LST`, `$` substitution, `include` and brace splitting.
// Lines come, in priority order, from the residue of a brace split, the innermost running
// sequence, the remaining lines of a multi-line definition being expanded, and the include stack.
import { dirname, join, resolve } from 'node:path';
import { KtsError } from '../errors.js';
import type { SourcePos } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import {
  DEF_LINE_END,
  Definitions,
  substitute,
  type Definition,
  type MultilineStart,
} from './definitions.js';
import type { GlobResult } from './include.js';
import {
  MAXBUF,
  decomment,
  decommentPlain,
  nextNotPlain,
  posAt,
  skipBlanks,
  sliceLine,
  splitAtBrace,
  unmatchedQuote,
  type SourceLine,
} from './lexer.js';
import { SEQ_PARAMS_MAX, parseLst, parseSeq, type Sequence } from './sequence.js';

/**
 * Whether a line of `chars` UTF-16 units surely fits keepalived's fgets buffer with its newline,
 * without encoding it: no UTF-16 unit takes more than 3 UTF-8 bytes.
 */
const surelyFits = (chars: number): boolean => chars * 3 + 1 < MAXBUF - 1;

// keepalived's include_t: which include problems are errors.
export const INCLUDE_R = 0x01; // unreadable, a directory, not a regular file
export const INCLUDE_M = 0x02; // nothing matched a pattern without wildcards
export const INCLUDE_W = 0x04; // nothing matched even with wildcards
export const INCLUDE_B = 0x08; // some brace alternative matched nothing
export const INCLUDE_ALL = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

/** The suffix letter of `includeX` and the checks it turns on. */
const INCLUDE_VARIANTS: Record<string, number> = {
  r: INCLUDE_R,
  m: INCLUDE_R | INCLUDE_M,
  w: INCLUDE_R | INCLUDE_M | INCLUDE_W,
  b: INCLUDE_R | INCLUDE_B,
  a: INCLUDE_ALL,
};

/**
 * keepalived has no limit; a `~SEQ(i, 1, 1000000000)` would run for hours. Past this many
 * lines produced by sequences in one parse we stop and report.
 */
export const MAX_SEQUENCE_LINES = 1_000_000;

/** Bound on re-examining one line after substitutions (keepalived loops while values change). */
const MAX_RECHECKS = 64;

export interface PreprocessOptions {
  configId: string;
  /** Reads a file (throws when it cannot); the default insists on a regular non-executable file. */
  readFile: (path: string) => string;
  glob: (pattern: string, cwd: string) => GlobResult;
  env: Record<string, string | undefined>;
  random: () => number;
  /** keepalived's -e/--all-config: every include problem is an error. */
  allConfig: boolean;
}

interface OpenFile {
  /** The path as reported in positions. */
  path: string;
  text: string;
  offset: number;
  lineNo: number;
  /** The end of a line longer than keepalived's buffer, read as a line of its own. */
  tail?: SourceLine;
  /** Index of the next character making a line not plain (nextNotPlain), -1 before the first. */
  notPlainAt: number;
}

interface IncludeFrame {
  /** glob's matches, made relative to the process (joined to the including file's directory). */
  matches: string[];
  nextMatch: number;
  includeType: number;
  savedIncludeCheck: number;
  file?: OpenFile;
  /** Where the include was written, for its diagnostics; absent for the main file. */
  pos?: SourcePos;
}

interface MultilineExpansion {
  rest: string[];
  index: number;
  pos: SourcePos;
}

const OPEN_BRACE = 0x7b;

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';

export class Preprocessor {
  /** Every file opened, in order. */
  readonly files: string[] = [];
  private readonly defs: Definitions;
  private readonly includes: IncludeFrame[] = [];
  private includeCheck: number;
  private residue: SourceLine | undefined;
  private readonly seqs: Sequence[] = [];
  private sequenceLines = 0;
  private multiline: MultilineExpansion | undefined;
  private readonly multilineStack: Array<{ expansion: MultilineExpansion; seqDepth: number }> = [];
  private multilineSeqDepth = 0;

  constructor(
    private readonly opts: PreprocessOptions,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.includeCheck = opts.allConfig ? INCLUDE_ALL : 0;
    this.defs = new Definitions({
      cwd: () => this.currentDir(),
      configId: opts.configId,
      env: opts.env,
      random: opts.random,
      report: this.reportDiagnostic,
    });
  }

  /** Opens the main file: keepalived globs it too, with read, match and wildcard checks. */
  openMain(pattern: string): void {
    if (!this.openGlob(pattern, '', INCLUDE_R | INCLUDE_M | INCLUDE_W, undefined))
      this.report('error', 'config-open', 'Failed to open configuration file', undefined);
  }

  /** Starts reading `text` as the main file `path` (includes are still resolved from disk). */
  openText(path: string, text: string): void {
    this.includes.push({
      matches: [path],
      nextMatch: 1,
      includeType: INCLUDE_R | INCLUDE_M | INCLUDE_W,
      savedIncludeCheck: this.includeCheck,
      file: { path, text, offset: 0, lineNo: 0, notPlainAt: -1 },
    });
    this.files.push(path);
  }

  /** keepalived's `include_check` keyword (global_defs), applied from the next include on. */
  setIncludeCheck(words: string[]): void {
    if (words.length === 0) {
      this.includeCheck = INCLUDE_ALL;
      return;
    }
    const names: Record<string, number> = {
      read: INCLUDE_R,
      match: INCLUDE_M,
      wildcard_match: INCLUDE_W,
      brace_match: INCLUDE_B,
    };
    words.forEach((word, i) => {
      const mode = word[0] === '-' ? -1 : word[0] === '+' ? 1 : 0;
      if (mode === 0) {
        if (i > 0) return;
        this.includeCheck = 0;
      }
      const flag = names[mode === 0 ? word : word.slice(1)];
      if (flag === undefined) return;
      if (mode === 0) this.includeCheck = INCLUDE_R | flag;
      else if (mode === 1) this.includeCheck |= flag;
      else this.includeCheck &= ~flag;
    });
  }

  /** Whether the next line is a `{` split off the line just returned (the usual `name {`). */
  openBraceFollows(): boolean {
    return this.residue !== undefined && this.residue.text.charCodeAt(0) === OPEN_BRACE;
  }

  private readonly setResidue = (residue: SourceLine): void => {
    this.residue = residue;
  };

  /** The next logical line (non-empty, brace-split), or undefined at the end of the config. */
  next(): SourceLine | undefined {
    // A multi-line definition being collected; local to one call, as in keepalived, since the
    // call does not return before the definition ends.
    let collecting: Definition | undefined;
    for (;;) {
      let buf: SourceLine;
      if (this.residue) {
        buf = this.residue;
        this.residue = undefined;
      } else if (this.seqs.length > this.multilineSeqDepth) {
        buf = this.stepSequence();
      } else if (this.multiline) {
        buf = this.nextMultilineLine(this.multiline);
      } else {
        const read = this.readFileLine();
        if (read === undefined) return undefined;
        if (read === 'blank') {
          if (collecting) {
            if (collecting.value === '') collecting.multiline = false;
            collecting = undefined;
          }
          continue;
        }
        buf = read;
      }

      if (collecting) {
        let text = buf.text;
        const more = text.endsWith('\\');
        if (more) text = text.slice(0, -1).replace(/[ \t]+$/, '') + DEF_LINE_END;
        else if (collecting.value === '') collecting.multiline = false;
        if (text.length >= 2 || (text.length > 0 && !more)) collecting.value += text;
        if (!more) collecting = undefined;
        continue;
      }
      if (buf.text === '') continue;

      const processed = this.process(buf);
      if (processed === undefined) continue;
      if ('definition' in processed) {
        if (processed.definition.multiline) collecting = processed.definition;
        continue;
      }
      buf = processed;
      if (buf.text === '' || this.tryInclude(buf)) continue;
      return splitAtBrace(buf, this.setResidue);
    }
  }

  /**
   * `@` conditionals, definitions, sequences and substitution for one line. Returns the line to
   * use, a definition that was made, or undefined when the line is consumed.
   *
   * After a substitution the line is examined again from the top when it starts with `@` or still
   * holds a `$` (so a value may be `@ID text`, another definition or a `~SEQ`), as keepalived
   * 2.2.7 does (`recheck`). The reference commit's rewrite turned that loop into
   * `do { ... continue; } while (false)`, which never loops: we take that for a regression, since
   * it leaves `len = strlen(buf); continue;` and the `~` stop in replace_param without purpose.
   */
  private process(buf: SourceLine): SourceLine | { definition: Definition } | undefined {
    for (let pass = 0; ; pass++) {
      if (buf.text[0] === '@') {
        const reverse = buf.text[1] === '^';
        const from = reverse ? 2 : 1;
        const blank = buf.text.slice(from).search(/[ \t]/);
        if (blank < 0) return undefined;
        const id = buf.text.slice(from, from + blank);
        if ((id !== this.opts.configId) !== reverse) return undefined;
        buf = sliceLine(buf, skipBlanks(buf.text, from + blank));
      }
      if (buf.text[0] === '$') {
        const definition = this.defs.define(buf.text);
        if (definition) return { definition };
      }
      if (buf.text.startsWith('~SEQ')) {
        this.startSequence(buf);
        return undefined;
      }
      if (buf.text.startsWith('~LST')) {
        const parsed = parseLst(buf);
        if (parsed) this.seqs.push(parsed);
        else
          this.report(
            'error',
            'invalid-lst',
            `Invalid ~LST specification '${buf.text}'`,
            posAt(buf, 0),
          );
        return undefined;
      }
      if (buf.text[0] === '~' || !buf.text.includes('$')) return buf;
      const result = substitute(buf, this.defs, this.reportDiagnostic);
      this.startMultilines(result.multilineStarts, result.aborted);
      if (!result.found) return result.line;
      const { line, openQuote } = decomment(result.line);
      if (openQuote >= 0) this.diagnostics.push(unmatchedQuote(line, openQuote));
      if (result.looped || !(line.text[0] === '@' || line.text.includes('$'))) return line;
      if (pass >= MAX_RECHECKS) {
        this.report('error', 'definition-loop', 'Definitions expand without end', posAt(line, 0));
        return line;
      }
      buf = line;
    }
  }

  /**
   * Pushes a finding; a function made once, so that `process`, which runs for every line, holds
   * no closure over `this`: V8 would allocate a context for it on every call.
   */
  private readonly reportDiagnostic = (d: Diagnostic): void => {
    this.diagnostics.push(d);
  };

  private startSequence(seqLine: SourceLine): void {
    const parsed = parseSeq(seqLine, (params) => this.expandSeqParams(seqLine, params));
    if (parsed.ok) this.seqs.push(parsed.seq);
    else this.report('error', 'invalid-seq', parsed.message, posAt(seqLine, 0));
  }

  private expandSeqParams(buf: SourceLine, params: string): string | undefined {
    const line: SourceLine = { text: params, file: buf.file, line: buf.line, col: buf.col };
    const result = substitute(line, this.defs, this.reportDiagnostic, SEQ_PARAMS_MAX);
    return result.multilineStarts.length > 0 ? undefined : result.line.text;
  }

  /**
   * Applies the multi-line definitions met by one substitution, as `replace_param` does: each
   * saves the expansion in progress (a position: the saved copy no longer moves) and becomes the
   * one in progress. An aborted substitution keeps the saves but not the last switch, so the
   * expansion in progress goes on and is later replayed from where it was saved.
   */
  private startMultilines(starts: MultilineStart[], aborted: boolean): void {
    let local = this.multiline;
    for (const start of starts) {
      if (local)
        this.multilineStack.push({ expansion: { ...local }, seqDepth: this.multilineSeqDepth });
      this.multilineSeqDepth = this.seqs.length;
      local = { rest: start.rest, index: 0, pos: start.pos };
    }
    if (!aborted && starts.length > 0) this.multiline = local;
  }

  private nextMultilineLine(ml: MultilineExpansion): SourceLine {
    const text = ml.rest[ml.index++];
    if (ml.index >= ml.rest.length) {
      const outer = this.multilineStack.pop();
      this.multiline = outer?.expansion;
      this.multilineSeqDepth = outer?.seqDepth ?? 0;
    }
    const { file, line, col } = ml.pos;
    return { text, file, line, col, cols: new Array<number>(text.length).fill(col) };
  }

  private stepSequence(): SourceLine {
    const seq = this.seqs[this.seqs.length - 1];
    if (++this.sequenceLines > MAX_SEQUENCE_LINES) {
      this.report(
        'error',
        'sequence-too-long',
        `~SEQ/~LST produced more than ${MAX_SEQUENCE_LINES} lines - stopping`,
        posAt(seq.text, 0),
      );
      this.seqs.length = 0;
      this.multilineSeqDepth = 0;
      return { ...seq.text, text: '' };
    }
    if (seq.kind === 'seq') {
      this.defs.set(seq.variable, seq.hex ? seq.next.toString(16) : String(seq.next));
      seq.next += seq.step;
      if ((seq.step > 0 && seq.next > seq.last) || (seq.step < 0 && seq.next < seq.last))
        this.seqs.pop();
    } else {
      const values = seq.valueSets[seq.next++];
      seq.variables.forEach((name, i) => this.defs.set(name, values[i]));
      if (seq.next >= seq.valueSets.length) this.seqs.pop();
    }
    return seq.text;
  }

  /** keepalived's `check_include`: `include`, `includer`, `includem`, ... followed by a glob. */
  private tryInclude(buf: SourceLine): boolean {
    const t = buf.text;
    if (!t.startsWith('include') || t.length <= 7) return false;
    let type = 0;
    let from = 8;
    if (!isSpace(t[7])) {
      const variant = INCLUDE_VARIANTS[t[7]];
      if (variant === undefined || !isSpace(t[8])) return false;
      type = variant;
      from = 9;
    }
    const including = this.includes[0]?.file?.path;
    const base = including === undefined ? '' : dirname(including);
    this.openGlob(t.slice(skipBlanks(t, from)), base, type, posAt(buf, 0));
    return true;
  }

  /** keepalived's `open_glob_file`: push a frame for `pattern` and open its first usable match. */
  private openGlob(
    pattern: string,
    base: string,
    type: number,
    pos: SourcePos | undefined,
  ): boolean {
    const frame: IncludeFrame = {
      matches: [],
      nextMatch: 0,
      includeType: type,
      savedIncludeCheck: this.includeCheck,
      pos,
    };
    this.includes.unshift(frame);
    const checks = this.includeCheck | type;
    const fileError = (flag: number, code: string, message: string): void =>
      this.report(checks & flag ? 'error' : 'warning', code, message, pos);

    const found = this.opts.glob(pattern, resolve(base));
    if (found.paths.length === 0) {
      if (found.missingFiles > 0 || found.missingDirs > 0)
        fileError(
          /(^|[^\\])\{/.test(pattern) ? INCLUDE_B : INCLUDE_M,
          'include-missing',
          `Config files missing '${pattern}'.`,
        );
      else if (found.wildcards && checks & INCLUDE_W)
        fileError(INCLUDE_W, 'include-no-match', `No config files matched '${pattern}'.`);
      this.includes.shift();
      return false;
    }
    if (found.missingFiles > 0 || found.missingDirs > 0) {
      fileError(INCLUDE_B, 'include-missing', `Some config files missing: "${pattern}".`);
      if (checks & INCLUDE_B) {
        this.includes.shift();
        return false;
      }
    }
    frame.matches = found.paths.map((p) => (p.startsWith('/') || base === '' ? p : join(base, p)));
    if (this.openNextMatch(frame)) return true;
    this.includes.shift();
    return false;
  }

  /** keepalived's `open_conf_file`: the next match that is a readable regular file. */
  private openNextMatch(frame: IncludeFrame): boolean {
    const checks = this.includeCheck | frame.includeType;
    const fileError = (code: string, message: string): void =>
      this.report(checks & INCLUDE_R ? 'error' : 'warning', code, message, frame.pos);
    while (frame.nextMatch < frame.matches.length) {
      const path = frame.matches[frame.nextMatch++];
      if (path.endsWith('/')) {
        fileError('include-directory', `Configuration file '${path}' is a directory - skipping`);
        continue;
      }
      const chain = this.includes
        .map((f) => f.file?.path)
        .filter((p): p is string => p !== undefined)
        .reverse();
      const absolute = resolve(path);
      if (chain.some((p) => resolve(p) === absolute)) {
        this.report(
          'error',
          'include-cycle',
          `include cycle: ${[...chain, path].join(' -> ')} - skipping`,
          frame.pos,
        );
        continue;
      }
      let text: string;
      try {
        text = this.opts.readFile(path);
      } catch (err) {
        if (err instanceof KtsError && err.code === 'config-not-regular')
          fileError(
            'include-not-regular',
            `Configuration file '${path}' is not a regular non-executable file - skipping`,
          );
        else {
          const why = err instanceof Error ? err.message : String(err);
          fileError(
            'include-unreadable',
            `Configuration file '${path}' open problem (${why}) - skipping`,
          );
        }
        continue;
      }
      frame.file = { path, text, offset: 0, lineNo: 0, notPlainAt: -1 };
      this.files.push(path);
      return true;
    }
    return false;
  }

  /** keepalived's `end_file` + `get_next_file`. */
  private endFile(): void {
    const frame = this.includes[0];
    this.includeCheck = frame.savedIncludeCheck;
    frame.file = undefined;
    if (!this.openNextMatch(frame)) this.includes.shift();
  }

  private currentDir(): string {
    const path = this.includes[0]?.file?.path;
    return path === undefined ? process.cwd() : dirname(resolve(path));
  }

  /**
   * The next physical line of the current file, decommented; 'blank' for an empty line (or one
   * keepalived discards), which ends a multi-line definition; undefined at the end of input.
   */
  private readFileLine(): SourceLine | 'blank' | undefined {
    for (;;) {
      const frame = this.includes[0];
      if (!frame) return undefined;
      const f = frame.file;
      if (!f) {
        this.endFile();
        continue;
      }
      let raw: SourceLine;
      if (f.tail) {
        raw = f.tail;
        f.tail = undefined;
      } else {
        if (f.offset >= f.text.length) {
          this.endFile();
          continue;
        }
        const nl = f.text.indexOf('\n', f.offset);
        const start = f.offset;
        const end = nl < 0 ? f.text.length : nl;
        const lineNo = ++f.lineNo;
        f.offset = nl < 0 ? end : nl + 1;
        // The usual line fits keepalived's buffer (see overlongTail) and is plain: decommented
        // straight from the file's text, without a copy of the raw line first.
        if (end > start && surelyFits(end - start)) {
          if (f.notPlainAt < start) f.notPlainAt = nextNotPlain(f.text, start);
          const plain = decommentPlain(f.text, start, end, f.path, lineNo, f.notPlainAt);
          if (plain) {
            if (plain.text !== '') return plain;
            continue;
          }
        }
        raw = { text: f.text.slice(start, end), file: f.path, line: lineNo, col: 1 };
        const tail = this.overlongTail(raw, nl >= 0);
        if (tail !== undefined) {
          if (tail.text !== '') f.tail = tail;
          return 'blank';
        }
      }
      if (raw.text.includes('\0')) {
        this.report(
          'error',
          'embedded-nul',
          'configuration appears to have embedded NULs - ignoring line',
          posAt(raw, raw.text.indexOf('\0')),
        );
        return 'blank';
      }
      let len = raw.text.length;
      while (len > 0 && (raw.text[len - 1] === '\r' || raw.text[len - 1] === '\n')) len--;
      if (len === 0) return 'blank';
      const { line, openQuote } = decomment(len === raw.text.length ? raw : sliceLine(raw, 0, len));
      if (openQuote >= 0) this.diagnostics.push(unmatchedQuote(line, openQuote));
      if (line.text !== '') return line;
    }
  }

  /**
   * keepalived reads with fgets into a 1024-byte buffer: a line that does not fit is reported
   * and dropped 1023 bytes at a time, and what remains after the last full buffer is read as
   * the next line. Returns that remainder (possibly empty), or undefined when the line fits.
   */
  private overlongTail(raw: SourceLine, hasNewline: boolean): SourceLine | undefined {
    if (surelyFits(raw.text.length)) return undefined;
    const room = MAXBUF - 1;
    const bytes = Buffer.from(raw.text, 'utf8');
    const nl = hasNewline ? 1 : 0;
    if (bytes.length + nl < room || (bytes.length + nl === room && hasNewline)) return undefined;
    let dropped = 0;
    while (bytes.length - dropped + nl > room || (bytes.length - dropped === room && !hasNewline))
      dropped += room;
    this.report('error', 'line-too-long', 'line too long - ignoring', posAt(raw, 0));
    const kept = bytes.subarray(0, dropped).toString('utf8').length;
    return sliceLine(raw, Math.min(kept, raw.text.length));
  }

  private report(
    severity: Diagnostic['severity'],
    code: string,
    message: string,
    pos: SourcePos | undefined,
  ): void {
    this.diagnostics.push(pos ? { severity, code, message, pos } : { severity, code, message });
  }
}
