// keepalived's own sample configs (../shared/corpus/keepalived-samples, see EXPECTED.md) parse
// without syntax errors, into the structure an independent naive reading gives: these files have
// no quotes holding braces or comment characters, no definitions and no includes, so splitting
// each line at `#`/`!` and at braces, with `@ID` lines filtered, is exact for them.
import { CORPUS_DIR } from '../../helpers/shared.js';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Statement } from '../../../src/config/ast.js';
import { parseConfig } from '../../../src/config/parse.js';

const CORPUS = CORPUS_DIR;
const files = readdirSync(CORPUS).filter((f) => f.startsWith('keepalived.conf'));

/** [keyword, depth] for each statement, depth-first. */
function walk(statements: Statement[], depth = 0, out: Array<[string, number]> = []) {
  for (const s of statements) {
    out.push([s.keyword.text, depth]);
    if (s.block) {
      assert.ok(s.block.close, `block of ${s.keyword.text} at line ${s.pos.line} is closed`);
      walk(s.block.statements, depth + 1, out);
    }
  }
  return out;
}

function naive(text: string, configId: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  let depth = 0;
  for (let line of text.split('\n')) {
    line = line.replace(/[#!].*/, '').trim();
    const cond = /^@(\^?)(\S+)\s+(.*)$/.exec(line);
    if (line.startsWith('@')) {
      if (!cond || (cond[2] === configId) === (cond[1] === '^')) continue;
      line = cond[3];
    }
    for (const piece of line.split(/([{}])/)) {
      if (piece === '{') depth++;
      else if (piece === '}') depth--;
      else if (piece.trim() !== '') out.push([piece.trim().split(/\s+/)[0], depth]);
    }
  }
  return out;
}

describe('keepalived sample configs', () => {
  it('are all there', () => assert.equal(files.length, 13));

  for (const file of files) {
    it(`${file} parses without diagnostics into the naive structure`, () => {
      const path = join(CORPUS, file);
      for (const configId of ['high', 'low', 'other']) {
        const r = parseConfig(path, { configId });
        assert.deepEqual(r.diagnostics, []);
        assert.deepEqual(r.tree.files, [path]);
        assert.deepEqual(walk(r.tree.statements), naive(readFileSync(path, 'utf8'), configId));
      }
    });
  }

  it('conditional_conf keeps the lines of the config-id only', () => {
    const path = join(CORPUS, 'keepalived.conf.conditional_conf');
    const script = (configId: string) => {
      const r = parseConfig(path, { configId });
      return r.tree.statements
        .find((s) => s.keyword.text === 'vrrp_script')
        ?.block?.statements.filter((s) => s.keyword.text === 'script')
        .map((s) => s.args[0].text);
    };
    assert.deepEqual(script('high'), ['/etc/keepalived/scripts/check_high_VI_0.sh']);
    assert.deepEqual(script('low'), ['/etc/keepalived/scripts/check_low_VI_0.sh']);
    assert.deepEqual(script('other'), []);
  });
});
