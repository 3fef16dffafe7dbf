// max_auto_priority end to end: a daemon whose VRRP timers run later than min_auto_priority_delay
// switches its VRRP thread to realtime scheduling and raises it one step per delay up to the
// maximum, as keepalived does ("A thread timer expired ... seconds ago", "Set realtime priority").
// min_auto_priority_delay 1 µs makes every timer count as late: how late a timer is depends on the
// host, and the point here is what the daemon does about it, read back from /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canCreateNetns, skipUnless } from '../../helpers/privileged.js';
import { STAT_FIELD, taskStat } from '../../helpers/proc-stat.js';
import { D1, testbedForFile } from '../../helpers/vrrp-testbed.js';
import { defaultRunOptions, startDaemon } from './daemon-process.js';

const skip = skipUnless([[canCreateNetns(), 'root and ip netns']]);
const testbed = testbedForFile('autoprio', [D1], skip);

/** The scheduling policy (2 = SCHED_RR) and realtime priority of a process's main thread. */
function scheduling(pid: number): { policy: number; rtPriority: number } {
  const field = taskStat(pid, pid);
  return { policy: field(STAT_FIELD.policy), rtPriority: field(STAT_FIELD.rtPriority) };
}

test(
  'late VRRP timers raise the VRRP thread to SCHED_RR, one step each, up to max_auto_priority',
  { skip },
  async (t) => {
    const config = testbed.files.write(
      'd1.conf',
      `global_defs {
    vrrp_version 3
    max_auto_priority 3
    min_auto_priority_delay 1
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 61
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        192.168.0.61
    }
}
`,
    );
    const d1 = startDaemon(testbed.bed, 'd1', { ...defaultRunOptions(config), check: false });
    testbed.nodes.push(d1);
    t.after(() => t.diagnostic(d1.dump()));
    await d1.waitForLine(/"event":"thread.realtime","thread":"vrrp","priority":3/, 10_000);
    // A few more adverts: the priority stays at the maximum.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const records = d1.lines.flatMap((l) => {
      try {
        return [JSON.parse(l.text) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const raised = records.filter((r) => r.event === 'thread.realtime').map((r) => r.priority);
    assert.deepEqual(raised, [1, 2, 3]);
    const late = records.filter((r) => r.event === 'thread.late');
    assert.ok(late.length > 3, `every late timer is reported (${late.length})`);
    assert.match(String(late[0].msg), /^A thread timer expired 0\.\d{6} seconds ago$/);
    assert.deepEqual(scheduling(d1.proc.pid!), { policy: 2, rtPriority: 3 });
    // keepalived's start-up notice is only for max_auto_priority 0.
    assert.ok(!records.some((r) => String(r.msg).startsWith('NOTICE: setting config option')));
  },
);
