import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  initialScriptState,
  scriptOutcome,
  trackedPriority,
  type ScriptPolicy,
  type TrackerStatus,
} from '../../../src/vrrp/track.js';

const t = (name: string, up: boolean, weight: number, reverse = false): TrackerStatus => ({
  name,
  up,
  weight,
  reverse,
});

test('positive weights add while up, negative weights while down', () => {
  assert.deepEqual(trackedPriority(100, [t('a', true, 10), t('b', true, -20)]), {
    priority: 110,
    faults: [],
    pending: [],
  });
  assert.deepEqual(trackedPriority(100, [t('a', false, 10), t('b', false, -20)]), {
    priority: 80,
    faults: [],
    pending: [],
  });
});

test('reverse negates the weight (keepalived weight_multiplier -1), applied at the same times', () => {
  // weight 10 reverse: -10 while up, nothing while down.
  assert.equal(trackedPriority(100, [t('a', true, 10, true)]).priority, 90);
  assert.equal(trackedPriority(100, [t('a', false, 10, true)]).priority, 100);
  // weight -20 reverse: +20 while down, nothing while up.
  assert.equal(trackedPriority(100, [t('a', false, -20, true)]).priority, 120);
  assert.equal(trackedPriority(100, [t('a', true, -20, true)]).priority, 100);
});

test('the effective priority is clamped to 1..254 and 255 never moves', () => {
  assert.equal(trackedPriority(250, [t('a', true, 50)]).priority, 254);
  assert.equal(trackedPriority(10, [t('a', false, -50)]).priority, 1);
  assert.equal(trackedPriority(255, [t('a', false, -50)]).priority, 255);
});

test('a failing weight-0 tracker is a fault source (also for an owner)', () => {
  assert.deepEqual(trackedPriority(255, [t('script:x', false, 0), t('script:y', true, 0)]), {
    priority: 255,
    faults: ['script:x'],
    pending: [],
  });
  assert.deepEqual(trackedPriority(100, [t('if:eth1', true, 0, true)]).faults, ['if:eth1']);
});

test('property: priority stays in 1..254 for non-owners', () => {
  const tracker = fc.record({
    name: fc.string(),
    up: fc.boolean(),
    weight: fc.integer({ min: -253, max: 253 }),
    reverse: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 254 }), fc.array(tracker), (base, ts) => {
      const p = trackedPriority(base, ts).priority;
      assert.ok(p >= 1 && p <= 254);
    }),
  );
});

test('script rise/fall: fall consecutive failures to go down, rise successes to come back', () => {
  const p: ScriptPolicy = { rise: 2, fall: 3, initFail: false };
  let s = initialScriptState(p);
  const feed = (ok: boolean) => {
    const r = scriptOutcome(p, s, ok);
    s = r.state;
    return r.changed;
  };
  // The first result counts at once, whatever rise says (keepalived: result starts at rise - 1).
  assert.equal(feed(true), true);
  assert.equal(s.up, true);
  assert.deepEqual([false, false, true, false, false, false].map(feed), [
    false,
    false,
    false,
    false,
    false,
    true,
  ]);
  assert.equal(s.up, false);
  assert.deepEqual([true, false, true, true].map(feed), [false, false, false, true]);
  assert.equal(s.up, true);
});

test('a script has no state until its first run ends; a first failure counts at once', () => {
  const p: ScriptPolicy = { rise: 2, fall: 3, initFail: false };
  const s = initialScriptState(p);
  assert.equal(s.up, undefined);
  assert.deepEqual(scriptOutcome(p, s, false), { state: { up: false, streak: 0 }, changed: true });
});

test('a script that has not reported has no effect; weight 0 holds the instance in INIT', () => {
  const unknown = (name: string, weight: number, reverse = false) => ({
    name,
    up: undefined,
    weight,
    reverse,
  });
  assert.deepEqual(
    trackedPriority(100, [
      unknown('script:plus', 20),
      unknown('script:minus', -20),
      unknown('script:zero', 0),
      unknown('script:zero-reverse', 0, true),
    ]),
    { priority: 100, faults: [], pending: ['script:zero', 'script:zero-reverse'] },
  );
});

test('init_fail starts the script failed; rise 1 brings it up on the first success', () => {
  const p: ScriptPolicy = { rise: 1, fall: 1, initFail: true };
  const s = initialScriptState(p);
  assert.equal(s.up, false);
  assert.deepEqual(scriptOutcome(p, s, true), { state: { up: true, streak: 0 }, changed: true });
});
