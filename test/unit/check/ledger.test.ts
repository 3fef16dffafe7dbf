import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import {
  CHECK_DURATION_BUCKETS,
  CheckLedger,
  MAX_REASONS,
  REASON_TABLE_FULL,
  createLedgerMemory,
} from '../../../src/check/ledger.js';

const TYPES = ['TCP_CHECK', 'HTTP_GET', 'TCP_CHECK', 'MISC_CHECK'];

interface Run {
  id: number;
  ok: boolean;
  latencyMs: number;
  reason: string;
  atMs: number;
}

const runs = fc.array(
  fc.record({
    id: fc.integer({ min: 0, max: TYPES.length - 1 }),
    ok: fc.boolean(),
    latencyMs: fc.oneof(
      fc.constantFrom(...CHECK_DURATION_BUCKETS.map((b) => b * 1000)),
      fc.double({ min: 0, max: 20_000, noNaN: true }),
    ),
    reason: fc.constantFrom('connected', 'ECONNREFUSED', 'status 503', 'ünïcode ✓'),
    atMs: fc.integer({ min: 0, max: 2 ** 42 }),
  }),
  { maxLength: 60 },
);

test('counts, last results and histograms are what the runs add up to', () => {
  fc.assert(
    fc.property(runs, (list: Run[]) => {
      const ledger = new CheckLedger(createLedgerMemory(TYPES));
      for (const r of list) ledger.record(r.id, r.ok, r.latencyMs, r.reason, r.atMs);
      TYPES.forEach((_, id) => {
        const mine = list.filter((r) => r.id === id);
        const last = mine.at(-1);
        assert.deepEqual(ledger.checker(id), {
          successes: mine.filter((r) => r.ok).length,
          failures: mine.filter((r) => !r.ok).length,
          ...(last && {
            last: { ok: last.ok, reason: last.reason, atMs: last.atMs, latencyMs: last.latencyMs },
          }),
        });
      });
      for (const type of new Set(TYPES)) {
        const seconds = list.filter((r) => TYPES[r.id] === type).map((r) => r.latencyMs / 1000);
        const h = ledger.histogram(type)!;
        // Prometheus buckets: each counts the runs at or under its bound; +Inf counts them all.
        assert.deepEqual(h.cumulative, [
          ...CHECK_DURATION_BUCKETS.map((b) => seconds.filter((s) => s <= b).length),
          seconds.length,
        ]);
        assert.equal(h.count, seconds.length);
        assert.ok(Math.abs(h.sumSeconds - seconds.reduce((a, b) => a + b, 0)) < 1e-9);
      }
    }),
  );
});

test('a type the plan lacks has no histogram; unknown ids are not recorded', () => {
  const ledger = new CheckLedger(createLedgerMemory(['TCP_CHECK']));
  ledger.record(5, true, 1, 'connected', 0);
  ledger.record(-1, true, 1, 'connected', 0);
  assert.equal(ledger.histogram('HTTP_GET'), undefined);
  assert.deepEqual(ledger.checker(0), { successes: 0, failures: 0 });
  assert.equal(ledger.histogram('TCP_CHECK')!.count, 0);
});

test('a restarted writer continues the same counters and reason table', () => {
  const memory = createLedgerMemory(['TCP_CHECK', 'TCP_CHECK']);
  const first = new CheckLedger(memory);
  first.record(0, false, 3, 'ECONNREFUSED', 1000);
  first.record(1, true, 2, 'connected', 1000);
  // The supervisor keeps the memory; the next worker makes its own views on it.
  const second = new CheckLedger(memory);
  second.record(0, true, 1, 'connected', 2000);
  second.record(1, false, 4, 'ECONNREFUSED', 2000);
  const reader = new CheckLedger(memory);
  assert.deepEqual(reader.checker(0), {
    successes: 1,
    failures: 1,
    last: { ok: true, reason: 'connected', atMs: 2000, latencyMs: 1 },
  });
  assert.deepEqual(reader.checker(1).last?.reason, 'ECONNREFUSED');
  assert.equal(second.reasonIndex('ECONNREFUSED'), first.reasonIndex('ECONNREFUSED'));
  assert.equal(reader.histogram('TCP_CHECK')!.count, 4);
});

test('once the reason table is full, new reasons read as one placeholder', () => {
  const ledger = new CheckLedger(createLedgerMemory(['TCP_CHECK']));
  // Index 0 is the placeholder itself: MAX_REASONS - 1 more fit.
  for (let i = 1; i < MAX_REASONS; i++) assert.equal(ledger.reasonIndex(`reason ${i}`), i);
  ledger.record(0, false, 1, 'one too many', 0);
  assert.equal(ledger.checker(0).last?.reason, REASON_TABLE_FULL);
  ledger.record(0, false, 1, 'reason 7', 0);
  assert.equal(new CheckLedger(ledger.memory).checker(0).last?.reason, 'reason 7');
});

