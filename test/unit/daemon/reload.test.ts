import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload } from '../../../src/daemon/reload.js';
import { checker, config, instance, realServer, virtualServer } from './model-fixtures.js';

const rs1 = realServer('10.0.0.11', 80);
const rs2 = realServer('10.0.0.12', 80);

test('identical configs (positions aside) change nothing', () => {
  const a = config({
    vrrpInstances: [instance('VI_1')],
    virtualServers: [virtualServer('10.0.0.100', 80, [rs1, rs2])],
  });
  const b = structuredClone(a);
  b.vrrpInstances[0]!.pos = { file: 'other.conf', line: 99, col: 3 };
  const plan = planReload(a, b);
  assert.deepEqual(plan.changes, []);
  assert.deepEqual(plan.instances, { added: [], removed: [], changed: [], kept: ['VI_1'] });
  assert.deepEqual(plan.virtualServers.kept, ['tcp 10.0.0.100:80']);
  assert.deepEqual(plan.realServers['tcp 10.0.0.100:80']!.kept, ['10.0.0.11:80', '10.0.0.12:80']);
  assert.deepEqual(plan.refused, []);
});

test('instances added, removed, changed, kept', () => {
  const a = config({ vrrpInstances: [instance('VI_1'), instance('VI_2'), instance('VI_3')] });
  const b = config({
    vrrpInstances: [
      instance('VI_1'),
      instance('VI_2', { priority: 150, advertInt: 2 }),
      instance('VI_4'),
    ],
  });
  const plan = planReload(a, b);
  assert.deepEqual(plan.instances, {
    added: ['VI_4'],
    removed: ['VI_3'],
    changed: [{ name: 'VI_2', fields: ['advertInt', 'priority'] }],
    kept: ['VI_1'],
  });
  assert.deepEqual(plan.changes, [
    'instance VI_4 added',
    'instance VI_3 removed',
    'instance VI_2 changed: advertInt, priority',
  ]);
});

test('a real server added to a virtual server changes that server only, not the virtual server', () => {
  const a = config({ virtualServers: [virtualServer('10.0.0.100', 80, [rs1])] });
  const b = config({
    virtualServers: [
      virtualServer('10.0.0.100', 80, [realServer('10.0.0.11', 80, { weight: 5 }), rs2]),
      virtualServer('10.0.0.100', 443, [rs1]),
    ],
  });
  const plan = planReload(a, b);
  assert.deepEqual(plan.virtualServers, {
    added: ['tcp 10.0.0.100:443'],
    removed: [],
    changed: [],
    kept: ['tcp 10.0.0.100:80'],
  });
  assert.deepEqual(plan.realServers, {
    'tcp 10.0.0.100:80': {
      added: ['10.0.0.12:80'],
      removed: [],
      changed: [{ name: '10.0.0.11:80', fields: ['weight'] }],
      kept: [],
    },
  });
  assert.deepEqual(plan.changes, [
    'virtual server tcp 10.0.0.100:443 added',
    'real server tcp 10.0.0.100:80 -> 10.0.0.12:80 added',
    'real server tcp 10.0.0.100:80 -> 10.0.0.11:80 changed: weight',
  ]);
});

test('a checker change is a change of its real server; scheduler a change of the virtual server', () => {
  const a = config({ virtualServers: [virtualServer('10.0.0.100', 80, [rs1])] });
  const b = config({
    virtualServers: [
      virtualServer(
        '10.0.0.100',
        80,
        [realServer('10.0.0.11', 80, { checkers: [checker('HTTP_GET')] })],
        { lvsSched: 'wlc' },
      ),
    ],
  });
  const plan = planReload(a, b);
  assert.deepEqual(plan.virtualServers.changed, [
    { name: 'tcp 10.0.0.100:80', fields: ['lvsSched'] },
  ]);
  assert.deepEqual(plan.realServers['tcp 10.0.0.100:80']!.changed, [
    { name: '10.0.0.11:80', fields: ['checkers'] },
  ]);
});

test('global_defs changes are listed; namespace and instance changes are refused', () => {
  const a = config();
  const b = config({ netNamespace: 'blue', instance: 'x' });
  b.globalDefs = { ...b.globalDefs, routerId: 'LVS_B' };
  const plan = planReload(a, b);
  assert.deepEqual(plan.globals, ['routerId']);
  assert.deepEqual(plan.changes, ['global_defs changed: routerId']);
  assert.deepEqual(
    plan.refused.map((d) => d.code),
    ['reload-namespace-changed', 'reload-instance-changed'],
  );
});
