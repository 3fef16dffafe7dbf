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
import { buildText } from '../../helpers/config-text.js';
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
