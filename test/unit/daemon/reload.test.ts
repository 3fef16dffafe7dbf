import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload } from '../../../src/daemon/reload.js';
import { configOf, instanceText, virtualServerText } from './configs.js';

test('identical configs (positions aside) change nothing', () => {
  const text = instanceText('VI_1', 51) + virtualServerText(80, ['10.0.0.11', '10.0.0.12']);
  const plan = planReload(configOf(text), configOf(`! a comment moves every line\n\n${text}`));
  assert.deepEqual(plan.changes, []);
  assert.deepEqual(plan.instances, { added: [], removed: [], changed: [], kept: ['VI_1'] });
  assert.deepEqual(plan.virtualServers.kept, ['tcp 10.0.0.100:80']);
  assert.deepEqual(plan.realServers['tcp 10.0.0.100:80']!.kept, ['10.0.0.11:80', '10.0.0.12:80']);
  assert.deepEqual(plan.globals, []);
  assert.deepEqual(plan.refused, []);
});

test('instances added, removed, changed, kept', () => {
  const before = configOf(
    instanceText('VI_1', 51) + instanceText('VI_2', 52) + instanceText('VI_3', 53),
  );
  const after = configOf(
    instanceText('VI_1', 51) +
      instanceText('VI_2', 52, 'priority 150\n    advert_int 2') +
      instanceText('VI_4', 54),
  );
  const plan = planReload(before, after);
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

test('a real server added or reweighted changes that server only, not its virtual server', () => {
  const before = configOf(virtualServerText(80, ['10.0.0.11']));
  const after = configOf(
    virtualServerText(80, ['10.0.0.11 weight 5', '10.0.0.12']) +
      virtualServerText(443, ['10.0.0.11']),
  );
  const plan = planReload(before, after);
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

test('changes deep inside a setting: a checker option, one more VIP, a VIP list reordered', () => {
  const rs = (timeout: number) =>
    virtualServerText(80, ['10.0.0.11']).replace('connect_timeout 3', `connect_timeout ${timeout}`);
  const before = configOf(instanceText('VI_1', 51) + rs(3));
  const after = configOf(
    instanceText('VI_1', 51).replace('10.0.0.51', '10.0.0.51\n        10.0.0.61') + rs(4),
  );
  const plan = planReload(before, after);
  assert.deepEqual(plan.instances.changed, [{ name: 'VI_1', fields: ['virtualIpaddresses'] }]);
  assert.deepEqual(plan.virtualServers.kept, ['tcp 10.0.0.100:80']);
  assert.deepEqual(plan.realServers['tcp 10.0.0.100:80']!.changed, [
    { name: '10.0.0.11:80', fields: ['checkers'] },
  ]);
  // The same VIPs in another order are another list: keepalived adds them in order.
  const reordered = configOf(
    instanceText('VI_1', 51).replace('10.0.0.51', '10.0.0.61\n        10.0.0.51'),
  );
  assert.deepEqual(planReload(after, reordered).instances.changed, [
    { name: 'VI_1', fields: ['virtualIpaddresses'] },
  ]);
  assert.deepEqual(planReload(reordered, reordered).instances.kept, ['VI_1']);
});

test('a scheduler change is a change of the virtual server; a removed one is listed', () => {
  const before = configOf(
    virtualServerText(80, ['10.0.0.11']) + virtualServerText(8080, ['10.0.0.11']),
  );
  const after = configOf(virtualServerText(80, ['10.0.0.11'], 'lb_algo wlc'));
  const plan = planReload(before, after);
  assert.deepEqual(plan.virtualServers.changed, [
    { name: 'tcp 10.0.0.100:80', fields: ['lvsSched'] },
  ]);
  assert.deepEqual(plan.virtualServers.removed, ['tcp 10.0.0.100:8080']);
  assert.deepEqual(plan.realServers['tcp 10.0.0.100:80']!.kept, ['10.0.0.11:80']);
});

test('global_defs changes are listed; namespace and instance changes are refused', () => {
  const before = configOf('global_defs {\n    router_id A\n}\n');
  const after = configOf('net_namespace blue\ninstance x\nglobal_defs {\n    router_id B\n}\n');
  const plan = planReload(before, after);
  assert.deepEqual(plan.globals, ['routerId']);
  assert.deepEqual(plan.changes, ['global_defs changed: routerId']);
  assert.deepEqual(
    plan.refused.map((d) => d.code),
    ['reload-namespace-changed', 'reload-instance-changed'],
  );
});
