// global_defs vrrp_priority / checker_priority: nice values the VRRP and checker threads set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadText, summary } from '../../helpers/config-text.js';

test('vrrp_priority and checker_priority are modelled nice values; bfd_priority stays recorded', () => {
  const r = loadText(`
global_defs {
  vrrp_priority -20
  checker_priority 19
  bfd_priority -5
}`);
  assert.deepEqual(summary(r.diagnostics), []);
  const g = r.config.globalDefs;
  assert.deepEqual([g.vrrpPriority, g.checkerPriority], [-20, 19]);
  assert.deepEqual(
    g.unmodelled.map((u) => u.keyword),
    ['bfd_priority'],
  );
});

test('absent, they leave the threads at the nice value they start with', () => {
  const g = loadText('').config.globalDefs;
  assert.deepEqual([g.vrrpPriority, g.checkerPriority], [undefined, undefined]);
});

test('out of -20..19 is an error and leaves the nice value alone (keepalived falls back to 0)', () => {
  const r = loadText(`
global_defs {
  vrrp_priority -21
  checker_priority 20
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    ["number '-21' outside range [-20, 19]", "number '20' outside range [-20, 19]"],
  );
  assert.deepEqual(
    [r.config.globalDefs.vrrpPriority, r.config.globalDefs.checkerPriority],
    [undefined, undefined],
  );
});
