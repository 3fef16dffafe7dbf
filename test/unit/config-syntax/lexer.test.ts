// Lexical rules of keepalived.conf (keepalived.md §1.1): comments, escapes, quoting, braces,
// line limits. Expected results follow lib/parser.c (`read_line`, `decomment`, `alloc_strvec_r`);
// the long-line case was also checked against keepalived 2.2.7 `-t`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FILE, codes, outline, parse } from './outline.js';

describe('comments', () => {
  it('cuts at # or ! anywhere outside double quotes', () => {
    const r = parse('state MASTER # primary\npriority 100! high\n# whole line\n! whole line\n');
    assert.deepEqual(outline(r.tree.statements), ['state MASTER', 'priority 100']);
    assert.deepEqual(r.diagnostics, []);
  });

  it('keeps # and ! inside double quotes, but single quotes do not protect', () => {
    const r = parse(`notify "/bin/a # b!" x # c\nscript '/bin/x # y'\n`);
    assert.deepEqual(outline(r.tree.statements), ['notify /bin/a # b! x', "script '/bin/x"]);
  });

  it('turns \\# and \\! outside quotes into # and !, with their own columns', () => {
    const r = parse('auth_pass a\\#b\\!c d\nx "q\\#"\n');
    const [first, second] = r.tree.statements;
    assert.deepEqual(
      first.args.map((w) => [w.text, w.pos.col]),
      [
        ['a#b!c', 11],
        ['d', 19],
      ],
    );
    assert.equal(second.args[0].text, 'q\\#');
  });

  it('keeps a trailing backslash glued to the last word (no line continuation)', () => {
    const r = parse('advert_int 1 \\\nstate MASTER\n');
    assert.deepEqual(outline(r.tree.statements), ['advert_int 1\\', 'state MASTER']);
  });
});

describe('words', () => {
  it('splits on space, tab, form feed and vertical tab; a tab is one column', () => {
    const r = parse('\tpriority\t\f100 \v x\r\n');
    const [s] = r.tree.statements;
    assert.deepEqual(outline(r.tree.statements), ['priority 100 x']);
    assert.deepEqual(
      [s.keyword, ...s.args].map((w) => w.pos.col),
      [2, 12, 18],
    );
  });

  it('takes a word starting with " to the next ", without escapes', () => {
    const r = parse('a "b c"d e"f g" "" "x\\"\n');
    const words = r.tree.statements[0].args.map((w) => [w.text, w.quoted]);
    assert.deepEqual(words, [
      ['b c', true],
      ['d', false],
      ['e', false],
      ['f g', true],
      ['', true],
      ['x\\', true],
    ]);
  });

  it('reports an unmatched quote and drops the rest of the line', () => {
    const r = parse('a b "c d\nnext\n');
    assert.deepEqual(outline(r.tree.statements), ['a b', 'next']);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0].code, 'unmatched-quote');
    assert.deepEqual(r.diagnostics[0].pos, { file: FILE, line: 1, col: 5 });
  });

  it('reports a quote only the word splitter sees open (\\" fools decomment)', () => {
    const r = parse('a "x\\" y"\n');
    assert.deepEqual(outline(r.tree.statements), ['a x\\ y']);
    assert.deepEqual(codes(r), ['unmatched-quote']);
  });

  it('gives ; no meaning', () => {
    const r = parse('lvs_sched rr ; protocol tcp\n');
    assert.deepEqual(outline(r.tree.statements), ['lvs_sched rr ; protocol tcp']);
  });

  it('keeps the raw text after the keyword for script keywords', () => {
    const r = parse(`notify_master   "/usr/bin/x 'a b'" root:wheel # c\n`);
    assert.equal(r.tree.statements[0].raw, `"/usr/bin/x 'a b'" root:wheel`);
  });

  it('strips CR and LF and skips blank lines', () => {
    const r = parse('a 1\r\n\r\n   \r\nb 2\r\r\n');
    assert.deepEqual(outline(r.tree.statements), ['a 1', 'b 2']);
    assert.equal(r.tree.statements[1].pos.line, 4);
  });
});

describe('repeated lines', () => {
  // The split of a line's text is kept and reused when the text comes again; each occurrence
  // still gets words of its own, at its own place.
  it('gives each occurrence of a line its own words and positions', () => {
    const r = parse('weight 1\n  weight 1\n\tweight   1 # c\nweight 1\n');
    const words = r.tree.statements.map((s) =>
      [s.keyword, ...s.args].map((w) => [w.text, w.pos.line, w.pos.col]),
    );
    assert.deepEqual(words, [
      [
        ['weight', 1, 1],
        ['1', 1, 8],
      ],
      [
        ['weight', 2, 3],
        ['1', 2, 10],
      ],
      [
        ['weight', 3, 2],
        ['1', 3, 11],
      ],
      [
        ['weight', 4, 1],
        ['1', 4, 8],
      ],
    ]);
    assert.notEqual(r.tree.statements[0].keyword, r.tree.statements[3].keyword);
    assert.notEqual(r.tree.statements[0].args, r.tree.statements[3].args);
  });

  it('reports a quote left open on every occurrence of its line', () => {
    // `\"` fools decomment, so the word splitter is the one to find the quote open.
    const r = parse('a "x\\" y"\nb\na "x\\" y"\n');
    assert.deepEqual(outline(r.tree.statements), ['a x\\ y', 'b', 'a x\\ y']);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.pos?.line, d.pos?.col]),
      [
        ['unmatched-quote', 1, 9],
        ['unmatched-quote', 3, 9],
      ],
    );
  });

  it('keeps apart alternating lines of the same length and ends', () => {
    const r = parse('ab 12\nac 12\nab 12\nac 12\n"ab" 12\nab "12"\n');
    assert.deepEqual(
      r.tree.statements.map((s) => [s.keyword.text, s.keyword.quoted, s.args[0].quoted, s.raw]),
      [
        ['ab', false, false, '12'],
        ['ac', false, false, '12'],
        ['ab', false, false, '12'],
        ['ac', false, false, '12'],
        ['ab', true, false, '12'],
        ['ab', false, true, '"12"'],
      ],
    );
  });
});

