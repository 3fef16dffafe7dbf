// File access for `include`: glob(3) as keepalived calls it (GLOB_MARK | GLOB_BRACE |
// GLOB_ALTDIRFUNC, the latter only to count missing files and directories), written here because
// Node 20 has no fs.glob. Patterns are matched component by component with fnmatch(3) rules:
// `*`, `?`, `[...]` (with `!`/`^` negation and ranges), `\` escapes, and a leading `.` only
// matched explicitly.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KtsError } from '../errors.js';

export interface GlobResult {
  /** Matches, sorted per brace alternative; directories end in `/` (GLOB_MARK). */
  paths: string[];
  /** Non-wildcard paths that did not exist (keepalived's `missing_files`). */
  missingFiles: number;
  /** Directories that could not be opened for a wildcard (`missing_directories`). */
  missingDirs: number;
  /** Whether a wildcard was expanded (keepalived's `have_wildcards`). */
  wildcards: boolean;
}

/** Directory listing and existence checks glob needs; the default uses node:fs. */
export interface GlobFs {
  readdir(dir: string): string[] | undefined;
  /** 'dir', 'file' (anything else that exists), or undefined when absent. */
  kind(path: string): 'dir' | 'file' | undefined;
}

export const nodeGlobFs: GlobFs = {
  readdir(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined;
    }
  },
  kind(path) {
    try {
      return statSync(path).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  },
};

/**
 * Reads a configuration file as keepalived's `check_glob_file` + `fopen` would: it must be a
 * regular file without any execute bit.
 */
export function readConfigFile(path: string): string {
  const st = statSync(path);
  if (!st.isFile() || (st.mode & 0o111) !== 0)
    throw new KtsError('config-not-regular', `'${path}' is not a regular non-executable file`);
  return readFileSync(path, 'utf8');
}

/**
 * csh-style `{a,b}` alternatives, expanded left to right like glibc's GLOB_BRACE (nesting
 * allowed, `\` escapes a brace). A pattern without a complete brace pair is returned as is.
 */
export function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, '{', 0);
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length && close < 0; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (--depth === 0) close = i;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const alt = pattern.slice(bounds[k] + 1, bounds[k + 1]);
    for (const expanded of expandBraces(head + alt + tail)) out.push(expanded);
  }
  return out;
}

function findUnescaped(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

export function hasWildcard(component: string): boolean {
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?') return true;
    else if (c === '[' && component.indexOf(']', i + 2) > 0) return true;
  }
  return false;
}

/** fnmatch(3) for one path component, as a RegExp. */
export function componentRegExp(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === '\\' && i + 1 < component.length) {
      re += escapeRe(component[++i]);
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      let j = i + 1;
      let negate = false;
      if (component[j] === '!' || component[j] === '^') {
        negate = true;
        j++;
      }
      const setStart = j;
      if (component[j] === ']') j++;
      while (j < component.length && component[j] !== ']') j++;
      if (j >= component.length) {
        re += '\\[';
        continue;
      }
      const set = component
        .slice(setStart, j)
        .replace(/\\/g, '\\\\')
        .replace(/\]/g, '\\]')
        .replace(/\^/g, '\\^');
      re += negate ? `[^/${set}]` : `[${set}]`;
      i = j;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's');
}

const escapeRe = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const unescape = (component: string): string => component.replace(/\\(.)/g, '$1');

/**
 * glob(3) for `pattern`, relative paths resolved against `cwd` but returned as written (the way
 * glob returns them after keepalived has changed into the including file's directory).
 */
export function glob(pattern: string, cwd: string, fs: GlobFs = nodeGlobFs): GlobResult {
  const result: GlobResult = { paths: [], missingFiles: 0, missingDirs: 0, wildcards: false };
  for (const alternative of expandBraces(pattern)) globOne(alternative, cwd, fs, result);
  return result;
}

function globOne(pattern: string, cwd: string, fs: GlobFs, result: GlobResult): void {
  if (pattern === '') return;
  const absolute = pattern.startsWith('/');
  const parts = pattern.split('/').filter((p, i) => p !== '' || i === 0);
  if (absolute) parts.shift();
  const onDisk = (p: string): string => (absolute ? p : join(cwd, p));
  // Each candidate is a path as it will be returned (prefix of the pattern, expanded).
  let candidates = [absolute ? '/' : ''];
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k];
    const last = k === parts.length - 1;
    const next: string[] = [];
    for (const base of candidates) {
      if (!hasWildcard(part)) {
        const path = base + unescape(part);
        if (last) {
          const kind = fs.kind(onDisk(path));
          if (kind === undefined) result.missingFiles++;
          else next.push(kind === 'dir' ? `${path}/` : path);
        } else next.push(`${path}/`);
        continue;
      }
      result.wildcards = true;
      const entries = fs.readdir(onDisk(base === '' ? '.' : base));
      if (!entries) {
        result.missingDirs++;
        continue;
      }
      const re = componentRegExp(part);
      const explicitDot = part.startsWith('.') || part.startsWith('\\.');
      const matched = entries
        .filter((e) => re.test(e) && (explicitDot || !e.startsWith('.')))
        .sort(compareBytes);
      for (const entry of matched) {
        const path = base + entry;
        if (last) next.push(fs.kind(onDisk(path)) === 'dir' ? `${path}/` : path);
        else if (fs.kind(onDisk(path)) === 'dir') next.push(`${path}/`);
      }
    }
    candidates = next;
  }
  result.paths.push(...candidates.filter((c) => c !== '' && c !== '/'));
}

/** glob sorts with strcoll; in the C locale keepalived runs in, that is byte order. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
