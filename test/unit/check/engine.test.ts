import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CheckEngine, type CheckAction } from '../../../src/check/engine.js';
import type { ProbeResult } from '../../../src/check/plan.js';
import { buildPlan, tcpProbe } from '../../fixtures/check/plans.js';

const ok: ProbeResult = { ok: true, reason: 'connected', latencyMs: 1 };
const fail: ProbeResult = { ok: false, reason: 'ECONNREFUSED', latencyMs: 1 };

const types = (actions: CheckAction[]) =>
  actions.map((a) =>
    a.type === 'notify' ? `notify:${a.keyword}` : a.type === 'quorum' ? `quorum:${a.up}` : a.type,
  );

test('real server goes down on its first failure and up on one success, with notifies', () => {
  const plan = buildPlan({
    quorumUp: ['/bin/qup'],
    quorumDown: ['/bin/qdown'],
    realServers: [{ port: 1001, notifyUp: ['/bin/up'], notifyDown: ['/bin/down'] }],
  });
  const e = new CheckEngine(plan);
  assert.deepEqual(e.startActions(), []);
  assert.equal(e.verdicts()[0]!.realServers[0]!.alive, true);
  const down = e.apply(0, fail);
  assert.deepEqual(types(down.actions), [
    'checker',
    'realServer',
    'notify:notify_down',
    'quorum:false',
    'notify:quorum_down',
  ]);
  assert.deepEqual(e.verdicts()[0], {
    virtualServer: 'tcp 10.0.0.1:80',
    quorumUp: false,
    sorryActive: false,
    realServers: [
      {
        realServer: '127.0.0.1:1001',
        address: '127.0.0.1',
        port: 1001,
        family: 4,
        inhibitOnFailure: false,
        alive: false,
        weight: 1,
      },
    ],
  });
  const up = e.apply(0, ok);
  assert.deepEqual(types(up.actions), [
    'checker',
    'realServer',
    'notify:notify_up',
    'quorum:true',
    'notify:quorum_up',
  ]);
});

test('a real server with two checkers is alive only when both pass', () => {
  const plan = buildPlan({ realServers: [{ port: 1, probes: [tcpProbe(1), tcpProbe(2)] }] });
  const e = new CheckEngine(plan);
  assert.equal(plan.virtualServers[0]!.realServers[0]!.checkers[1]!.name, 'TCP_CHECK#2');
  e.apply(0, fail);
  e.apply(1, fail);
  assert.equal(e.verdicts()[0]!.realServers[0]!.alive, false);
  assert.deepEqual(types(e.apply(0, ok).actions), ['checker']);
  assert.deepEqual(types(e.apply(1, ok).actions), ['checker', 'realServer', 'quorum:true']);
});

test('alpha: servers start dead, the quorum starts down and the sorry server stands in', () => {
  const plan = buildPlan({
    sorry: true,
    quorumDown: ['/bin/qdown'],
    realServers: [
      { port: 1, timing: { alpha: true }, notifyDown: ['/bin/down'] },
      { port: 2, timing: { alpha: true } },
    ],
  });
  const e = new CheckEngine(plan);
  const v = e.verdicts()[0]!;
  assert.deepEqual(
    v.realServers.map((r) => r.alive),
    [false, false],
  );
  assert.equal(v.quorumUp, false);
  assert.equal(v.sorryActive, true);
  assert.deepEqual(types(e.startActions()), ['quorum:false', 'notify:quorum_down']);
  // The first failure of an alpha checker confirms "down": notify_down, no transition.
  assert.deepEqual(types(e.apply(0, fail).actions), ['notify:notify_down']);
  assert.deepEqual(types(e.apply(1, ok).actions), ['checker', 'realServer', 'quorum:true']);
  assert.equal(e.verdicts()[0]!.sorryActive, false);
});

test('quorum with hysteresis over weighted servers', () => {
  // quorum 4, hysteresis 1: up at ≥ 5, down below 3.
  const plan = buildPlan({
    quorum: 4,
    hysteresis: 1,
    realServers: [
      { port: 1, weight: 2 },
      { port: 2, weight: 2 },
      { port: 3, weight: 2 },
    ],
  });
  const e = new CheckEngine(plan);
  assert.equal(e.verdicts()[0]!.quorumUp, true);
  e.apply(0, fail); // live 4 ≥ 3: stays up
  assert.equal(e.verdicts()[0]!.quorumUp, true);
  const lost = e.apply(1, fail).actions.find((a) => a.type === 'quorum');
  assert.deepEqual(lost, {
    type: 'quorum',
    virtualServer: 'tcp 10.0.0.1:80',
    up: false,
    liveWeight: 2,
    threshold: 3,
    atStart: false,
  });
  e.apply(0, ok); // live 4 < 5: stays down
  assert.equal(e.verdicts()[0]!.quorumUp, false);
  e.apply(1, ok); // live 6 ≥ 5
  assert.equal(e.verdicts()[0]!.quorumUp, true);
});

