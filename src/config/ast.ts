// The syntax tree of a keepalived.conf after preprocessing (includes, @conditionals, $definitions,
// ~SEQ/~LST) and brace splitting. Every node carries the position of the text it came from, in the
// file that text was written in (through includes), so diagnostics can name file:line:col.

export interface SourcePos {
  /** Path of the file the text came from, as given or resolved from an include glob. */
  file: string;
  /** 1-based line in that file. */
  line: number;
  /** 1-based column in that line (after tab expansion: none, a tab counts as one column). */
  col: number;
}

export interface Word {
  /** The token's text with surrounding double quotes removed. */
  text: string;
  /** True when the token was written in double quotes. */
  quoted: boolean;
  pos: SourcePos;
}

export interface Statement {
  /** The first word of the statement: the keyword. */
  keyword: Word;
  /** The remaining words of the statement, split as keepalived splits them. */
  args: Word[];
  /**
   * The statement's text after the keyword, preprocessed but not tokenised, for keywords whose
   * argument is a command line (`script`, `notify*`, `misc_path`, ...): keepalived re-splits those
   * honouring single and double quotes.
   */
  raw: string;
  pos: SourcePos;
  /** Present when the statement opens a `{ ... }` block. */
  block?: Block;
}

export interface Block {
  statements: Statement[];
  /** Position of the `{`. */
  open: SourcePos;
  /** Position of the matching `}`; absent when the file ended first (a diagnostic is reported). */
  close?: SourcePos;
}

export interface ConfigTree {
  statements: Statement[];
  /** Every file read, main file first, in reading order. */
  files: string[];
}
