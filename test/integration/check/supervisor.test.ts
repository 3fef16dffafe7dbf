import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckers, type CheckSample } from '../../../src/check/supervisor.js';
import type { VirtualServerVerdict } from '../../../src/check/engine.js';
import { tableWeight } from '../../../src/check/verdict.js';
import { buildPlan } from '../../fixtures/check/plans.js';
import { captureLog, events } from '../../fixtures/check/log-capture.js';
import { closedTcpPort, tcpServer, relisten } from '../../fixtures/check/servers.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prom-text.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(cond: () => boolean, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

/** The destinations an IPVS table would hold for these verdicts: "vs rs" → weight. */
function table(verdicts: VirtualServerVerdict[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of verdicts) {
    if (v.sorryActive) {
      out[`${v.virtualServer} sorry`] = 1;
      continue;
    }
    for (const rs of v.realServers) {
      const w = tableWeight(rs, rs.inhibitOnFailure);
      if (w !== undefined) out[`${v.virtualServer} ${rs.realServer}`] = w;
    }
  }
  return out;
}

test('checkers in a worker: verdicts reach the main thread and drive a table', async () => {
  const server = await tcpServer(() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-sup-'));
  const logPath = join(dir, 'worker.log');
  const plan = buildPlan(
    { realServers: [{ port: server.port, weight: 5, timing: { delayLoopMs: 100, retry: 0 } }] },
    {
      name: 'tcp 10.0.0.2:80',
      sorry: true,
      realServers: [
        { port: await closedTcpPort(), inhibitOnFailure: true, timing: { delayLoopMs: 100 } },
      ],
    },
  );
  const { log } = captureLog();
  const handle = startCheckers(plan, {
    log,
    workerLog: { destination: logPath },
    reportChecks: true,
  });
  const samples: CheckSample[] = [];
  handle.on('checks', (batch) => samples.push(...batch));
  try {
    const first = await handle.ready;
    // At start every server without alpha is alive (keepalived adds them all at once).
    const downRs = plan.virtualServers[1]!.realServers[0]!.name;
    assert.deepEqual(table(first), {
      [`tcp 10.0.0.1:80 127.0.0.1:${server.port}`]: 5,
      [`tcp 10.0.0.2:80 ${downRs}`]: 1,
    });
    await until(() => handle.verdicts()[1]!.sorryActive);
    assert.deepEqual(table(handle.verdicts()), {
      [`tcp 10.0.0.1:80 127.0.0.1:${server.port}`]: 5,
      'tcp 10.0.0.2:80 sorry': 1,
    });
    await server.close();
    await until(() => !handle.verdicts()[0]!.realServers[0]!.alive);
    assert.deepEqual(table(handle.verdicts()), { 'tcp 10.0.0.2:80 sorry': 1 });
    const logged = readFileSync(logPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(events(logged).includes('check.down'));
    // Probe runs reach the main thread in batches, named for metrics.
    await until(() => samples.some((x) => x.virtualServer === 'tcp 10.0.0.1:80' && !x.ok));
    const sample = samples.find((x) => x.virtualServer === 'tcp 10.0.0.1:80')!;
    assert.equal(sample.realServer, `127.0.0.1:${server.port}`);
    assert.equal(sample.checker, 'TCP_CHECK');
    assert.equal(sample.checkerType, 'TCP_CHECK');
    assert.ok(sample.latencyMs >= 0);
    // Each run carries its reason (batched as an index into the batch's distinct reasons).
    const reasons = new Set(
      samples
        .filter((x) => x.virtualServer === 'tcp 10.0.0.1:80')
        .map((x) => `${x.ok} ${x.reason}`),
    );
    assert.deepEqual([...reasons].sort(), ['false ECONNREFUSED', 'true connected']);
  } finally {
    await handle.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crashing checker worker is restarted without touching the main loop or the verdicts', async () => {
  const port = await closedTcpPort();
  const plan = buildPlan({ realServers: [{ port, timing: { delayLoopMs: 100 } }] });
  const { log, lines } = captureLog();
  const restarts: Array<{ generation: number; error?: string }> = [];
  const verdicts: boolean[] = [];
  const handle = startCheckers(plan, {
    log,
    restartDelayMs: 200,
    workerLog: { level: 'silent' },
    workerUrl: new URL('../../fixtures/check/crashing-worker.js', import.meta.url),
  });
  const runs = () => {
    const f = handle.figures.ledger.checker(0);
    return f.successes + f.failures;
  };
  // The main loop's own heartbeat: the largest gap between 10 ms ticks while the worker dies; and
  // the run count as /metrics would read it at each tick, which must never go back.
  let last = performance.now();
  let worstGap = 0;
  let lastRuns = 0;
  let runsWentBack = false;
  const heartbeat = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
    const n = runs();
    runsWentBack ||= n < lastRuns;
    lastRuns = n;
  }, 10);
  handle.on('restart', (r) => restarts.push(r));
  handle.on('verdict', (v) => verdicts.push(v.realServers[0]!.alive));
  try {
    await handle.ready;
    await until(() => verdicts.includes(false));
    await until(() => handle.restarts === 1);
    assert.deepEqual(restarts, [{ generation: 1, error: 'checker blew up', exitCode: 1 }]);
    assert.deepEqual(events(lines), ['checker.exited']);
    assert.equal(lines[0]!.restartInMs, 200);
    // What the dead worker counted stays readable, and the next one counts on from there.
    const countedByFirst = runs();
    assert.ok(countedByFirst > 0);
    // The restarted worker resumes from the reported states: still down, no flap back up.
    await sleep(600);
    assert.deepEqual(verdicts, [true, false]);
    const back = relisten(port);
    try {
      await until(() => verdicts.at(-1) === true);
    } finally {
      back.close();
    }
    assert.equal(handle.restarts, 1, 'the second generation does not crash');
    assert.ok(runs() > countedByFirst);
    assert.equal(runsWentBack, false, 'run counts never went back across the restart');
    assert.ok(worstGap < 500, `main loop stalled ${worstGap} ms`);
  } finally {
    clearInterval(heartbeat);
    await handle.stop();
  }
});

test('a reload resumes unchanged checkers instead of starting them over', async () => {
  const down = await closedTcpPort();
  const other = await closedTcpPort();
  const before = buildPlan({ realServers: [{ port: down, timing: { delayLoopMs: 100 } }] });
  const { log } = captureLog();
  const first = startCheckers(before, { log, workerLog: { level: 'silent' } });
  let resume;
  try {
    await first.ready;
    await until(() => first.verdicts()[0]!.realServers[0]!.alive === false);
    resume = first.checkerStates();
  } finally {
    await first.stop();
  }
  const failedBefore = first.figures.ledger.checker(0).failures;
  assert.ok(failedBefore >= 1);
  assert.deepEqual(
    Object.values(resume).map((s) => s.up),
    [false],
  );
  // The reloaded plan adds a server; the known one stays down from the first verdict on.
  const after = buildPlan({
    realServers: [
      { port: down, timing: { delayLoopMs: 100 } },
      { port: other, timing: { delayLoopMs: 100 } },
    ],
  });
  const second = startCheckers(after, {
    log,
    workerLog: { level: 'silent' },
    resume,
    resumeFigures: first.figures,
  });
  try {
    const verdicts = await second.ready;
    assert.deepEqual(
      verdicts[0]!.realServers.map((r) => r.alive),
      [false, true],
    );
    // Its counter continues across the reload; the new server's starts at 0.
    assert.ok(second.figures.ledger.checker(0).failures >= failedBefore);
    await until(() => second.figures.ledger.checker(0).failures > failedBefore);
    await until(() => second.figures.ledger.checker(1).failures > 0);
  } finally {
    await second.stop();
  }
});

test('ha_suspend in the worker: checks wait until the address is local', async () => {
  const port = await closedTcpPort();
  const plan = buildPlan({
    haSuspendAddress: '10.9.9.9',
    realServers: [{ port, timing: { delayLoopMs: 100 } }],
  });
  const { log } = captureLog();
  const handle = startCheckers(plan, { log, workerLog: { level: 'silent' } });
  try {
    await handle.ready;
    await sleep(1500); // past the first due run: suspended, so still in its start state
    assert.equal(handle.verdicts()[0]!.realServers[0]!.alive, true);
    handle.setLocalAddresses(['10.9.9.9']);
    await until(() => !handle.verdicts()[0]!.realServers[0]!.alive, 2000);
  } finally {
    await handle.stop();
  }
});

test('without reportChecks no run crosses to the main thread; the figures still count them', async () => {
  const port = await closedTcpPort();
  const plan = buildPlan({ realServers: [{ port, timing: { delayLoopMs: 100 } }] });
  const { log } = captureLog();
  const handle = startCheckers(plan, { log, workerLog: { level: 'silent' } });
  const batches: CheckSample[][] = [];
  handle.on('checks', (batch) => batches.push(batch));
  try {
    await handle.ready;
    // Past two batch periods of a reporting worker.
    await until(() => handle.figures.ledger.checker(0).failures >= 5);
    await sleep(2100);
    assert.deepEqual(batches, []);
    // A scrape: the worker renders the per-check families from the same figures.
    const text = await handle.renderCheckSeries();
    const fams = parsePrometheusText(`${text}\n`);
    const failures = sampleValue(fams, 'keepalived_checks_total', {
      virtual_server: plan.virtualServers[0]!.name,
      real_server: `127.0.0.1:${port}`,
      checker: 'TCP_CHECK',
      result: 'failure',
    })!;
    assert.ok(failures >= 5 && failures <= handle.figures.ledger.checker(0).failures);
    assert.equal(fams.get('keepalived_check_duration_seconds')!.type, 'histogram');
    assert.deepEqual(
      handle.figures.lastResult(plan.virtualServers[0]!.name, `127.0.0.1:${port}`, 'TCP_CHECK')
        ?.reason,
      'ECONNREFUSED',
    );
  } finally {
    await handle.stop();
  }
  assert.equal(await handle.renderCheckSeries(), undefined, 'no worker: render from the figures');
});
