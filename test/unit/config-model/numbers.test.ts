// The number readers every integer and timer keyword goes through: they scan characters rather
// than match a regex, so the syntax keepalived's readers accept is stated here as regexes, and
// the readers are held to it over arbitrary words built from the characters that matter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Word } from '../../../src/config/ast.js';
import { BuildContext, readInt, readSeconds } from '../../../src/config/build/context.js';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

const word = (text: string): Word => ({
  text,
  quoted: false,
  pos: { file: 'numbers.conf', line: 1, col: 1 },
});

/** Words of signs, digits, dots and a few other characters, often numbers and near misses. */
const numberish = fc
  .array(fc.constantFrom('+', '-', '.', '0', '1', '5', '9', 'e', 'x', ' ', '/'), { maxLength: 8 })
  .map((chars) => chars.join(''));

test('readInt accepts exactly [+-]?digits, as its value, within range', () => {
  fc.assert(
    fc.property(numberish, (text) => {
      const ctx = new BuildContext();
      const n = readInt(ctx, word(text), -1e9, 1e9);
      if (!INTEGER.test(text)) {
        assert.equal(n, undefined);
        assert.deepEqual(
          ctx.diagnostics.map((d) => [d.code, d.message]),
          [['invalid-number', `invalid number '${text}'`]],
        );
      } else assert.equal(n, Number(text));
    }),
  );
});

test('readSeconds accepts unsigned decimals of up to 6 places, as their value', () => {
  fc.assert(
    fc.property(numberish, (text) => {
      const ctx = new BuildContext();
      const n = readSeconds(ctx, word(text), 0, 1e9);
      const messages = ctx.diagnostics.map((d) => d.message);
      if (!DECIMAL.test(text)) assert.deepEqual(messages, [`invalid number '${text}'`]);
      else if (text.startsWith('-')) assert.deepEqual(messages, [`negative number '${text}'`]);
      else if (text.includes('.') && text.length - text.indexOf('.') - 1 > 6)
        assert.deepEqual(messages, [`number '${text}' has too many decimal places`]);
      else {
        assert.deepEqual(messages, []);
        assert.equal(n, Number(text));
      }
    }),
  );
});

test('the number readers on the words a configuration has', () => {
  const ctx = new BuildContext();
  assert.equal(readInt(ctx, word('8080'), 0, 65535), 8080);
  assert.equal(readInt(ctx, word('+3'), 0, 10), 3);
  assert.equal(readInt(ctx, word('-'), -10, 10), undefined);
  assert.equal(readInt(ctx, word('70000'), 0, 65535), undefined);
  assert.equal(readSeconds(ctx, word('0.5'), 0, 10), 0.5);
  assert.equal(readSeconds(ctx, word('.5'), 0, 10), 0.5);
  assert.equal(readSeconds(ctx, word('5.'), 0, 10), 5);
  assert.equal(readSeconds(ctx, word('.'), 0, 10), undefined);
  assert.equal(readSeconds(ctx, word('1.1234567'), 0, 10), undefined);
  assert.deepEqual(
    ctx.diagnostics.map((d) => d.message),
    [
      "invalid number '-'",
      "number '70000' outside range [0, 65535]",
      "invalid number '.'",
      "number '1.1234567' has too many decimal places",
    ],
  );
});