test('long reasons fill the text area before the count runs out', () => {
  const ledger = new CheckLedger(createLedgerMemory(['TCP_CHECK']));
  const long = (i: number) => `${i} ${'x'.repeat(4000)}`;
  let kept = 0;
  while (ledger.reasonIndex(long(kept)) !== 0) kept++;
  // 64 KiB after the placeholder: 10 reasons of 4002 bytes, then 6 of 4003, and no 17th.
  assert.equal(kept, 16);
  ledger.record(0, true, 1, long(1), 0);
  assert.equal(new CheckLedger(ledger.memory).checker(0).last?.reason, long(1));
});

test('carryFrom continues the figures of the checkers paired, and histograms by type', () => {
  const old = new CheckLedger(createLedgerMemory(['TCP_CHECK', 'HTTP_GET', 'TCP_CHECK']));
  old.record(0, true, 1, 'connected', 10);
  old.record(0, false, 30, 'ECONNREFUSED', 20);
  old.record(1, true, 200, 'status 200', 30);
  old.record(2, true, 2, 'connected', 40);
  // New plan: old 2 is now id 0, old 0 is id 1, and an SSL_GET that did not exist.
  const next = new CheckLedger(createLedgerMemory(['TCP_CHECK', 'TCP_CHECK', 'SSL_GET']));
  next.carryFrom(old, [
    [2, 0],
    [0, 1],
  ]);
  assert.deepEqual(next.checker(0), old.checker(2));
  assert.deepEqual(next.checker(1), old.checker(0));
  assert.deepEqual(next.checker(2), { successes: 0, failures: 0 });
  assert.deepEqual(next.histogram('TCP_CHECK'), old.histogram('TCP_CHECK'));
  assert.equal(next.histogram('SSL_GET')!.count, 0);
  next.record(1, true, 1, 'connected', 50);
  assert.deepEqual(
    [next.checker(1).successes, next.histogram('TCP_CHECK')!.count],
    [old.checker(0).successes + 1, old.histogram('TCP_CHECK')!.count + 1],
  );
});

test('a reader on another thread never sees two runs mixed in one record', async () => {
  // The writer runs in a real worker thread as fast as it can; each run's fields agree with each
  // other (latency = run number = reason = at), so a torn read would show a mismatch.
  const memory = createLedgerMemory(['TCP_CHECK']);
  const RUNS = 300_000;
  const writer = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     import(workerData.url).then(({ CheckLedger }) => {
       const ledger = new CheckLedger(workerData.memory);
       for (let n = 1; n <= workerData.runs; n++)
         ledger.record(0, n % 2 === 0, n, String(n % 7), n);
       parentPort.postMessage('done');
     });`,
    {
      eval: true,
      workerData: {
        url: new URL('../../../src/check/ledger.js', import.meta.url).href,
        memory,
        runs: RUNS,
      },
    },
  );
  const done = new Promise((resolve, reject) => {
    writer.once('message', resolve);
    writer.once('error', reject);
  });
  const reader = new CheckLedger(memory);
  let finished = false;
  void done.then(() => (finished = true));
  let reads = 0;
  while (!finished) {
    const f = reader.checker(0);
    const h = reader.histogram('TCP_CHECK')!;
    if (f.last) {
      const n = f.last.latencyMs;
      assert.deepEqual(
        [f.successes + f.failures, f.last.atMs, f.last.reason, f.last.ok],
        [n, n, String(n % 7), n % 2 === 0],
      );
    }
    assert.equal(h.cumulative.at(-1), h.count);
    reads++;
    // Let the 'message' from the writer through now and then.
    if (reads % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await writer.terminate();
  assert.equal(reader.checker(0).successes + reader.checker(0).failures, RUNS);
  assert.ok(reads > 0);
});

test('a writer that died inside a record holds readers only briefly; the next writer repairs it', () => {
  const memory = createLedgerMemory(['TCP_CHECK']);
  const ledger = new CheckLedger(memory);
  ledger.record(0, true, 1, 'connected', 1);
  // As a worker terminated between entering and leaving record 0 leaves it: odd.
  const sequences = new Int32Array(memory.sequences);
  sequences[0] = sequences[0]! + 1;
  const started = performance.now();
  assert.equal(ledger.checker(0).successes, 1);
  const waited = performance.now() - started;
  assert.ok(waited >= 20 && waited < 1000, `waited ${waited} ms`);
  new CheckLedger(memory).record(0, false, 2, 'ECONNREFUSED', 2);
  assert.equal(sequences[0]! % 2, 0);
  const again = performance.now();
  assert.equal(ledger.checker(0).failures, 1);
  assert.ok(performance.now() - again < 20);
});
