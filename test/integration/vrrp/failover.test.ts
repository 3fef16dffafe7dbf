// Two keepalived-ts directors on a bridge (testbeds.md §A), the seed setup: VRID 51, priority
// 100 (d1, MASTER) vs 90 (d2), advert_int 1, PASS auth, VIP 192.168.0.38. Checks the failover
// figures of testbeds.md §C.2 against our own implementation: SIGTERM hands over within the skew
// time, SIGKILL within the master-down interval, a restarted d1 preempts, and at every steady
// point exactly one node holds the VIP; a link going down puts the master in FAULT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import {
  holdsFor,
  holdsVip,
  onlyHolder,
  seedConfig,
  startOurs,
  waitUntil,
  type RunningNode,
} from '../../helpers/vrrp-nodes.js';
import { D1, D2, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const VIP = '192.168.0.38/32';
// Skew_Time and Master_Down_Interval of d2 (priority 90, advert_int 1 s), ipvs-netlink.md §2.2.
const D2_SKEW_MS = 648.4375;
const D2_MASTER_DOWN_MS = 3648.4375;
const D1_MASTER_DOWN_MS = 3609.375;
/** Scheduling, process start and `ip` polling; measured spread is far below this. */
const SLACK_MS = 600;

const testbed = testbedForFile('vrrp', [D1, D2], skip);

function start(node: 'd1' | 'd2'): RunningNode {
  const conf =
    node === 'd1'
      ? seedConfig({ state: 'MASTER', priority: 100 })
      : seedConfig({ state: 'BACKUP', priority: 90 });
  const n = startOurs(testbed.bed, node, testbed.files.write(`${node}.conf`, conf));
  testbed.nodes.push(n);
  return n;
}

const only = (node: 'd1' | 'd2') => onlyHolder(testbed.bed, node, VIP);

test(
  'seed setup: start, SIGTERM, preemption, SIGKILL, restart after a crash, link down and up',
  { skip },
  async (t) => {
    let finished = false;
    t.after(() => {
      if (finished) return;
      for (const n of testbed.nodes) t.diagnostic(`--- ${n.label}\n${n.dump()}`);
    });
    // Start: d1 goes BACKUP, then MASTER when its master-down timer expires; d2, started once
    // d1 runs (so that its own timer cannot expire first), stays BACKUP.
    const t0 = performance.now();
    let d1 = start('d1');
    await d1.waitForLine(/"to":"BACKUP"/, 5000);
    const d2 = start('d2');
    const up = await waitUntil(only('d1'), D1_MASTER_DOWN_MS + 2000, 'd1 to hold the VIP');
    t.diagnostic(
      `d1 MASTER ${(up - t0).toFixed(0)} ms after start (master-down ${D1_MASTER_DOWN_MS})`,
    );
    assert.ok(up - t0 >= D1_MASTER_DOWN_MS - 100, 'not before its master-down timer');
    await d2.waitForLine(/"to":"BACKUP"/, 5000);
    await holdsFor(only('d1'), 1500, 'd1 as the only holder');
    assert.equal(d2.events('vrrp.state').length, 1, 'd2 never left BACKUP');

    // SIGTERM: d1 sends priority 0 and drops the VIP; d2 takes over after its skew time.
    const term = performance.now();
    d1.signal('SIGTERM');
    const moved = await waitUntil(only('d2'), D2_SKEW_MS + SLACK_MS * 2, 'the VIP to move to d2');
    t.diagnostic(`SIGTERM: VIP on d2 after ${(moved - term).toFixed(0)} ms (skew ${D2_SKEW_MS})`);
    assert.ok(moved - term < D2_SKEW_MS + SLACK_MS);
    assert.equal(await d1.exited, 0);
    assert.deepEqual(
      d1.events('vrrp.state').map((e) => e.to),
      ['BACKUP', 'MASTER', 'STOP'],
    );

    // Restart d1: it preempts d2 when its master-down timer expires; d2 steps down at once.
    const restart = performance.now();
    d1 = start('d1');
    const back = await waitUntil(
      () => holdsVip(testbed.bed, 'd1', VIP),
      D1_MASTER_DOWN_MS + 2000,
      'd1 to preempt',
    );
    const released = await waitUntil(
      () => !holdsVip(testbed.bed, 'd2', VIP),
      1000,
      'd2 to release the VIP',
    );
    t.diagnostic(
      `preemption: d1 holds the VIP ${(back - restart).toFixed(0)} ms after launch, d2 releases ${(released - back).toFixed(0)} ms later`,
    );
    await d2.waitForLine(/"from":"MASTER","to":"BACKUP","reason":"higher priority 100/, 1000);
    await holdsFor(only('d1'), 1000, 'd1 as the only holder');

    // SIGKILL of the whole process group: nobody removes d1's VIP, d2 takes over after its
    // master-down interval less the time since d1's last advert (2.65 .. 3.65 s).
    const kill = performance.now();
    d1.signal('SIGKILL');
    const crash = await waitUntil(
      () => holdsVip(testbed.bed, 'd2', VIP),
      D2_MASTER_DOWN_MS + SLACK_MS,
      'd2 to take over',
    );
    t.diagnostic(
      `SIGKILL: VIP on d2 after ${(crash - kill).toFixed(0)} ms (master-down ${D2_MASTER_DOWN_MS})`,
    );
    assert.ok(
      crash - kill >= D2_MASTER_DOWN_MS - 1000 - 100,
      'not before master-down less one interval',
    );
    assert.ok(holdsVip(testbed.bed, 'd1', VIP), 'a crashed node keeps its VIP, as keepalived does');

    // Restart after the crash: d1 removes the stale VIP at once (BACKUP at init), then preempts.
    const again = performance.now();
    d1 = start('d1');
    const cleaned = await waitUntil(
      () => !holdsVip(testbed.bed, 'd1', VIP),
      2000,
      'd1 to remove its stale VIP',
    );
    t.diagnostic(
      `restart after crash: stale VIP removed ${(cleaned - again).toFixed(0)} ms after launch`,
    );
    await waitUntil(only('d1'), D1_MASTER_DOWN_MS + 2000, 'd1 to preempt again');

    // Link down on d1: FAULT, VIP removed; d2 hears nothing more and takes over after its
    // master-down interval. Link up: d1 goes BACKUP and preempts again.
    const down = performance.now();
    testbed.bed.exec('d1', 'ip', ['link', 'set', 'eth0', 'down']);
    await d1.waitForLine(/"to":"FAULT","reason":"fault: interface"/, 1000);
    await waitUntil(() => !holdsVip(testbed.bed, 'd1', VIP), 1000, 'd1 to drop its VIP in FAULT');
    const failover = await waitUntil(only('d2'), D2_MASTER_DOWN_MS + SLACK_MS, 'd2 to take over');
    t.diagnostic(`link down: VIP on d2 after ${(failover - down).toFixed(0)} ms`);
    testbed.bed.exec('d1', 'ip', ['link', 'set', 'eth0', 'up']);
    await d1.waitForLine(/"from":"FAULT","to":"BACKUP"/, 2000);
    await waitUntil(only('d1'), D1_MASTER_DOWN_MS + 2000, 'd1 to preempt after its link came back');
    finished = true;
  },
);
