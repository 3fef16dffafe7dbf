import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Metrics } from '../../../src/observe/metrics.js';
import { StatusBoard, type StatusSnapshot } from '../../../src/observe/status.js';
import { parseListenAddress, startStatusServer } from '../../../src/observe/http.js';
import { parsePrometheusText, sampleValue } from '../../helpers/prom-text.js';
import { CheckFigures } from '../../../src/check/figures.js';
import { buildPlan } from '../../fixtures/check/plans.js';
import { httpProbe } from '../check/http-probe.js';

function get(
  port: number,
  path: string,
  method = 'GET',
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

test('parseListenAddress: loopback by default, IPv6 in brackets, errors coded', () => {
  assert.deepEqual(parseListenAddress('9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseListenAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseListenAddress('[::1]:80'), { host: '::1', port: 80 });
  assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
  for (const bad of ['', ':80', '1.2.3.4:70000', '[zz]:80', '::1:80', 'a:b']) {
    assert.throws(() => parseListenAddress(bad), { code: 'ERR_STATUS_ADDRESS' }, bad);
  }
});

test('GET /status and /metrics on a real loopback socket', async () => {
  const metrics = new Metrics({ processMetrics: true });
  const clock = new Date('2026-11-24T12:00:00.000Z');
  const board = new StatusBoard(
    { version: '0.1.0', configFile: '/k.conf', ipvsBackend: 'dry-run' },
    () => clock,
  );
  board.defineInstance({
    name: 'VI_1',
    interface: 'eth0',
    vrid: 51,
    priority: 150,
    vips: ['10.0.0.100/32'],
  });
  board.instanceState('VI_1', 'MASTER', 150);
  board.instanceMaster('VI_1', '10.0.0.1');
  board.defineVirtualServer('tcp 10.0.0.100:80', [
    { name: '127.0.0.1:8011', weight: 1, checkers: ['HTTP_GET'], alive: true },
    { name: '127.0.0.1:8012', weight: 2, checkers: ['TCP_CHECK'], alive: true },
  ]);
  // The checker side's figures, as the daemon wires them (daemon/sides.ts CheckSide).
  const figures = CheckFigures.create(
    buildPlan({
      name: 'tcp 10.0.0.100:80',
      realServers: [{ port: 8011, probes: [httpProbe(8011)] }, { port: 8012 }],
    }),
  );
  board.setCheckResults((vs, rs, checker) => figures.lastResult(vs, rs, checker));
  metrics.setCheckSeries(figures);
  figures.ledger.record(1, false, 1.5, 'connection refused', clock.getTime());
  figures.ledger.record(0, true, 200, 'status 200', clock.getTime());
  board.checkerVerdict('tcp 10.0.0.100:80', '127.0.0.1:8012', 'TCP_CHECK', false);
  board.realServerVerdict('tcp 10.0.0.100:80', '127.0.0.1:8012', false, 0);

  metrics.vrrpTransition('VI_1', 'BACKUP', 'MASTER', 150);
  metrics.advertSent('VI_1', 3);
  metrics.packetDropped('ttl', 2);
  metrics.packetDropped('auth');
  metrics.realServerState('tcp 10.0.0.100:80', '127.0.0.1:8012', false, 0);
  metrics.ipvsOperation('dest.del');
  metrics.ipvsError('dest.add', 'EEXIST');

  const server = await startStatusServer(
    { host: '127.0.0.1', port: 0 },
    { status: () => board.snapshot(), metrics },
  );
  try {
    const status = await get(server.port, '/status');
    assert.equal(status.status, 200);
    assert.equal(status.type, 'application/json');
    const snap = JSON.parse(status.body) as StatusSnapshot;
    assert.deepEqual(snap.instances, [
      {
        name: 'VI_1',
        interface: 'eth0',
        vrid: 51,
        priority: 150,
        vips: ['10.0.0.100/32'],
        state: 'MASTER',
        effectivePriority: 150,
        masterAddress: '10.0.0.1',
        since: '2026-11-24T12:00:00.000Z',
      },
    ]);
    assert.deepEqual(snap.virtualServers[0]!.realServers[1], {
      name: '127.0.0.1:8012',
      weight: 2,
      alive: false,
      appliedWeight: 0,
      checkers: [
        {
          checker: 'TCP_CHECK',
          up: false,
          last: {
            ok: false,
            reason: 'connection refused',
            at: '2026-11-24T12:00:00.000Z',
            latencyMs: 1.5,
          },
        },
      ],
    });
    assert.equal(snap.ipvsBackend, 'dry-run');

    const m = await get(server.port, '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    const fams = parsePrometheusText(m.body);
    assert.equal(
      sampleValue(fams, 'keepalived_vrrp_state', { instance: 'VI_1', state: 'MASTER' }),
      1,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_vrrp_state', { instance: 'VI_1', state: 'BACKUP' }),
      0,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_vrrp_transitions_total', {
        instance: 'VI_1',
        from: 'BACKUP',
        to: 'MASTER',
      }),
      1,
    );
    assert.equal(sampleValue(fams, 'keepalived_vrrp_adverts_sent_total', { instance: 'VI_1' }), 3);
    assert.equal(sampleValue(fams, 'keepalived_vrrp_packets_dropped_total', { reason: 'ttl' }), 2);
    assert.equal(sampleValue(fams, 'keepalived_vrrp_packets_dropped_total', { reason: 'auth' }), 1);
    assert.equal(fams.get('keepalived_check_duration_seconds')!.type, 'histogram');
    assert.equal(
      sampleValue(fams, 'keepalived_check_duration_seconds_count', { checker: 'TCP_CHECK' }),
      1,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_check_duration_seconds_bucket', {
        checker: 'TCP_CHECK',
        le: '0.001',
      }),
      0,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_check_duration_seconds_bucket', {
        checker: 'TCP_CHECK',
        le: '0.0025',
      }),
      1,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_check_duration_seconds_bucket', {
        checker: 'HTTP_GET',
        le: '+Inf',
      }),
      1,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_checks_total', {
        virtual_server: 'tcp 10.0.0.100:80',
        real_server: '127.0.0.1:8012',
        checker: 'TCP_CHECK',
        result: 'failure',
      }),
      1,
    );
    assert.equal(
      sampleValue(fams, 'keepalived_real_server_up', {
        virtual_server: 'tcp 10.0.0.100:80',
        real_server: '127.0.0.1:8012',
      }),
      0,
    );
    assert.equal(sampleValue(fams, 'keepalived_ipvs_operations_total', { op: 'dest.del' }), 1);
    assert.equal(
      sampleValue(fams, 'keepalived_ipvs_errors_total', { op: 'dest.add', code: 'EEXIST' }),
      1,
    );
    assert.ok(fams.has('keepalived_process_cpu_seconds_total'));

    const head = await get(server.port, '/metrics', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await get(server.port, '/nope')).status, 404);
    assert.equal((await get(server.port, '/status', 'POST')).status, 405);
  } finally {
    await server.close();
  }
});

