import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import type { KeepalivedConfig } from '../../../src/config/model.js';
import {
  Controller,
  type LoadResult,
  type StopOptions,
  type Subsystem,
} from '../../../src/daemon/controller.js';
import type { ReloadPlan } from '../../../src/daemon/reload.js';
import { validateEvent } from '../../../src/observe/events.js';
import { captureObserver, HEADER } from './capture.js';
import { configOf, instanceText, virtualServerText } from './configs.js';

/** A subsystem that records what the controller asks of it. */
class RecordingSubsystem implements Subsystem {
  readonly calls: Array<
    { op: 'apply'; config: KeepalivedConfig; plan?: ReloadPlan } | { op: 'stop'; opts: StopOptions }
  > = [];
  failApply = false;
  constructor(
    readonly name: string,
    private readonly order: string[],
  ) {}
  async apply(cfg: KeepalivedConfig, plan?: ReloadPlan): Promise<void> {
    this.order.push(`${this.name}.apply`);
    this.calls.push(plan ? { op: 'apply', config: cfg, plan } : { op: 'apply', config: cfg });
    if (this.failApply) throw new Error(`${this.name} exploded`);
  }
  async stop(opts: StopOptions): Promise<void> {
    this.order.push(`${this.name}.stop`);
    this.calls.push({ op: 'stop', opts });
  }
}

