import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadlines, monotonicClock, type Clock } from '../../../src/vrrp/deadlines.js';

/** Waits until `cond` holds (polled every 5 ms), failing after a generous 2 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 2000;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('timers fire once each, in deadline order, never before their deadline', async () => {
  const fired: Array<[string, number]> = [];
  const d = new Deadlines<'a' | 'b'>(monotonicClock, (n) => fired.push([n, monotonicClock.now()]));
  const t0 = monotonicClock.now();
  d.set('a', t0 + 30.4375);
  d.set('b', t0 + 10);
  await until(() => fired.length === 2, 'both timers');
  assert.deepEqual(
    fired.map(([n]) => n),
    ['b', 'a'],
  );
  assert.ok(fired[0][1] >= t0 + 10);
  assert.ok(fired[1][1] >= t0 + 30.4375);
});

test('a clock slower than setTimeout never loses the timer (early wake-ups re-arm)', async () => {
  // Half speed: every wake-up setTimeout delivers is early for this clock.
  const base = performance.now();
  const slow: Clock = { now: () => (performance.now() - base) / 2 };
  const fired: number[] = [];
  let reads = 0;
  const counting: Clock = { now: () => (reads++, slow.now()) };
  const d = new Deadlines<'x'>(counting, () => fired.push(slow.now()));
  d.set('x', 20.25);
  await until(() => fired.length === 1, 'the timer');
  assert.ok(fired[0] >= 20.25);
  assert.ok(reads > 3, 'it woke up early and re-armed');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(fired.length, 1, 'and fired once');
});

test('re-arming replaces the deadline; cancel and cancelAll stop delivery', async () => {
  const fired: string[] = [];
  const d = new Deadlines<'a' | 'b' | 'c'>(monotonicClock, (n) => fired.push(n));
  const now = monotonicClock.now();
  d.set('a', now + 5);
  d.set('a', now + 10_000); // far enough that no load delays the test past it
  d.set('b', now + 5);
  d.cancel('b');
  d.set('c', now + 5);
  await until(() => fired.length === 1, 'c');
  assert.deepEqual(fired, ['c']);
  d.cancelAll();
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(fired, ['c']);
});
