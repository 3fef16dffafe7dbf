// Command lines of `script`, `notify*`, `misc_path`, `quorum_up`, ...: keepalived re-splits the
// statement's raw text honouring ' and " (shell-like joining: abc" d"e → `abc de`); word 1 is the
// command, optional words 2..3 the user and group. The command is split again into argv, this time
// also decoding backslash escapes (lib/parser.c alloc_strvec_quoted_escaped).
import type { Statement } from '../ast.js';
import type { ScriptCommand } from '../model.js';
import type { BuildContext } from './context.js';

const WHITE_SPACE = /[ \t\f\v\r\n]/;

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

class QuoteError extends Error {}

/** Splits `src` into words; `escapes` decodes `\n`, `\xHH`, `\nnn`, `\cC` (else `\X` stays verbatim). */
export function splitQuoted(src: string, escapes: boolean): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < src.length) {
    while (i < src.length && WHITE_SPACE.test(src[i])) i++;
    if (i >= src.length) break;
    let word = '';
    let quote: string | undefined;
    while (i < src.length) {
      const c = src[i];
      if (c === '\\') {
        i++;
        if (i >= src.length) throw new QuoteError(`Missing escape char at end: '${src}'`);
        if (!escapes) {
          word += `\\${src[i++]}`;
          continue;
        }
        const [decoded, used] = decodeEscape(src, i);
        word += decoded;
        i += used;
        continue;
      }
      if (quote) {
        if (c === quote) quote = undefined;
        else word += c;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        quote = c;
        i++;
        continue;
      }
      if (WHITE_SPACE.test(c)) break;
      word += c;
      i++;
    }
    if (quote) throw new QuoteError(`String '${src}': missing terminating ${quote}`);
    words.push(word);
  }
  return words;
}

/** Decodes the escape whose letter is at `src[i]`; returns the text and the characters consumed. */
function decodeEscape(src: string, i: number): [string, number] {
  const c = src[i];
  if (c === 'x' && /[0-9a-fA-F]/.test(src[i + 1] ?? '')) {
    const hex = /^[0-9a-fA-F]{1,2}/.exec(src.slice(i + 1))![0];
    return [String.fromCharCode(parseInt(hex, 16)), 1 + hex.length];
  }
  if (c === 'c' && i + 1 < src.length)
    return [String.fromCharCode(src.charCodeAt(i + 1) & 0x1f), 2];
  if (c >= '0' && c <= '7') {
    const oct = /^[0-7]{1,3}/.exec(src.slice(i))![0];
    return [String.fromCharCode(parseInt(oct, 8) & 0xff), oct.length];
  }
  return [SIMPLE_ESCAPES[c] ?? c, 1];
}

/** Builds the command of a script-taking statement; undefined (after an error) when unusable. */
export function buildScript(ctx: BuildContext, s: Statement): ScriptCommand | undefined {
  let words: string[];
  let argv: string[];
  try {
    words = splitQuoted(s.raw, false);
    argv = words.length > 0 ? splitQuoted(words[0], true) : [];
  } catch (e) {
    ctx.error(s.pos, 'unmatched-quote', (e as Error).message);
    return undefined;
  }
  if (argv.length === 0) {
    ctx.error(
      s.keyword.pos,
      'missing-parameter',
      `Configuration line starting '${s.keyword.text}' is missing a parameter at word position 2`,
    );
    return undefined;
  }
  const script: ScriptCommand = { command: words[0], argv, pos: s.pos };
  // keepalived accepts `user:group` as well as `user group`.
  const [user, group] =
    words.length > 1 && words[1].includes(':') ? words[1].split(':', 2) : [words[1], words[2]];
  if (user && /^-|\//.test(user)) {
    // `notify /bin/x.sh -v` runs /bin/x.sh as user "-v" (keepalived then drops the script).
    ctx.warn(
      s.pos,
      'script-user-suspicious',
      `${s.keyword.text}: '${user}' is taken as the user to run the script as`,
      `quote the whole command: ${s.keyword.text} "${words.slice(0, 2).join(' ')}"`,
    );
  }
  if (user) script.user = user;
  if (group) script.group = group;
  if (words.length > 3) {
    ctx.warn(
      s.pos,
      'extra-parameters',
      `${s.keyword.text}: extra parameters after user and group ignored`,
    );
  }
  return script;
}
