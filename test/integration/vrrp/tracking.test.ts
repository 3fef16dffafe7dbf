// One node alone on the testbed with trackers and a sync group:
//  - VI_1 tracks a weight-0 vrrp_script; VI_1 and VI_2 form sync group G. The script failing puts
//    VI_1 in FAULT and the group pulls VI_2 into FAULT too; both VIPs go. The script passing again
//    brings both back to BACKUP and then MASTER together.
//  - VI_3 tracks a weight-20 script: its effective priority follows the script.
// The group's generic notify script reports the group's transitions. Then a reload (SIGHUP)
// that changes one instance, removes one and adds one. Last, keepalived's start-up hold: a
// weight-0 script that has not reported keeps its instance and sync group in INIT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { holdsVip, startOurs, waitUntil, type RunningNode } from '../../helpers/vrrp-nodes.js';
import { D1, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

let node: RunningNode | undefined;

const testbed = testbedForFile('vrrptr', [D1], skip);

const config = (healthy: string, boost: string, notify: string) => `
global_defs {
    enable_script_security
    script_user root
}
vrrp_script chk_healthy {
    script "/usr/bin/test -f ${healthy}"
    interval 0.2
    weight 0
}
vrrp_script chk_boost {
    script "/usr/bin/test -f ${boost}"
    interval 0.2
    weight 20
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    notify ${notify}
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        192.168.0.38
    }
    track_script {
        chk_healthy
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 53
    priority 100
    virtual_ipaddress {
        192.168.0.39
    }
}
vrrp_instance VI_3 {
    interface eth0
    virtual_router_id 54
    priority 100
    virtual_ipaddress {
        192.168.0.40
    }
    track_script {
        chk_boost
    }
}
`;

const has = (vip: string) => holdsVip(testbed.bed, 'd1', `${vip}/32`);

test(
  'a weight-0 script faults its sync group; a weighted script moves the priority',
  { skip },
  async (t) => {
    const healthy = `${testbed.files.dir}/healthy`;
    const boost = `${testbed.files.dir}/boost`;
    const notifyLog = `${testbed.files.dir}/notify.log`;
    const notify = testbed.files.write('notify.sh', `#!/bin/sh\necho "$*" >> ${notifyLog}\n`);
    chmodSync(notify, 0o755);
    writeFileSync(healthy, '');
    const n = startOurs(
      testbed.bed,
      'd1',
      testbed.files.write('d1.conf', config(healthy, boost, notify)),
    );
    node = n;
    testbed.nodes.push(n);
    try {
      await waitUntil(
        () => has('192.168.0.38') && has('192.168.0.39') && has('192.168.0.40'),
        6000,
        'all MASTER',
      );
      // As in keepalived, a script has no effect until its first result: chk_boost has failed
      // since (logged before the instances became MASTER), so VI_3 never left its base 100.
      assert.ok(n.lines.some((l) => /vrrp_script chk_boost is now failing/.test(l.text)));
      assert.ok(!n.lines.some((l) => /"event":"vrrp.priority","instance":"VI_3"/.test(l.text)));

      rmSync(healthy);
      await n.waitForLine(
        /"instance":"VI_1","from":"MASTER","to":"FAULT","reason":"fault: script:chk_healthy"/,
        2000,
      );
      await n.waitForLine(
        /"instance":"VI_2","from":"MASTER","to":"FAULT","reason":"fault: sync-group:G"/,
        1000,
      );
      await waitUntil(
        () => !has('192.168.0.38') && !has('192.168.0.39'),
        1000,
        'the group VIPs to go',
      );
      assert.ok(has('192.168.0.40'), 'VI_3 is not in the group');

      writeFileSync(boost, '');
      await n.waitForLine(/"event":"vrrp.priority","instance":"VI_3","from":100,"to":120/, 2000);

      writeFileSync(healthy, '');
      await n.waitForLine(/"instance":"VI_1","from":"FAULT","to":"BACKUP"/, 2000);
      await n.waitForLine(
        /"instance":"VI_2","from":"FAULT","to":"BACKUP","reason":"fault cleared: sync-group:G"/,
        1000,
      );
      const groupMasters = () =>
        n.events('vrrp.state').filter((e) => e.to === 'MASTER' && e.instance !== 'VI_3');
      await waitUntil(() => groupMasters().length === 4, 5000, 'the group to be MASTER again');
      await waitUntil(
        () => has('192.168.0.38') && has('192.168.0.39'),
        1000,
        'the group VIPs back',
      );
      t.diagnostic(
        groupMasters()
          .map((e) => `${String(e.instance)}: ${String(e.reason)}`)
          .join('; '),
      );
      // One member's timer moved the group both times; the other followed.
      assert.deepEqual(
        groupMasters().map((e) => String(e.reason).startsWith('sync group G')),
        [false, true, false, true],
      );
      // The group's own notify: once all members share a state, with GROUP and priority 0.
      const expected = [
        'GROUP G BACKUP 0',
        'GROUP G MASTER 0',
        'GROUP G FAULT 0',
        'GROUP G BACKUP 0',
        'GROUP G MASTER 0',
      ];
      const lines = () => readFileSync(notifyLog, 'utf8').trim().split('\n');
      await waitUntil(() => lines().length >= expected.length, 2000, 'the group notify script');
      assert.deepEqual(lines(), expected);
    } catch (err) {
      t.diagnostic(n.dump());
      throw err;
    }
  },
);

const instance = (name: string, vrid: number, priority: number, vips: string[]) => `
vrrp_instance ${name} {
    interface eth0
    virtual_router_id ${vrid}
    priority ${priority}
    virtual_ipaddress {
${vips.map((v) => `        ${v}\n`).join('')}    }
}
`;

test('reload (SIGHUP) keeps surviving instances, moves only changed VIPs', { skip }, async (t) => {
  await node?.stop();
  const conf = testbed.files.write(
    'reload.conf',
    instance('VI_1', 51, 100, ['192.168.0.38']) + instance('VI_2', 53, 100, ['192.168.0.39']),
  );
  const n = startOurs(testbed.bed, 'd1', conf);
  node = n;
  testbed.nodes.push(n);
  try {
    await waitUntil(() => has('192.168.0.38') && has('192.168.0.39'), 6000, 'both MASTER');
    testbed.files.write(
      'reload.conf',
      instance('VI_1', 51, 150, ['192.168.0.38', '192.168.0.41']) +
        instance('VI_4', 55, 100, ['192.168.0.42']),
    );
    n.signal('SIGHUP');
    await n.waitForLine(/"msg":"reloaded"/, 3000);
    await n.waitForLine(/"instance":"VI_2","from":"MASTER","to":"STOP"/, 1000);
    await n.waitForLine(/"event":"vip.add","instance":"VI_1","address":"192.168.0.41\/32"/, 1000);
    await n.waitForLine(/"event":"vrrp.priority","instance":"VI_1","from":100,"to":150/, 1000);
    await waitUntil(() => has('192.168.0.41') && !has('192.168.0.39'), 1000, 'the VIP changes');
    assert.ok(has('192.168.0.38'), 'the kept VIP stayed');
    assert.equal(
      n.events('vrrp.state').filter((e) => e.instance === 'VI_1').length,
      2,
      'VI_1 kept its state through the reload',
    );
    assert.equal(
      n.events('vip.del').filter((e) => e.instance === 'VI_1').length,
      0,
      'VI_1 removed nothing',
    );
    await n.waitForLine(/"instance":"VI_4","from":"INIT","to":"BACKUP"/, 1000);
    await waitUntil(() => has('192.168.0.42'), 5000, 'the new instance to become MASTER');
  } catch (err) {
    t.diagnostic(n.dump());
    throw err;
  }
});

test(
  'a weight-0 script holds its instance and sync group in INIT until its first result',
  { skip },
  async (t) => {
    await node?.stop();
    const ready = `${testbed.files.dir}/ready`;
    rmSync(ready, { force: true });
    const conf = testbed.files.write(
      'init.conf',
      `global_defs {
    enable_script_security
    script_user root
}
vrrp_script chk_slow {
    script "/bin/sh -c 'sleep 1; test -f ${ready}'"
    interval 1
    timeout 3
    weight 0
}
vrrp_sync_group H {
    group {
        VI_1
        VI_2
    }
}
` +
        instance('VI_1', 51, 100, ['192.168.0.38']).replace(
          '    priority 100\n',
          '    priority 100\n    track_script {\n        chk_slow\n    }\n',
        ) +
        instance('VI_2', 53, 100, ['192.168.0.39']),
    );
    const n = startOurs(testbed.bed, 'd1', conf);
    node = n;
    testbed.nodes.push(n);
    try {
      // keepalived: INIT (no state event, no notify) until the script's first run ends about 1 s
      // later; it fails, so both go straight from INIT to FAULT, never through BACKUP.
      await n.waitForLine(/vrrp_script chk_slow is now failing/, 3000);
      await n.waitForLine(/"instance":"VI_1","from":"INIT","to":"FAULT"/, 1000);
      await n.waitForLine(/"instance":"VI_2","from":"INIT","to":"FAULT"/, 1000);
      assert.deepEqual(
        n.events('vrrp.state').filter((e) => e.to === 'BACKUP' || e.to === 'MASTER'),
        [],
      );
      // The script passes: both leave FAULT together and take over.
      writeFileSync(ready, '');
      await waitUntil(() => has('192.168.0.38') && has('192.168.0.39'), 8000, 'both MASTER');
    } catch (err) {
      t.diagnostic(n.dump());
      throw err;
    }
  },
);
