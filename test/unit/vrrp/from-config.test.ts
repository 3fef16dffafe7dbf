import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertIntervalCs, vrrpSpecFromConfig } from '../../../src/vrrp/from-config.js';
import { advertDropReason } from '../../../src/vrrp/validate.js';
import {
  passAuthData,
  VRRP_AUTH_NONE,
  VRRP_AUTH_PASS,
  type VrrpAdvert,
} from '../../../src/vrrp/packet.js';
import { buildText, loadText } from '../../helpers/config-text.js';
import { DEFAULT_CONFIG } from '../../fixtures/vrrp/fsm-config.js';

/** Parse and build the model (no host validation: the interfaces need not exist here). */
function spec(text: string) {
  const { config, diagnostics } = buildText(text);
  assert.deepEqual(
    diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  return vrrpSpecFromConfig(config);
}

const SEED = `
vrrp_script chk {
    script "/usr/bin/test -f /run/ok"
    interval 2
    weight -20
    fall 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 123456789
    }
    virtual_ipaddress {
        192.168.0.38
        10.1.1.1/24 dev eth1 brd + label eth1:vip scope link
    }
    track_script {
        chk
    }
    notify "/usr/local/bin/notify.sh"
    notify_master "/usr/local/bin/master.sh a b"
}
`;

test('the seed instance maps to the runtime spec with keepalived defaults', () => {
  const { instances, syncGroups } = spec(SEED);
  assert.equal(syncGroups.length, 0);
  const [i] = instances;
  assert.equal(i.name, 'VI_1');
  assert.equal(i.vrid, 51);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.interface, 'eth0');
  assert.equal(i.mcastGroup, '224.0.0.18');
  assert.equal(i.authPass, '12345678', 'only the first 8 characters count');
  // keepalived's defaults (those the conformance scenarios start from), in state MASTER; the
  // primary address is the runtime's to find, not the config's.
  const { primaryAddress: _runtimes, ...keepalivedDefaults } = DEFAULT_CONFIG;
  assert.deepEqual(i.fsm, { ...keepalivedDefaults, initialState: 'MASTER' });
  assert.deepEqual(i.vips, [
    { address: '192.168.0.38', prefixLength: 32, family: 4, dev: 'eth0', noDad: false },
    {
      address: '10.1.1.1',
      prefixLength: 24,
      family: 4,
      dev: 'eth1',
      brd: '+',
      scope: 'link',
      label: 'eth1:vip',
      noDad: false,
    },
  ]);
  assert.equal(i.trackScripts.length, 1);
  assert.deepEqual(
    { ...i.trackScripts[0], script: { ...i.trackScripts[0].script } },
    {
      weight: -20,
      reverse: false,
      script: {
        name: 'chk',
        command: {
          command: '/usr/bin/test -f /run/ok',
          argv: ['/usr/bin/test', '-f', '/run/ok'],
          shell: false,
        },
        intervalMs: 2000,
        timeoutMs: 2000,
        rise: 1,
        fall: 2,
        initFail: false,
      },
    },
  );
  assert.deepEqual(i.notify.generic?.argv, ['/usr/local/bin/notify.sh']);
  assert.deepEqual(i.notify.master?.argv, ['/usr/local/bin/master.sh', 'a', 'b']);
  assert.equal(i.trackPrimary, true);
  assert.equal(i.checkAdvertAddresses, true);
  assert.equal(i.startupDelayMs, 0);
});

test('sync-group members lose weighted trackers unless sync_group_tracking_weight', () => {
  const text = `
vrrp_script chk {
    script /bin/true
    weight 10
}
vrrp_sync_group G {
    group {
        VI_1
    }
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
    track_script {
        chk
    }
    track_interface {
        eth1
        eth0 weight 5
    }
}
`;
  const [i] = spec(text).instances;
  assert.equal(i.syncGroup, 'G');
  assert.deepEqual(i.trackScripts, []);
  assert.deepEqual(i.trackInterfaces, [{ name: 'eth1', weight: 0, reverse: false }]);
});

test('VRRPv3 IPv6 instance: centisecond intervals, ff02::12, no auth', () => {
  const [i] = spec(`
vrrp_instance VI_6 {
    interface eth0
    virtual_router_id 52
    advert_int 0.5
    virtual_ipaddress {
        fd00::38/64
    }
}
`).instances;
  assert.equal(i.version, 3);
  assert.equal(i.family, 6);
  assert.equal(i.mcastGroup, 'ff02::12');
  assert.equal(i.fsm.advertIntCs, 50);
  assert.equal(i.authPass, undefined);
});

test('v2 intervals are whole seconds, v3 intervals centiseconds within 12 bits', () => {
  assert.equal(advertIntervalCs(2, 0.4), 100);
  assert.equal(advertIntervalCs(2, 2.6), 300);
  assert.equal(advertIntervalCs(3, 0.015), 2);
  assert.equal(advertIntervalCs(3, 60), 4095);
});

