// max_auto_priority's decisions (keepalived's increment_process_priority), on given lateness, and
// what a reload changes in the VRRP thread's scheduling (keepalived's restore_priority).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoPriority, retuneOnReload } from '../../../src/check/thread-priority.js';

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

test('reload, normal policy: vrrp_rt_priority makes the thread realtime', () => {
  assert.deepEqual(retuneOnReload({ realtime: 0, nice: 0 }, { vrrpRtPriority: 5 }, 0), {
    realtime: 5,
  });
});

test('reload, normal policy: a changed vrrp_priority is applied; a removed one restores the start value', () => {
  assert.deepEqual(retuneOnReload({ realtime: 0, nice: 0 }, { vrrpPriority: -5 }, 0), { nice: -5 });
  assert.deepEqual(retuneOnReload({ realtime: 0, nice: -5 }, { vrrpPriority: -5 }, 0), {});
  assert.deepEqual(retuneOnReload({ realtime: 0, nice: -5 }, {}, 3), { nice: 3 });
});

test('reload, realtime: the priority only goes up to vrrp_rt_priority', () => {
  assert.deepEqual(retuneOnReload({ realtime: 3, nice: 0 }, { vrrpRtPriority: 7 }, 0), {
    realtime: 7,
  });
  assert.deepEqual(retuneOnReload({ realtime: 7, nice: 0 }, { vrrpRtPriority: 3 }, 0), {});
  // Without vrrp_rt_priority (max_auto_priority not -1) the thread stays where it is.
  assert.deepEqual(retuneOnReload({ realtime: 4, nice: 0 }, {}, 0), {});
  // A realtime thread's nice value does not matter to SCHED_RR: vrrp_priority is left alone.
  assert.deepEqual(retuneOnReload({ realtime: 4, nice: 0 }, { vrrpPriority: -10 }, 0), {});
});

test('reload, realtime: a lower max_auto_priority lowers it to the maximum', () => {
  assert.deepEqual(retuneOnReload({ realtime: 9, nice: 0 }, { maxAutoPriority: 4 }, 0), {
    realtime: 4,
  });
  assert.deepEqual(
    retuneOnReload({ realtime: 9, nice: 0 }, { maxAutoPriority: 4, vrrpRtPriority: 20 }, 0),
    { realtime: 4 },
  );
});

test('reload, realtime: no vrrp_rt_priority and max_auto_priority -1 return it to the normal policy', () => {
  assert.deepEqual(retuneOnReload({ realtime: 9, nice: 0 }, { maxAutoPriority: -1 }, 0), {
    realtime: 0,
  });
  assert.deepEqual(
    retuneOnReload({ realtime: 9, nice: 0 }, { maxAutoPriority: -1, vrrpRtPriority: 2 }, 0),
    {},
  );
});
