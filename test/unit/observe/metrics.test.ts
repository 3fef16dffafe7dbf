import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CheckFigures } from '../../../src/check/figures.js';
import { CHECK_DURATION_BUCKETS } from '../../../src/check/ledger.js';
import {
  Metrics,
  SAMPLES_PER_TURN,
  registerCheckSeries,
  renderCheckSeries,
} from '../../../src/observe/metrics.js';
import { buildPlan, tcpProbe } from '../../fixtures/check/plans.js';
import { httpProbe } from '../check/http-probe.js';

/** Two real servers, one with a TCP_CHECK and two HTTP_GETs: checker ids 0..3. */
function figures(): CheckFigures {
  return CheckFigures.create(
    buildPlan({
      name: 'tcp 10.0.0.100:80',
      realServers: [
        { port: 8001, probes: [tcpProbe(8001), httpProbe(8001), httpProbe(8002)] },
        { port: 8003 },
      ],
    }),
  );
}

test('text() renders what prom-client renders, letting the event loop run between slices', async () => {
  const metrics = new Metrics({ processMetrics: true });
  metrics.vrrpTransition('VI_1', 'BACKUP', 'MASTER', 100);
  const f = figures();
  f.ledger.record(0, true, 1.5, 'connected', 0);
  f.ledger.record(3, false, 200, 'ECONNREFUSED', 0);
  metrics.setCheckSeries(f);
  metrics.packetDropped('bad "auth"\n\\');
  // Two gauges of 1,200 real servers: three slices each.
  const realServers = 1200;
  for (let i = 0; i < realServers; i++)
    metrics.realServerState('vs', `10.0.${i >> 8}.${i & 255}:80`, true, 1);
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns += 1;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const text = await metrics.text();
    // Process metrics move on their own: compare everything else.
    const stable = (t: string) =>
      t
        .split('\n\n')
        .filter((m) => !m.includes('keepalived_process_') && !m.includes('keepalived_nodejs_'))
        .join('\n\n');
    assert.equal(stable(text), stable(await metrics.registry.metrics()));
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  } finally {
    ticking = false;
  }
  // One turn per slice: one per metric, and two more for each of the large gauges.
  const slices =
    metrics.registry.getMetricsAsArray().length +
    2 * (Math.ceil(realServers / SAMPLES_PER_TURN) - 1);
  assert.ok(turns >= slices, `the event loop turned ${turns} times, ${slices} slices`);
});

test('check series read from the checker figures render as prom-client Counter and Histogram do', async () => {
  // The same runs fed to prom-client's own metric classes, as the main thread used to count them.
  const reference = new Registry();
  const counter = new Counter({
    name: 'keepalived_checks_total',
    help: 'Health checks run, by result',
    labelNames: ['virtual_server', 'real_server', 'checker', 'result'],
    registers: [reference],
  });
  const histogram = new Histogram({
    name: 'keepalived_check_duration_seconds',
    help: 'Health check latency',
    labelNames: ['checker'],
    buckets: [...CHECK_DURATION_BUCKETS],
    registers: [reference],
  });
  const f = figures();
  const names = ['127.0.0.1:8001', '127.0.0.1:8001', '127.0.0.1:8001', '127.0.0.1:8003'];
  const types = ['TCP_CHECK', 'HTTP_GET', 'HTTP_GET', 'TCP_CHECK'];
  // Runs in checker order, so both sides create their series in the same order.
  const runs: Array<[id: number, ok: boolean, ms: number]> = [
    [0, true, 1],
    [0, false, 1000],
    [1, true, 0.5],
    [2, false, 2.5],
    [2, true, 10_000],
    [3, false, 99_999],
  ];
  for (const [id, ok, ms] of runs) {
    f.ledger.record(id, ok, ms, ok ? 'ok' : 'failed', 0);
    const labels = {
      virtual_server: 'tcp 10.0.0.100:80',
      real_server: names[id]!,
      checker: types[id]!,
    };
    counter.inc({ ...labels, result: ok ? 'success' : 'failure' });
    histogram.observe({ checker: types[id]! }, ms / 1000);
  }
  const metrics = new Metrics();
  metrics.setCheckSeries(f);
  for (const name of ['keepalived_checks_total', 'keepalived_check_duration_seconds']) {
    assert.equal(
      await metrics.registry.getSingleMetricAsString(name),
      await reference.getSingleMetricAsString(name),
      name,
    );
  }
  // JSON too: SIGUSR2's stats dump reads the registry that way.
  const json = await metrics.registry.getMetricsAsJSON();
  assert.equal(json.find((m) => m.name === 'keepalived_checks_total')!.values.length, 5);

  // No checkers (or none yet): the families are there, without samples, as prom-client has them.
  metrics.setCheckSeries(undefined);
  assert.equal(
    await metrics.registry.getSingleMetricAsString('keepalived_checks_total'),
    '# HELP keepalived_checks_total Health checks run, by result\n# TYPE keepalived_checks_total counter',
  );
});

test('text() takes the per-check families as rendered by the checker side when it answers', async () => {
  const f = CheckFigures.create(buildPlan({ realServers: [{ port: 8001 }, { port: 8002 }] }));
  f.ledger.record(0, true, 1, 'connected', 0);
  f.ledger.record(1, false, 3, 'ECONNREFUSED', 0);
  // What the checker worker does with its own registry over the same ledger.
  const workerRegistry = new Registry();
  registerCheckSeries(workerRegistry, () => f);
  const metrics = new Metrics();
  metrics.vrrpTransition('VI_1', 'BACKUP', 'MASTER', 100);
  let readHere = 0;
  let answer: string | undefined = await renderCheckSeries(workerRegistry);
  metrics.setCheckSeries({
    runCounts: () => (readHere++, f.runCounts()),
    histograms: () => (readHere++, f.histograms()),
    renderedText: () => Promise.resolve(answer),
  });
  const expected = await metrics.registry.metrics();
  readHere = 0;
  assert.equal(await metrics.text(), expected, 'same text, same place');
  assert.equal(readHere, 0, 'nothing rendered on this thread');
  // The checker side cannot answer (restarting): rendered here from the figures instead.
  answer = undefined;
  assert.equal(await metrics.text(), expected);
  assert.equal(readHere, 2);
});
