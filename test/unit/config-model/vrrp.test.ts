import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, hostWith, loadText, summary } from '../../helpers/config-text.js';

const vip = `  virtual_ipaddress {
    10.0.0.1/24
  }`;

test('an instance with only the required keywords gets keepalived defaults', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 7
${vip}
}`);
  assert.deepEqual(summary(r.diagnostics), []);
  const i = r.config.vrrpInstances[0];
  assert.deepEqual(
    [i.state, i.priority, i.advertInt, i.version, i.family, i.preempt, i.preemptDelay, i.accept],
    ['BACKUP', 100, 1, 2, 4, true, 0, true],
  );
  assert.deepEqual(i.garp, {
    masterDelay: 5,
    masterRepeat: 5,
    masterRefresh: 0,
    masterRefreshRepeat: 1,
    interval: 0,
    gnaInterval: 0,
    minGarp: false,
  });
  assert.deepEqual([i.downTimerAdverts, i.unicastTtl, i.strictMode], [3, 255, false]);
  assert.equal(i.pos.line, 2);
});

test('state and priority default from each other', () => {
  const mk = (body: string) =>
    loadText(`vrrp_instance V {\n interface eth0\n virtual_router_id 1\n${vip}\n${body}\n}`).config
      .vrrpInstances[0];
  assert.deepEqual([mk('state MASTER').state, mk('state MASTER').priority], ['MASTER', 255]);
  assert.deepEqual([mk('priority 255').state, mk('priority 255').priority], ['MASTER', 255]);
  assert.deepEqual(
    [mk('state MASTER\npriority 100').state, mk('state MASTER\npriority 100').priority],
    ['MASTER', 100],
  );
  assert.deepEqual([mk('').state, mk('').priority], ['BACKUP', 100]);
});

test('out-of-range and malformed values use keepalived wording and fall back', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  state master
  interface eth0
  virtual_router_id 300
  priority 300
  advert_int 1\\
  preempt_delay 2000
${vip}
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.message}`),
    [
      "3 (VI_1) unknown state 'master', defaulting to BACKUP",
      "5 number '300' outside range [1, 255]",
      "6 number '300' outside range [1, 255]",
      "7 invalid number '1\\'",
      "8 number '2000' outside range [0, 1000]",
      '12 (VI_1) the virtual router id must be set - removing instance',
    ],
  );
  assert.equal(r.diagnostics[0].hint, "did you mean 'MASTER'?");
  assert.equal(r.config.vrrpInstances.length, 0);
});

test('a misspelled keyword is unknown, with the nearest keyword of the block as a hint', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  interfce eth0
  virtual_router_id 1
  Priority 50
${vip}
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.pos?.line, d.pos?.col, d.code, d.message, d.hint]),
    [
      [3, 3, 'unknown-keyword', "Unknown keyword 'interfce'", "did you mean 'interface'?"],
      [5, 3, 'unknown-keyword', "Unknown keyword 'Priority'", "did you mean 'priority'?"],
    ],
  );
});

test('tracking, unicast peers, authentication, notify and vmac', () => {
  const r = loadText(
    `
vrrp_script chk {
  script "/bin/true"
  weight -10 reverse
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 9
  priority 150
  advert_int 2
  authentication {
    auth_type PASS
    auth_pass 1234567890
  }
${vip}
  unicast_src_ip 10.0.0.2
  unicast_peer {
    10.0.0.3
    10.0.0.4 min_ttl 250 max_ttl 255
  }
  track_interface {
    eth1 weight 10
    eth2 weight -254
    eth3 weight 5 reverse
  }
  track_script {
    chk
    chk weight 5 noreverse
  }
  use_vmac vrrp.9 02:00:5e:00:01:09
  garp_master_delay 2
  nopreempt
}
global_defs {
  enable_script_security
}`,
    { host: hostWith(['/bin/true']) },
  );
  const i = r.config.vrrpInstances[0];
  assert.deepEqual([i.authentication?.type, i.authentication?.password], ['PASS', '12345678']);
  assert.deepEqual(
    i.unicastPeers.map((p) => [p.address, p.minTtl, p.maxTtl]),
    [
      ['10.0.0.3', undefined, undefined],
      ['10.0.0.4', 250, 255],
    ],
  );
  assert.deepEqual(
    i.tracking.interfaces.map((t) => [t.name, t.weight, t.reverse]),
    [
      ['eth1', 10, false],
      ['eth2', -253, false],
      ['eth3', 5, true],
    ],
  );
  assert.deepEqual(
    i.tracking.scripts.map((t) => [t.name, t.weight, t.reverse]),
    [['chk', undefined, undefined]],
  );
  assert.deepEqual([i.useVmac?.name, i.useVmac?.mac], ['vrrp.9', '02:00:5e:00:01:09']);
  assert.deepEqual([i.garp.masterDelay, i.preempt, i.advertInt], [2, false, 2]);
  assert.deepEqual(r.config.vrrpScripts[0].weight, -10);
  assert.deepEqual(r.config.vrrpScripts[0].weightReverse, true);
  assert.deepEqual(summary(r.diagnostics), [
    '13:warning:auth-pass-truncated',
    '25:error:out-of-range',
    '30:error:duplicate-track',
    '32:warning:not-acted-on',
  ]);
});

