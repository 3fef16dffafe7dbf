// Preprocessing (keepalived.md §1.2): @ conditionals, $ definitions, built-ins, ~SEQ and ~LST.
// Expected results were checked against keepalived 2.2.7 `-t` where it reports them (each
// construct put in keyword position so "Unknown keyword 'x'" shows the expansion).
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, it } from 'node:test';
import { strtol } from '../../../src/config/sequence.js';
import { FILE, codes, outline, parse } from './outline.js';

describe('@ conditionals', () => {
  it('keep @ID lines for the config-id and @^ID lines for any other', () => {
    const r = parse('@main a\n@^main b\n@other c\n@^other d\n@main\n@main\te\n@mainx f\n');
    assert.deepEqual(outline(r.tree.statements), ['a', 'd', 'e']);
  });

  it('default the config-id to the host name up to the first dot', async () => {
    const { parseConfigText } = await import('../../../src/config/parse.js');
    const id = hostname().split('.')[0];
    const r = parseConfigText(`@${id} mine\n@^${id} theirs\n`, FILE);
    assert.deepEqual(outline(r.tree.statements), ['mine']);
  });

  it('position the remaining text where it was written', () => {
    const r = parse('  @main   router_id x\n');
    assert.deepEqual(r.tree.statements[0].pos, { file: FILE, line: 1, col: 11 });
  });
});

describe('$ definitions', () => {
  it('expand $NAME before a blank, comma, ) or the end, and ${NAME} anywhere', () => {
    const r = parse('$IF=eth0\n$IF\n${IF}x\n$IFX\n$IF,y\n$IF)z\n$IF-x\nk a$IF\n');
    assert.deepEqual(outline(r.tree.statements), [
      'eth0',
      'eth0x',
      '$IFX',
      'eth0,y',
      'eth0)z',
      '$IF-x',
      'k aeth0',
    ]);
  });

  it('expand at use time, recursively, and follow redefinitions', () => {
    const r = parse('$A=$B\n$B=one\nk $A\n$B=two\nk $A\n$E=\nk x${E}y\n');
    assert.deepEqual(outline(r.tree.statements), ['k one', 'k two', 'k xy']);
  });

  it('need the = right after the name', () => {
    const r = parse('$A =x\n$1=y\n');
    assert.deepEqual(outline(r.tree.statements), ['$A =x', '$1=y']);
  });

  it('may be conditional, and a value may start with @ID', () => {
    const r = parse(
      '@main $P=240\n@other $P=100\n$L=@main state MASTER\n$O=@other x\nk $P\n$L\n$O\n',
    );
    assert.deepEqual(outline(r.tree.statements), ['k 240', 'state MASTER']);
  });

  it('leave ${NAME } with its } (as keepalived 2.2.7 does)', () => {
    const r = parse('$IF=eth0\na {\n${IF }\nb\n');
    assert.deepEqual(outline(r.tree.statements), [['a', ['eth0']], 'b']);
  });

  it('give substituted words the column of their $', () => {
    const r = parse('$V=10.0.0.1 20.0.0.1\nvirtual_ipaddress_excluded $V x\n');
    const s = r.tree.statements[0];
    assert.deepEqual(
      s.args.map((w) => [w.text, w.pos.col]),
      [
        ['10.0.0.1', 28],
        ['20.0.0.1', 28],
        ['x', 31],
      ],
    );
  });

  it('are decommented again after substitution', () => {
    const r = parse('$C=a # b\n$H=${_HASH} x\nk $C\nk1 ${_HASH}\nk2 "${_HASH}" ${_BANG}\n');
    assert.deepEqual(outline(r.tree.statements), ['k a', 'k1', 'k2 #']);
  });

  it('report a definition that never stops expanding', () => {
    const r = parse('$A=$B\n$B=$A\nk $A\nnext\n');
    assert.ok(codes(r).includes('definition-loop'));
    assert.equal(outline(r.tree.statements).at(-1), 'next');
  });

  it('stop at the line length limit', () => {
    const r = parse(`$A=${'x'.repeat(600)}\nk $A $A\n`);
    assert.deepEqual(codes(r), ['line-too-long']);
  });
});

