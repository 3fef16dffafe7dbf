// include and its variants on real files in a temporary directory, and the glob(3) they rely on.
// Expected messages and error/warning levels match keepalived 2.2.7 `-t` on the same tree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { componentRegExp, expandBraces, glob, hasWildcard } from '../../../src/config/include.js';
import { parseConfig } from '../../../src/config/parse.js';
import { TempTree, outline } from './outline.js';

describe('glob', () => {
  let tree: TempTree;
  before(() => {
    tree = new TempTree();
    for (const f of ['conf.d/b.conf', 'conf.d/a.conf', 'conf.d/.hidden.conf', 'conf.d/c.txt'])
      tree.write(f, '');
    tree.write('x/1/k.conf', '');
    tree.write('x/2/k.conf', '');
    tree.dir('conf.d/sub.conf');
  });
  after(() => tree.remove());

  it('expands csh braces left to right, nested, keeping escaped braces', () => {
    assert.deepEqual(expandBraces('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef']);
    assert.deepEqual(expandBraces('{x,}y'), ['xy', 'y']);
    assert.deepEqual(expandBraces('a\\{b,c}'), ['a\\{b,c}']);
    assert.deepEqual(expandBraces('a{b'), ['a{b']);
  });

  it('matches components as fnmatch does', () => {
    assert.ok(componentRegExp('*.conf').test('a.conf'));
    assert.ok(!componentRegExp('*.conf').test('a.conf.bak'));
    assert.ok(componentRegExp('[ab]?.c[!x]').test('bz.cy'));
    assert.ok(!componentRegExp('[ab]?.c[!x]').test('bz.cx'));
    assert.ok(componentRegExp('[a-c]\\*').test('b*'));
    assert.ok(componentRegExp('a[').test('a['));
    assert.equal(hasWildcard('a\\*b'), false);
    assert.equal(hasWildcard('a[b'), false);
    assert.equal(hasWildcard('a[b]'), true);
  });

  it('sorts matches, skips dot files, marks directories, keeps relative paths relative', () => {
    const r = glob('conf.d/*.conf', tree.root);
    assert.deepEqual(r.paths, ['conf.d/a.conf', 'conf.d/b.conf', 'conf.d/sub.conf/']);
    assert.equal(r.wildcards, true);
    assert.deepEqual(glob('conf.d/.*.conf', tree.root).paths, ['conf.d/.hidden.conf']);
  });

  it('expands wildcards in directories and keeps brace alternatives in order', () => {
    assert.deepEqual(glob('x/*/k.conf', tree.root).paths, ['x/1/k.conf', 'x/2/k.conf']);
    assert.deepEqual(glob(`${tree.root}/conf.d/{c.txt,a.conf}`, '/').paths, [
      `${tree.root}/conf.d/c.txt`,
      `${tree.root}/conf.d/a.conf`,
    ]);
  });

  it('counts missing files and directories', () => {
    assert.deepEqual(glob('conf.d/{a.conf,zz.conf}', tree.root), {
      paths: ['conf.d/a.conf'],
      missingFiles: 1,
      missingDirs: 0,
      wildcards: false,
    });
    assert.deepEqual(glob('nodir/*.conf', tree.root), {
      paths: [],
      missingFiles: 0,
      missingDirs: 1,
      wildcards: true,
    });
  });
});

