// Two keepalived-ts nodes on a bridge; d1 (priority 100) follows two track_files, d2 (priority 90)
// none. Writing a number into d1's weighted file lowers d1 below d2 and the VIP moves to d2;
// writing 0 back (by replacing the file) moves it back. A non-zero number in the weight-0 file
// puts d1 in FAULT; deleting the file (value 0) brings it back. init_file ... overwrite resets
// the weighted file at start, not on a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { holdsFor, onlyHolder, startOurs, waitUntil } from '../../helpers/vrrp-nodes.js';
import { D1, D2, testbedForFile } from '../../helpers/vrrp-testbed.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const VIP = '192.168.0.38/32';
/** Master-down interval at advert_int 0.2 is about 0.65 s; process start and polling on top. */
const MOVE_MS = 3000;

const testbed = testbedForFile('vrrptf', [D1, D2], skip);

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
${tracking ? '    track_file {\n        tf_load\n        tf_down\n    }\n' : ''}}
`;

const trackers = (load: string, down: string) => `
track_file tf_load {
    file ${load}
    weight -10
    init_file 0 overwrite
}
track_file tf_down {
    file ${down}
    weight 0
}
`;

const only = (node: 'd1' | 'd2') => onlyHolder(testbed.bed, node, VIP);

test('writing a track_file moves the VIP to the peer and back', { skip }, async (t) => {
  let finished = false;
  t.after(() => {
    if (finished) return;
    for (const n of testbed.nodes) t.diagnostic(`--- ${n.label}\n${n.dump()}`);
  });
  const load = `${testbed.files.dir}/load`;
  const down = `${testbed.files.dir}/down`;
  writeFileSync(load, '7\n'); // reset to 0 by init_file ... overwrite
  const d1 = startOurs(
    testbed.bed,
    'd1',
    testbed.files.write('d1.conf', config(100, trackers(load, down))),
  );
  testbed.nodes.push(d1);
  const d2 = startOurs(testbed.bed, 'd2', testbed.files.write('d2.conf', config(90, '')));
  testbed.nodes.push(d2);
  await waitUntil(only('d1'), MOVE_MS, 'd1 to hold the VIP');
  assert.equal(readFileSync(load, 'utf8'), '0\n');

  // 2 × -10: d1 drops to 80, below d2's 90; d2 preempts.
  let t0 = performance.now();
  writeFileSync(load, '2\n');
  await d1.waitForLine(
    /"event":"vrrp.track_file","track_file":"tf_load","path":"[^"]+","value":2,"previous":0/,
    1000,
  );
  await d1.waitForLine(/"event":"vrrp.priority","instance":"VI_1","from":100,"to":80/, 1000);
  let moved = await waitUntil(only('d2'), MOVE_MS, 'the VIP to move to d2');
  t.diagnostic(`VIP on d2 ${(moved - t0).toFixed(0)} ms after the write`);

  // Replaced by a rename, as editors and `mv` do: 0 again, d1 preempts back.
  t0 = performance.now();
  writeFileSync(`${load}.new`, '0\n');
  renameSync(`${load}.new`, load);
  await d1.waitForLine(/"event":"vrrp.priority","instance":"VI_1","from":80,"to":100/, 1000);
  moved = await waitUntil(only('d1'), MOVE_MS, 'the VIP to move back to d1');
  t.diagnostic(`VIP back on d1 ${(moved - t0).toFixed(0)} ms after the rename`);

  // Weight 0: a non-zero number is FAULT; the file deleted reads as 0.
  writeFileSync(down, '1\n');
  await d1.waitForLine(
    /"instance":"VI_1","from":"MASTER","to":"FAULT","reason":"fault: file:tf_down"/,
    1000,
  );
  await waitUntil(only('d2'), MOVE_MS, 'the VIP to move to d2 on FAULT');
  rmSync(down);
  await d1.waitForLine(/"instance":"VI_1","from":"FAULT","to":"BACKUP"/, 1000);
  await waitUntil(only('d1'), MOVE_MS, 'the VIP to move back to d1 after the fault');

  // A reload keeps the trackers and their values, and init_file ... overwrite applies only at
  // start (keepalived: "Don't overwrite a file on reload").
  writeFileSync(load, '3\n');
  await d1.waitForLine(/"event":"vrrp.priority","instance":"VI_1","from":100,"to":70/, 1000);
  await waitUntil(only('d2'), MOVE_MS, 'the VIP to move to d2 at 70');
  d1.signal('SIGHUP');
  await d1.waitForLine(/"msg":"reloaded"/, 3000);
  await holdsFor(only('d2'), 1000, 'the VIP on d2 after the reload');
  assert.equal(readFileSync(load, 'utf8'), '3\n');
  assert.deepEqual(
    d1.events('vrrp.track_file').map((e) => [e.track_file, e.value, e.previous]),
    [
      ['tf_load', 2, 0],
      ['tf_load', 0, 2],
      ['tf_down', 1, 0],
      ['tf_down', 0, 1],
      ['tf_load', 3, 0],
    ],
  );
  finished = true;
});
