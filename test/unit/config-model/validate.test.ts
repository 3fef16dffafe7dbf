import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemEnv } from '../../../src/config/validate.js';
import { hostWith, loadText, summary } from '../../helpers/config-text.js';

const vip = `  virtual_ipaddress {
    10.0.0.1/24
  }`;

test('interfaces the host lacks are errors, closed by "Non-existent interface specified"', () => {
  const r = loadText(
    `
vrrp_instance VI_1 {
  interface eth9
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1/24 dev eth8
  }
  track_interface {
    eth0
    eht1
  }
}`,
    { host: hostWith([], ['lo', 'eth0', 'eth1']) },
  );
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.message}${d.hint ? ` (${d.hint})` : ''}`),
    [
      "2 WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist (did you mean 'eth0'?)",
      "6 WARNING - interface eth8 for ip address 10.0.0.1 doesn't exist (did you mean 'eth0'?)",
      "10 (VI_1) tracked interface eht1 doesn't exist (did you mean 'eth1'?)",
      '- Non-existent interface specified in configuration',
    ],
  );
  assert.equal(r.verdict, 'errors');
});

test('with dynamic_interfaces any interface name is accepted, as keepalived -t exits 0', () => {
  // Checked against keepalived 2.2.7: the same config with eth9 / eth8 / eht1 missing, exit 0.
  for (const option of ['', ' allow_if_changes']) {
    const r = loadText(
      `global_defs {\n  dynamic_interfaces${option}\n}
vrrp_instance VI_1 {
  interface eth9
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1/24 dev eth8
  }
  track_interface {
    eht1
  }
}`,
      { host: hostWith([], ['lo', 'eth0']) },
    );
    assert.deepEqual(summary(r.diagnostics), []);
    assert.equal(r.config.globalDefs.dynamicInterfaces, true);
  }
});

test('interface checks are skipped when the host cannot list interfaces', () => {
  const r = loadText(`vrrp_instance V {\n interface eth9\n virtual_router_id 1\n${vip}\n}`, {
    host: { listInterfaces: () => undefined, findCommand: () => undefined },
  });
  assert.deepEqual(summary(r.diagnostics), []);
});

test('duplicate VRIDs on one interface and family are refused; other families and interfaces are fine', () => {
  const r = loadText(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
${vip}
}
vrrp_instance B {
  interface eth0
  virtual_router_id 5
${vip}
}
vrrp_instance C {
  interface eth1
  virtual_router_id 5
${vip}
}
vrrp_instance D {
  interface eth0
  virtual_router_id 5
  virtual_ipaddress {
    fd00::5
  }
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    ['A and B both use VRID 5 with IPv4 on interface eth0'],
  );
});

test('unicast instances conflict only when they share a peer', () => {
  const peer = (ip: string) => `  unicast_peer {\n    ${ip}\n  }`;
  const r = loadText(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
${vip}
${peer('10.0.0.8')}
}
vrrp_instance B {
  interface eth0
  virtual_router_id 5
${vip}
${peer('10.0.0.9')}
}
vrrp_instance C {
  interface eth0
  virtual_router_id 5
${vip}
${peer('10.0.0.8')}
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    ['(C) duplicate VRID conflict with A VRID 5'],
  );
});

test('references to undefined scripts, files, instances and groups are dropped with a hint', () => {
  const r = loadText(
    `
vrrp_script chk_web {
  script /bin/true
}
vrrp_sync_group G {
  group {
    VI_1
    VI_11
  }
  track_script {
    chk_wbe
  }
  sync_group_tracking_weight
}
vrrp_sync_group H {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_script {
    chk_web weight 10
    chk_web
  }
  track_file {
    nofile
  }
}
global_defs {
  enable_script_security
}`,
    { host: hostWith(['/bin/true']) },
  );
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.message}${d.hint ? ` (${d.hint})` : ''}`),
    [
      "5 Virtual router VI_11 specified in sync group G doesn't exist - ignoring (did you mean 'VI_1'?)",
      "11 (G) track script chk_wbe not found, ignoring... (did you mean 'chk_web'?)",
      '15 Virtual router VI_1 cannot exist in more than one sync group; ignoring H',
      '15 Sync group H has no members - removing',
      '28 (VI_1) duplicate track_script chk_web - ignoring',
      '31 (VI_1) track file nofile not found, ignoring...',
    ],
  );
  assert.deepEqual(
    r.config.vrrpSyncGroups.map((g) => [g.name, g.members]),
    [['G', ['VI_1']]],
  );
  assert.deepEqual(
    r.config.vrrpInstances[0].tracking.scripts.map((s) => [s.name, s.weight]),
    [['chk_web', 10]],
  );
});

