import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadText, summary } from '../../helpers/config-text.js';

test('global_defs defaults when absent', () => {
  const g = loadText('').config.globalDefs;
  assert.deepEqual(
    [
      g.vrrpVersion,
      g.vrrpMcastGroup4,
      g.vrrpMcastGroup6,
      g.vrrpGarpMasterDelay,
      g.vrrpGarpMasterRepeat,
    ],
    [2, '224.0.0.18', 'ff02::12', 5, 5],
  );
  assert.deepEqual(
    [g.smtpConnectTimeout, g.enableScriptSecurity, g.defaultInterface, g.lvsFlush],
    [30, false, 'eth0', false],
  );
});

test('global_defs values, including list blocks and multi-word settings', () => {
  const r = loadText(`
global_defs {
  router_id LVS_DEVEL
  notification_email {
    admin@example.com
    ops@example.com
  }
  notification_email_from kad@example.com
  smtp_server 192.168.200.1 2525
  smtp_connect_timeout 10
  enable_script_security
  script_user keepalived_script users
  vrrp_strict
  vrrp_version 3
  vrrp_garp_interval 0.001
  vrrp_garp_master_refresh 60
  vrrp_mcast_group4 224.0.0.19
  lvs_flush_on_stop VS
  lvs_timeouts tcp 900 udp 60
  lvs_sync_daemon eth1 VI_1 id 7 maxlen 1400
  vrrp_notify_fifo /run/kad.fifo
  vrrp_notify_fifo_script /usr/bin/fifo-reader.sh
  max_auto_priority 10
  enable_snmp_keepalived
}`);
  const g = r.config.globalDefs;
  assert.equal(g.routerId, 'LVS_DEVEL');
  assert.deepEqual(g.notificationEmail, ['admin@example.com', 'ops@example.com']);
  assert.deepEqual(g.smtpServer, { address: '192.168.200.1', family: 4, port: 2525 });
  assert.deepEqual(g.scriptUser, { user: 'keepalived_script', group: 'users' });
  assert.deepEqual(
    [g.vrrpStrict, g.vrrpVersion, g.vrrpGarpInterval, g.vrrpGarpMasterRefresh],
    [true, 3, 0.001, 60],
  );
  assert.equal(g.vrrpMcastGroup4, '224.0.0.19');
  assert.equal(g.lvsFlushOnStop, 'vs');
  assert.deepEqual(g.lvsTimeouts, { tcp: 900, udp: 60 });
  assert.deepEqual(
    { ...g.lvsSyncDaemon, pos: undefined },
    { interface: 'eth1', vrrpInstance: 'VI_1', syncId: 7, maxlen: 1400, pos: undefined },
  );
  assert.equal(g.vrrpNotifyFifo?.path, '/run/kad.fifo');
  assert.deepEqual(g.vrrpNotifyFifo?.script?.argv, ['/usr/bin/fifo-reader.sh']);
  assert.equal(g.maxAutoPriority, 10);
  // enable_snmp_keepalived is a silent alias of enable_snmp_vrrp, recorded but not acted on.
  assert.deepEqual(
    g.unmodelled.map((u) => u.keyword),
    ['enable_snmp_keepalived'],
  );
  // lvs_sync_daemon names VI_1, which this config does not define.
  assert.deepEqual(summary(r.diagnostics), ['20:error:unknown-reference']);
});

test('keepalived refuses a zero GARP interval and out-of-range versions', () => {
  const r = loadText(`
global_defs {
  vrrp_garp_interval 0
  vrrp_version 4
  smtp_server 10.0.0.300
  Router_id x
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    [
      "number '0' outside range [0.000001, 4294.967295]",
      "number '4' outside range [2, 3]",
      'Invalid smtp server 10.0.0.300',
      "Unknown keyword 'Router_id'",
    ],
  );
  assert.equal(r.diagnostics[3].hint, "did you mean 'router_id'?");
  assert.deepEqual([r.config.globalDefs.vrrpGarpInterval, r.config.globalDefs.vrrpVersion], [0, 2]);
});

test('deprecated global spellings warn and still apply; lvs_flush_onstop is silent', () => {
  const r = loadText(`
global_defs {
  lvs_flush_onstop
  vrrp_rlimit_rtime 1000
  lvs_process_name kad_checker
}`);
  assert.equal(r.config.globalDefs.lvsFlushOnStop, 'all');
  assert.deepEqual(summary(r.diagnostics), [
    '4:warning:deprecated-keyword',
    '5:warning:deprecated-keyword',
  ]);
  assert.match(
    r.diagnostics[0].message,
    /'vrrp_rlimit_rtime' is deprecated - please use 'vrrp_rlimit_rttime'/,
  );
});
