import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { editDistance, suggest } from '../../../src/config/suggest.js';

test('edit distance counts insertions, deletions, substitutions and transpositions', () => {
  assert.equal(editDistance('interface', 'interface'), 0);
  assert.equal(editDistance('interfce', 'interface'), 1);
  assert.equal(editDistance('inetrface', 'interface'), 1);
  assert.equal(editDistance('priorty', 'priority'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('edit distance is a symmetric, zero-on-equal measure bounded by the longer length', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
      const d = editDistance(a, b);
      assert.equal(d, editDistance(b, a));
      assert.equal(d === 0, a === b);
      assert.ok(d <= Math.max(a.length, b.length));
    }),
  );
});

test('suggest offers the nearest keyword only when it is a plausible typo', () => {
  const keywords = ['interface', 'priority', 'virtual_router_id', 'advert_int', 'state'];
  assert.equal(suggest('priorty', keywords), 'priority');
  assert.equal(suggest('virtual_routr_id', keywords), 'virtual_router_id');
  assert.equal(suggest('Interface', keywords), 'interface');
  assert.equal(suggest('colour', keywords), undefined);
  assert.equal(suggest('stat', keywords), 'state');
});
