import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvent } from '../../../src/observe/events.js';
import { CheckRunner } from '../../../src/check/runner.js';
import { buildPlan } from '../../fixtures/check/plans.js';
import { captureLog, events } from '../../fixtures/check/log-capture.js';
import { tcpServer, relisten, closedTcpPort } from '../../fixtures/check/servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

test('a real server going away and coming back: events, verdicts, retries', async () => {
  const server = await tcpServer(() => undefined);
  const port = server.port;
  const plan = buildPlan({
    realServers: [{ port, timing: { delayLoopMs: 100, delayBeforeRetryMs: 50, retry: 1 } }],
  });
  const { log, lines } = captureLog();
  const verdicts: boolean[] = [];
  const runner = new CheckRunner(plan, {
    log,
    onVerdict: (v) => verdicts.push(v.realServers[0]!.alive),
  });
  await runner.start();
  try {
    await until(() => runner.stats().checks >= 2);
    assert.deepEqual(events(lines), [], 'a passing start is silent');
    await server.close();
    const downAt = Date.now();
    await until(() => events(lines).includes('check.down'));
    // retry 1: one failure, one retry 50 ms later, then down; bounded by 100 + 50 ms + slack.
    assert.ok(Date.now() - downAt < 600, `detected after ${Date.now() - downAt} ms`);
    assert.deepEqual(events(lines), ['check.down', 'rs.down', 'quorum.down']);
    const down = lines.find((l) => l.event === 'check.down')!;
    assert.equal(down.virtualServer, 'tcp 10.0.0.1:80');
    assert.equal(down.realServer, `127.0.0.1:${port}`);
    assert.equal(down.checker, 'TCP_CHECK');
    assert.equal(down.reason, 'ECONNREFUSED');
    const again = relisten(port);
    try {
      await until(() => events(lines).includes('check.up'));
      assert.deepEqual(events(lines).slice(3), ['check.up', 'rs.up', 'quorum.up']);
    } finally {
      again.close();
    }
    // Verdict changes are coalesced for a few ms before they are reported.
    await until(() => verdicts.length === 2);
    assert.deepEqual(verdicts, [false, true]);
    for (const l of lines.filter((x) => x.event))
      assert.equal(validateEvent(l).ok, true, JSON.stringify(l));
  } finally {
    await runner.stop();
  }
});

test('ha_suspend: checkers of a virtual server whose address is not local do not run', async () => {
  const plan = buildPlan({
    haSuspendAddress: '10.0.0.1',
    realServers: [{ port: 1, timing: { delayLoopMs: 50 } }],
  });
  let local = false;
  const { log } = captureLog();
  const runner = new CheckRunner(plan, { log, isAddressLocal: () => local });
  await runner.start();
  try {
    await until(() => runner.stats().suspended >= 1);
    assert.equal(runner.stats().checks, 0);
    local = true;
    runner.runSoon('tcp 10.0.0.1:80');
    await until(() => runner.stats().checks >= 1);
    assert.equal(runner.verdicts()[0]!.realServers[0]!.alive, false);
  } finally {
    await runner.stop();
  }
});

test('the concurrency cap holds under a burst of due checks', async () => {
  const server = await tcpServer(() => undefined);
  const plan = buildPlan({
    realServers: Array.from({ length: 50 }, () => ({ port: server.port })),
  });
  let inFlight = 0;
  let peak = 0;
  const { log } = captureLog();
  const runner = new CheckRunner(plan, {
    log,
    maxConcurrent: 4,
    probe: async () => {
      peak = Math.max(peak, ++inFlight);
      await sleep(5);
      inFlight--;
      return { ok: true, reason: 'fine', latencyMs: 5 };
    },
  });
  await runner.start();
  try {
    await until(() => runner.stats().checks >= 50);
    assert.equal(peak, 4);
  } finally {
    await runner.stop();
    await server.close();
  }
});

test('log_all_failures logs each failure being retried before the verdict', async () => {
  const server = await tcpServer(() => undefined);
  const plan = buildPlan({
    realServers: [
      { port: server.port, timing: { delayLoopMs: 50, delayBeforeRetryMs: 20, retry: 2 } },
    ],
  });
  plan.virtualServers[0]!.realServers[0]!.checkers[0]!.logAllFailures = true;
  const { log, lines } = captureLog();
  const runner = new CheckRunner(plan, { log });
  await runner.start();
  try {
    await until(() => runner.stats().checks >= 1);
    await server.close();
    await until(() => events(lines).includes('check.down'));
    const retried = lines.filter((l) => l.msg === 'checker failed, retrying');
    assert.equal(retried.length, 2);
    assert.equal(retried[0]!.reason, 'ECONNREFUSED');
  } finally {
    await runner.stop();
  }
});

