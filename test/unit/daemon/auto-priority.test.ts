// max_auto_priority's decisions (keepalived's increment_process_priority), on given lateness.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoPriority } from '../../../src/check/thread-priority.js';

test('a delay past min_auto_priority_delay counts; one at or under it does not', () => {
  const auto = new AutoPriority(5, 5000);
  assert.equal(auto.isDelay(5), false); // exactly 5,000 µs
  assert.equal(auto.isDelay(5.001), true);
  assert.equal(auto.isDelay(0.2), false);
});

test('each delay raises the realtime priority by one from 1, up to the maximum', () => {
  const auto = new AutoPriority(3, 1000);
  assert.deepEqual([auto.raise(), auto.raise(), auto.raise(), auto.raise()], [1, 2, 3, undefined]);
});

test('it starts from vrrp_rt_priority when the thread already has one', () => {
  assert.equal(new AutoPriority(10, 1000, 7).raise(), 8);
  assert.equal(new AutoPriority(5, 1000, 7).raise(), undefined);
});

test('max_auto_priority 0 (the default) or -1: delays are still seen, nothing is raised', () => {
  for (const max of [0, -1]) {
    const auto = new AutoPriority(max, 1000);
    assert.equal(auto.isDelay(50), true);
    assert.equal(auto.raise(), undefined);
  }
});