test('per-instance advert checks: version, auth, unicast peer and TTL, address list', () => {
  const inst: Parameters<typeof advertDropReason>[0] = {
    version: 2 as const,
    authPass: '1111',
    unicastPeers: [],
    checkAdvertAddresses: true,
    vips: [{ address: '192.168.0.38', prefixLength: 32, family: 4, dev: 'eth0', noDad: false }],
  };
  const advert: VrrpAdvert = {
    version: 2,
    vrid: 51,
    priority: 100,
    intervalCs: 100,
    addresses: ['192.168.0.38'],
    authType: VRRP_AUTH_PASS,
    authData: passAuthData('1111'),
  };
  const src = '192.168.0.48';
  const check = (i: typeof inst, a: VrrpAdvert, from = src, ttl = 255) =>
    advertDropReason(i, a, from, ttl);
  assert.equal(check(inst, advert), undefined);
  assert.equal(check(inst, { ...advert, version: 3 }), 'version');
  assert.equal(check(inst, { ...advert, authData: passAuthData('9999') }), 'auth');
  assert.equal(check(inst, { ...advert, authType: VRRP_AUTH_NONE }), 'auth');
  assert.equal(check(inst, { ...advert, addresses: ['192.168.0.39'] }), 'addresses');
  assert.equal(
    check({ ...inst, checkAdvertAddresses: false }, { ...advert, addresses: ['192.168.0.39'] }),
    undefined,
    'skip_check_adv_addr',
  );
  // A priority-0 advert is honoured whatever it lists (the master is leaving).
  assert.equal(check(inst, { ...advert, priority: 0, addresses: [] }), undefined);
  const unicast = { ...inst, unicastPeers: [{ address: '192.168.0.58', minTtl: 250 }] };
  assert.equal(check(unicast, advert), 'peer');
  assert.equal(check(unicast, advert, '192.168.0.58'), undefined);
  assert.equal(check(unicast, advert, '192.168.0.58', 64), 'ttl');
  // Without min_ttl / max_ttl a unicast peer's TTL is not checked (keepalived).
  const anyTtl = { ...inst, unicastPeers: [{ address: '192.168.0.58' }] };
  assert.equal(check(anyTtl, advert, '192.168.0.58', 64), undefined);
});

const TRACK_FILES = `
track_file tf_default {
    file /run/kts/default
}
track_file tf_weighted {
    file /run/kts/weighted
    weight 10 reverse
    init_file 5 overwrite
}
track_file tf_zero {
    file /run/kts/zero
    weight 0
}
`;

const instanceWith = (name: string, vrid: number, priority: number, tracking: string) => `
vrrp_instance ${name} {
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    virtual_ipaddress {
        10.0.0.${vrid}
    }
    ${tracking}
}
`;

test('track_file: the tracker weight and reverse unless the reference overrides them', () => {
  const [i] = spec(
    TRACK_FILES +
      instanceWith(
        'VI_1',
        1,
        100,
        'track_file {\n tf_default\n tf_weighted weight -4\n tf_zero weight 3 reverse\n }',
      ),
  ).instances;
  assert.deepEqual(i.trackFiles, [
    { file: { name: 'tf_default', path: '/run/kts/default' }, weight: 1, reverse: false },
    {
      file: {
        name: 'tf_weighted',
        path: '/run/kts/weighted',
        initFile: { value: 5, overwrite: true },
      },
      weight: -4,
      reverse: true,
    },
    { file: { name: 'tf_zero', path: '/run/kts/zero' }, weight: 3, reverse: true },
  ]);
});

test('track_file in a sync group without sync_group_tracking_weight, or on an owner (validated): weight 1 becomes 0, other weights are dropped', () => {
  const tracking = 'track_file {\n tf_default\n tf_weighted\n tf_zero\n }';
  const validated = (text: string) => {
    const r = loadText(text);
    // keepalived's "ignoring weight from tracked file" and "ignoring tracked file ... with weight".
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code),
      ['tracker-weight-ignored', 'tracker-weight-ignored'],
    );
    return vrrpSpecFromConfig(r.config).instances[0];
  };
  const grouped = validated(
    `${TRACK_FILES}vrrp_sync_group G {\n group {\n VI_1\n }\n}\n${instanceWith('VI_1', 1, 100, tracking)}`,
  );
  const owner = validated(TRACK_FILES + instanceWith('VI_2', 2, 255, tracking));
  for (const i of [grouped, owner]) {
    assert.deepEqual(
      i.trackFiles.map((t) => [t.file.name, t.weight]),
      [
        ['tf_default', 0],
        ['tf_zero', 0],
      ],
    );
  }
  const weighted = spec(
    `${TRACK_FILES}vrrp_sync_group G {\n group {\n VI_1\n }\n sync_group_tracking_weight\n}\n${instanceWith('VI_1', 1, 100, tracking)}`,
  ).instances[0];
  assert.deepEqual(
    weighted.trackFiles.map((t) => [t.file.name, t.weight]),
    [
      ['tf_default', 1],
      ['tf_weighted', 10],
      ['tf_zero', 0],
    ],
  );
});

