// The syntax stage of keepalived.conf: preprocessing and lexing (preprocess.ts, lexer.ts) into a
// stream of statement tokens, then the nearley grammar (grammar/keepalived.ne) into a tree of
// statements and blocks. Pure apart from reading files; findings go into `diagnostics`.
import { hostname } from 'node:os';
import nearley from 'nearley';
import { KtsError } from '../errors.js';
import type { ConfigTree, SourcePos, Statement } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import { glob as globFiles, readConfigFile, type GlobResult } from './include.js';
import grammar from './keepalived.gen.js';
import {
  StatementQueue,
  exactArray,
  lexStatement,
  posAt,
  statementsOf,
  withBlock,
  type StatementList,
  type StatementToken,
} from './lexer.js';
import { Preprocessor } from './preprocess.js';

export interface ParseOptions {
  /** The config-id `@ID` lines are tested against; default the host name up to the first '.'. */
  configId?: string;
  /** Reads a configuration file; default: node:fs, regular non-executable files only. */
  readFile?: (path: string) => string;
  /** Expands an include pattern relative to `cwd`; default: our glob(3) over node:fs. */
  glob?: (pattern: string, cwd: string) => GlobResult;
  /** For `${_ENV VAR}`; default process.env. */
  env?: Record<string, string | undefined>;
  /** For `${_RANDOM}`: uniform in [0, 1); default Math.random. */
  random?: () => number;
  /** keepalived's -e/--all-config: any include problem is an error. */
  allConfig?: boolean;
}

export interface ParseResult {
  tree: ConfigTree;
  diagnostics: Diagnostic[];
}

export function defaultConfigId(): string {
  return hostname().split('.')[0];
}

/** Parses the configuration file at `path` (keepalived globs even this one) and its includes. */
export function parseConfig(path: string, opts: ParseOptions = {}): ParseResult {
  return run(opts, (pre) => pre.openMain(path));
}

/** Parses `text` as if it were the file `file`; includes are resolved next to `file`. */
export function parseConfigText(text: string, file: string, opts: ParseOptions = {}): ParseResult {
  return run(opts, (pre) => pre.openText(file, text));
}

function run(opts: ParseOptions, open: (pre: Preprocessor) => void): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const pre = new Preprocessor(
    {
      configId: opts.configId ?? defaultConfigId(),
      readFile: opts.readFile ?? readConfigFile,
      glob: opts.glob ?? ((pattern, cwd) => globFiles(pattern, cwd)),
      env: opts.env ?? process.env,
      random: opts.random ?? Math.random,
      allConfig: opts.allConfig ?? false,
    },
    diagnostics,
  );
  open(pre);
  const queue = new StatementQueue();
  const compiled = nearley.Grammar.fromCompiled({ ...grammar, Lexer: queue });
  const statements: Statement[] = [];
  tokenize(pre, diagnostics, (tokens) => {
    queue.load(tokens);
    // keepHistory: without it nearley `delete`s each chart column from its array as soon as the
    // next one is built, and those deletes cost more than they save: with it, nearley's part of
    // the 100k-line benchmark config's parse takes 40 % less time. The chart of one piece is
    // kept until the piece is parsed, which is one reason the pieces are short.
    const parser = new nearley.Parser(compiled, { keepHistory: true });
    parser.feed('');
    // The token stream is balanced by construction, and the grammar is unambiguous on balanced
    // streams; anything else is a bug in this module, not in the configuration.
    if (parser.results.length !== 1)
      throw new KtsError(
        'grammar-ambiguous',
        `keepalived grammar: ${parser.results.length} parses instead of 1`,
      );
    for (const s of statementsOf(parser.results[0] as StatementList)) statements.push(s);
  });
  return { tree: { statements, files: pre.files }, diagnostics };
}

/**
 * Tokens per nearley parse, about. The parser keeps its whole chart (see keepHistory above), and
 * a long chart costs more per token than a short one: the 100k-line benchmark config, parsed as
 * one piece of 20,000 tokens, spends 4 times as long in nearley as in pieces of 64 to 1024 tokens.
 * The statements of a config are a sequence, so pieces of the token stream with no block open
 * across their ends parse separately to the same statements.
 */
const PARSE_CHUNK_TOKENS = 256;

interface OpenBlock {
  /** False for a `{` that follows no statement: reported, and its `}` is dropped with it. */
  real: boolean;
  keyword?: string;
  open: SourcePos;
}

/**
 * The innermost block opened and not yet handed to the grammar. While it holds only plain
 * statements it is built here, and joins the enclosing run as one statement with its block once
 * its `}` comes: most blocks are such leaves (checkers, address lists), and the grammar's time
 * grows with its token count. A nested `{` hands the block to the grammar as an 'open' token.
 */