test('inhibit_on_failure is reported with the verdict; weight changes are actions', () => {
  const plan = buildPlan({
    realServers: [
      {
        port: 1,
        weight: 3,
        inhibitOnFailure: true,
        probes: [{ type: 'MISC_CHECK', argv: ['/bin/true'], timeoutMs: 1000, dynamic: true }],
      },
    ],
  });
  const e = new CheckEngine(plan);
  const r = e.apply(0, { ...ok, weight: { kind: 'set', weight: 10 } });
  assert.deepEqual(r.actions, [
    {
      type: 'weight',
      virtualServer: 'tcp 10.0.0.1:80',
      realServer: '127.0.0.1:1',
      from: 3,
      to: 10,
      cause: 'misc_dynamic',
    },
  ]);
  e.apply(0, fail); // retry 1: the first failure after a success is retried
  assert.equal(e.verdicts()[0]!.realServers[0]!.alive, true);
  e.apply(0, fail);
  const rs = e.verdicts()[0]!.realServers[0]!;
  assert.equal(rs.alive, false);
  assert.equal(rs.inhibitOnFailure, true);
  assert.equal(rs.weight, 3);
});

test('resumed checker states carry over a restart', () => {
  const plan = buildPlan({ realServers: [{ port: 1 }, { port: 2 }] });
  const first = new CheckEngine(plan);
  first.apply(1, fail);
  const second = new CheckEngine(plan, first.checkerStates());
  assert.deepEqual(second.verdicts(), first.verdicts());
  // The resumed checker is past its first run: the next failure of checker 0 is a normal one.
  assert.deepEqual(types(second.apply(1, ok).actions), ['checker', 'realServer']);
});

test('an unknown checker id is a RangeError', () => {
  const e = new CheckEngine(buildPlan({ realServers: [{ port: 1 }] }));
  assert.throws(() => e.apply(7, ok), RangeError);
});

test('property: after any sequence of results, verdicts obey the quorum and all-checkers rules', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          weight: fc.integer({ min: 0, max: 5 }),
          checkers: fc.integer({ min: 1, max: 3 }),
        }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 5 }),
      fc.boolean(),
      fc.array(fc.tuple(fc.nat(), fc.boolean(), fc.option(fc.integer({ min: 0, max: 20 }))), {
        maxLength: 60,
      }),
      (servers, quorum, h, alpha, results) => {
        const plan = buildPlan({
          quorum,
          hysteresis: Math.min(h, quorum - 1),
          sorry: true,
          realServers: servers.map((s, i) => ({
            port: i + 1,
            weight: s.weight,
            timing: { alpha, retry: 1 },
            probes: Array.from({ length: s.checkers }, () => tcpProbe(i + 1)),
          })),
        });
        const e = new CheckEngine(plan);
        const ids = plan.virtualServers[0]!.realServers.flatMap((r) => r.checkers.map((c) => c.id));
        const q = plan.virtualServers[0]!;
        for (const [pick, passed, w] of results) {
          const id = ids[pick % ids.length]!;
          e.apply(id, {
            ok: passed,
            reason: '',
            latencyMs: 0,
            weight: w === null ? undefined : { kind: 'set', weight: w },
          });
          const v = e.verdicts()[0]!;
          v.realServers.forEach((rs, j) => {
            const all = q.realServers[j]!.checkers.every((c) => e.checkerState(c.id).up);
            assert.equal(rs.alive, all);
          });
          const live = v.realServers.reduce((sum, rs) => sum + (rs.alive ? rs.weight : 0), 0);
          if (v.quorumUp) assert.ok(live > 0 && live >= q.quorum - q.hysteresis, `up at ${live}`);
          else assert.ok(live < q.quorum + q.hysteresis, `down at ${live}`);
          assert.equal(v.sorryActive, !v.quorumUp);
        }
      },
    ),
  );
});