test("a sync group's track_file goes to every member, its weight replacing a member's non-zero one", () => {
  const text = `${TRACK_FILES}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    track_file {
        tf_weighted weight 7
        tf_default weight 2 reverse
    }
    sync_group_tracking_weight
}
${instanceWith('VI_1', 1, 100, 'track_file {\n tf_weighted weight 3\n tf_default weight 0\n }')}
${instanceWith('VI_2', 2, 100, '')}
`;
  const [a, b] = spec(text).instances;
  assert.deepEqual(
    a.trackFiles.map((t) => [t.file.name, t.weight, t.reverse]),
    [
      ['tf_weighted', 7, true],
      ['tf_default', 0, false],
    ],
  );
  assert.deepEqual(
    b.trackFiles.map((t) => [t.file.name, t.weight, t.reverse]),
    [
      ['tf_weighted', 7, true],
      ['tf_default', 2, true],
    ],
  );
  const withOwner = spec(text.replace('priority 100', 'priority 255')).instances[1];
  assert.deepEqual(
    withOwner.trackFiles.map((t) => [t.file.name, t.weight]),
    [
      ['tf_weighted', 0],
      ['tf_default', 0],
    ],
  );
});

test("a sync group's track_script and track_interface go to every member, as track_file does", () => {
  // keepalived 2.2.7 vrrp.c sync_group_tracking_init / add_vrrp_to_track_script: the group's
  // weight (and reverse) replaces a member's non-zero one; an unweighted member reference stays.
  const text = `
vrrp_script chk_a {
    script "/usr/bin/test -f /run/a"
    weight 5
}
vrrp_script chk_b {
    script "/usr/bin/test -f /run/b"
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    track_script {
        chk_a weight 8 reverse
    }
    track_interface {
        eth1 weight 4
    }
    sync_group_tracking_weight
}
${instanceWith('VI_1', 1, 100, 'track_script {\n chk_a weight 3\n chk_b\n }\n track_interface {\n eth1\n }')}
${instanceWith('VI_2', 2, 100, '')}
`;
  const scripts = (i: {
    trackScripts: Array<{ script: { name: string }; weight: number; reverse: boolean }>;
  }) => i.trackScripts.map((t) => [t.script.name, t.weight, t.reverse]);
  const interfaces = (i: { trackInterfaces: Array<{ name: string; weight: number }> }) =>
    i.trackInterfaces.map((t) => [t.name, t.weight]);
  const [a, b] = spec(text).instances;
  assert.deepEqual(scripts(a), [
    ['chk_a', 8, true],
    ['chk_b', 0, false],
  ]);
  assert.deepEqual(interfaces(a), [['eth1', 0]]);
  assert.deepEqual(scripts(b), [['chk_a', 8, true]]);
  assert.deepEqual(interfaces(b), [['eth1', 4]]);
  // An address owner in the group: the group's trackers lose their weights.
  const withOwner = spec(text.replace('priority 100', 'priority 255')).instances[1];
  assert.deepEqual(scripts(withOwner), [['chk_a', 0, true]]);
  assert.deepEqual(interfaces(withOwner), [['eth1', 0]]);
});

test('vrrp_track_process: parameters imply full_command, quorum_max 0 means quorum 0, delay sets both', () => {
  const text = `
vrrp_track_process tp_nginx {
    process nginx -c /etc/nginx.conf
    param_match partial
    weight 10 reverse
    delay 0.5
    fork_delay 0.25
}
vrrp_track_process tp_none {
    process haproxy
    quorum_max 0
}
vrrp_sync_group G {
    group {
        VI_1
    }
    track_process {
        tp_nginx weight 4
    }
}
${instanceWith('VI_1', 1, 100, 'track_process {\n tp_nginx weight 2\n tp_none\n }')}
`;
  const [i] = spec(text).instances;
  assert.deepEqual(i.trackProcesses, [
    {
      process: {
        name: 'tp_nginx',
        process: 'nginx',
        params: ['-c', '/etc/nginx.conf'],
        paramMatch: 'partial',
        fullCommand: true,
        quorum: 1,
        forkDelayMs: 250,
        terminateDelayMs: 500,
      },
      // The group's weight; the instance's reverse (keepalived replaces only the weight).
      weight: 4,
      reverse: true,
    },
    {
      process: {
        name: 'tp_none',
        process: 'haproxy',
        params: [],
        fullCommand: false,
        quorum: 0,
        quorumMax: 0,
        forkDelayMs: 0,
        terminateDelayMs: 0,
      },
      weight: 0,
      reverse: false,
    },
  ]);
});
