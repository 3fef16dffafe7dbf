// Property tests of the syntax stage with fast-check.
//
// "Malformed", for text without preprocessing characters ($ @ ~ \ and no `include`), means one of:
//   - a line whose double quotes, before any comment outside quotes, are unbalanced;
//   - a `}` with no open block;
//   - a `{` that follows no statement (at the start, or right after another brace);
//   - a block still open at the end.
// Such text must yield at least one diagnostic, and any other text none.
import { CORPUS_DIR } from '../../helpers/shared.js';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Statement } from '../../../src/config/ast.js';
import type { GlobResult } from '../../../src/config/include.js';
import { decomment, decommentPlain, nextNotPlain } from '../../../src/config/lexer.js';
import { parseConfigText, type ParseOptions } from '../../../src/config/parse.js';
import { outline } from './outline.js';

const CORPUS = CORPUS_DIR;
const corpus = readdirSync(CORPUS)
  .filter((f) => f.startsWith('keepalived.conf'))
  .map((f) => readFileSync(join(CORPUS, f), 'utf8'));

const noFiles = (): GlobResult => ({
  paths: [],
  missingFiles: 1,
  missingDirs: 0,
  wildcards: false,
});
// Hermetic: includes in mutated text never reach the disk.
const OPTS: ParseOptions = { configId: 'fuzz', glob: noFiles, env: {}, random: () => 0 };
const parse = (text: string) => parseConfigText(text, '/fuzz/keepalived.conf', OPTS);

/** Parses and checks the time bound (generous: the machine is shared). */
function parseBounded(text: string) {
  const t0 = performance.now();
  const r = parse(text);
  const ms = performance.now() - t0;
  assert.ok(ms < 2000, `parse took ${ms.toFixed(0)} ms`);
  return r;
}

export function malformed(text: string): boolean {
  let depth = 0;
  let canOpen = false;
  for (const raw of text.split('\n')) {
    let line = '';
    let quoted = false;
    for (const c of raw) {
      if (c === '"') quoted = !quoted;
      else if (!quoted && (c === '#' || c === '!')) break;
      line += c;
    }
    if (quoted) return true;
    let segment = '';
    const endSegment = (): void => {
      if (segment.trim() !== '') canOpen = true;
      segment = '';
    };
    for (const c of line) {
      if (c === '"') quoted = !quoted;
      if (quoted || (c !== '{' && c !== '}')) {
        segment += c;
        continue;
      }
      endSegment();
      if (c === '{' ? !canOpen : depth === 0) return true;
      depth += c === '{' ? 1 : -1;
      canOpen = false;
    }
    endSegment();
  }
  return depth !== 0;
}

const plainChar = fc.constantFrom(...'ab{}"#! \t\n'.split(''));
const plainText = fc.array(plainChar, { maxLength: 200 }).map((cs) => cs.join(''));

const anyChar = fc.constantFrom(
  ...'ab1{}"#!\\$@~(),; \t\n\r\0é'.split(''),
  '$A=',
  '${_RANDOM 1 3}',
  '~SEQ(i, 3) ',
  '~LST(v, x, y) ',
  '@fuzz ',
  '@^fuzz ',
  'include x/*.conf',
  ' \\\n',
);
const mutation = fc.tuple(
  fc.constantFrom('delete', 'insert', 'swap', 'duplicate'),
  fc.nat(),
  fc.nat(),
  anyChar,
);

function mutate(text: string, ops: Array<[string, number, number, string]>): string {
  let t = text;
  for (const [op, a, b, c] of ops) {
    const i = t.length === 0 ? 0 : a % t.length;
    const j = t.length === 0 ? 0 : b % t.length;
    if (op === 'delete') t = t.slice(0, i) + t.slice(i + 1);
    else if (op === 'insert') t = t.slice(0, i) + c + t.slice(i);
    else if (op === 'swap' && t.length > 0) {
      const chars = [...t];
      [chars[i], chars[j]] = [chars[j], chars[i]];
      t = chars.join('');
    } else if (op === 'duplicate')
      t = t.slice(0, i) + t.slice(Math.min(i, j), Math.max(i, j)) + t.slice(i);
  }
  return t;
}