describe('braces', () => {
  it('split a line anywhere outside quotes', () => {
    const r = parse(
      'vrrp_instance X { state MASTER }\nvirtual_ipaddress { 10.0.0.1/24 dev eth0 }\n',
    );
    assert.deepEqual(outline(r.tree.statements), [
      ['vrrp_instance X', ['state MASTER']],
      ['virtual_ipaddress', ['10.0.0.1/24 dev eth0']],
    ]);
    const block = r.tree.statements[0].block;
    assert.deepEqual(block?.open, { file: FILE, line: 1, col: 17 });
    assert.deepEqual(block?.close, { file: FILE, line: 1, col: 32 });
    assert.deepEqual(block?.statements[0].pos, { file: FILE, line: 1, col: 19 });
  });

  it('may open on the next line, after comments', () => {
    const r = parse('global_defs\n# note\n{\n  router_id a\n}\n');
    assert.deepEqual(outline(r.tree.statements), [['global_defs', ['router_id a']]]);
    assert.deepEqual(r.diagnostics, []);
  });

  it('nest, and several may close on one line', () => {
    const r = parse('a { b { c { d } } }\ne\n');
    assert.deepEqual(outline(r.tree.statements), [['a', [['b', [['c', ['d']]]]]], 'e']);
  });

  it('close sibling blocks that hold blocks where their own } is, whatever follows it', () => {
    // The real servers are one grammar token apart (a `}` directly followed by the next
    // opening); the second holds statements after its nested block, the third a nested block
    // after its leaf block, and the last is followed by plain statements.
    const r = parse(
      [
        'vs {',
        '  rs 1 {',
        '    c { x }',
        '  }',
        '  rs 2 {',
        '    c { x }',
        '    w 2',
        '  }',
        '  rs 3 {',
        '    n { m { y } }',
        '  }',
        '  q',
        '}',
        'e',
      ].join('\n'),
    );
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(outline(r.tree.statements), [
      [
        'vs',
        [
          ['rs 1', [['c', ['x']]]],
          ['rs 2', [['c', ['x']], 'w 2']],
          ['rs 3', [['n', [['m', ['y']]]]]],
          'q',
        ],
      ],
      'e',
    ]);
    const servers = r.tree.statements[0].block?.statements ?? [];
    assert.deepEqual(
      servers.slice(0, 3).map((s) => [s.block?.open.line, s.block?.close?.line]),
      [
        [2, 4],
        [5, 8],
        [9, 11],
      ],
    );
    assert.deepEqual(servers[2].block?.close, { file: FILE, line: 11, col: 3 });
  });

  it('are not split inside quotes', () => {
    const r = parse('a "{" "}" b\n');
    assert.deepEqual(outline(r.tree.statements), ['a { } b']);
  });

  it('report a surplus } and drop it', () => {
    const r = parse('a {\n}\n}\nb\n');
    assert.deepEqual(outline(r.tree.statements), [['a', []], 'b']);
    assert.deepEqual(codes(r), ['extra-close-brace']);
    assert.deepEqual(r.diagnostics[0].pos, { file: FILE, line: 3, col: 1 });
  });

  it('report a missing } at the end, at the {', () => {
    const r = parse('a {\n  b {\n    c\n');
    assert.deepEqual(outline(r.tree.statements), [['a', [['b', ['c']]]]]);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.pos?.line]),
      [
        ['missing-close-brace', 2],
        ['missing-close-brace', 1],
      ],
    );
    assert.equal(r.tree.statements[0].block?.close, undefined);
  });

  it('report a { that follows no statement, and drop it with its }', () => {
    const r = parse('a {\n}\n{\n  b\n}\nc\n');
    assert.deepEqual(outline(r.tree.statements), [['a', []], 'b', 'c']);
    assert.deepEqual(codes(r), ['unexpected-open-brace']);
  });
});

describe('line limits', () => {
  it('accepts a line of 1022 bytes plus newline', () => {
    const r = parse(`k ${'v'.repeat(1020)}\n`);
    assert.equal(r.tree.statements[0].args[0].text.length, 1020);
    assert.deepEqual(r.diagnostics, []);
  });

  it('drops a longer line 1023 bytes at a time and reads the rest as a line (as keepalived does)', () => {
    const r = parse(`router_id ${'a'.repeat(1013)}bogus_kw\nnext\n`);
    assert.deepEqual(outline(r.tree.statements), ['bogus_kw', 'next']);
    assert.deepEqual(codes(r), ['line-too-long']);
    assert.deepEqual(r.tree.statements[0].pos, { file: FILE, line: 1, col: 1024 });
  });

  it('counts bytes, not characters', () => {
    const r = parse(`k ${'é'.repeat(600)}\n`);
    assert.deepEqual(codes(r), ['line-too-long']);
  });

  it('drops a line with a NUL', () => {
    const r = parse('a\0b\nc\n');
    assert.deepEqual(outline(r.tree.statements), ['c']);
    assert.deepEqual(codes(r), ['embedded-nul']);
  });
});