interface LeafBlock {
  statement: Statement;
  open: SourcePos;
  /** The enclosing level's statements not yet emitted, which this block will join. */
  outerRun: Statement[];
}

/**
 * Turns logical lines into grammar tokens, folding each `{` into the statement just before it
 * and checking brace balance as keepalived's `read_line` does. The tokens go to `parse` in
 * balanced pieces, each as soon as it is complete: a piece's tokens and the statement runs they
 * carry then die young, where holding the whole stream until the end had every young
 * collection copy them.
 */
function tokenize(
  pre: Preprocessor,
  diagnostics: Diagnostic[],
  parse: (tokens: StatementToken[]) => void,
): void {
  let tokens: StatementToken[] = [];
  const blocks: OpenBlock[] = [];
  // Statements not yet emitted at the current level; the last one opens a block if a `{` follows.
  let run: Statement[] = [];
  let leaf: LeafBlock | undefined;
  // The run the last 'open' token carries as its block's first statements: it may still grow
  // (leaf blocks closing join it), and it is not emitted again as a 'stmts' token.
  let carried: Statement[] | undefined;
  const flush = (statements: Statement[]): void => {
    if (statements !== carried && statements.length > 0)
      tokens.push({ type: 'stmts', value: statements[0].keyword.text, statements });
  };
  /**
   * The leaf block is not one: hand its opening, with the statements so far, to the grammar. When
   * it directly follows the `}` of a sibling, that 'close' becomes a 'next'; not at the top level,
   * where the token stream is cut into pieces after the 'close' tokens.
   */
  const emitLeaf = (l: LeafBlock, topLevel: boolean): void => {
    flush(l.outerRun);
    const value = l.statement.keyword.text;
    const last = tokens[tokens.length - 1];
    if (!topLevel && last?.type === 'close' && last.pos) {
      const close = last.pos;
      tokens[tokens.length - 1] = {
        type: 'next',
        value,
        close,
        statement: l.statement,
        open: l.open,
        statements: run,
      };
    } else
      tokens.push({ type: 'open', value, statement: l.statement, open: l.open, statements: run });
    carried = run;
  };
  /** The leaf block ends: it joins the enclosing run. */
  const closeLeaf = (l: LeafBlock, close: SourcePos | undefined): void => {
    l.outerRun.push(withBlock(l.statement, exactArray(run, run.length), l.open, close));
    run = l.outerRun;
    leaf = undefined;
  };
  /** The `}` of a real block: a leaf block folds into its statement, others close in the stream. */
  const closeBlock = (pos: SourcePos | undefined): void => {
    if (leaf) closeLeaf(leaf, pos);
    else {
      flush(run);
      run = [];
      tokens.push(pos ? { type: 'close', value: '}', pos } : { type: 'close', value: '}' });
    }
  };
  for (let line = pre.next(); line; line = pre.next()) {
    if (line.text === '{') {
      const open = posAt(line, 0);
      // A `{` right after a `}` follows no statement: the one before that brace has its block.
      const last = run[run.length - 1];
      const statement = last && !last.block ? run.pop() : undefined;
      if (statement) {
        if (leaf) emitLeaf(leaf, blocks.length === 1);
        leaf = { statement, open, outerRun: run };
        run = [];
        blocks.push({ real: true, keyword: statement.keyword.text, open });
      } else {
        diagnostics.push({
          severity: 'error',
          code: 'unexpected-open-brace',
          message: "Unexpected '{' - ignoring",
          pos: open,
        });
        blocks.push({ real: false, open });
      }
      continue;
    }
    if (line.text === '}') {
      const block = blocks.pop();
      const pos = posAt(line, 0);
      if (!block)
        diagnostics.push({
          severity: 'error',
          code: 'extra-close-brace',
          message: "Extra '}' found",
          pos,
        });
      else if (block.real) {
        closeBlock(pos);
        // A top-level block closed: the tokens so far are balanced, a piece of their own.
        if (blocks.length === 0 && tokens.length >= PARSE_CHUNK_TOKENS) {
          parse(tokens);
          tokens = [];
        }
      }
      continue;
    }
    const statement = lexStatement(line, diagnostics, pre.openBraceFollows());
    if (!statement) continue;
    run.push(statement);
    if (
      statement.keyword.text === 'include_check' &&
      blocks.length === 1 &&
      blocks[0].keyword === 'global_defs'
    )
      pre.setIncludeCheck(statement.args.map((w) => w.text));
  }
  for (let block = blocks.pop(); block; block = blocks.pop()) {
    diagnostics.push({
      severity: 'error',
      code: 'missing-close-brace',
      message: `Missing '}' for the '{' of ${block.keyword ?? 'a block'} at end of configuration`,
      pos: block.open,
    });
    if (block.real) closeBlock(undefined);
  }
  flush(run);
  if (tokens.length > 0) parse(tokens);
}
