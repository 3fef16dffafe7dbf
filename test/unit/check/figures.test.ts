import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckFigures } from '../../../src/check/figures.js';
import { buildPlan, tcpProbe } from '../../fixtures/check/plans.js';
import { httpProbe } from './http-probe.js';

const plan = buildPlan({
  realServers: [
    { port: 8001, probes: [tcpProbe(8001), httpProbe(8001), httpProbe(8002)] },
    { port: 8003 },
  ],
});
const VS = 'tcp 10.0.0.1:80';

test('run counts: one series per real server and checker type, two of a type add up', () => {
  const figures = CheckFigures.create(plan);
  const { ledger } = figures;
  ledger.record(0, true, 1, 'connected', 0);
  ledger.record(1, true, 20, 'status 200', 0);
  ledger.record(2, false, 30, 'status 503', 0);
  ledger.record(2, false, 30, 'status 503', 0);
  assert.deepEqual(
    [...figures.runCounts()],
    [
      {
        virtualServer: VS,
        realServer: '127.0.0.1:8001',
        checker: 'TCP_CHECK',
        successes: 1,
        failures: 0,
      },
      {
        virtualServer: VS,
        realServer: '127.0.0.1:8001',
        checker: 'HTTP_GET',
        successes: 1,
        failures: 2,
      },
      {
        virtualServer: VS,
        realServer: '127.0.0.1:8003',
        checker: 'TCP_CHECK',
        successes: 0,
        failures: 0,
      },
    ],
  );
  assert.deepEqual(
    [...figures.histograms()].map((h) => [h.checker, h.count, h.cumulative.at(-1)]),
    [
      ['TCP_CHECK', 1, 1],
      ['HTTP_GET', 3, 3],
    ],
  );
});

test('last results by the names status shows, absent before the first run', () => {
  const figures = CheckFigures.create(plan);
  const at = Date.parse('2026-11-24T12:00:00.000Z');
  figures.ledger.record(2, false, 1.5, 'status 503', at);
  assert.deepEqual(figures.lastResult(VS, '127.0.0.1:8001', 'HTTP_GET#2'), {
    ok: false,
    reason: 'status 503',
    at: '2026-11-24T12:00:00.000Z',
    latencyMs: 1.5,
  });
  assert.equal(figures.lastResult(VS, '127.0.0.1:8001', 'HTTP_GET'), undefined);
  assert.equal(figures.lastResult(VS, '127.0.0.1:9999', 'TCP_CHECK'), undefined);
});

test('across a reload, unchanged checkers keep counting; changed and removed ones do not', () => {
  const before = CheckFigures.create(plan);
  before.ledger.record(0, true, 1, 'connected', 0);
  before.ledger.record(1, false, 1, 'status 500', 0);
  before.ledger.record(3, false, 1, 'ECONNREFUSED', 0);
  // The reload drops 127.0.0.1:8003, changes the second HTTP_GET's port and adds a real server.
  const next = buildPlan({
    realServers: [
      { port: 8001, probes: [tcpProbe(8001), httpProbe(8001), httpProbe(8009)] },
      { port: 8004 },
    ],
  });
  const after = CheckFigures.create(next, before);
  assert.deepEqual(
    [...after.runCounts()].map((c) => [c.realServer, c.checker, c.successes, c.failures]),
    [
      ['127.0.0.1:8001', 'TCP_CHECK', 1, 0],
      ['127.0.0.1:8001', 'HTTP_GET', 0, 1],
      ['127.0.0.1:8004', 'TCP_CHECK', 0, 0],
    ],
  );
  assert.equal(after.lastResult(VS, '127.0.0.1:8001', 'HTTP_GET')?.reason, 'status 500');
  assert.equal(after.lastResult(VS, '127.0.0.1:8001', 'HTTP_GET#2'), undefined);
  // Histograms continue by type, runs of removed checkers included: a counter never goes back.
  assert.equal([...after.histograms()].find((h) => h.checker === 'TCP_CHECK')!.count, 2);
});
