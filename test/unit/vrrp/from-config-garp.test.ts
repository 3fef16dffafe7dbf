// garp_group pacing: an interface named in a garp_group is paced by that group (an interval the
// group leaves out is not paced there), every other interface by vrrp_garp_interval /
// vrrp_gna_interval, as keepalived 2.2.7 (vrrp_if.c set_default_garp_delay) applies them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { garpPacingOf } from '../../../src/vrrp/from-config.js';
import { buildText } from '../../helpers/config-text.js';

const CONFIG = `
global_defs {
    vrrp_garp_interval 0.01
    vrrp_gna_interval 0.02
}
garp_group {
    garp_interval 0.005
    interface eth1
}
garp_group {
    gna_interval 0.25
    interfaces {
        eth2 eth3
    }
}
vrrp_instance VI_1 {
    interface eth1
    virtual_router_id 1
    virtual_ipaddress {
        10.0.1.1/24
        10.0.2.1/24 dev eth2
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.0.0.1/24
    }
}
`;

function built(text: string) {
  const { config, diagnostics } = buildText(text);
  assert.deepEqual(diagnostics, []);
  return config;
}

test('each interface is paced by its garp_group, the others by the globals', () => {
  const pacing = garpPacingOf(built(CONFIG));
  assert.deepEqual(pacing('eth1'), { garpIntervalMs: 5, gnaIntervalMs: 0 });
  assert.deepEqual(pacing('eth2'), { garpIntervalMs: 0, gnaIntervalMs: 250 });
  assert.deepEqual(pacing('eth3'), { garpIntervalMs: 0, gnaIntervalMs: 250 });
  assert.deepEqual(pacing('eth0'), { garpIntervalMs: 10, gnaIntervalMs: 20 });
});

test('the model shows the pacing of each instance interface', () => {
  const [vi1, vi2] = built(CONFIG).vrrpInstances;
  assert.deepEqual([vi1.garp.interval, vi1.garp.gnaInterval], [0.005, 0]);
  assert.deepEqual([vi2.garp.interval, vi2.garp.gnaInterval], [0.01, 0.02]);
});

test('a garp_group written after the instance still paces its interface', () => {
  const text = `
vrrp_instance VI_1 {
    interface eth1
    virtual_router_id 1
    virtual_ipaddress {
        10.0.1.1/24
    }
}
garp_group {
    garp_interval 1
    gna_interval 2
    interface eth1
}
`;
  const config = built(text);
  assert.deepEqual(garpPacingOf(config)('eth1'), { garpIntervalMs: 1000, gnaIntervalMs: 2000 });
  assert.equal(config.vrrpInstances[0].garp.interval, 1);
});

test('without garp groups or globals nothing is paced', () => {
  const pacing = garpPacingOf(
    built(`
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1/24
    }
}
`),
  );
  assert.deepEqual(pacing('eth0'), { garpIntervalMs: 0, gnaIntervalMs: 0 });
});
