// global_defs vrrp_rt_priority / checker_rt_priority, *_rlimit_rttime, max_auto_priority and
// min_auto_priority_delay: realtime scheduling of the VRRP and checker threads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadText, summary } from '../../helpers/config-text.js';

test('realtime settings are modelled; bfd_* stay recorded', () => {
  const r = loadText(`
global_defs {
  vrrp_rt_priority 40
  checker_rt_priority 1
  vrrp_rlimit_rttime 20000
  checker_rlimit_rttime 1
  max_auto_priority 50
  min_auto_priority_delay 5000
  bfd_rt_priority 3
}`);
  assert.deepEqual(summary(r.diagnostics), []);
  const g = r.config.globalDefs;
  assert.deepEqual(
    [g.vrrpRtPriority, g.checkerRtPriority, g.vrrpRlimitRttime, g.checkerRlimitRttime],
    // A limit of 1 is taken as 2: keepalived halves it for the soft limit.
    [40, 1, 20000, 2],
  );
  assert.deepEqual([g.maxAutoPriority, g.minAutoPriorityDelay], [50, 5000]);
  assert.deepEqual(
    g.unmodelled.map((u) => u.keyword),
    ['bfd_rt_priority'],
  );
});

test('max_auto_priority without a value is the highest realtime priority; -1 is accepted', () => {
  assert.equal(
    loadText('global_defs {\n  max_auto_priority\n}').config.globalDefs.maxAutoPriority,
    99,
  );
  assert.equal(
    loadText('global_defs {\n  max_auto_priority -1\n}').config.globalDefs.maxAutoPriority,
    -1,
  );
});

test('a realtime priority outside 1..99 is reported and clamped, as keepalived does', () => {
  const r = loadText(`
global_defs {
  vrrp_rt_priority 0
  checker_rt_priority 150
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.message]),
    [
      ['error', 'vrrp process real-time priority 0 less than minimum 1 - setting to minimum'],
      [
        'error',
        'checker process real-time priority 150 greater than maximum 99 - setting to maximum',
      ],
    ],
  );
  assert.deepEqual(
    [r.config.globalDefs.vrrpRtPriority, r.config.globalDefs.checkerRtPriority],
    [1, 99],
  );
});

test('bad values: keepalived messages, nothing set', () => {
  const r = loadText(`
global_defs {
  vrrp_rt_priority
  checker_rt_priority high
  vrrp_rlimit_rttime 0
  max_auto_priority 100
  min_auto_priority_delay 0
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    [
      'No vrrp process real-time priority specified',
      "checker process real-time priority 'high' invalid",
      'Invalid vrrp real-time limit - 0',
      "number '100' outside range [-1, 99]",
      "number '0' outside range [1, 10000000]",
    ],
  );
  const g = r.config.globalDefs;
  assert.deepEqual(
    [
      g.vrrpRtPriority,
      g.checkerRtPriority,
      g.vrrpRlimitRttime,
      g.maxAutoPriority,
      g.minAutoPriorityDelay,
    ],
    [undefined, undefined, undefined, undefined, undefined],
  );
});

test('the old *_rlimit_rtime spelling is accepted with a deprecation warning', () => {
  const r = loadText('global_defs {\n  vrrp_rlimit_rtime 30000\n}');
  assert.deepEqual(
    r.diagnostics.map((d) => [d.severity, d.code]),
    [['warning', 'deprecated-keyword']],
  );
  assert.equal(r.config.globalDefs.vrrpRlimitRttime, 30000);
});