// Well-formed configs as trees, rendered in the various legal layouts.
interface Node {
  words: string[];
  block?: Node[];
}
const word = fc.stringMatching(/^[a-z0-9_./:-]{1,8}$/);
const quotedWord = fc.stringMatching(/^[a-z #!{}]{0,6}$/).map((w) => `"${w}"`);
const node: fc.Memo<Node> = fc.memo((n) =>
  fc.record(
    {
      words: fc
        .tuple(word, fc.array(fc.oneof(word, quotedWord), { maxLength: 3 }))
        .map(([k, a]) => [k, ...a]),
      block: n > 1 ? fc.array(node(n - 1), { maxLength: 4 }) : fc.constant(undefined),
    },
    { requiredKeys: ['words'] },
  ),
);
interface Layout {
  /** 'same': `head {` ... `}`; 'next': `{` on its own line; 'inline': `head { first` ... `last }`. */
  braces: 'same' | 'next' | 'inline';
  comment: string;
  indent: string;
}
const layout: fc.Arbitrary<Layout> = fc.record({
  braces: fc.constantFrom('same' as const, 'next' as const, 'inline' as const),
  comment: fc.constantFrom('', ' # note', ' ! note', ' #{ "'),
  indent: fc.constantFrom('', '  ', '\t'),
});

function render(nodes: Node[], style: Layout): string {
  // Inline blocks put `}` after the last child, where a comment would swallow it.
  const comment = style.braces === 'inline' ? '' : style.comment;
  const lines = (ns: Node[], depth: number): string[] =>
    ns.flatMap((n) => {
      const pad = style.indent.repeat(depth);
      const head = pad + n.words.join(' ');
      if (!n.block) return [head + comment];
      const inner = lines(n.block, depth + 1);
      if (style.braces === 'next') return [head, `${pad}{${comment}`, ...inner, `${pad}}`];
      if (style.braces === 'same') return [`${head} {${comment}`, ...inner, `${pad}}`];
      if (inner.length === 0) return [`${head} { }`];
      inner[0] = `${head} { ${inner[0].trimStart()}`;
      inner[inner.length - 1] += ' }';
      return inner;
    });
  return lines(nodes, 0).join('\n') + '\n';
}

function expected(nodes: Node[]): ReturnType<typeof outline> {
  const text = (w: string) => (w.startsWith('"') ? w.slice(1, -1) : w);
  return nodes.map((n) => {
    const head = n.words.map(text).join(' ');
    return n.block ? [head, expected(n.block)] : head;
  });
}

const countStatements = (ss: Statement[]): number =>
  ss.reduce((sum, s) => sum + 1 + (s.block ? countStatements(s.block.statements) : 0), 0);

describe('fuzz', () => {
  it('random text without preprocessing: a diagnostic exactly when malformed', () => {
    fc.assert(
      fc.property(plainText, (text) => {
        const r = parseBounded(text);
        assert.equal(r.diagnostics.length > 0, malformed(text), JSON.stringify(r.diagnostics));
      }),
      { numRuns: 3000 },
    );
  });

  it('well-formed trees round-trip through any layout, with no diagnostics', () => {
    fc.assert(
      fc.property(fc.array(node(3), { maxLength: 5 }), layout, (nodes, style) => {
        const text = render(nodes, style);
        const r = parseBounded(text);
        assert.deepEqual(r.diagnostics, []);
        assert.deepEqual(outline(r.tree.statements), expected(nodes));
        // Every word and brace position points at that word or brace in the source.
        const lines = text.split('\n');
        const at = (p: { line: number; col: number }) => lines[p.line - 1].slice(p.col - 1);
        const check = (ss: Statement[]): void => {
          for (const s of ss) {
            for (const w of [s.keyword, ...s.args])
              assert.ok(at(w.pos).startsWith(w.quoted ? `"${w.text}"` : w.text));
            // The raw text is the source from the first argument on.
            if (s.args.length === 0) assert.equal(s.raw, '');
            else assert.ok(at(s.args[0].pos).startsWith(s.raw) && s.raw.length > 0);
            if (!s.block) continue;
            assert.ok(at(s.block.open).startsWith('{'));
            assert.ok(s.block.close && at(s.block.close).startsWith('}'));
            check(s.block.statements);
          }
        };
        check(r.tree.statements);
      }),
      { numRuns: 500 },
    );
  });

  it('removing a } or adding one, or an odd quote, is always reported', () => {
    fc.assert(
      fc.property(
        fc.array(node(3), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('drop-close', 'extra-close', 'open-quote'),
        fc.nat(),
        (nodes, damage, at) => {
          const text = render(nodes, { braces: 'same', comment: '', indent: ' ' });
          const lines = text.split('\n');
          const closes = lines.flatMap((l, i) => (l.trim() === '}' ? [i] : []));
          let broken: string;
          if (damage === 'drop-close') {
            fc.pre(closes.length > 0);
            lines.splice(closes[at % closes.length], 1);
            broken = lines.join('\n');
          } else if (damage === 'extra-close') {
            lines.splice(at % lines.length, 0, '}');
            broken = lines.join('\n');
          } else {
            const i = at % (lines.length - 1);
            lines[i] += ' "unclosed';
            broken = lines.join('\n');
          }
          assert.ok(malformed(broken));
          assert.ok(parseBounded(broken).diagnostics.length > 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('mutated corpus files and preprocessing soup never throw and finish quickly', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: corpus.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 20 }),
        (file, ops) => {
          const r = parseBounded(mutate(corpus[file], ops));
          assert.ok(countStatements(r.tree.statements) >= 0);
        },
      ),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(anyChar, { maxLength: 300 }), (cs) => {
        parseBounded(cs.join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('the plain-line shortcut decomments exactly as decomment does, wherever it applies', () => {
    const file = '/fuzz/keepalived.conf';
    let applied = 0;
    fc.assert(
      fc.property(
        // Mostly characters the shortcut accepts, so that it applies often; now and then one it
        // must refuse.
        fc.array(
          fc.oneof(
            { arbitrary: fc.constantFrom(...' \t\f\vab1{}$@~é'.split('')), weight: 12 },
            { arbitrary: fc.constantFrom(...'"#!\\\r\0'.split('')), weight: 1 },
          ),
          { maxLength: 40 },
        ),
        fc.nat({ max: 5 }),
        (cs, pad) => {
          // The line sits inside a longer text, as in a file: [pad chars][line]\n[more]
          const line = cs.join('');
          const text = `${'x'.repeat(pad)}${line}\nnext`;
          const notPlainAt = nextNotPlain(text, pad);
          const plain = decommentPlain(text, pad, pad + line.length, file, 7, notPlainAt);
          if (!plain) return;
          applied++;
          const general = decomment({ text: line, file, line: 7, col: 1 }).line;
          assert.equal(plain.text, general.text);
          if (plain.text !== '') assert.deepEqual(plain, general);
        },
      ),
      { numRuns: 3000 },
    );
    assert.ok(applied > 1000, `the shortcut applied to only ${applied} lines`);
  });
});
