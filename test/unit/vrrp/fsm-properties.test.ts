// Invariants of the pure state machine under random event sequences (fast-check), on top of the
// recorded scenarios: whatever happens, the machine never throws, its timer actions reproduce
// its timer state, a MASTER always has its advert timer and a BACKUP its master-down timer, VIPs
// are added only on becoming MASTER and removed whenever MASTER is left, and a faulted instance
// is never MASTER.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  initialState,
  step,
  type FsmConfig,
  type FsmEvent,
  type TimerName,
} from '../../../src/vrrp/fsm.js';
import { DEFAULT_CONFIG } from '../../fixtures/vrrp/fsm-config.js';

const TIMERS: TimerName[] = ['masterDown', 'advert', 'preempt', 'garpRepeat', 'garpRefresh'];

const eventArb: fc.Arbitrary<FsmEvent> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('timer' as const),
      timer: fc.constantFrom(...TIMERS),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('advert' as const),
      priority: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
      source: fc.constantFrom('192.168.0.20', '192.168.0.48', '192.168.0.58'),
      intervalCs: fc.constantFrom(100, 200),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('priority' as const),
      priority: fc.integer({ min: 1, max: 254 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant('interface' as const), up: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('fault' as const),
      source: fc.constantFrom('a', 'b'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('unfault' as const),
      source: fc.constantFrom('a', 'b'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('sync' as const),
      to: fc.constantFrom('MASTER' as const, 'BACKUP' as const),
      reason: fc.constant('sync'),
    }),
  },
);

const configArb: fc.Arbitrary<FsmConfig> = fc
  .record({
    version: fc.constantFrom(2 as const, 3 as const),
    priority: fc.oneof(fc.integer({ min: 1, max: 254 }), fc.constant(255)),
    initialState: fc.constantFrom('MASTER' as const, 'BACKUP' as const),
    preempt: fc.boolean(),
    preemptDelayMs: fc.constantFrom(0, 2000),
    garpMasterDelayMs: fc.constantFrom(0, 5000),
    garpMasterRefreshMs: fc.constantFrom(0, 3000),
  })
  .map((c) => ({ ...DEFAULT_CONFIG, ...c }));

test('property: invariants hold over random event sequences', () => {
  fc.assert(
    fc.property(
      configArb,
      fc.array(fc.tuple(eventArb, fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }),
      fc.boolean(),
      (cfg, events, shutdownAtEnd) => {
        let st = initialState(cfg);
        let now = 0;
        const timers = new Map<TimerName, number>();
        let vipsUp = false;
        const all: Array<[FsmEvent, number]> = [[{ type: 'startup' }, 0], ...events];
        if (shutdownAtEnd) all.push([{ type: 'shutdown' }, 1]);
        for (const [ev, dt] of all) {
          now += dt;
          // A timer event arrives when it is due, as the shell delivers it.
          const at = ev.type === 'timer' ? (st.timers[ev.timer] ?? now) : now;
          now = Math.max(now, at);
          const before = st.state;
          const r = step(cfg, st, ev, now);
          for (const a of r.actions) {
            if (a.type === 'setTimer') timers.set(a.timer, a.at);
            if (a.type === 'cancelTimer') timers.delete(a.timer);
            if (a.type === 'addVips') {
              assert.equal(r.state.state, 'MASTER', 'VIPs only added when becoming MASTER');
              assert.notEqual(before, 'MASTER');
              vipsUp = true;
            }
            if (a.type === 'delVips') vipsUp = false;
          }
          // A fired timer is consumed by the machine even when it acts on nothing.
          if (
            ev.type === 'timer' &&
            st.timers[ev.timer] !== undefined &&
            r.state.timers[ev.timer] === undefined
          ) {
            timers.delete(ev.timer);
          }
          st = r.state;
          assert.deepEqual(Object.fromEntries(timers), st.timers, 'timer actions match the state');
          assert.equal(vipsUp, st.state === 'MASTER', 'VIPs are up exactly while MASTER');
          if (st.state === 'MASTER')
            assert.ok(st.timers.advert !== undefined, 'a MASTER advertises');
          if (st.state === 'BACKUP') {
            assert.ok(st.timers.masterDown !== undefined, 'a BACKUP watches the master');
          }
          if (st.faults.length > 0)
            assert.ok(st.state === 'FAULT' || st.state === 'INIT' || st.state === 'STOP');
          if (st.state === 'STOP') assert.deepEqual(st.timers, {}, 'nothing runs after STOP');
        }
      },
    ),
    { numRuns: 500 },
  );
});
