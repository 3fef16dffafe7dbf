import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  initialQuorumUp,
  liveWeight,
  nextQuorumUp,
  quorumThreshold,
  sorryActive,
} from '../../../src/check/quorum.js';

const q = { quorum: 5, hysteresis: 2 };

test('live weight sums alive servers only', () => {
  assert.equal(
    liveWeight([
      { alive: true, weight: 3 },
      { alive: false, weight: 10 },
      { alive: true, weight: 4 },
    ]),
    7,
  );
});

test('at start the quorum is up from quorum + hysteresis', () => {
  assert.equal(initialQuorumUp(6, q), false);
  assert.equal(initialQuorumUp(7, q), true);
});

test('hysteresis edges: gain at quorum + h, lose below quorum - h', () => {
  assert.equal(nextQuorumUp(false, 6, q), false);
  assert.equal(nextQuorumUp(false, 7, q), true);
  assert.equal(nextQuorumUp(true, 3, q), true);
  assert.equal(nextQuorumUp(true, 2, q), false);
  assert.equal(quorumThreshold(true, q), 3);
  assert.equal(quorumThreshold(false, q), 7);
});

test('zero live weight always loses the quorum', () => {
  assert.equal(nextQuorumUp(true, 0, { quorum: 1, hysteresis: 0 }), false);
  assert.equal(nextQuorumUp(true, 0, { quorum: 0, hysteresis: 0 }), false);
});

test('the sorry server stands in only while the quorum is down and one is configured', () => {
  assert.equal(sorryActive(false, true), true);
  assert.equal(sorryActive(true, true), false);
  assert.equal(sorryActive(false, false), false);
});

test('property: inside the hysteresis band the state never changes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 0, max: 999 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 3000 }),
      (quorum, h, up, live) => {
        const hysteresis = Math.min(h, quorum - 1);
        const s = { quorum, hysteresis };
        const next = nextQuorumUp(up, live, s);
        if (live > 0 && live >= quorum - hysteresis && live < quorum + hysteresis) {
          assert.equal(next, up);
        }
        if (live >= quorum + hysteresis) assert.equal(next, true);
        if (live === 0 || live < quorum - hysteresis) assert.equal(next, false);
      },
    ),
  );
});
