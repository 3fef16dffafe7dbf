import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadlines, monotonicClock, type Clock } from '../../../src/vrrp/deadlines.js';

test('a timer fires once, at or after its deadline on the injected clock', async () => {
  const fired: Array<[string, number]> = [];
  const d = new Deadlines<'a' | 'b'>(monotonicClock, (n) => fired.push([n, monotonicClock.now()]));
  const t0 = monotonicClock.now();
  d.set('a', t0 + 30.4375);
  d.set('b', t0 + 10);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(
    fired.map(([n]) => n),
    ['b', 'a'],
  );
  assert.ok(fired[1][1] >= t0 + 30.4375);
});

test('a clock slower than setTimeout never loses the timer (early wake-ups re-arm)', async () => {
  // Half speed: every wake-up setTimeout delivers is early for this clock.
  const base = performance.now();
  const slow: Clock = { now: () => (performance.now() - base) / 2 };
  const fired: number[] = [];
  let wakeups = 0;
  const d = new Deadlines<'x'>({ now: () => (wakeups++, slow.now()) }, () =>
    fired.push(slow.now()),
  );
  d.set('x', 20.25);
  await new Promise((r) => setTimeout(r, 90));
  assert.equal(fired.length, 1);
  assert.ok(fired[0] >= 20.25);
  assert.ok(wakeups > 3, 'it did wake up early and re-arm');
});

test('re-arming replaces the deadline; cancel and cancelAll stop delivery', async () => {
  const fired: string[] = [];
  const d = new Deadlines<'a' | 'b' | 'c'>(monotonicClock, (n) => fired.push(n));
  const now = monotonicClock.now();
  d.set('a', now + 5);
  d.set('a', now + 25);
  d.set('b', now + 5);
  d.cancel('b');
  d.set('c', now + 5);
  await new Promise((r) => setTimeout(r, 15));
  assert.deepEqual(fired, ['c']);
  d.cancelAll();
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(fired, ['c']);
});