describe('multi-line definitions', () => {
  const text = [
    '$M= \\',
    '  ml1 $IF \\',
    '  # a comment line does not end it',
    '  ml2 \\',
    '  ml3',
    '$IF=eth0',
    'a {',
    '  $M',
    '  pre_$M',
    '  x $M y',
    '}',
  ].join('\n');

  it('expand to several lines at the end of a line, positioned at the use', () => {
    const r = parse(text);
    assert.deepEqual(outline(r.tree.statements), [
      ['a', ['ml1 eth0', 'ml2', 'ml3', 'pre_ml1 eth0', 'ml2', 'ml3', 'x $M y']],
    ]);
    const lines = r.tree.statements[0].block?.statements.map((s) => [s.pos.line, s.pos.col]);
    assert.deepEqual(lines, [
      [8, 3],
      [8, 3],
      [8, 3],
      [9, 3],
      [9, 7],
      [9, 7],
      [10, 3],
    ]);
  });

  it('end at an empty line', () => {
    const r = parse('$M=a \\\nb \\\n\nc\n$M\n');
    assert.deepEqual(outline(r.tree.statements), ['c', 'a', 'b']);
  });

  it('nest: a multi-line value may use another', () => {
    const r = parse('$IN=i1 \\\ni2\n$OUT=o1 \\\n$IN\\\no2\nk {\n$OUT\n}\n');
    assert.deepEqual(outline(r.tree.statements), [['k', ['o1', 'i1', 'i2', 'o2']]]);
  });

  it('may hold blocks, split only when expanded', () => {
    const r = parse(
      [
        '$RS= \\',
        '  real_server $IP 80 { \\',
        '    weight 1 \\',
        '  }',
        'virtual_server 10.0.0.1 80 {',
        '  $IP=10.0.1.1',
        '  $RS',
        '  $IP=10.0.1.2',
        '  $RS',
        '}',
      ].join('\n'),
    );
    assert.deepEqual(outline(r.tree.statements), [
      [
        'virtual_server 10.0.0.1 80',
        [
          ['real_server 10.0.1.1 80', ['weight 1']],
          ['real_server 10.0.1.2 80', ['weight 1']],
        ],
      ],
    ]);
    assert.deepEqual(r.diagnostics, []);
  });

  it('with only a first line ending in \\ become single-line', () => {
    const r = parse('$S=\\\nvalue here\nk $S x\n');
    assert.deepEqual(outline(r.tree.statements), ['k value here x']);
  });
});

describe('built-in definitions', () => {
  it('${_INSTANCE} is the config-id, ${_PWD} the directory of the file', () => {
    const r = parse('k ${_INSTANCE} ${_PWD}\n');
    assert.deepEqual(outline(r.tree.statements), ['k main /etc/keepalived']);
  });

  it('${_RANDOM [MIN [MAX]]} draws from the injected generator', () => {
    const r = parse('k ${_RANDOM} ${_RANDOM 5} ${_RANDOM 5 9} ${_RANDOM 7 7}\n', {
      random: () => 0.5,
    });
    assert.deepEqual(outline(r.tree.statements), ['k 16384 16386 7 7']);
  });

  it('${_RANDOM} rejects non-numbers and too many parameters, and raises MAX to MIN', () => {
    const r = parse('a ${_RANDOM a}\nb ${_RANDOM 1 2 3}\nc ${_RANDOM 9 3}\n', { random: () => 0 });
    assert.deepEqual(codes(r), ['definition-params', 'definition-params', 'random-range']);
    assert.equal(outline(r.tree.statements).at(-1), 'c 9');
  });

  it('${_ENV VAR} reads the injected environment; unset is empty', () => {
    const r = parse('k ${_ENV HOME}x ${_ENV KTS_UNSET}y ${_ENV}\n', { env: { HOME: '/root' } });
    assert.deepEqual(outline(r.tree.statements), ['k /rootx y']);
  });

  it('may be overridden by the user', () => {
    const r = parse('$_INSTANCE=mine\nk ${_INSTANCE}\n');
    assert.deepEqual(outline(r.tree.statements), ['k mine']);
  });
});

