// The root blocks about interfaces and static tracking (garp_group, track_group,
// linkbeat_interfaces, interface_up_down_delays), use_vmac / use_ipvlan, and vrrp_track_process's
// delays: the model with keepalived's defaults, and each diagnostic with keepalived 2.2.7's wording
// (vrrp_parser.c, vrrp_ipaddress.c, vrrp_iproute.c, vrrp_iprule.c, vrrp_static_track.c).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stableJson } from '../../../src/cli/commands/dump-config.js';
import type { LoadResult } from '../../../src/config/load.js';
import { loadText, summary } from '../../helpers/config-text.js';

const instance = (name: string, vrid: number, body = '') => `
vrrp_instance ${name} {
  interface eth1
  virtual_router_id ${vrid}
  virtual_ipaddress {
    10.0.0.${vrid}/24
  }
${body}
}`;

/** "line message" of each diagnostic, for exact assertions on wording. */
const said = (r: LoadResult) => r.diagnostics.map((d) => `${d.pos?.line ?? '-'} ${d.message}`);

// ---------------------------------------------------------------------------------------------
// garp_group

test('garp_group: intervals and interfaces, numbered as keepalived numbers them', () => {
  const r = loadText(`garp_group {
  garp_interval 0.001
  interface eth1
}
garp_group {
  gna_interval 1.5
  interfaces {
    eth2
    eth3
  }
}
garp_group {
  garp_interval 0
  interfaces {
    eth0
  }
}
${instance('VI_1', 1)}`);
  assert.deepEqual(summary(r.diagnostics), []);
  assert.deepEqual(
    r.config.garpGroups.map((g) => [
      g.number,
      g.garpInterval,
      g.gnaInterval,
      g.interfaces.map((i) => i.name),
    ]),
    [
      [0, 0.001, undefined, ['eth1']],
      [1, undefined, 1.5, ['eth2', 'eth3']],
      [2, 0, undefined, ['eth0']],
    ],
  );
  assert.equal(r.config.garpGroups[1].interfaces[1].pos.line, 9);
});