test('vrrp_script defaults: interval 1, timeout = interval, rise/fall 1, weight 0', () => {
  const r = loadText(`
vrrp_script a {
  script "killall -0 haproxy"
  interval 2.5
}
vrrp_script b {
  script /bin/b
  timeout 3
  rise 2
  fall 4
  user nobody nogroup
  init_fail
}`);
  const [a, b] = r.config.vrrpScripts;
  assert.deepEqual(
    [a.interval, a.timeout, a.rise, a.fall, a.weight, a.initFail],
    [2.5, 2.5, 1, 1, 0, false],
  );
  assert.deepEqual(a.script.argv, ['killall', '-0', 'haproxy']);
  assert.deepEqual(
    [b.interval, b.timeout, b.rise, b.fall, b.user, b.group, b.initFail],
    [1, 3, 2, 4, 'nobody', 'nogroup', true],
  );
});

test('a vrrp_script without script is removed at its closing brace, and references to it dropped', () => {
  const r = loadText(`
vrrp_script empty {
  interval 1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_script {
    empty
  }
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => `${d.pos?.line} ${d.message}`),
    [
      '4 No script set for vrrp_script empty - removing',
      '12 (VI_1) track script empty not found, ignoring...',
    ],
  );
  assert.deepEqual(r.config.vrrpInstances[0].tracking.scripts, []);
});

test('version 3, IPv6 forcing v3, fractional advert_int and strict mode', () => {
  const r = loadText(`
global_defs {
  vrrp_strict
}
vrrp_instance V6 {
  interface eth0
  virtual_router_id 1
  priority 255
  advert_int 0.25
  virtual_ipaddress {
    fe80::1/64
    2001:db8::1/64
  }
}
vrrp_instance V4 {
  state MASTER
  interface eth0
  virtual_router_id 2
  priority 100
  preempt_delay 5
  unicast_peer {
    10.0.0.9
  }
${vip}
}`);
  const [v6, v4] = r.config.vrrpInstances;
  assert.deepEqual(
    [v6.version, v6.family, v6.advertInt, v6.state, v6.accept, v6.strictMode],
    [3, 6, 0.25, 'MASTER', true, true],
  );
  assert.deepEqual([v4.state, v4.accept, v4.preemptDelay], ['BACKUP', false, 0]);
  assert.deepEqual(summary(errors(r)), [
    '27:error:strict-mode',
    '27:error:strict-mode',
    '27:error:strict-mode',
  ]);
});

test('VRRPv2 rounds a fractional advert_int; v3 refuses authentication; no VIPs', () => {
  const r = loadText(`
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  advert_int 1.5
${vip}
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  version 3
  authentication {
    auth_type AH
    auth_pass x
  }
${vip}
}
vrrp_instance C {
  interface eth0
  virtual_router_id 3
}
vrrp_instance D {
  interface eth0
  virtual_router_id 4
  version 3
}
vrrp_instance E {
  interface eth0
  virtual_router_id 5
  no_virtual_ipaddress
}`);
  assert.deepEqual(summary(r.diagnostics), [
    '9:warning:advert-int-rounded',
    '15:error:auth-with-v3',
    '25:warning:no-vips',
    '30:error:no-vips',
  ]);
  assert.deepEqual(
    r.config.vrrpInstances.map((i) => [i.name, i.advertInt, i.authentication?.type]),
    [
      ['A', 2, undefined],
      ['B', 1, undefined],
      ['C', 1, undefined],
      ['E', 1, undefined],
    ],
  );
});

test('nopreempt needs state BACKUP and priority below 255', () => {
  const r = loadText(`
vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id 1
  priority 100
  nopreempt
${vip}
}`);
  assert.deepEqual(summary(r.diagnostics), ['11:warning:nopreempt-master']);
  assert.equal(r.config.vrrpInstances[0].preempt, true);
});

test('sync groups: members from the group block, tracking and notify; bare members are unknown keywords', () => {
  const r = loadText(`
vrrp_sync_group G1 {
  group {
    VI_1 VI_2
  }
  notify_master "/bin/m arg"
  smtp_alert
}
vrrp_sync_group G2 {
  VI_1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
}
vrrp_instance VI_2 {
  interface eth1
  virtual_router_id 2
${vip}
}`);
  const g1 = r.config.vrrpSyncGroups[0];
  assert.deepEqual(
    [g1.members, g1.notify.master?.argv, g1.smtpAlert],
    [['VI_1', 'VI_2'], ['/bin/m', 'arg'], true],
  );
  assert.deepEqual(
    r.config.vrrpInstances.map((i) => i.syncGroup),
    ['G1', 'G1'],
  );
  assert.deepEqual(summary(r.diagnostics), ['9:error:empty-group', '10:error:unknown-keyword']);
});

test('deprecated instance keywords warn; vrrp_track_file is an alias of track_file', () => {
  const r = loadText(`
vrrp_track_file f {
  file /run/f
  weight 3 reverse
  init_file 5 overwrite
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  native_ipv6
  track_file {
    f weight 2
  }
}`);
  assert.deepEqual(summary(r.diagnostics), [
    '2:warning:deprecated-keyword',
    '13:warning:deprecated-keyword',
  ]);
  const f = r.config.trackFiles[0];
  assert.deepEqual(
    [f.name, f.path, f.weight, f.weightReverse, f.initFile],
    ['f', '/run/f', 3, true, { value: 5, overwrite: true }],
  );
  assert.deepEqual(
    r.config.vrrpInstances[0].tracking.files.map((t) => [t.name, t.weight]),
    [['f', 2]],
  );
});

test('duplicate instance names are refused', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
}
vrrp_instance VI_1 {
  interface eth1
  virtual_router_id 2
${vip}
}`);
  assert.deepEqual(summary(r.diagnostics), ['9:error:duplicate-name']);
  assert.equal(r.config.vrrpInstances.length, 1);
});

