// `~SEQ(var, [start,] [step,] end) text`, `~SEQx(...)` and `~LST(var, v1, v2...) text` /
// `~LST({a,b}, {1,2}, {3,4}) text`, as keepalived's lib/parser.c parses them (`add_seq`,
// `add_lst`). A sequence repeats its text once per value, with the variable(s) defined.
import { sliceLine, skipBlanks, type SourceLine } from './lexer.js';

export interface NumberSequence {
  kind: 'seq';
  variable: string;
  next: number;
  step: number;
  last: number;
  hex: boolean;
  text: SourceLine;
}

export interface ListSequence {
  kind: 'lst';
  variables: string[];
  /** One entry per repetition: a value for each variable (missing ones are empty). */
  valueSets: string[][];
  next: number;
  text: SourceLine;
}

export type Sequence = NumberSequence | ListSequence;

/** keepalived limits the ~SEQ parameter text to three longs with separators. */
export const SEQ_PARAMS_MAX = 3 * 20 + 3 + 1;

/** `strtol(s + i, &end, 0)`: blanks, sign, `0x` hex, leading-0 octal or decimal. */
export function strtol(s: string, i: number): { value: number; end: number } {
  let p = i;
  while (p < s.length && ' \t\n\v\f\r'.includes(s[p])) p++;
  let sign = 1;
  if (s[p] === '+' || s[p] === '-') {
    if (s[p] === '-') sign = -1;
    p++;
  }
  let base = 10;
  if (
    s[p] === '0' &&
    (s[p + 1] === 'x' || s[p + 1] === 'X') &&
    /[0-9a-fA-F]/.test(s[p + 2] ?? '')
  ) {
    base = 16;
    p += 2;
  } else if (s[p] === '0') base = 8;
  const digits = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/;
  const from = p;
  while (p < s.length && digits.test(s[p])) p++;
  if (p === from) return { value: 0, end: i };
  return { value: sign * parseInt(s.slice(from, p), base), end: p };
}

export type SeqParse = { ok: true; seq: Sequence } | { ok: false; message: string };

/**
 * Parses a line starting `~SEQ`. `expandParams` substitutes definitions in the parameter text
 * (keepalived allows `~SEQ(i, $FIRST, $LAST)`); it returns undefined for a multi-line value.
 */
export function parseSeq(
  line: SourceLine,
  expandParams: (text: string) => string | undefined,
): SeqParse {
  const buf = line.text;
  const invalid = (why: string): SeqParse => ({ ok: false, message: `${why} '${buf}'` });
  let p = 4;
  const hex = buf[p] === 'x';
  if (hex) p++;
  p = skipBlanks(buf, p);
  if (buf[p] !== '(') return invalid('Invalid ~SEQ specification');
  p = skipBlanks(buf, p + 1);
  const varStart = p;
  while (p < buf.length && !' \t,)'.includes(buf[p])) p++;
  const variable = buf.slice(varStart, p);
  p = skipBlanks(buf, p);
  if (p >= buf.length || buf[p] === ')' || variable === '' || variable[0] === '{')
    return invalid('Invalid ~SEQ definition');
  // keepalived steps over the separator after the variable without checking it is a comma.
  p = skipBlanks(buf, p + 1);
  const close = buf.indexOf(')', p);
  if (close < 0) return invalid("~SEQ missing terminating ')'");
  if (close + 1 - p + 1 > SEQ_PARAMS_MAX) return invalid('~SEQ parameter strings too long');
  const params = expandParams(buf.slice(p, close + 1));
  if (params === undefined) return invalid('~SEQ parameter is multiline definition');

  const nums: number[] = [];
  let q = 0;
  for (;;) {
    const n = strtol(params, q);
    nums.push(n.value);
    q = skipBlanks(params, n.end);
    if (params[q] === ')') break;
    if (params[q] !== ',' || nums.length === 3) return invalid('Invalid ~SEQ definition');
    q++;
  }
  let start: number;
  let step: number;
  let end: number;
  if (nums.length === 1) {
    end = nums[0];
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (nums.length === 2) {
    [start, end] = nums;
    step = start <= end ? 1 : -1;
  } else {
    [start, step, end] = nums;
    if (step === 0 || (start < end && step < 0) || (start > end && step > 0))
      return invalid('Invalid ~SEQ values');
  }
  if (hex && (start < 0 || end < 0)) return invalid('~SEQx is only valid for positive numbers');
  const textStart = skipBlanks(buf, close + 1);
  return {
    ok: true,
    seq: {
      kind: 'seq',
      variable,
      next: start,
      step,
      last: end,
      hex,
      text: sliceLine(line, textStart),
    },
  };
}

const lstStop = (stops: string) => (c: string | undefined) => c === undefined || stops.includes(c);

/** Parses a line starting `~LST`; undefined when it is malformed. */
export function parseLst(line: SourceLine): ListSequence | undefined {
  const buf = line.text;
  let p = skipBlanks(buf, 4);
  if (buf[p] !== '(') return undefined;
  p = skipBlanks(buf, p + 1);
  let endChar = ',';
  if (buf[p] === '{') {
    endChar = '}';
    p = skipBlanks(buf, p + 1);
  }
  const variables: string[] = [];
  const atVarEnd = lstStop(' \t,}');
  for (;;) {
    const from = p;
    while (!atVarEnd(buf[p])) p++;
    variables.push(buf.slice(from, p));
    p = skipBlanks(buf, p);
    if (buf[p] === endChar) break;
    if (buf[p] !== ',') return undefined;
    p = skipBlanks(buf, p + 1);
  }
  if (buf[p] === '}') p = skipBlanks(buf, p + 1);
  if (buf[p] !== ',') return undefined;
  p = skipBlanks(buf, p + 1);

  const valueSets: string[][] = [];
  const atValueEnd = lstStop(' \t,})');
  for (;;) {
    let setEnd = ',';
    if (buf[p] === '{') {
      setEnd = '}';
      p = skipBlanks(buf, p + 1);
    }
    const values: string[] = [];
    for (;;) {
      const from = p;
      while (!atValueEnd(buf[p])) p++;
      values.push(buf.slice(from, p));
      p = skipBlanks(buf, p);
      if (buf[p] === setEnd || (buf[p] === ')' && setEnd === ',')) break;
      if (buf[p] !== ',') return undefined;
      p = skipBlanks(buf, p + 1);
      if (values.length > variables.length - 1) return undefined;
    }
    while (values.length < variables.length) values.push('');
    valueSets.push(values);
    if (buf[p] === '}' && setEnd === '}') p = skipBlanks(buf, p + 1);
    if (buf[p] === ')') break;
    if (buf[p] !== ',') return undefined;
    p = skipBlanks(buf, p + 1);
  }
  return {
    kind: 'lst',
    variables,
    valueSets,
    next: 0,
    text: sliceLine(line, skipBlanks(buf, p + 1)),
  };
}
