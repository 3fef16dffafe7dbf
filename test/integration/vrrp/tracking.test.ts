// One node alone on the testbed with trackers and a sync group:
//  - VI_1 tracks a weight-0 vrrp_script; VI_1 and VI_2 form sync group G. The script failing puts
//    VI_1 in FAULT and the group pulls VI_2 into FAULT too; both VIPs go. The script passing again
//    brings both back to BACKUP and then MASTER together.
//  - VI_3 tracks a weight-20 script: its effective priority follows the script.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { createTestbed, type Testbed } from '../../helpers/netns.js';
import {
  holdsVip,
  scratchDir,
  startOurs,
  waitUntil,
  type RunningNode,
} from '../../helpers/vrrp-nodes.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

let bed: Testbed;
let files: ReturnType<typeof scratchDir>;
let node: RunningNode | undefined;

before(() => {
  if (skip) return;
  bed = createTestbed('vrrptr', [{ name: 'd1', ipv4: '192.168.0.48/24' }]);
  files = scratchDir('vrrptr');
});

after(async () => {
  if (skip) return;
  await node?.stop();
  bed.teardown();
  files.cleanup();
});

const config = (healthy: string, boost: string) => `
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

const has = (vip: string) => holdsVip(bed, 'd1', `${vip}/32`);

test(
  'a weight-0 script faults its sync group; a weighted script moves the priority',
  { skip },
  async (t) => {
    const healthy = `${files.dir}/healthy`;
    const boost = `${files.dir}/boost`;
    writeFileSync(healthy, '');
    const n = startOurs(bed, 'd1', files.write('d1.conf', config(healthy, boost)));
    node = n;
    try {
      await waitUntil(
        () => has('192.168.0.38') && has('192.168.0.39') && has('192.168.0.40'),
        6000,
        'all MASTER',
      );
      // VI_3 started at 120 (a script is OK until it fails) and dropped to 100 on its first run.
      await n.waitForLine(/"event":"vrrp.priority","instance":"VI_3","from":120,"to":100/, 2000);

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
    } catch (err) {
      t.diagnostic(n.dump());
      throw err;
    }
  },
);