test('garp_group: bad intervals, overlaps, empty lists and groups without delays', () => {
  const r = loadText(`garp_group {
  garp_interval 0.5
  interface eth1
}
garp_group {
  gna_interval -1
  garp_interval 2147.483648
  interface eth1
  interfaces {
  }
  interface
}
garp_group {
  gna_interval 0.1
  interfaces {
    eth2 eth2
  }
  bogus
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    "6 negative number '-1'",
    "6 garp_group gna_interval '-1' invalid",
    "7 number '2147.483648' outside range [0, 2147.483647]",
    "7 garp_group garp_interval '2147.483648' invalid",
    '8 garp_group already specified for eth1 - ignoring',
    '10 Warning - empty garp_group interfaces block',
    "11 Configuration line starting 'interface' is missing a parameter at word position 2",
    '12 garp group 0 does not have any delay set - removing',
    '16 garp_group already specified for eth2 - ignoring',
    "18 Unknown keyword 'bogus'",
  ]);
  assert.deepEqual(
    r.config.garpGroups.map((g) => [g.number, g.interfaces.map((i) => i.name)]),
    [
      [0, ['eth1']],
      [1, ['eth2']],
    ],
  );
});

test('garp_group: interfaces the host lacks are errors and dropped, unless dynamic_interfaces', () => {
  const text = (globals: string) => `${globals}
garp_group {
  gna_interval 0.5
  interface eth9
  interfaces {
    eth1 eth8
  }
}
${instance('VI_1', 1)}`;
  const r = loadText(text(''));
  assert.deepEqual(said(r), [
    "4 WARNING - interface eth9 specified for garp_group doesn't exist",
    "6 WARNING - interface eth8 specified for garp_group doesn't exist",
    '- Non-existent interface specified in configuration',
  ]);
  assert.equal(r.verdict, 'errors');
  assert.deepEqual(
    r.config.garpGroups[0].interfaces.map((i) => i.name),
    ['eth1'],
  );
  const dynamic = loadText(text('global_defs {\n  dynamic_interfaces\n}'));
  assert.deepEqual(said(dynamic), []);
  assert.deepEqual(
    dynamic.config.garpGroups[0].interfaces.map((i) => i.name),
    ['eth9', 'eth1', 'eth8'],
  );
});

test("garp_group: an instance's GARP settings take its interface's group over the globals", () => {
  const r = loadText(`global_defs {
  vrrp_garp_interval 0.01
  vrrp_gna_interval 0.02
}
garp_group {
  gna_interval 0.3
  interface eth1
}
${instance('VI_1', 1)}
vrrp_instance VI_2 {
  interface eth2
  virtual_router_id 2
  virtual_ipaddress {
    10.0.0.2/24
  }
}`);
  const [vi1, vi2] = r.config.vrrpInstances;
  // The group sets no garp_interval: eth1 has no GARP pacing, not the global one.
  assert.deepEqual([vi1.garp.interval, vi1.garp.gnaInterval], [0, 0.3]);
  assert.deepEqual([vi2.garp.interval, vi2.garp.gnaInterval], [0.01, 0.02]);
});

// ---------------------------------------------------------------------------------------------
// track_group and track_group on static lines

test('track_group: members, and static lines naming a group defined above them', () => {
  const r = loadText(`track_group TG1 {
  group {
    VI_1 VI_2
  }
}
static_ipaddress {
  192.168.5.1/24 dev eth0 track_group TG1
  192.168.5.2/24 track_group TG1
}
static_routes {
  192.168.6.0/24 dev eth0 track_group TG1
}
static_rules {
  from 192.168.8.0/24 table 100 iif eth0 preference 10 track_group TG1
  from 192.168.9.0/24 table 100 dev eth0 preference 11 track_group TG1
}
${instance('VI_1', 1)}
${instance('VI_2', 2)}`);
  assert.deepEqual(summary(r.diagnostics), ['7:warning:not-acted-on']);
  assert.deepEqual(r.config.trackGroups, [
    { name: 'TG1', members: ['VI_1', 'VI_2'], pos: r.config.trackGroups[0].pos },
  ]);
  // A static address without dev goes on default_interface: it may be tracked there.
  assert.deepEqual(
    [...r.config.staticAddresses, ...r.config.staticRoutes, ...r.config.staticRules].map(
      (e) => e.trackGroup,
    ),
    ['TG1', 'TG1', 'TG1', 'TG1', 'TG1'],
  );
  assert.equal(r.config.staticRules[1].iif, 'eth0');
});

test('track_group: names, duplicates and group blocks', () => {
  const r = loadText(`track_group TG1 {
  group {
    VI_1
  }
}
track_group TG1 {
  group {
    VI_1
  }
}
track_group {
}
track_group A B {
}
track_group TG2 {
  group {
  }
  group {
    VI_1
  }
}
track_group TG3 {
  group {
    VI_1
  }
  group {
    VI_1
  }
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    '6 track_group TG1 already defined',
    '11 track_group must have a name - skipping',
    '13 track_group must have a name - skipping',
    '17 Warning - track group TG2 has empty group block',
    '26 Group list already specified for sync group TG3',
  ]);
  assert.deepEqual(
    r.config.trackGroups.map((g) => [g.name, g.members]),
    [
      ['TG1', ['VI_1']],
      ['TG2', ['VI_1']],
      ['TG3', ['VI_1']],
    ],
  );
});

