import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BOOTSTRAP_DELAY_MS,
  CheckScheduler,
  firstRunDelayMs,
} from '../../../src/check/scheduler.js';
import { defaultMaxConcurrent, FALLBACK_MAX_CONCURRENT } from '../../../src/check/runner.js';

test('first runs are spread over 1 s + 0..warmup', () => {
  assert.equal(
    firstRunDelayMs(5000, () => 0),
    BOOTSTRAP_DELAY_MS,
  );
  assert.equal(
    firstRunDelayMs(5000, () => 0.5),
    3500,
  );
  assert.equal(
    firstRunDelayMs(0, () => 0.9),
    BOOTSTRAP_DELAY_MS,
  );
  // A seeded spread over 10k checkers fills the window evenly (each 500 ms bucket ~10%).
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const d = firstRunDelayMs(5000, random) - BOOTSTRAP_DELAY_MS;
    buckets[Math.floor(d / 500)] += 1;
  }
  for (const b of buckets) assert.ok(b > 800 && b < 1200, `bucket ${b}`);
});

test('takes due checkers in due order, equal due times in scheduling order', () => {
  const s = new CheckScheduler({ maxConcurrent: 10 });
  s.schedule(1, 300);
  s.schedule(2, 100);
  s.schedule(3, 200);
  s.schedule(4, 100);
  assert.equal(s.nextDueMs(), 100);
  assert.deepEqual(s.takeDue(99), []);
  assert.deepEqual(s.takeDue(200), [2, 4, 3]);
  assert.deepEqual(s.takeDue(1000), [1]);
  assert.equal(s.nextDueMs(), undefined);
});

test('caps concurrent checks; finishing frees a slot and requeues', () => {
  const s = new CheckScheduler({ maxConcurrent: 2 });
  for (let id = 0; id < 5; id++) s.schedule(id, 0);
  assert.deepEqual(s.takeDue(0), [0, 1]);
  assert.equal(s.running, 2);
  assert.equal(s.wakeAtMs(), undefined, 'no wake-up while every slot is busy');
  s.finish(0, 1000);
  assert.equal(s.wakeAtMs(), 0);
  assert.deepEqual(s.takeDue(5), [2]);
  s.finish(1, 1000);
  s.finish(2, 1000);
  assert.deepEqual(s.takeDue(5), [3, 4]);
  assert.equal(s.queued, 3);
});

test('moving and removing queued checkers', () => {
  const s = new CheckScheduler({ maxConcurrent: 5 });
  s.schedule(1, 100);
  s.schedule(2, 200);
  s.schedule(3, 300);
  s.schedule(3, 50);
  s.remove(1);
  assert.deepEqual(s.takeDue(1000), [3, 2]);
  assert.throws(() => s.schedule(3, 10), /running/);
  s.remove(3);
  assert.equal(s.running, 1);
});

test('property: takeDue yields exactly the due ids, sorted by due time', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1000 })), {
        maxLength: 200,
      }),
      fc.integer({ min: 0, max: 1000 }),
      (ops, now) => {
        const s = new CheckScheduler({ maxConcurrent: 1000 });
        const due = new Map<number, number>();
        for (const [id, at] of ops) {
          s.schedule(id, at);
          due.set(id, at);
        }
        const taken = s.takeDue(now);
        const expected = [...due].filter(([, at]) => at <= now).map(([id]) => id);
        assert.deepEqual(
          [...taken].sort((a, b) => a - b),
          expected.sort((a, b) => a - b),
        );
        const times = taken.map((id) => due.get(id)!);
        assert.deepEqual(
          times,
          [...times].sort((a, b) => a - b),
        );
      },
    ),
  );
});

test('the default concurrency cap follows the fd limit', () => {
  const limits = (v: string) =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${v}                ${v}                files\n`;
  assert.equal(defaultMaxConcurrent(limits('20000')), 10000);
  assert.equal(defaultMaxConcurrent(limits('1024')), 512);
  assert.equal(defaultMaxConcurrent(limits('unlimited')), 65536);
  assert.equal(defaultMaxConcurrent(''), FALLBACK_MAX_CONCURRENT);
});
