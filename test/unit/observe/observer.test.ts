import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateEvent } from '../../../src/observe/events.js';
import { captureObserver } from '../daemon/capture.js';
import { parsePrometheusText } from '../../helpers/prom-text.js';

test('every Observer report writes a valid event and feeds metrics and status', async () => {
  const { observer, lines, events } = captureObserver(() => new Date('2026-11-24T12:00:00.000Z'));
  observer.status.defineInstance({
    name: 'VI_1',
    vrid: 51,
    priority: 100,
    vips: ['10.0.0.100/32'],
  });
  observer.status.defineVirtualServer('tcp 10.0.0.100:80', [
    { name: '10.0.0.11:80', weight: 1, checkers: ['TCP_CHECK'], alive: true },
  ]);
  observer.vrrpState('VI_1', 'BACKUP', 'MASTER', 'master-down timer expired', 100);
  observer.vrrpPriority('VI_1', 100, 90);
  observer.vrrpMaster('VI_1', '10.0.0.1');
  observer.vipAdded('VI_1', '10.0.0.100/32', 'eth0');
  observer.vipRemoved('VI_1', '10.0.0.100/32');
  observer.garpSent('VI_1', 'takeover', 5);
  observer.advertSent('VI_1');
  observer.advertReceived('VI_1');
  observer.packetDropped('ttl', 'VI_1', '10.0.0.9');
  observer.packetDropped('ttl');
  observer.packetDropped('auth');
  observer.splitBrain('VI_1', '10.0.0.2', 100, 100);
  observer.ipvsDrift(2);
  observer.notifyRun({
    script: '/bin/n.sh',
    argv: ['/bin/n.sh', 'INSTANCE', 'VI_1', 'MASTER', '100'],
    kind: 'vrrp',
  });
  observer.notifyFailed({ script: '/bin/n.sh', exitCode: 3 });
  observer.flushDrops();
  observer.flushDrops();

  assert.deepEqual(
    events().map((e) => e.event),
    [
      'vrrp.state',
      'vrrp.priority',
      'vip.add',
      'vip.del',
      'garp.sent',
      'split_brain',
      'ipvs.drift',
      'notify.run',
      'notify.failed',
      'packet.dropped',
      'packet.dropped',
    ],
  );
  assert.deepEqual(
    events()
      .filter((e) => e.event === 'packet.dropped')
      .map(({ reason, count, instance, source }) => ({ reason, count, instance, source })),
    [
      { reason: 'ttl', count: 2, instance: 'VI_1', source: '10.0.0.9' },
      { reason: 'auth', count: 1, instance: undefined, source: undefined },
    ],
  );
  for (const line of lines) assert.ok(validateEvent(line).ok, line);

  const snap = observer.status.snapshot();
  assert.deepEqual(
    [snap.instances[0]!.state, snap.instances[0]!.masterAddress],
    ['MASTER', '10.0.0.1'],
  );
  const text = await observer.metrics.text();
  assert.match(text, /keepalived_vrrp_effective_priority\{instance="VI_1"\} 90/);
  assert.match(text, /keepalived_vrrp_split_brain_total\{instance="VI_1"\} 1/);
  assert.match(text, /keepalived_notify_scripts_total\{result="started"\} 1/);
  assert.match(text, /keepalived_notify_scripts_total\{result="failed"\} 1/);
});

test('VIP changes reach the listeners without their prefix length', () => {
  const { observer } = captureObserver();
  const seen: Array<[string, boolean]> = [];
  observer.onVipChange((address, present) => seen.push([address, present]));
  observer.vipAdded('VI_1', '10.0.0.100/32', 'eth0');
  observer.vipAdded('VI_1', 'fd00::100/128');
  observer.vipRemoved('VI_1', '10.0.0.100/32', 'eth0');
  assert.deepEqual(seen, [
    ['10.0.0.100', true],
    ['fd00::100', true],
    ['10.0.0.100', false],
  ]);
});

test('a forgotten real server takes its series with it', async () => {
  const { observer } = captureObserver();
  const vs = 'tcp 10.0.0.100:80';
  observer.metrics.realServerState(vs, '10.0.0.11:80', true, 3);
  observer.metrics.realServerState(vs, '10.0.0.12:80', false, 0);
  observer.metrics.forgetRealServer(vs, '10.0.0.11:80');
  const fams = parsePrometheusText(await observer.metrics.text());
  for (const name of ['keepalived_real_server_up', 'keepalived_real_server_weight'])
    assert.deepEqual(
      fams.get(name)!.samples.map((x) => x.labels.real_server),
      ['10.0.0.12:80'],
      name,
    );
});