test('a busy port is a coded error, not a crash', async () => {
  const metrics = new Metrics();
  const board = new StatusBoard({ version: 'x', configFile: 'f', ipvsBackend: 'none' });
  const first = await startStatusServer(
    { host: '127.0.0.1', port: 0 },
    { status: () => board.snapshot(), metrics },
  );
  try {
    await assert.rejects(
      startStatusServer(
        { host: '127.0.0.1', port: first.port },
        { status: () => board.snapshot(), metrics },
      ),
      { code: 'ERR_STATUS_LISTEN' },
    );
  } finally {
    await first.close();
  }
});

test('forgetting an instance removes its series', async () => {
  const metrics = new Metrics();
  metrics.vrrpTransition('VI_9', 'INIT', 'BACKUP', 100);
  metrics.forgetInstance('VI_9');
  const fams = parsePrometheusText(await metrics.text());
  assert.equal(fams.get('keepalived_vrrp_state')!.samples.length, 0);
});

test('the Prometheus parser rejects malformed text', () => {
  assert.throws(() => parsePrometheusText('x 1\n'), /no TYPE line/);
  assert.throws(() => parsePrometheusText('# TYPE x gauge\nx{a=b} 1\n'), /bad label set/);
  assert.throws(() => parsePrometheusText('# TYPE x gauge\nx 1'), /newline/);
  assert.throws(() => parsePrometheusText('# TYPE x nonsense\n'), /bad TYPE/);
  const fams = parsePrometheusText('# HELP x h\n# TYPE x gauge\nx{a="q\\"uote",b="2"} +Inf\n');
  assert.deepEqual(fams.get('x')!.samples, [
    { name: 'x', labels: { a: 'q"uote', b: '2' }, value: Infinity },
  ]);
});