test('track_group on static lines: undefined or later groups, repeats, lines without interface', () => {
  const r = loadText(`static_ipaddress {
  192.168.5.1/24 dev eth0 track_group TG1
  192.168.5.9/24 dev eth0 track_group
}
track_group TG1 {
  group {
    VI_1
  }
}
static_routes {
  192.168.7.0/24 dev eth0 track_group TG1 track_group TG1 bogus
  192.168.6.0/24 via 10.0.0.9 no_track track_group TG1
}
static_rules {
  from 192.168.8.0/24 table 100 oif eth0 preference 10 track_group TG1
  from 192.168.9.0/24 table 100 iif eth0 preference 11 track_group NOPE
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    '2 track_group TG1 not found',
    '3 static_ipaddress: No track_group parameter specified for 192.168.5.9/24',
    '11 track_group TG1 is a duplicate',
    '11 Route has trailing nonsense - TG1',
    '12 Static route cannot have track group if no oif specified',
    '15 Static rule cannot have track_group if dev/iif not specified',
    '16 track_group NOPE not found',
  ]);
  assert.deepEqual(
    [...r.config.staticAddresses, ...r.config.staticRoutes, ...r.config.staticRules].map(
      (e) => e.trackGroup,
    ),
    // As keepalived: 192.168.5.9 is dropped (a keyword without its value), and so is the route
    // with a repeated track_group (read no further: 'bogus' is not reported).
    [undefined, undefined, undefined, undefined],
  );
  assert.deepEqual(
    r.config.staticAddresses.map((a) => a.address),
    ['192.168.5.1'],
  );
});

test('track_group is a static_* word only: VIPs, virtual routes and rules refuse it', () => {
  const r = loadText(`track_group TG1 {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  interface eth1
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1/24 track_group TG1
  }
  virtual_routes {
    10.1.0.0/24 dev eth1 track_group TG1
  }
  virtual_rules {
    from 10.2.0.0/24 table 100 iif eth1 preference 12 track_group TG1
  }
}`);
  assert.deepEqual(summary(r.diagnostics), [
    '10:error:unknown-option',
    '10:error:unknown-option',
    '13:error:invalid-route',
    '13:error:invalid-route',
    '16:error:invalid-rule',
    '16:error:invalid-rule',
  ]);
  assert.equal(r.config.vrrpInstances[0].virtualIpaddresses[0].trackGroup, undefined);
});

test('track_group members: unknown instances are dropped, an empty group removed (warnings)', () => {
  const r = loadText(`track_group TG1 {
  group {
    VI_1 VI_9
  }
}
track_group TG2 {
  group {
    VI_8
  }
}
track_group TG3 {
}
static_ipaddress {
  192.168.5.1/24 dev eth0 track_group TG1
  192.168.5.2/24 dev eth0 track_group TG2
  192.168.5.3/24 dev eth0 track_group TG3
  192.168.5.4/24 dev eth0 track_group TG1 no_track
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    "1 vrrp instance VI_9 specified in track group TG1 doesn't exist - ignoring",
    "6 vrrp instance VI_8 specified in track group TG2 doesn't exist - ignoring",
    '6 Static track group TG2 has no VRRP instance(s)',
    '6 Static track group TG2 init fails - removing',
    '11 Static track group TG3 has no virtual router(s)',
    '11 Static track group TG3 init fails - removing',
    '14 track_group is not acted on by keepalived-ts: static addresses, routes and rules do not fault instances',
    '17 Static address has both track_group and no_track set - not tracking',
  ]);
  assert.equal(r.verdict, 'ok');
  assert.deepEqual(
    r.config.trackGroups.map((g) => [g.name, g.members]),
    [['TG1', ['VI_1']]],
  );
  assert.deepEqual(
    r.config.staticAddresses.map((a) => a.trackGroup),
    ['TG1', undefined, undefined, undefined],
  );
});

// ---------------------------------------------------------------------------------------------
// linkbeat_interfaces, interface_up_down_delays