test('AH authentication cannot start as MASTER below priority 255', () => {
  const r = loadText(`
vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id 1
  priority 100
  authentication {
    auth_type AH
    auth_pass 1111
  }
${vip}
}`);
  assert.deepEqual(summary(r.diagnostics), ['14:error:auth-ah-master']);
  assert.deepEqual(
    [r.config.vrrpInstances[0].state, r.config.vrrpInstances[0].authentication?.type],
    ['BACKUP', 'AH'],
  );
});

test('bfd_instance with defaults, tracked by an instance and a BFD_CHECK', () => {
  const r = loadText(`
bfd_instance peer {
  neighbour_ip 10.0.0.2
  min_rx 50
  hoplimit 10
  weight -20
}
bfd_instance lonely {
  min_tx 20
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
${vip}
  track_bfd {
    peer weight 5
  }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_sched rr
  lvs_method NAT
  real_server 10.0.0.2 80 {
    BFD_CHECK {
      name peer
      alpha
    }
  }
}`);
  assert.deepEqual(summary(r.diagnostics), ['10:error:missing-parameter']);
  const b = r.config.bfdInstances[0];
  assert.deepEqual(
    [
      b.name,
      b.neighborIp,
      b.family,
      b.minRx,
      b.minTx,
      b.idleTx,
      b.multiplier,
      b.ttl,
      b.weight,
      b.passive,
    ],
    ['peer', '10.0.0.2', 4, 50, 10, 1000, 5, 10, -20, false],
  );
  assert.deepEqual(
    r.config.vrrpInstances[0].tracking.bfds.map((t) => [t.name, t.weight]),
    [['peer', 5]],
  );
  assert.deepEqual(r.config.virtualServers[0].realServers[0].checkers, [
    {
      type: 'BFD_CHECK',
      name: 'peer',
      alpha: true,
      pos: { file: '/etc/keepalived/keepalived.conf', line: 26, col: 5 },
    },
  ]);
});

test('vrrp_track_process and static_ipaddress blocks; unicast instances may omit the interface', () => {
  const r = loadText(`
vrrp_track_process nginx {
  process nginx -g daemon
  param_match partial
  weight 10 reverse
  quorum 2
  quorum_max 4
  delay 1.5
  full_command
}
vrrp_track_process nameless {
  weight 1
}
static_ipaddress {
  192.168.50.1/24 dev eth1 scope link
  fd00:50::1/64 dev eth1
}
vrrp_instance U {
  virtual_router_id 1
  unicast_peer {
    10.0.0.2
  }
${vip}
  track_process {
    nginx
  }
}
vrrp_instance M {
  virtual_router_id 2
${vip}
}`);
  assert.deepEqual(summary(r.diagnostics), ['13:error:process-missing']);
  const p = r.config.trackProcesses[0];
  assert.deepEqual(
    [
      p.process,
      p.params,
      p.paramMatch,
      p.weight,
      p.weightReverse,
      p.quorum,
      p.quorumMax,
      p.terminateDelay,
      p.forkDelay,
      p.fullCommand,
    ],
    ['nginx', ['-g', 'daemon'], 'partial', 10, true, 2, 4, 1.5, 1.5, true],
  );
  assert.deepEqual(
    r.config.staticAddresses.map((a) => [a.address, a.prefixLength, a.dev, a.scope]),
    [
      ['192.168.50.1', 24, 'eth1', 'link'],
      ['fd00:50::1', 64, 'eth1', undefined],
    ],
  );
  const [u, m] = r.config.vrrpInstances;
  assert.deepEqual([u.interface, u.tracking.processes.map((t) => t.name)], [undefined, ['nginx']]);
  // Without unicast peers the instance falls back to global default_interface (eth0).
  assert.equal(m.interface, 'eth0');
});
