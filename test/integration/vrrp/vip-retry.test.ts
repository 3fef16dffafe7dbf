// A VIP operation that fails (here: its interface is missing when the instance becomes MASTER) is
// logged and retried with back-off while the instance still wants it, so the VIP arrives as soon
// as the interface does — the daemon neither exits nor gives up on a transient netlink error.
import { test } from 'node:test';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { ip } from '../../helpers/netns.js';
import { startOurs, type RunningNode } from '../../helpers/vrrp-nodes.js';
import { D1, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);

let node: RunningNode | undefined;

const testbed = testbedForFile('vrrpre', [D1], skip);

const config = `
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.168.0.38
        192.168.0.40/32 dev eth1
    }
}
`;

test('a failed VIP add is logged and retried until it succeeds', { skip }, async () => {
  const ns = testbed.bed.nodes.d1.ns;
  const addEth1 = () => {
    ip(['-n', ns, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
    ip(['-n', ns, 'link', 'set', 'eth1', 'up']);
  };
  addEth1(); // present when the config is checked, gone when the VIP is added
  node = startOurs(testbed.bed, 'd1', testbed.files.write('d1.conf', config));
  testbed.nodes.push(node);
  await node.waitForLine(
    /"event":"vrrp.state","instance":"VI_1","from":"INIT","to":"BACKUP"/,
    5000,
  );
  ip(['-n', ns, 'link', 'del', 'eth1']);
  await node.waitForLine(/"to":"MASTER"/, 6000);
  // The VIP on eth0 is added; the one on the missing eth1 fails and is retried.
  await node.waitForLine(/"event":"vip.add","instance":"VI_1","address":"192.168.0.38\/32"/, 2000);
  await node.waitForLine(/"address":"192.168.0.40\/32".*"VIP add failed; retrying"/, 2000);
  addEth1();
  await node.waitForLine(/"event":"vip.add","instance":"VI_1","address":"192.168.0.40\/32"/, 5000);
});
