// The proc connector: the subscription message and the event decoder against the kernel's
// struct layouts (linux/connector.h, linux/cn_proc.h), and the real connector followed by
// ProcessMonitor (here the tests run in the initial network namespace, where it answers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import {
  CN_IDX_PROC,
  CN_VAL_PROC,
  decodeProcEvents,
  encodeProcListen,
  PROC_CN_MCAST_LISTEN,
  PROC_EVENT_COMM,
  PROC_EVENT_EXEC,
  PROC_EVENT_EXIT,
  PROC_EVENT_FORK,
  PROC_EVENT_NONE,
} from '../../../src/vrrp/proc-connector.js';
import { NLMSG_DONE } from '../../../src/netlink/constants.js';
import { encodeMessage } from '../../../src/netlink/message.js';
import { NetlinkDecodeError } from '../../../src/netlink/errors.js';
import { ProcessMonitor } from '../../../src/vrrp/process-tracker.js';
import { monotonicClock } from '../../../src/vrrp/deadlines.js';
import { waitUntil } from '../../helpers/vrrp-nodes.js';
import { canCreateNetns } from '../../helpers/privileged.js';

/** A connector message as the kernel sends it (x86: little-endian host order). */
function procMessage(what: number, fields: number[], opts: { ack?: number; comm?: string } = {}) {
  const ev = Buffer.alloc(16 + 24);
  ev.writeUInt32LE(what, 0);
  ev.writeUInt32LE(1, 4); // cpu
  ev.writeBigUInt64LE(123456789n, 8);
  fields.forEach((v, i) => ev.writeUInt32LE(v, 16 + 4 * i));
  if (opts.comm !== undefined) ev.write(opts.comm, 24, 'utf8');
  const cn = Buffer.alloc(20);
  cn.writeUInt32LE(CN_IDX_PROC, 0);
  cn.writeUInt32LE(CN_VAL_PROC, 4);
  cn.writeUInt32LE(7, 8);
  cn.writeUInt32LE(opts.ack ?? 0, 12);
  cn.writeUInt16LE(ev.length, 16);
  return encodeMessage({ type: NLMSG_DONE, flags: 0, seq: 7, data: Buffer.concat([cn, ev]) });
}

test('the subscription is NLMSG_DONE with a cn_msg for CN_IDX_PROC carrying MCAST_LISTEN', () => {
  const m = encodeProcListen(1);
  assert.equal(m.length, 16 + 20 + 4);
  assert.equal(m.readUInt32LE(0), 40); // nlmsg_len
  assert.equal(m.readUInt16LE(4), NLMSG_DONE);
  assert.equal(m.readUInt32LE(16), CN_IDX_PROC);
  assert.equal(m.readUInt32LE(20), CN_VAL_PROC);
  assert.equal(m.readUInt16LE(32), 4); // cn_msg.len
  assert.equal(m.readUInt32LE(36), PROC_CN_MCAST_LISTEN);
});

test('fork, exec, comm and exit events decode; an ack only as an ack', () => {
  const datagram = Buffer.concat([
    procMessage(PROC_EVENT_NONE, [0], { ack: 1 }),
    procMessage(PROC_EVENT_FORK, [100, 100, 201, 200]),
    procMessage(PROC_EVENT_EXEC, [200, 200]),
    procMessage(PROC_EVENT_COMM, [200, 200], { comm: 'Web Content' }),
    procMessage(PROC_EVENT_EXIT, [200, 200, 9, 17]),
    procMessage(PROC_EVENT_NONE, [0]), // PROC_EVENT_NONE without ack: skipped
    procMessage(PROC_EVENT_EXEC, [5, 5], { ack: 1 }), // an event flagged as ack: skipped
    procMessage(0x4, [1, 1]), // PROC_EVENT_UID: not followed
  ]);
  assert.deepEqual(decodeProcEvents(datagram), [
    { what: 'ack', err: 0 },
    { what: 'fork', parentTgid: 100, childPid: 201, childTgid: 200 },
    { what: 'exec', pid: 200, tgid: 200 },
    { what: 'comm', pid: 200, tgid: 200, comm: 'Web Content' },
    { what: 'exit', pid: 200, tgid: 200 },
  ]);
});

test('fuzz: any bytes decode to events or a NetlinkDecodeError', () => {
  const valid = procMessage(PROC_EVENT_FORK, [1, 1, 2, 2]);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
          const b = Buffer.from(valid);
          b[at] = byte;
          return b;
        }),
      ),
      (bytes) => {
        try {
          assert.ok(Array.isArray(decodeProcEvents(bytes)));
        } catch (err) {
          assert.ok(err instanceof NetlinkDecodeError, String(err));
        }
      },
    ),
  );
});

test(
  'ProcessMonitor follows the real proc connector: start, fork, exit',
  { skip: canCreateNetns() ? undefined : 'needs root for the proc connector' },
  async () => {
    const arg = `1000.${process.pid}3`;
    const flips: Array<{ up: boolean; count: number }> = [];
    const sources: string[] = [];
    const monitor = new ProcessMonitor(monotonicClock, {
      onChange: (_name, v) => flips.push(v),
      onSource: (source) => sources.push(source),
      // Polling slow enough that only the connector can explain quick verdicts.
      pollMs: 60_000,
    });
    monitor.configure([
      {
        name: 'tp',
        process: 'sh',
        params: ['-c', `sleep ${arg} & sleep ${arg}; :`],
        paramMatch: 'exact',
        fullCommand: true,
        quorum: 2,
        forkDelayMs: 0,
        terminateDelayMs: 0,
      },
    ]);
    let child: ReturnType<typeof spawn> | undefined;
    try {
      await waitUntil(() => sources.includes('connector'), 2000, 'the subscription ack');
      // sh execs, then forks: the forked child is still "sh" with the same command line until it
      // execs sleep, so the count passes 2 (quorum) and goes back to 1 or 0.
      child = spawn('sh', ['-c', `sleep ${arg} & sleep ${arg}; :`], { stdio: 'ignore' });
      await waitUntil(() => flips.length >= 1, 2000, 'quorum by fork');
      assert.deepEqual(flips[0], { up: true, count: 2 });
      child.kill('SIGKILL');
      await waitUntil(() => monitor.verdict('tp')?.count === 0, 2000, 'the exits');
      assert.equal(monitor.verdict('tp')?.up, false);
    } finally {
      child?.kill('SIGKILL');
      monitor.stop();
    }
  },
);
