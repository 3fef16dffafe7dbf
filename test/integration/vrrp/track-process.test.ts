// Two keepalived-ts nodes on a bridge; d1 (priority 100) tracks a `sleep` process (matched by
// its unique argument, so no other sleep on the host counts) with weight 20, d2 has priority
// 110. While the sleep runs inside d1's namespace d1 is at 120 and holds the VIP; killing it
// drops d1 to 100 and the VIP moves to d2; starting it again brings the VIP back. A second,
// weight-0 tracker with quorum_max 0 on another argument puts d1 in FAULT while such a process
// runs. fork_delay / terminate_delay are covered by the unit tests (process-track.test.ts).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { onlyHolder, startOurs, waitUntil } from '../../helpers/vrrp-nodes.js';
import { D1, D2, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const VIP = '192.168.0.38/32';
const MOVE_MS = 3000;

const sleepers: ChildProcess[] = [];

const testbed = testbedForFile('vrrptp', [D1, D2], skip);

after(() => {
  for (const s of sleepers) s.kill('SIGKILL');
});

/** Arguments no other sleep on the host has. */
const WANTED = `86400.${process.pid}1`;
const FORBIDDEN = `86400.${process.pid}2`;

const config = (priority: number, tracking: string) => `
global_defs {
    vrrp_version 3
}
${tracking}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 0.2
    virtual_ipaddress {
        192.168.0.38
    }
${tracking ? '    track_process {\n        tp_wanted\n        tp_forbidden\n    }\n' : ''}}
`;

const TRACKERS = `
vrrp_track_process tp_wanted {
    process sleep ${WANTED}
    weight 20
}
vrrp_track_process tp_forbidden {
    process sleep ${FORBIDDEN}
    quorum_max 0
}
`;

const only = (node: 'd1' | 'd2') => onlyHolder(testbed.bed, node, VIP);

function sleepIn(node: string, arg: string): ChildProcess {
  const child = testbed.bed.spawn(node, 'sleep', [arg], { stdio: 'ignore' });
  sleepers.push(child);
  return child;
}

test('a tracked process started and killed in the namespace moves the VIP', { skip }, async (t) => {
  let finished = false;
  t.after(() => {
    if (finished) return;
    for (const n of testbed.nodes) t.diagnostic(`--- ${n.label}\n${n.dump()}`);
  });
  let sleeper = sleepIn('d1', WANTED);
  const d1 = startOurs(testbed.bed, 'd1', testbed.files.write('d1.conf', config(100, TRACKERS)));
  testbed.nodes.push(d1);
  const d2 = startOurs(testbed.bed, 'd2', testbed.files.write('d2.conf', config(110, '')));
  testbed.nodes.push(d2);
  await waitUntil(only('d1'), MOVE_MS, 'd1 (120 with the process) to hold the VIP');
  // The proc connector refuses subscriptions from outside the initial network namespace.
  const source = await d1.waitForRecord((r) => 'track_process_source' in r, 1000, 'the source');
  assert.equal(source.track_process_source, 'poll');
  assert.match(String(source.msg), /ECONNREFUSED|refused/);

  let t0 = performance.now();
  sleeper.kill('SIGTERM');
  await d1.waitForLine(
    /"event":"vrrp.track_process","track_process":"tp_wanted","up":false,"count":0/,
    1000,
  );
  await d1.waitForLine(/"event":"vrrp.priority","instance":"VI_1","from":120,"to":100/, 1000);
  let moved = await waitUntil(only('d2'), MOVE_MS, 'the VIP to move to d2');
  t.diagnostic(`VIP on d2 ${(moved - t0).toFixed(0)} ms after the kill`);

  t0 = performance.now();
  sleeper = sleepIn('d1', WANTED);
  await d1.waitForLine(
    /"event":"vrrp.track_process","track_process":"tp_wanted","up":true,"count":1/,
    1000,
  );
  moved = await waitUntil(only('d1'), MOVE_MS, 'the VIP to move back to d1');
  t.diagnostic(`VIP back on d1 ${(moved - t0).toFixed(0)} ms after the start`);

  // quorum_max 0, weight 0: a running match is FAULT.
  const forbidden = sleepIn('d1', FORBIDDEN);
  await d1.waitForLine(
    /"instance":"VI_1","from":"MASTER","to":"FAULT","reason":"fault: process:tp_forbidden"/,
    1000,
  );
  await waitUntil(only('d2'), MOVE_MS, 'the VIP to move to d2 on FAULT');
  forbidden.kill('SIGTERM');
  await d1.waitForLine(/"instance":"VI_1","from":"FAULT","to":"BACKUP"/, 1000);
  await waitUntil(only('d1'), MOVE_MS, 'the VIP back on d1 after the fault');
  sleeper.kill('SIGTERM');
  finished = true;
});
