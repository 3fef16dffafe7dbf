// Our own realistic configurations (test/fixtures/configs) load without errors, and the parts
// each one exists for come out as intended.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { type LoadResult, loadConfig } from '../../../src/config/load.js';
import { hostWith } from '../../helpers/config-text.js';

const DIR = fileURLToPath(new URL('../../../../test/fixtures/configs/', import.meta.url));
const COMMANDS = [
  '/etc/keepalived/check_apiserver.sh',
  '/usr/bin/pgrep',
  '/etc/keepalived/notify.sh',
  '/usr/local/sbin/fw-notify.sh',
  '/usr/local/bin/check_dns.sh',
];
const load = (name: string): LoadResult =>
  loadConfig(`${DIR}${name}.conf`, { configId: 'test', host: hostWith(COMMANDS) });

test('every fixture config loads with no errors or warnings', () => {
  const names = readdirSync(DIR).filter((f) => f.endsWith('.conf'));
  assert.ok(names.length >= 6);
  for (const name of names) {
    const r = load(name.replace(/\.conf$/, ''));
    assert.deepEqual(r.diagnostics, [], name);
    assert.equal(r.verdict, 'ok', name);
  }
});

test('kubeadm API server VIP: a weighted health script tracked by a PASS-authenticated instance', () => {
  const { config } = load('kubeadm-apiserver-vip');
  const [script] = config.vrrpScripts;
  assert.deepEqual(
    [script.interval, script.timeout, script.weight, script.fall, script.rise],
    [3, 5, -2, 10, 2],
  );
  const vi = config.vrrpInstances[0];
  assert.deepEqual(
    [vi.state, vi.priority, vi.authentication?.password],
    ['MASTER', 101, '42kubeha'],
  );
  assert.deepEqual(
    vi.tracking.scripts.map((t) => t.name),
    ['check_apiserver'],
  );
});

test('haproxy pair: unicast peers, nopreempt backup, notify scripts with quoted arguments', () => {
  const { config } = load('haproxy-unicast-pair');
  const vi = config.vrrpInstances[0];
  assert.deepEqual(
    [vi.unicastSrcIp, vi.unicastPeers.map((p) => p.address), vi.preempt],
    ['10.0.1.12', ['10.0.1.11'], false],
  );
  assert.deepEqual(vi.notify.master?.argv, ['/etc/keepalived/notify.sh', 'MASTER', 'LB VIP']);
  assert.deepEqual(vi.garp.masterRefresh, 60);
  assert.deepEqual(config.globalDefs.scriptUser, { user: 'haproxy', group: 'haproxy' });
});

test('LVS-DR farm: two services, DR method, HTTP_GET and SSL_GET with resolved timing', () => {
  const { config } = load('lvs-dr-web-farm');
  assert.deepEqual(
    config.virtualServers.map((v) => [
      v.key.kind === 'address' && v.key.port,
      v.lvsMethod,
      v.lvsSched,
      v.realServers.length,
    ]),
    [
      [80, 'dr', 'wlc', 3],
      [443, 'dr', 'sh', 2],
    ],
  );
  assert.equal(config.virtualServers[1].schedFlags.flag2, true);
  const c = config.virtualServers[0].realServers[2].checkers[0];
  assert.ok(c.type === 'HTTP_GET');
  assert.deepEqual(
    [c.timing.delayLoop, c.timing.retry, c.timing.delayBeforeRetry, c.timing.connectTimeout],
    [10, 1, 3, 5],
  );
});

test('LVS-NAT: group service with quorum, hysteresis, alpha and a sorry server', () => {
  const { config } = load('lvs-nat-sorry-quorum');
  const vs = config.virtualServers[0];
  assert.deepEqual(
    [vs.key, vs.quorum, vs.hysteresis, vs.timing.alpha, vs.inhibitOnFailure],
    [{ kind: 'group', group: 'API' }, 2, 1, true, true],
  );
  assert.deepEqual(vs.sorryServer?.address, '10.30.0.99');
  assert.ok(
    vs.realServers.every((rs) => rs.checkers.every((c) => 'timing' in c && c.timing.alpha)),
  );
});

test('IPv6 VRRPv3: v3 with centisecond adverts, link-local first VIP, dual-stack VRID reuse', () => {
  const { config } = load('ipv6-vrrpv3');
  assert.deepEqual(
    config.vrrpInstances.map((i) => [
      i.name,
      i.version,
      i.family,
      i.advertInt,
      i.virtualIpaddresses[0].address,
    ]),
    [
      ['GW6', 3, 6, 0.5, 'fe80::10'],
      ['GW4', 3, 4, 0.5, '192.0.2.1'],
    ],
  );
  assert.deepEqual(config.vrrpInstances[1].virtualRoutes[0].via, '192.0.2.254');
});

test('sync group pair: members linked both ways, group notify and tracked file', () => {
  const { config } = load('sync-group-pair');
  const g = config.vrrpSyncGroups[0];
  assert.deepEqual(
    [g.members, g.notify.generic?.user, g.tracking.files.map((f) => f.name)],
    [['OUTSIDE', 'INSIDE'], 'root', ['maintenance']],
  );
  assert.deepEqual(
    config.vrrpInstances.map((i) => i.syncGroup),
    ['FW', 'FW'],
  );
  assert.deepEqual(
    [config.vrrpInstances[0].virtualRules[0].preference, config.trackFiles[0].weight],
    [1000, -50],
  );
});

test('DNS balancing: one-packet UDP service with DNS_CHECK and dynamic MISC_CHECK, fwmark TCP side', () => {
  const { config } = load('misc-check-udp-dns');
  const [udp, fw] = config.virtualServers;
  assert.deepEqual([udp.protocol, udp.ops], ['udp', true]);
  const misc = udp.realServers[1].checkers[0];
  assert.ok(misc.type === 'MISC_CHECK');
  assert.deepEqual(
    [misc.script.argv, misc.timeout, misc.dynamic, misc.timing.retry],
    [['/usr/local/bin/check_dns.sh', '10.53.0.2'], 3, true, 0],
  );
  assert.deepEqual(
    [fw.key, fw.realServers[0].port],
    [{ kind: 'fwmark', fwmark: 53, family: 4 }, 0],
  );
});