test('linkbeat_interfaces: a method per interface, the last line for an interface wins', () => {
  const r = loadText(`linkbeat_interfaces {
  eth0
  eth1 MII
  eth2 ETHTOOL
}
linkbeat_interfaces {
  eth3 IOCTL
  eth0 FOO
  eth1 MII extra
  eth9
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    '4 linkbeat_interfaces is not acted on by keepalived-ts: link state comes from rtnetlink events only',
    '8 extra characters FOO in linkbeat interface',
    '9 extra characters MII in linkbeat interface',
    '10 unknown interface eth9 specified for linkbeat interface',
  ]);
  assert.deepEqual(
    r.config.linkbeatInterfaces.map((l) => [l.name, l.method]),
    [
      ['eth2', 'ETHTOOL'],
      ['eth3', 'IOCTL'],
      ['eth0', undefined],
      ['eth1', 'MII'],
    ],
  );
  const dynamic = loadText(
    `global_defs {\n  dynamic_interfaces\n}\nlinkbeat_interfaces {\n  eth9\n}\n${instance('VI_1', 1)}`,
  );
  assert.deepEqual(summary(dynamic.diagnostics), ['5:warning:not-acted-on']);
  assert.deepEqual(
    dynamic.config.linkbeatInterfaces.map((l) => l.name),
    ['eth9'],
  );
});

test("an instance's linkbeat_use_polling is a config error, as in keepalived 2.2.7", () => {
  const r = loadText(instance('VI_1', 1, '  linkbeat_use_polling'));
  assert.deepEqual(said(r), [
    "8 (VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block",
  ]);
  assert.deepEqual(
    r.config.vrrpInstances[0].unmodelled.map((u) => u.keyword),
    ['linkbeat_use_polling'],
  );
});

test('interface_up_down_delays: down delay, optional up delay (0), bad lines skipped', () => {
  const r = loadText(`interface_up_down_delays {
  eth0 5
  eth1 1.5 2
  eth2
  eth3 1 2 3
}
interface_up_down_delays {
  eth0 abc
  eth1 1 256
  eth9 1
}
${instance('VI_1', 1)}`);
  assert.deepEqual(said(r), [
    '2 interface_up_down_delays is not acted on by keepalived-ts: link changes take effect at once',
    '4 No timeouts specified for eth2 up/down delays',
    '5 Too many parameters for eth3 up/down delays',
    "8 invalid number 'abc'",
    '8 Invalid down delay abc for eth0',
    "9 number '256' outside range [0, 255]",
    '9 Invalid up delay 256 for eth1',
    '10 unknown interface eth9 specified for up/down delay',
  ]);
  assert.deepEqual(
    r.config.interfaceUpDownDelays.map((d) => [d.name, d.downDelay, d.upDelay]),
    [
      ['eth0', 5, 0],
      ['eth1', 1.5, 2],
      ['eth3', 1, 2],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// use_vmac, use_ipvlan

test('use_vmac: name and MAC in either order, five octets leave the last to the VRID', () => {
  const r = loadText(`${instance('VI_1', 1, '  use_vmac vrrp.1 02:00:00:00:10:1')}
${instance('VI_2', 2, '  use_vmac 2:0:0:0:10 vmac2')}
${instance('VI_3', 3, '  use_vmac\n  use_vmac vmac3')}`);
  assert.deepEqual(summary(r.diagnostics), ['8:warning:not-acted-on']);
  assert.deepEqual(
    r.config.vrrpInstances.map((i) => [i.useVmac?.name, i.useVmac?.mac]),
    [
      ['vrrp.1', '02:00:00:00:10:01'],
      ['vmac2', '02:00:00:00:10'],
      ['vmac3', undefined],
    ],
  );
});

test('use_vmac: bad, multicast and RFC 5798 MACs, bad names, names taken, extra words', () => {
  const r = loadText(`${instance('VI_1', 1, '  use_vmac vrrp.1 02:00:00:00:10:01 x y')}
${instance('VI_2', 2, '  use_vmac vrrp.1 01:00:00:00:10:01')}
${instance('VI_3', 3, '  use_vmac 00:00:5e:00:02:05 a/b')}
${instance('VI_4', 4, '  use_vmac zz:00 eth0')}
${instance('VI_5', 5, '  use_vmac 02:00:00:10 averyveryverylongname')}
${instance('VI_6', 6, '  use_vmac 02:00:00:00:00:01 vmac6\n  use_vmac 02:00:00:00:00:02 vmac7')}`);
  assert.deepEqual(said(r), [
    '8 use_vmac (VI_1, VI_2, VI_3, VI_4, VI_5, VI_6) is not acted on by keepalived-ts: VIPs go on the interface itself and adverts carry its MAC',
    "8 'use_vmac' takes 2 parameters; ignoring 'x y'",
    '17 (VI_2) VRRP instance VI_1 is already using vrrp.1 - ignoring name',
    '17 VMAC MAC address is multicast 01:00:00:00:10:01 - ignoring',
    '26 VMAC MAC address not allowed to be RFC5798 address (00:00:5e:00:02:05) - ignoring',
    "26 VMAC interface name 'a/b' too long or invalid characters - ignoring",
    '35 (VI_4) interface eth0 already exists and is not a private macvlan; ignoring vmac if_name',
    '35 VMAC invalid MAC address zz:00',
    '44 VMAC invalid MAC address 02:00:00:10 - ignored',
    "44 VMAC interface name 'averyveryverylongname' too long or invalid characters - ignoring",
    '54 VMAC interface address already specified',
    '54 VMAC interface name already specified',
  ]);
  assert.deepEqual(
    r.config.vrrpInstances.map((i) => [i.useVmac?.name, i.useVmac?.mac]),
    [
      ['vrrp.1', '02:00:00:00:10:01'],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
      ['vmac6', '02:00:00:00:00:01'],
    ],
  );
});

test('use_ipvlan: name, address and mode in any order; bridge by default', () => {
  const r = loadText(`${instance('VI_1', 1, '  use_ipvlan private ipvl1 10.0.0.9/24')}
${instance('VI_2', 2, '  use_ipvlan 10.0.0.10')}`);
  assert.deepEqual(summary(r.diagnostics), ['8:warning:not-acted-on']);
  const [a, b] = r.config.vrrpInstances.map((i) => i.useIpvlan);
  assert.deepEqual(
    [a?.name, a?.address, a?.mode],
    ['ipvl1', { address: '10.0.0.9', prefixLength: 24, family: 4 }, 'private'],
  );
  assert.deepEqual(
    [b?.name, b?.address, b?.mode],
    [undefined, { address: '10.0.0.10', prefixLength: 32, family: 4 }, 'bridge'],
  );
});

test('use_ipvlan: repeated words, long names, family mismatch, no IPv4 source address', () => {
  const r = loadText(`${instance(
    'VI_1',
    1,
    '  use_ipvlan ipvl0 bridge vepa 10.0.0.10 10.0.0.11 other averyveryverylongname\n  use_ipvlan',
  )}
${instance('VI_2', 2, '  use_ipvlan fe80::1 averyveryverylongname')}`);
  assert.deepEqual(said(r), [
    '8 use_ipvlan (VI_1, VI_2) is not acted on by keepalived-ts: VIPs go on the interface itself',
    "8 (VI_1) ipvlan type already specified - ignoring 'vepa'",
    "8 (VI_1) ipvlan address already specified - ignoring '10.0.0.11'",
    "8 (VI_1) IPVLAN interface already specified - ignoring 'other'",
    "8 (VI_1) IPVLAN interface already specified - ignoring 'averyveryverylongname'",
    '9 (VI_1) use_ipvlan already specified',
    // Checked when the instance is complete: the address first, then the source it leaves.
    '18 (VI_2) ipvlan address[fe80::1] MUST match vrrp instance family !!! Skipping...',
    '18 (VI_2) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state',
    "18 (VI_2) IPVLAN interface name 'averyveryverylongname' too long - ignoring",
  ]);
  assert.deepEqual(r.config.vrrpInstances[1].useIpvlan?.address, undefined);
});

test('use_vmac / use_ipvlan need an interface with unicast peers', () => {
  const r = loadText(`vrrp_instance VI_1 {
  unicast_src_ip 10.0.0.7
  unicast_peer {
    10.0.0.8
  }
  virtual_router_id 1
  use_vmac
  use_ipvlan 10.0.0.7
  virtual_ipaddress {
    10.0.0.1/24
  }
}`);
  assert.deepEqual(said(r), [
    '12 (VI_1): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac',
  ]);
  const [i] = r.config.vrrpInstances;
  assert.deepEqual([i.useVmac, i.useIpvlan], [undefined, undefined]);
});

// ---------------------------------------------------------------------------------------------
// vrrp_track_process delays

test('vrrp_track_process: delay sets both delays, the last line wins, 0.000001..3600 s', () => {
  const r = loadText(`vrrp_track_process P1 {
  process foo
  delay 2
  fork_delay 3
}
vrrp_track_process P2 {
  process foo
  fork_delay 3
  terminate_delay 4
  delay 1.5
}
vrrp_track_process P3 {
  process foo
  terminate_delay 3600
  delay 0
  fork_delay 3601
}
vrrp_track_process P4 {
  process foo
}
${instance('VI_1', 1, '  track_process {\n    P1\n    P2\n    P3\n    P4\n  }')}`);
  assert.deepEqual(said(r), [
    "15 number '0' outside range [0.000001, 3600]",
    '15 delay (0) for vrrp_track_process P3 must be between [0.000001..3600] inclusive. Ignoring...',
    "16 number '3601' outside range [0.000001, 3600]",
    '16 fork_delay (3601) for vrrp_track_process P3 must be between [0.000001..3600] inclusive. Ignoring...',
  ]);
  assert.deepEqual(
    r.config.trackProcesses.map((p) => [p.name, p.terminateDelay, p.forkDelay]),
    [
      ['P1', 2, 3],
      ['P2', 1.5, 1.5],
      ['P3', 3600, undefined],
      ['P4', undefined, undefined],
    ],
  );
});

// ---------------------------------------------------------------------------------------------
// --dump-config

test('--dump-config shows the blocks under stable keys', () => {
  const r = loadText(`garp_group {
  garp_interval 0.5
  interface eth1
}
track_group TG {
  group {
    VI_1
  }
}
linkbeat_interfaces {
  eth1 MII
}
interface_up_down_delays {
  eth1 2 1
}
${instance('VI_1', 1, '  use_ipvlan ipvl0 10.0.0.9/24')}`);
  const text = stableJson(r.config);
  const dumped = JSON.parse(text) as Record<string, unknown>;
  for (const k of ['garpGroups', 'trackGroups', 'linkbeatInterfaces', 'interfaceUpDownDelays'])
    assert.ok(k in dumped, k);
  const ipvlan = (dumped.vrrpInstances as Array<Record<string, unknown>>)[0].useIpvlan as object;
  assert.deepEqual(Object.keys(ipvlan), ['address', 'mode', 'name', 'pos']);
  assert.match(text, /"garpInterval": 0\.5,\n\s+"interfaces": \[/);
  assert.match(text, /"downDelay": 2,\n\s+"name": "eth1",/);
});
