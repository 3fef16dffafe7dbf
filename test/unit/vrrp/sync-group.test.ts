import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step, type FsmConfig, type FsmState } from '../../../src/vrrp/fsm.js';
import { syncFaults, syncFaultSource, syncTransitions } from '../../../src/vrrp/sync-group.js';
import { DEFAULT_CONFIG } from '../../fixtures/vrrp/fsm-config.js';

const cfg: FsmConfig = DEFAULT_CONFIG;

function started(at = 0): FsmState {
  return step(cfg, initialState(cfg), { type: 'startup' }, at).state;
}

test('a member becoming MASTER on its own pulls the others to MASTER', () => {
  const a = started();
  const b = started();
  const r = step(cfg, a, { type: 'timer', timer: 'masterDown' }, 3609.375);
  assert.equal(r.state.state, 'MASTER');
  const members = [
    { name: 'VI_1', state: r.state },
    { name: 'VI_2', state: b },
  ];
  const directives = syncTransitions('G', 'VI_1', members, r);
  assert.deepEqual(directives, [
    {
      instance: 'VI_2',
      event: { type: 'sync', to: 'MASTER', reason: 'sync group G: VI_1 became MASTER' },
    },
  ]);
  const b2 = step(cfg, b, directives[0].event, 3609.375);
  assert.equal(b2.state.state, 'MASTER');
});

test('BACKUP->FAULT does not pull others through syncTransitions; faults go through syncFaults', () => {
  const a = started();
  const r = step(cfg, a, { type: 'interface', up: false }, 100);
  assert.deepEqual(syncTransitions('G', 'VI_1', [{ name: 'VI_1', state: r.state }], r), []);
  const b = started();
  const members = [
    { name: 'VI_1', state: r.state },
    { name: 'VI_2', state: b },
  ];
  const d = syncFaults('G', members);
  assert.deepEqual(d, [
    { instance: 'VI_2', event: { type: 'fault', source: syncFaultSource('G') } },
  ]);
  const b2 = step(cfg, b, d[0].event, 100).state;
  assert.equal(b2.state, 'FAULT');
  // Nothing more to do while VI_1's own fault lasts: VI_1 is not held by the group in return.
  assert.deepEqual(syncFaults('G', [members[0], { name: 'VI_2', state: b2 }]), []);
  // VI_1 recovers: VI_2 is released.
  const a3 = step(cfg, r.state, { type: 'interface', up: true }, 200).state;
  const d3 = syncFaults('G', [
    { name: 'VI_1', state: a3 },
    { name: 'VI_2', state: b2 },
  ]);
  assert.deepEqual(d3, [
    { instance: 'VI_2', event: { type: 'unfault', source: syncFaultSource('G') } },
  ]);
  assert.equal(step(cfg, b2, d3[0].event, 200).state.state, 'BACKUP');
});

test('two members with their own faults hold each other until both clear', () => {
  let a = step(cfg, started(), { type: 'fault', source: 'script:a' }, 10).state;
  let b = step(cfg, started(), { type: 'fault', source: 'script:b' }, 10).state;
  const apply = () => {
    for (const d of syncFaults('G', [
      { name: 'a', state: a },
      { name: 'b', state: b },
    ])) {
      if (d.instance === 'a') a = step(cfg, a, d.event, 20).state;
      else b = step(cfg, b, d.event, 20).state;
    }
  };
  apply();
  a = step(cfg, a, { type: 'unfault', source: 'script:a' }, 30).state;
  apply();
  assert.equal(a.state, 'FAULT', 'held by b');
  b = step(cfg, b, { type: 'unfault', source: 'script:b' }, 40).state;
  apply();
  assert.equal(a.state, 'BACKUP');
  assert.equal(b.state, 'BACKUP');
});