function getJson(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    })
      .on('error', reject)
      .end();
  });
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'kts-daemon-'));
  const cap = captureObserver(() => new Date('2026-11-24T12:00:00.000Z'));
  const order: string[] = [];
  const subs = ['vrrp', 'check', 'ipvs'].map((n) => new RecordingSubsystem(n, order));
  let next: LoadResult | Error = {
    config: configOf(instanceText('VI_1', 51) + virtualServerText(80, ['10.0.0.11', '10.0.0.12'])),
    diagnostics: [],
  };
  const pidFile = join(dir, 'keepalived.pid');
  const controller = new Controller({
    configFile: 'keepalived.conf',
    load: () => {
      if (next instanceof Error) throw next;
      return next;
    },
    subsystems: subs,
    observer: cap.observer,
    header: HEADER,
    sides: { vrrp: true, check: true },
    pidFiles: [pidFile, join(dir, 'vrrp.pid')],
    release: { releaseVips: true, releaseIpvs: true },
    status: { host: '127.0.0.1', port: 0 },
    dumpDir: dir,
  });
  return {
    dir,
    cap,
    order,
    subs,
    controller,
    pidFile,
    setNext: (r: LoadResult | Error) => (next = r),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function assertAllValid(lines: string[]): void {
  for (const line of lines) {
    const r = validateEvent(line);
    assert.ok(r.ok, `invalid line ${line}: ${r.ok ? '' : r.errors.join('; ')}`);
  }
}

test('start, reload (rejected, applied, partly failing), dumps and stop', async () => {
  const t = setup();
  try {
    await t.controller.start();
    assert.equal(readFileSync(t.pidFile, 'utf8'), `${process.pid}\n`);
    assert.deepEqual(t.order, ['vrrp.apply', 'check.apply', 'ipvs.apply']);
    assert.deepEqual(
      t.cap.events().map((e) => e.event),
      ['daemon.start', 'status.listening', 'config.loaded'],
    );
    const port = t.cap.events()[1]!.port as number;

    // The VRRP side reports; /status shows it.
    t.cap.observer.vrrpState('VI_1', 'INIT', 'BACKUP', 'startup', 100);
    t.cap.observer.vrrpState('VI_1', 'BACKUP', 'MASTER', 'master-down timer', 100);
    t.cap.observer.status.realServerVerdict('tcp 10.0.0.100:80', '10.0.0.12:80', false, 0);
    const status = (await getJson(port, '/status')) as {
      instances: Array<{ name: string; state: string; vips: string[] }>;
      virtualServers: Array<{
        realServers: Array<{ name: string; alive: boolean; checkers: Array<{ checker: string }> }>;
      }>;
    };
    assert.deepEqual(
      status.instances.map((i) => [i.name, i.state, i.vips]),
      [['VI_1', 'MASTER', ['10.0.0.51/32']]],
    );
    assert.deepEqual(
      status.virtualServers[0]!.realServers.map((r) => [
        r.name,
        r.alive,
        r.checkers.map((c) => c.checker),
      ]),
      [
        ['10.0.0.11:80', true, ['TCP_CHECK']],
        ['10.0.0.12:80', false, ['TCP_CHECK']],
      ],
    );

    // A config with errors: rejected, nothing applied, the old one stays.
    const old = t.controller.config;
    t.setNext({
      diagnostics: [
        {
          severity: 'warning',
          code: 'unknown-keyword',
          message: 'w',
          pos: { file: 'k.conf', line: 2, col: 1 },
        },
        {
          severity: 'error',
          code: 'out-of-range',
          message: 'e',
          pos: { file: 'k.conf', line: 3, col: 5 },
        },
      ],
    });
    assert.equal(await t.controller.reload(), false);
    assert.equal(t.controller.config, old);
    const rejected = t.cap.events().at(-1)!;
    assert.equal(rejected.event, 'config.rejected');
    assert.deepEqual(
      (rejected.diagnostics as Array<{ code: string; line: number }>).map((d) => [d.code, d.line]),
      [
        ['out-of-range', 3],
        ['unknown-keyword', 2],
      ],
    );
    assert.equal(t.order.length, 3);

    // A good config: applied with a plan; the instance keeps its live state.
    const second = configOf(
      instanceText('VI_1', 51, 'priority 150') +
        instanceText('VI_2', 52) +
        virtualServerText(80, ['10.0.0.12']),
    );
    t.setNext({ config: second, diagnostics: [] });
    assert.equal(await t.controller.reload(), true);
    assert.equal(t.controller.config, second);
    const applied = t.subs[0]!.calls.at(-1)!;
    assert.equal(applied.op === 'apply' && applied.plan?.instances.added[0], 'VI_2');
    const loaded = t.cap.events().at(-1)!;
    assert.equal(loaded.event, 'config.loaded');
    assert.deepEqual(loaded.changes, [
      'instance VI_2 added',
      'instance VI_1 changed: priority',
      'real server tcp 10.0.0.100:80 -> 10.0.0.11:80 removed',
    ]);
    const after = (await getJson(port, '/status')) as {
      instances: Array<{ name: string; state: string; priority: number }>;
      virtualServers: Array<{ realServers: Array<{ name: string; alive: boolean }> }>;
    };
    assert.deepEqual(
      after.instances.map((i) => [i.name, i.state, i.priority]),
      [
        ['VI_1', 'MASTER', 150],
        ['VI_2', 'INIT', 100],
      ],
    );
    assert.deepEqual(
      after.virtualServers[0]!.realServers.map((r) => [r.name, r.alive]),
      [['10.0.0.12:80', false]],
    );

    // A subsystem failing to apply does not stop the others or the daemon.
    t.subs[1]!.failApply = true;
    t.setNext({ config: configOf(instanceText('VI_1', 51)), diagnostics: [] });
    assert.equal(await t.controller.reload(), true);
    assert.deepEqual(t.order.slice(-3), ['vrrp.apply', 'check.apply', 'ipvs.apply']);
    assert.ok(t.cap.lines.some((l) => l.includes('check failed to apply')));

    // SIGUSR1 / SIGUSR2 dumps.
    t.cap.observer.advertSent('VI_1');
    t.cap.observer.packetDropped('ttl', 'VI_1', '10.0.0.9');
    const data = t.controller.dumpState();
    assert.equal(data.path, join(t.dir, 'keepalived.data'));
    assert.match(readFileSync(data.path, 'utf8'), /VRRP Instance = VI_1\n {3}State = MASTER/);
    assert.equal(
      (JSON.parse(readFileSync(data.jsonPath, 'utf8')) as { instances: unknown[] }).instances
        .length,
      1,
    );
    const stats = await t.controller.dumpStats();
    assert.match(
      readFileSync(stats.path, 'utf8'),
      /VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: 0\n {4}Sent: 1\n {2}Became master: 1/,
    );
    assert.deepEqual(
      (JSON.parse(readFileSync(stats.jsonPath, 'utf8')) as { packetsDropped: unknown })
        .packetsDropped,
      { ttl: 1 },
    );

    await t.controller.stop('SIGTERM');
    assert.deepEqual(t.order.slice(-3), ['vrrp.stop', 'check.stop', 'ipvs.stop']);
    assert.deepEqual(t.subs[2]!.calls.at(-1), {
      op: 'stop',
      opts: { releaseVips: true, releaseIpvs: true },
    });
    assert.equal(existsSync(t.pidFile), false);
    const events = t.cap.events();
    assert.deepEqual(
      events.slice(-2).map((e) => e.event),
      ['packet.dropped', 'daemon.stop'],
    );
    assert.deepEqual(events.at(-2), {
      ...events.at(-2),
      reason: 'ttl',
      count: 1,
      instance: 'VI_1',
      source: '10.0.0.9',
    });
    assert.equal(events.at(-1)!.signal, 'SIGTERM');
    assertAllValid(t.cap.lines);
  } finally {
    t.cleanup();
  }
});

test('a rejected config at start throws ERR_CONFIG and starts nothing', async () => {
  const t = setup();
  try {
    t.setNext({ diagnostics: [{ severity: 'error', code: 'syntax', message: 'unexpected }' }] });
    await assert.rejects(t.controller.start(), { code: 'ERR_CONFIG' });
    assert.deepEqual(t.order, []);
    assert.equal(existsSync(t.pidFile), false);
    assert.deepEqual(
      t.cap.events().map((e) => e.event),
      ['config.rejected'],
    );
    assertAllValid(t.cap.lines);
  } finally {
    t.cleanup();
  }
});

test('a loader that throws is a rejected config, not a crash', async () => {
  const t = setup();
  try {
    t.setNext(new Error('EACCES: permission denied'));
    await t.controller.start().catch(() => undefined);
    const ev = t.cap.events()[0]!;
    assert.equal(ev.event, 'config.rejected');
    assert.deepEqual(ev.diagnostics, [
      { severity: 'error', code: 'config-unreadable', message: 'EACCES: permission denied' },
    ]);
  } finally {
    t.cleanup();
  }
});

test('a pid file naming a live process refuses the start', async () => {
  const t = setup();
  try {
    writeFileSync(t.pidFile, `${process.ppid}\n`);
    await assert.rejects(t.controller.start(), { code: 'ERR_ALREADY_RUNNING' });
    assert.equal(readFileSync(t.pidFile, 'utf8'), `${process.ppid}\n`);
  } finally {
    t.cleanup();
  }
});

test('a side failing at start: logged, everything started is stopped, ERR_START', async () => {
  const t = setup();
  try {
    t.subs[1]!.failApply = true;
    await assert.rejects(t.controller.start(), { code: 'ERR_START' });
    assert.deepEqual(t.order, [
      'vrrp.apply',
      'check.apply',
      'vrrp.stop',
      'check.stop',
      'ipvs.stop',
    ]);
    assert.equal(existsSync(t.pidFile), false);
    const records = t.cap.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => r.event ?? r.level),
      ['daemon.start', 'status.listening', 'fatal', 'daemon.stop'],
    );
    assert.equal(records[2]!.msg, 'start failed: check exploded');
    assertAllValid(t.cap.lines);
  } finally {
    t.cleanup();
  }
});