test('FILE_CHECK: the file decides before the first verdict; changes are seen at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-runner-'));
  const path = join(dir, 'state');
  writeFileSync(path, '1\n');
  const plan = buildPlan({
    realServers: [
      {
        port: 1,
        weight: 10,
        probes: [{ type: 'FILE_CHECK', path, weight: 0, reverse: false }],
        timing: { delayLoopMs: 60_000, retry: 0 },
      },
      {
        port: 2,
        weight: 10,
        probes: [{ type: 'FILE_CHECK', path, weight: 5, reverse: true }],
        timing: { delayLoopMs: 60_000, retry: 0 },
      },
    ],
  });
  const { log, lines } = captureLog();
  const runner = new CheckRunner(plan, { log });
  await runner.start();
  const weights = () =>
    lines
      .filter((l) => l.event === 'rs.weight')
      .map((l) => [l.realServer, l.reason, l.from, l.weight]);
  try {
    const rs = () => runner.verdicts()[0]!.realServers.map((r) => [r.alive, r.weight]);
    assert.deepEqual(rs(), [
      [false, 10],
      [true, 5],
    ]);
    // The poll is a minute away: only the watch can notice this in time.
    writeFileSync(path, '0\n');
    await until(() => runner.verdicts()[0]!.realServers[0]!.alive, 1000);
    assert.deepEqual(rs(), [
      [true, 10],
      [true, 10],
    ]);
    // The reversed file weight: 1 × -5 at start, 0 now.
    assert.deepEqual(weights(), [
      ['127.0.0.1:2', 'file_check', 10, 5],
      ['127.0.0.1:2', 'file_check', 5, 10],
    ]);
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rs.weight: misc_dynamic moves the weight, inhibit_on_failure takes it to 0 and back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-weight-'));
  const exitCode = join(dir, 'exit');
  writeFileSync(exitCode, '12');
  const plan = buildPlan({
    realServers: [
      {
        port: 1,
        weight: 3,
        inhibitOnFailure: true,
        probes: [
          {
            type: 'MISC_CHECK',
            argv: ['/bin/sh', '-c', 'exit "$(cat "$0")"', exitCode],
            timeoutMs: 2000,
            dynamic: true,
          },
        ],
        timing: { delayLoopMs: 50, retry: 0 },
      },
    ],
  });
  const { log, lines } = captureLog();
  const runner = new CheckRunner(plan, { log });
  const weights = () =>
    lines
      .filter((l) => l.event === 'rs.weight')
      .map((l) => `${String(l.reason)} ${String(l.from)}->${String(l.weight)}`);
  await runner.start();
  try {
    // Exit 12: up with weight 12 - 2.
    await until(() => weights().length === 1);
    writeFileSync(exitCode, '1');
    await until(() => events(lines).includes('rs.down'));
    writeFileSync(exitCode, '0');
    await until(() => events(lines).includes('rs.up'));
    // Down, the dynamic offset is dropped (back to the configured 3) and the inhibited server
    // goes to 0; back up, exit 0 keeps the configured weight.
    assert.deepEqual(weights(), [
      'misc_dynamic 3->10',
      'misc_dynamic 10->3',
      'inhibit 3->0',
      'inhibit 0->3',
    ]);
    assert.deepEqual(
      events(lines).filter((e) => e.startsWith('rs.')),
      ['rs.weight', 'rs.weight', 'rs.down', 'rs.weight', 'rs.up', 'rs.weight'],
    );
    for (const l of lines.filter((x) => x.event))
      assert.equal(validateEvent(l).ok, true, JSON.stringify(l));
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('notify_down runs its script (without a shell of ours) when a real server goes down', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-check-notify-'));
  const marker = join(dir, 'down');
  const port = await closedTcpPort();
  const plan = buildPlan({
    realServers: [{ port, notifyDown: ['/bin/sh', '-c', 'echo "$0" > "$1"', 'rs-down', marker] }],
  });
  const { log } = captureLog();
  const runner = new CheckRunner(plan, { log });
  await runner.start();
  try {
    await until(() => existsSync(marker) && readFileSync(marker, 'utf8') === 'rs-down\n');
  } finally {
    await runner.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