describe('include', () => {
  let tree: TempTree;
  before(() => {
    tree = new TempTree();
    tree.write('sub/a.conf', 'from_a\n');
    tree.write('sub/b.conf', 'from_b 1\nfrom_b 2\n');
    tree.write('exec.conf', 'from_exec\n', 0o755);
    tree.dir('d.conf');
    tree.write('x/one.conf', 'from_x\ninclude ../sub/a.conf\n');
  });
  after(() => tree.remove());

  const run = (text: string, opts = {}) => {
    const main = tree.write('main.conf', text);
    return { main, r: parseConfig(main, { configId: 'main', ...opts }) };
  };

  it('reads globs relative to the including file, in glob order, inside blocks too', () => {
    const { main, r } = run('global_defs {\n  include sub/{b,a}.conf\n  include x/*.conf\n}\n');
    assert.deepEqual(outline(r.tree.statements), [
      ['global_defs', ['from_b 1', 'from_b 2', 'from_a', 'from_x', 'from_a']],
    ]);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.tree.files, [
      main,
      tree.path('sub/b.conf'),
      tree.path('sub/a.conf'),
      tree.path('x/one.conf'),
      tree.path('sub/a.conf'),
    ]);
  });

  it('positions included text in the file and line it came from', () => {
    const { main, r } = run('a {\ninclude sub/b.conf\n}\nafter\n');
    const inner = r.tree.statements[0].block?.statements ?? [];
    assert.deepEqual(
      inner.map((s) => s.pos),
      [
        { file: tree.path('sub/b.conf'), line: 1, col: 1 },
        { file: tree.path('sub/b.conf'), line: 2, col: 1 },
      ],
    );
    assert.deepEqual(r.tree.statements[0].block?.close, { file: main, line: 3, col: 1 });
    assert.deepEqual(r.tree.statements[1].pos, { file: main, line: 4, col: 1 });
  });

  it('reports problems as keepalived: warnings for plain include, errors for the checked variants', () => {
    const { r } = run(
      [
        'include nonexist.conf',
        'includer nonexist2.conf',
        'includem nonexist3.conf',
        'include *.nomatch',
        'includew *.nomatch2',
        'includeb {sub/a,sub/zz}.conf',
        'include d.conf',
        'include exec.conf',
        'includer exec.conf',
        'include nodir/*.conf',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      r.diagnostics.map((d) => [d.pos?.line, d.severity, d.code]),
      [
        [1, 'warning', 'include-missing'],
        [2, 'warning', 'include-missing'],
        [3, 'error', 'include-missing'],
        [5, 'error', 'include-no-match'],
        [6, 'error', 'include-missing'],
        [7, 'warning', 'include-directory'],
        [8, 'warning', 'include-not-regular'],
        [9, 'error', 'include-not-regular'],
        [10, 'warning', 'include-missing'],
      ],
    );
    assert.deepEqual(r.tree.statements, []);
  });

  it('applies global_defs include_check to later includes, restoring it after each file', () => {
    const check = tree.write(
      'check.conf',
      'global_defs {\n  include_check wildcard_match\n}\ninclude *.none1\n',
    );
    const { main, r } = run(
      'global_defs {\n  include_check match\n}\ninclude check.conf\ninclude *.none2\ninclude missing.conf\n',
    );
    assert.deepEqual(
      r.diagnostics.map((d) => [d.pos?.file, d.pos?.line, d.severity, d.code]),
      [
        [check, 4, 'error', 'include-no-match'],
        [main, 6, 'error', 'include-missing'],
      ],
    );
    const all = run('include *.none\n', { allConfig: true }).r;
    assert.deepEqual(codes(all), ['include-no-match']);
  });

  it('reports an include cycle with its chain and goes on', () => {
    tree.write('loop/a.conf', 'in_a\ninclude b.conf\n');
    tree.write('loop/b.conf', 'in_b\ninclude a.conf\nafter_cycle\n');
    const { main, r } = run('include loop/a.conf\ndone\n');
    assert.deepEqual(outline(r.tree.statements), ['in_a', 'in_b', 'after_cycle', 'done']);
    assert.deepEqual(codes(r), ['include-cycle']);
    assert.equal(
      r.diagnostics[0].message,
      `include cycle: ${main} -> ${tree.path('loop/a.conf')} -> ${tree.path('loop/b.conf')} -> ${tree.path('loop/a.conf')} - skipping`,
    );
    assert.deepEqual(r.diagnostics[0].pos, { file: tree.path('loop/b.conf'), line: 2, col: 1 });
  });

  it('takes the rest of the line as its pattern, braces included (keepalived 2.2.7 agrees)', () => {
    const { r } = run('global_defs { include sub/a.conf }\nafter\n');
    assert.deepEqual(outline(r.tree.statements), [['global_defs', ['after']]]);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.message, d.pos?.line, d.pos?.col]),
      [
        ['include-missing', "Config files missing 'sub/a.conf }'.", 1, 15],
        [
          'missing-close-brace',
          "Missing '}' for the '{' of global_defs at end of configuration",
          1,
          13,
        ],
      ],
    );
  });

  it('is only recognised as the first word, followed by a blank', () => {
    const { r } = run('includes x\ninclude\nincluder\nx include sub/a.conf\n');
    assert.deepEqual(outline(r.tree.statements), [
      'includes x',
      'include',
      'includer',
      'x include sub/a.conf',
    ]);
  });

  it("may come from a definition, and ${_PWD} names the included file's directory", () => {
    tree.write('sub/pwd.conf', 'where ${_PWD}\n');
    const { r } = run('$INC=include sub/pwd.conf\n$INC\n');
    assert.deepEqual(outline(r.tree.statements), [`where ${tree.path('sub')}`]);
  });

  it('fails cleanly when the main file is missing', () => {
    const r = parseConfig(tree.path('nope.conf'));
    assert.deepEqual(
      r.diagnostics.map((d) => [d.severity, d.code]),
      [
        ['error', 'include-missing'],
        ['error', 'config-open'],
      ],
    );
    assert.deepEqual(r.tree.files, []);
  });
});

function codes(r: { diagnostics: Array<{ code: string }> }): string[] {
  return r.diagnostics.map((d) => d.code);
}
