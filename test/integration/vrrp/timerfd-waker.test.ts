// The VRRP runtime's timer waker on a real timerfd: order, never early, cancellation (also of a
// wake-up already due in the same expiry), wake-ups asked for from a wake-up, and a process with
// nothing pending still exits. How late wake-ups are is measured by bench/advert-jitter.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Deadlines, monotonicClock } from '../../../src/vrrp/deadlines.js';
import { TimerfdWaker } from '../../../src/vrrp/timerfd-waker.js';
import { waitUntil } from '../../helpers/vrrp-nodes.js';

const clock = monotonicClock;

/** Polls `done` until it holds, failing after a generous 2 s. */
const until = (done: () => boolean, what: string) => waitUntil(done, 2000, what);

test('wake-ups come in deadline order, none before its deadline', async () => {
  const waker = new TimerfdWaker(clock);
  try {
    const t0 = clock.now();
    const offsets = [12.25, 3.5, 7.125, 3.5, 0.3];
    const woke: Array<[number, number]> = [];
    for (const [i, offset] of offsets.entries())
      waker.wakeAt(t0 + offset, () => woke.push([i, clock.now()]));
    await until(() => woke.length === offsets.length, 'every wake-up');
    assert.deepEqual(
      woke.map(([i]) => i),
      [4, 1, 3, 2, 0],
    );
    for (const [i, at] of woke) assert.ok(at >= t0 + offsets[i], `wake-up ${i} came early`);
  } finally {
    waker.close();
  }
});

test('a cancelled wake-up never comes, even when it was due in the same expiry', async () => {
  const waker = new TimerfdWaker(clock);
  try {
    const t0 = clock.now();
    const woke: string[] = [];
    const cancelB = waker.wakeAt(t0 + 5, () => woke.push('b'));
    // 'a' and 'b' expire together ('a' first); 'a' cancels 'b'.
    waker.wakeAt(t0 + 4.9, () => {
      woke.push('a');
      cancelB();
    });
    await new Promise((r) => setTimeout(r, 8));
    const cancelC = waker.wakeAt(clock.now() + 20, () => woke.push('c'));
    cancelC();
    waker.wakeAt(clock.now() + 25, () => woke.push('d'));
    await until(() => woke.includes('d'), 'd');
    assert.deepEqual(woke, ['a', 'd']);
  } finally {
    waker.close();
  }
});

test('Deadlines on the timerfd waker: re-arming, cancelling, delivery at or after the deadline', async () => {
  const waker = new TimerfdWaker(clock);
  try {
    const fired: Array<[string, number]> = [];
    const late: number[] = [];
    const d = new Deadlines<'advert' | 'masterDown' | 'preempt'>(
      clock,
      (name) => {
        fired.push([name, clock.now()]);
        // An advert timer re-arms itself from its own delivery, as the state machine does.
        if (name === 'advert' && fired.length < 3) d.set('advert', clock.now() + 4);
      },
      { waker, delivered: (ms) => late.push(ms) },
    );
    const t0 = clock.now();
    d.set('masterDown', t0 + 10_000);
    d.set('masterDown', t0 + 15.5); // replaces the first deadline
    d.set('preempt', t0 + 6);
    d.cancel('preempt');
    d.set('advert', t0 + 2.75);
    await until(() => fired.some(([n]) => n === 'masterDown'), 'masterDown');
    assert.deepEqual(
      fired.map(([n]) => n),
      ['advert', 'advert', 'advert', 'masterDown'],
    );
    assert.ok(fired[3][1] >= t0 + 15.5);
    assert.equal(late.length, 4);
    assert.ok(late.every((ms) => ms >= 0));
  } finally {
    waker.close();
  }
});

test('a process exits when no wake-up is pending, and waits for one that is', () => {
  const moduleUrl = new URL('../../../src/vrrp/timerfd-waker.js', import.meta.url).href;
  const script = `
    const { TimerfdWaker } = await import(${JSON.stringify(moduleUrl)});
    const waker = new TimerfdWaker({ now: () => performance.now() });
    const cancel = waker.wakeAt(performance.now() + 60_000, () => console.log('never'));
    cancel();
    waker.wakeAt(performance.now() + 30, () => console.log('woke'));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'woke\n');
});
