// Instances whose interface is missing, as keepalived 2.2.7 treats them (observed in a namespace):
// - at start without dynamic_interfaces the configuration is refused ("Non-existent interface
//   specified in configuration"); with it the instance starts in FAULT and the others run;
// - an interface that goes away under a running instance puts it in FAULT while the other
//   instances run on; created again, it gets a fresh VRRP socket and the instance recovers
//   (BACKUP, then MASTER), with or without dynamic_interfaces ("Netlink reports X down" /
//   "Entering FAULT STATE", then "Interface X added" / "Entering BACKUP STATE").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, isRoot, skipUnless } from '../../helpers/privileged.js';
import { ip } from '../../helpers/netns.js';
import { startOurs, waitUntil, type RunningNode } from '../../helpers/vrrp-nodes.js';
import { D1, testbedForFile } from '../../helpers/vrrp-testbed.js';
import { buildText } from '../../helpers/config-text.js';
import { captureLog } from '../../fixtures/check/log-capture.js';
import { Metrics } from '../../../src/observe/metrics.js';
import { Observer } from '../../../src/observe/observer.js';
import { StatusBoard } from '../../../src/observe/status.js';
import { runVrrp } from '../../../src/vrrp/index.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

let node: RunningNode | undefined;

const testbed = testbedForFile('vrrpif', [D1], skip);

/** A veth pair ext0 / ext0p inside the node's namespace, ext0 with 10.9.1.1/24, both up. */
function createExt0(): void {
  const ns = testbed.bed.nodes.d1.ns;
  ip(['-n', ns, 'link', 'add', 'ext0', 'type', 'veth', 'peer', 'name', 'ext0p']);
  ip(['-n', ns, 'addr', 'add', '10.9.1.1/24', 'dev', 'ext0']);
  ip(['-n', ns, 'link', 'set', 'ext0p', 'up']);
  ip(['-n', ns, 'link', 'set', 'ext0', 'up']);
}

const config = `
vrrp_instance VI_LAN {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.0.38
    }
}
vrrp_instance VI_EXT {
    interface ext0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.9.1.38
    }
}
`;

const stateOf = (name: string, to: string) => (r: Record<string, unknown>) =>
  r.event === 'vrrp.state' && r.instance === name && r.to === to;

const holdsExtVip = () =>
  ip(['-n', testbed.bed.nodes.d1.ns, '-o', 'addr', 'show']).includes('10.9.1.38/32');

test(
  'an interface deleted under a MASTER faults its instance only; re-created, it recovers',
  { skip },
  async (t) => {
    let finished = false;
    t.after(() => {
      if (finished || !node) return;
      t.diagnostic(node.dump());
    });
    createExt0();
    node = startOurs(testbed.bed, 'd1', testbed.files.write('d1.conf', config));
    testbed.nodes.push(node);
    await node.waitForRecord(stateOf('VI_LAN', 'MASTER'), 6000, 'VI_LAN MASTER');
    await node.waitForRecord(stateOf('VI_EXT', 'MASTER'), 6000, 'VI_EXT MASTER');

    const mark = node.lines.length;
    ip(['-n', testbed.bed.nodes.d1.ns, 'link', 'del', 'ext0']);
    const fault = await node.waitForRecord(stateOf('VI_EXT', 'FAULT'), 3000, 'VI_EXT FAULT', mark);
    // The link goes down before it goes: keepalived too reports "Netlink reports ext0 down".
    assert.deepEqual([fault.from, fault.reason], ['MASTER', 'fault: interface']);
    await node.waitForRecord((r) => r.msg === 'interface ext0 is down', 1000, 'ext0 down', mark);

    createExt0();
    const back = await node.waitForRecord(stateOf('VI_EXT', 'BACKUP'), 3000, 'VI_EXT BACKUP', mark);
    assert.deepEqual([back.from, back.reason], ['FAULT', 'fault cleared: interface']);
    // The new ext0 has a new ifindex: adverts and the VIP need the socket opened on it.
    await node.waitForRecord(stateOf('VI_EXT', 'MASTER'), 6000, 'VI_EXT MASTER again', mark);
    await waitUntil(holdsExtVip, 2000, 'the VIP on the new ext0');

    const after = node.records(mark);
    assert.deepEqual(
      after.filter((r) => r.event === 'vrrp.state' && r.instance === 'VI_LAN'),
      [],
      'VI_LAN ran on undisturbed',
    );
    // Once the interface is back nothing fails (before, the priority-0 advert could not go out).
    const backAt = after.indexOf(back);
    assert.deepEqual(
      after.slice(backAt).filter((r) => r.level === 'error'),
      [],
    );
    finished = true;
  },
);

test(
  'at start: refused without dynamic_interfaces; with it the instance is in FAULT, naming it',
  { skip: skipUnless([[isRoot, 'root (raw and packet sockets)']]) },
  async () => {
    // A name no interface has; nothing is sent: an instance without its interface never adverts.
    const ifname = `ktsnone${process.pid % 100000}`;
    const text = (dynamic: boolean) => `
${dynamic ? 'global_defs {\n    dynamic_interfaces\n}' : ''}
vrrp_instance VI_GONE {
    interface ${ifname}
    virtual_router_id 61
    priority 100
    virtual_ipaddress {
        10.9.9.38
    }
}
`;
    const { log, lines } = captureLog();
    const observer = new Observer(
      log,
      new Metrics(),
      new StatusBoard({ version: 'test', configFile: 'test.conf', ipvsBackend: 'none' }),
    );
    await assert.rejects(runVrrp(buildText(text(false)).config, { observer }), {
      code: 'VRRP_NO_INTERFACE',
      message: `Non-existent interface specified in configuration: interface ${ifname} for vrrp_instance VI_GONE doesn't exist`,
    });
    const runtime = await runVrrp(buildText(text(true)).config, { observer });
    try {
      assert.deepEqual(runtime.status(), [
        {
          name: 'VI_GONE',
          state: 'FAULT',
          priority: 100,
          faults: ['interface', `missing-interface:${ifname}`],
        },
      ]);
      assert.deepEqual(
        lines.filter((l) => l.event === 'vrrp.state').map((l) => [l.from, l.to, l.reason]),
        [['INIT', 'FAULT', `startup with fault: interface, missing-interface:${ifname}`]],
      );
    } finally {
      await runtime.stop();
    }
  },
);