describe('~SEQ and ~LST', () => {
  it('~SEQ counts with start, step and end defaults as keepalived', () => {
    const r = parse(
      [
        '~SEQ(i, 1, 3) k_$i',
        '~SEQ(n, 0) z_$n',
        '~SEQ(n, -2) m_$n',
        '~SEQ(n, 3, 1) d_$n',
        '~SEQ(n, 10, -5, 0) s_$n',
        '~SEQx(j, 9, 3, 15) h_$j',
        '~SEQ(n, 0x10, 0x11) x_$n',
      ].join('\n'),
    );
    assert.deepEqual(outline(r.tree.statements), [
      ...['k_1', 'k_2', 'k_3', 'z_1', 'z_0', 'm_-1', 'm_-2', 'd_3', 'd_2', 'd_1'],
      ...['s_10', 's_5', 's_0', 'h_9', 'h_c', 'h_f', 'x_16', 'x_17'],
    ]);
  });

  it('~SEQ takes definitions as parameters', () => {
    const r = parse('$FIRST=2\n$LAST=3\n~SEQ(i, $FIRST, $LAST) k $i\n');
    assert.deepEqual(outline(r.tree.statements), ['k 2', 'k 3']);
  });

  it('~SEQ lines are positioned at the text after the )', () => {
    const r = parse('  ~SEQ(i, 2) real_server 10.0.0.$i 80\n');
    assert.deepEqual(
      r.tree.statements.map((s) => [s.pos.line, s.pos.col, s.args[0].pos.col]),
      [
        [1, 14, 26],
        [1, 14, 26],
      ],
    );
  });

  it('~LST iterates single values and value sets; missing values are empty', () => {
    const r = parse('~LST(v, a, b) v_$v\n~LST({x,y}, {1,2}, {3}) xy_${x}_${y}_\n');
    assert.deepEqual(outline(r.tree.statements), ['v_a', 'v_b', 'xy_1_2_', 'xy_3__']);
  });

  it('several on a line nest, ~SEQ with ~LST too', () => {
    const r = parse('~SEQ(k, 2) ~SEQ(m, 10, 11) km_${k}_$m\n~LST(a, x, y) ~SEQ(i, 2) ${a}$i\n');
    assert.deepEqual(outline(r.tree.statements), [
      ...['km_1_10', 'km_1_11', 'km_2_10', 'km_2_11'],
      ...['x1', 'x2', 'y1', 'y2'],
    ]);
  });

  it('a sequence may produce blocks, and a definition may hold a sequence', () => {
    const r = parse('$RS=~SEQ(i, 2) real_server 10.0.0.$i 80 { weight $i }\nvs {\n$RS\n}\n');
    assert.deepEqual(outline(r.tree.statements), [
      [
        'vs',
        [
          ['real_server 10.0.0.1 80', ['weight 1']],
          ['real_server 10.0.0.2 80', ['weight 2']],
        ],
      ],
    ]);
  });

  it('read numbers as strtol(3) with base 0 does', () => {
    assert.deepEqual(strtol(' -0x1f)', 0), { value: -31, end: 6 });
    assert.deepEqual(strtol('010,', 0), { value: 8, end: 3 });
    assert.deepEqual(strtol('0x)', 0), { value: 0, end: 1 });
    assert.deepEqual(strtol(' )', 0), { value: 0, end: 0 });
  });

  it('~LST with more values than variables is malformed', () => {
    const r = parse('~LST({a,b}, {1,2,3}) k\nnext\n');
    assert.deepEqual(outline(r.tree.statements), ['next']);
    assert.deepEqual(codes(r), ['invalid-lst']);
  });

  it('report malformed sequences and go on', () => {
    const r = parse(
      '~SEQ(i)\n~SEQ(i, 1, 0, 3) a\n~SEQ(i, 1, 2\n~SEQx(i, -1) b\n~LST(a) c\n~LST(a, 1, 2 d\nnext\n',
    );
    assert.deepEqual(outline(r.tree.statements), ['next']);
    assert.deepEqual(codes(r), [
      'invalid-seq',
      'invalid-seq',
      'invalid-seq',
      'invalid-seq',
      'invalid-lst',
      'invalid-lst',
    ]);
  });

  it('stop a runaway sequence with a diagnostic', () => {
    const r = parse('~SEQ(i, 1, 2000000) k\n');
    assert.deepEqual(codes(r), ['sequence-too-long']);
    assert.equal(r.tree.statements.length, 1_000_000);
  });
});
