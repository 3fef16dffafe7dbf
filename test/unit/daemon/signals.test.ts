import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeSignals, type SignalTarget } from '../../../src/daemon/signals.js';
import { captureObserver } from './capture.js';

/** A target whose operations take a turn of the event loop, logging when they start and end. */
function recorder() {
  const trace: string[] = [];
  const slow = (name: string) => async () => {
    trace.push(`${name}:start`);
    await new Promise((r) => setImmediate(r));
    trace.push(`${name}:end`);
  };
  const target: SignalTarget = {
    reload: slow('reload'),
    stop: async (sig) => slow(`stop(${sig})`)(),
    dumpState: () => trace.push('data'),
    dumpStats: slow('stats'),
  };
  return { trace, target };
}

test('signals are handled one at a time, in arrival order', async () => {
  const { trace, target } = recorder();
  const r = routeSignals(target, captureObserver().observer.log, null);
  void r.deliver('SIGUSR2');
  void r.deliver('SIGUSR1');
  await r.deliver('SIGHUP');
  assert.deepEqual(trace, ['stats:start', 'stats:end', 'data', 'reload:start', 'reload:end']);
});

test('SIGHUPs arriving while a reload waits collapse into it', async () => {
  const { trace, target } = recorder();
  const r = routeSignals(target, captureObserver().observer.log, null);
  void r.deliver('SIGUSR2');
  void r.deliver('SIGHUP');
  void r.deliver('SIGHUP');
  await r.deliver('SIGHUP');
  assert.deepEqual(trace.filter((s) => s === 'reload:start').length, 1);
});

test('after SIGTERM other signals are ignored; a queued reload does not run', async () => {
  const { trace, target } = recorder();
  const cap = captureObserver();
  const r = routeSignals(target, cap.observer.log, null);
  void r.deliver('SIGUSR2');
  void r.deliver('SIGHUP');
  void r.deliver('SIGTERM');
  void r.deliver('SIGINT');
  await r.deliver('SIGHUP');
  assert.equal(await r.stopped, 'SIGTERM');
  assert.deepEqual(trace, ['stats:start', 'stats:end', 'stop(SIGTERM):start', 'stop(SIGTERM):end']);
  assert.equal(cap.lines.filter((l) => l.includes('ignored: stopping')).length, 2);
});

test('a failing handler is logged and the next signal still runs', async () => {
  const { trace, target } = recorder();
  const cap = captureObserver();
  target.dumpState = () => {
    throw new Error('disk full');
  };
  const r = routeSignals(target, cap.observer.log, null);
  void r.deliver('SIGUSR1');
  await r.deliver('SIGUSR2');
  assert.deepEqual(trace, ['stats:start', 'stats:end']);
  assert.match(cap.lines[0]!, /SIGUSR1 handling failed; still running/);
});

test('real process signals reach the router until it is uninstalled', async () => {
  const { trace, target } = recorder();
  const r = routeSignals(target, captureObserver().observer.log);
  try {
    const before = process.listenerCount('SIGUSR2');
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(trace, ['stats:start', 'stats:end']);
    r.uninstall();
    assert.equal(process.listenerCount('SIGUSR2'), before - 1);
  } finally {
    r.uninstall();
  }
});
