import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialCheckerState,
  ipvsWeight,
  IPVS_WEIGHT_MAX,
  realServerState,
  stepChecker,
  tableWeight,
  type CheckerState,
} from '../../../src/check/verdict.js';
import { timing } from '../../fixtures/check/plans.js';

/** Runs a sequence of results; returns each step's transition ('-' for none) and delay. */
function run(
  results: boolean[],
  t = timing({ retry: 2, delayLoopMs: 1000, delayBeforeRetryMs: 300 }),
): Array<[string, number]> {
  let s: CheckerState = initialCheckerState(t);
  return results.map((ok) => {
    const step = stepChecker(s, t, ok, undefined, 1);
    s = step.state;
    return [step.transition ?? (step.confirmedDown ? 'confirmed-down' : '-'), step.delayMs];
  });
}

test('without alpha a checker starts up and its first failure takes it down at once', () => {
  assert.deepEqual(run([false]), [['down', 1000]]);
});

test('first success without alpha confirms up without a transition', () => {
  assert.deepEqual(run([true, true]), [
    ['-', 1000],
    ['-', 1000],
  ]);
});

test('while up it takes retry + 1 failures in a row, retries spaced by delay_before_retry', () => {
  // retry 2: success, fail (retry 1), fail (retry 2), fail → down
  assert.deepEqual(run([true, false, false, false]), [
    ['-', 1000],
    ['-', 300],
    ['-', 300],
    ['down', 1000],
  ]);
});

test('a success during the retries resets the count', () => {
  assert.deepEqual(run([true, false, false, true, false, false, false]), [
    ['-', 1000],
    ['-', 300],
    ['-', 300],
    ['-', 1000],
    ['-', 300],
    ['-', 300],
    ['down', 1000],
  ]);
});

test('while down it checks every delay_loop and one success brings it up', () => {
  assert.deepEqual(run([false, false, false, true]), [
    ['down', 1000],
    ['-', 1000],
    ['-', 1000],
    ['up', 1000],
  ]);
});

test('retry 0 goes down on the first failure while up', () => {
  assert.deepEqual(run([true, false], timing({ retry: 0 })), [
    ['-', 1000],
    ['down', 1000],
  ]);
});

test('with alpha a checker starts down; one success brings it up', () => {
  const t = timing({ alpha: true, retry: 3 });
  assert.equal(initialCheckerState(t).up, false);
  assert.deepEqual(run([true], t), [['up', 1000]]);
});

test('with alpha the first failure confirms down (notify_down) and later ones are quiet', () => {
  assert.deepEqual(run([false, false, true], timing({ alpha: true })), [
    ['confirmed-down', 1000],
    ['-', 1000],
    ['up', 1000],
  ]);
});

test('misc_dynamic sets the weight on success and drops the offset when going down', () => {
  const t = timing({ retry: 0 });
  let s = initialCheckerState(t);
  s = stepChecker(s, t, true, { kind: 'set', weight: 7 }, 3).state;
  assert.equal(s.weightOffset, 4);
  assert.deepEqual(realServerState(3, [s]), { alive: true, weight: 7 });
  s = stepChecker(s, t, false, undefined, 3).state;
  assert.equal(s.weightOffset, 0);
  assert.deepEqual(realServerState(3, [s]), { alive: false, weight: 3 });
});

test('a failure during retries keeps the dynamic weight until the verdict', () => {
  const t = timing({ retry: 1 });
  let s = initialCheckerState(t);
  s = stepChecker(s, t, true, { kind: 'add', offset: 5 }, 1).state;
  s = stepChecker(s, t, false, undefined, 1).state;
  assert.equal(s.up, true);
  assert.equal(s.weightOffset, 5);
});

test('a real server is alive only if all its checkers are up', () => {
  const up: CheckerState = { up: true, hasRun: true, retryIt: 0, weightOffset: 0 };
  const down: CheckerState = { ...up, up: false };
  assert.equal(realServerState(1, [up, up]).alive, true);
  assert.equal(realServerState(1, [up, down]).alive, false);
  assert.equal(realServerState(1, []).alive, true);
});

test('weights clamp to the IPVS range', () => {
  assert.equal(ipvsWeight(-5), 0);
  assert.equal(ipvsWeight(IPVS_WEIGHT_MAX + 10), IPVS_WEIGHT_MAX);
  assert.equal(ipvsWeight(12), 12);
});

test('inhibit_on_failure keeps a down server in the table with weight 0', () => {
  assert.equal(tableWeight({ alive: true, weight: 5 }, true), 5);
  assert.equal(tableWeight({ alive: false, weight: 5 }, true), 0);
  assert.equal(tableWeight({ alive: false, weight: 5 }, false), undefined);
});
