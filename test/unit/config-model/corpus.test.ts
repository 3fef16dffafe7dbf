// keepalived's own sample configs give keepalived's `-t` verdicts (corpus/EXPECTED.md), on a host
// where eth0..eth3 exist, as in the environment those verdicts were taken in.
import { CORPUS_DIR } from '../../helpers/shared.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type LoadResult, exitCodeOf, loadConfig } from '../../../src/config/load.js';
import { type ValidationEnv, systemEnv } from '../../../src/config/validate.js';
import { hostWith } from '../../helpers/config-text.js';

const CORPUS = CORPUS_DIR;
const file = (name: string) => join(CORPUS, `keepalived.conf.${name}`);

/** A PATH directory holding an executable `killall`, as on the hosts EXPECTED.md describes. */
const pathDir = mkdtempSync(join(tmpdir(), 'kts-config-model-path-'));
writeFileSync(join(pathDir, 'killall'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
after(() => rmSync(pathDir, { recursive: true, force: true }));

function hostWithPath(path: string): ValidationEnv {
  return { listInterfaces: hostWith().listInterfaces, findCommand: systemEnv(path).findCommand };
}

function check(name: string, configId = 'nohost', host = hostWithPath(pathDir)): LoadResult {
  return loadConfig(file(name), { configId, host });
}

const lines = (r: LoadResult) =>
  r.diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.severity} ${d.message}`);

for (const name of [
  'HTTP_GET.port',
  'PING_CHECK',
  'SMTP_CHECK',
  'inhibit',
  'misc_check',
  'quorum',
  'sample',
  'status_code',
  'virtual_server_group',
  'vrrp.sync',
]) {
  test(`${name}: ok, exit 0, no errors`, () => {
    const r = check(name);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.equal(exitCodeOf(r.verdict), 0);
  });
}

test('conditional_conf without a matching -i: errors at lines 13 and 25, exit 5', () => {
  const r = check('conditional_conf');
  assert.deepEqual(lines(r), [
    '13 error No script set for vrrp_script check_VI_0 - removing',
    // keepalived-ts's own note (keepalived says nothing): it does not create the VMAC.
    '23 warning use_vmac (VI_0) is not acted on by keepalived-ts: VIPs go on the interface itself and adverts carry its MAC',
    '25 error (VI_0) track script check_VI_0 not found, ignoring...',
  ]);
  assert.equal(exitCodeOf(r.verdict), 5);
});

test('conditional_conf with -i high or -i low: ok, exit 0', () => {
  for (const id of ['high', 'low']) {
    const r = check('conditional_conf', id);
    assert.equal(exitCodeOf(r.verdict), 0, id);
    assert.equal(r.config.netNamespace, id);
    assert.equal(r.config.vrrpInstances[0].priority, id === 'high' ? 170 : 85);
  }
});

test('vrrp.localcheck with killall on PATH: script security, exit 6', () => {
  const r = check('vrrp.localcheck');
  assert.deepEqual(lines(r), [
    '- error SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
  ]);
  assert.equal(exitCodeOf(r.verdict), 6);
});

test('vrrp.localcheck without killall on PATH: the killall scripts are disabled, exit 5', () => {
  const empty = mkdtempSync(join(tmpdir(), 'kts-config-model-empty-'));
  try {
    const r = check('vrrp.localcheck', 'nohost', hostWithPath(empty));
    assert.deepEqual(lines(r), [
      '12 error Disabling track script chk_sshd since not found/accessible',
      '20 error Disabling track script chk_haproxy since not found/accessible',
      '56 error (VI_1) track script chk_sshd not found, ignoring...',
      '57 error (VI_1) track script chk_haproxy not found, ignoring...',
      '78 error (VI_2) track script chk_haproxy not found, ignoring...',
    ]);
    assert.equal(exitCodeOf(r.verdict), 5);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('vrrp.rules: invalid rule addresses at lines 11 and 26, preference warnings at 10 and 25, exit 5', () => {
  const r = check('vrrp.rules');
  assert.deepEqual(lines(r), [
    '10 warning Rule has no preference specified - setting to 16384. This is probably not what you want.',
    '11 error VRRP parsed invalid IP 192.168.100./24. skipping IP...',
    '11 error Invalid rule to address 192.168.100./24',
    '25 warning Rule has no preference specified - setting to 16383. This is probably not what you want.',
    '26 error VRRP parsed invalid IP 192.168.200./24. skipping IP...',
    '26 error Invalid rule to address 192.168.200./24',
  ]);
  assert.equal(exitCodeOf(r.verdict), 5);
});

test('the samples need eth0..eth3: without them keepalived (and we) refuse with exit 5', () => {
  const r = loadConfig(file('sample'), { configId: 'nohost', host: hostWith([], ['lo']) });
  assert.deepEqual(lines(r), [
    "13 error WARNING - interface eth0 for vrrp_instance VI_1 doesn't exist",
    '- error Non-existent interface specified in configuration',
  ]);
  assert.equal(exitCodeOf(r.verdict), 5);
});

test('the sample model: instance, virtual server, sorry server and HTTP_GET as keepalived reads them', () => {
  const { config } = check('sample');
  const vi = config.vrrpInstances[0];
  assert.deepEqual(
    [
      vi.name,
      vi.interface,
      vi.virtualRouterId,
      vi.priority,
      vi.state,
      vi.preempt,
      vi.virtualIpaddresses.length,
    ],
    ['VI_1', 'eth0', 50, 100, 'BACKUP', false, 3],
  );
  const vs = config.virtualServers[0];
  assert.deepEqual(
    [vs.protocol, vs.lvsSched, vs.lvsMethod, vs.persistenceTimeout, vs.timing.delayLoop],
    ['tcp', 'rr', 'nat', 50, 6],
  );
  assert.deepEqual([vs.sorryServer?.address, vs.sorryServer?.port], ['192.168.200.200', 1358]);
  const http = vs.realServers[0].checkers[0];
  assert.ok(http.type === 'HTTP_GET');
  assert.deepEqual(http.timing, {
    delayLoop: 6,
    connectTimeout: 3,
    retry: 3,
    delayBeforeRetry: 3,
    warmup: 6,
    alpha: false,
    logAllFailures: false,
  });
  assert.equal(http.urls[0].digest, '640205b7b0fc66c1ea91c463fac6334d');
});