test('script security: an existing script without enable_script_security gives exit 6', () => {
  const conf = (security: string) => `
global_defs {
${security}
}
vrrp_script chk {
  script "/usr/local/bin/chk arg"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_script {
    chk
  }
}`;
  const found = hostWith(['/usr/local/bin/chk']);
  const insecure = loadText(conf(''), { host: found });
  assert.equal(insecure.verdict, 'script-security');
  assert.deepEqual(
    insecure.diagnostics.map((d) => [d.severity, d.code, d.message, d.pos]),
    [
      [
        'error',
        'script-security',
        'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
        undefined,
      ],
    ],
  );
  assert.equal(loadText(conf('  enable_script_security'), { host: found }).verdict, 'ok');
  // A script that does not exist is never run, so it is not a security violation.
  assert.equal(loadText(conf(''), { host: hostWith() }).verdict, 'ok');
});

test('script security: notify, checker and start-up scripts; "</dev/tcp" tests are not scripts', () => {
  const host = hostWith(['/bin/notify', '/bin/misc', '/bin/start']);
  const r = loadText(
    `
global_defs {
  startup_script /bin/start
}
vrrp_script port {
  script "</dev/tcp/127.0.0.1/80"
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_script {
    port
  }
  notify_master /bin/notify
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.1.1 80 {
    MISC_CHECK {
      misc_path "/bin/misc -q"
    }
  }
}`,
    { host },
  );
  assert.deepEqual(
    r.diagnostics.map((d) => d.message),
    [
      'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
      'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.',
      'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.',
    ],
  );
  const portOnly = loadText(
    `vrrp_script port {\n script "</dev/tcp/127.0.0.1/80"\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n${vip}\n}`,
    {
      host,
    },
  );
  assert.equal(portOnly.verdict, 'ok');
});

test('a tracked script not found on PATH is disabled; a missing absolute path only warns', () => {
  const r = loadText(`
vrrp_script bare {
  script "no-such-command -x"
}
vrrp_script path {
  script /opt/none/check.sh
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_script {
    bare
    path
  }
}`);
  assert.deepEqual(summary(r.diagnostics), [
    '3:error:script-not-found',
    '6:warning:script-not-found',
    '15:error:unknown-reference',
  ]);
  assert.deepEqual(
    r.config.vrrpInstances[0].tracking.scripts.map((s) => s.name),
    ['path'],
  );
});

test('the real host environment finds executables on PATH and lists /sys/class/net', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-config-model-'));
  try {
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
    writeFileSync(join(dir, 'data'), 'x', { mode: 0o644 });
    const env = systemEnv(dir);
    assert.equal(env.findCommand('tool'), join(dir, 'tool'));
    assert.equal(env.findCommand('data'), undefined);
    assert.equal(env.findCommand(join(dir, 'data')), join(dir, 'data'));
    assert.equal(env.findCommand(join(dir, 'absent')), undefined);
    assert.ok(env.listInterfaces()?.includes('lo'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('weighted trackers are ignored in sync groups (without sync_group_tracking_weight) and for the owner', () => {
  const r = loadText(
    `
vrrp_script s {
  script /bin/true
  weight 5
}
track_file tf {
  file /run/tf
}
vrrp_sync_group G {
  group {
    A
  }
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
${vip}
  track_interface {
    eth1 weight 10
    eth2
  }
  track_script {
    s
  }
  track_file {
    tf
  }
}
vrrp_instance OWNER {
  interface eth0
  virtual_router_id 2
  priority 255
${vip}
  track_interface {
    eth1 weight 10
  }
  track_file {
    tf weight 7
  }
}
global_defs {
  enable_script_security
}`,
    { host: hostWith(['/bin/true']) },
  );
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.message}`),
    [
      '21 (A) ignoring eth1 tracked interface weight due to SYNC group',
      '25 (A) ignoring tracked script s with weights due to SYNC group',
      '28 (A) ignoring weight from tracked file tf due to SYNC group. specify weight 0',
      '39 (OWNER) ignoring eth1 tracked interface due to address owner',
      '42 (OWNER) ignoring tracked file tf with weight 7 due to address owner',
    ],
  );
  const [a, owner] = r.config.vrrpInstances;
  assert.deepEqual(
    a.tracking.interfaces.map((t) => [t.name, t.weight]),
    [
      ['eth1', undefined],
      ['eth2', undefined],
    ],
  );
  assert.deepEqual([a.tracking.scripts, a.tracking.files.map((t) => t.weight)], [[], [0]]);
  assert.deepEqual([owner.tracking.interfaces, owner.tracking.files], [[], []]);
});
