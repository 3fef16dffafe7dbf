import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IpvsSide } from '../../../src/daemon/sides.js';
import { DryRunBackend } from '../../../src/ipvs/backend.js';
import { validateEvent } from '../../../src/observe/events.js';
import { captureObserver } from './capture.js';
import { configOf } from './configs.js';

const root = new URL('../../../../', import.meta.url);
/** The LVS-DR example the demo and docs use. */
const example = configOf(
  readFileSync(new URL('examples/lvs-dr/keepalived-master.conf', root), 'utf8'),
);

const events = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event);
const brief = (r: Record<string, unknown>) => [r.event, r.dest ?? r.service ?? r.operations];

test('programs the table, follows verdicts, repairs drift, releases on stop', async () => {
  const cap = captureObserver();
  const backend = new DryRunBackend();
  const side = new IpvsSide(cap.observer, backend, { reconcileMs: 3_600_000 });
  await side.apply(example);
  assert.deepEqual(events(cap.lines).map(brief), [
    ['ipvs.service.add', 'tcp 192.168.0.38:80'],
    ['ipvs.dest.add', '192.168.0.18:80'],
    ['ipvs.dest.add', '192.168.0.28:80'],
  ]);
  const [entry] = await backend.read();
  assert.equal(entry!.service.scheduler, 'rr');
  assert.equal(entry!.service.timeout, 50);

  // A verdict takes .28 out.
  const before = cap.lines.length;
  side.verdict({
    virtualServer: 'tcp 192.168.0.38:80',
    quorumUp: true,
    sorryActive: false,
    realServers: [
      {
        realServer: '192.168.0.18:80',
        address: '192.168.0.18',
        port: 80,
        family: 4,
        inhibitOnFailure: false,
        alive: true,
        weight: 1,
      },
      {
        realServer: '192.168.0.28:80',
        address: '192.168.0.28',
        port: 80,
        family: 4,
        inhibitOnFailure: false,
        alive: false,
        weight: 1,
      },
    ],
  });
  await side.sync(false);
  assert.deepEqual(events(cap.lines.slice(before)).map(brief), [
    ['ipvs.dest.del', '192.168.0.28:80'],
  ]);

  // Someone deletes .18 behind our back: the periodic sync reports drift and re-adds it.
  const [svc] = await backend.read();
  await backend.apply({ kind: 'dest.del', service: svc!.service.key, dest: svc!.destinations[0]! });
  const mark = cap.lines.length;
  await side.sync(true);
  assert.deepEqual(events(cap.lines.slice(mark)).map(brief), [
    ['ipvs.drift', 1],
    ['ipvs.dest.add', '192.168.0.18:80'],
  ]);
  // Nothing to do: nothing logged.
  const quiet = cap.lines.length;
  await side.sync(true);
  assert.equal(cap.lines.length, quiet);

  await side.stop({ releaseVips: true, releaseIpvs: true });
  assert.deepEqual(await backend.read(), []);
  assert.equal(events(cap.lines).at(-1)!.event, 'ipvs.service.del');
  for (const line of cap.lines) assert.ok(validateEvent(line).ok, line);
  const metrics = await cap.observer.metrics.registry.getSingleMetricAsString(
    'keepalived_ipvs_operations_total',
  );
  assert.match(metrics, /op="dest.add"} 3/);
  assert.match(metrics, /op="dest.del"} 1/);
});

test('a reload that drops a virtual server deletes it; -I keeps the table on stop', async () => {
  const cap = captureObserver();
  const backend = new DryRunBackend();
  const side = new IpvsSide(cap.observer, backend, { reconcileMs: 3_600_000 });
  const two = readFileSync(new URL('examples/lvs-dr/keepalived-master.conf', root), 'utf8').replace(
    'virtual_server 192.168.0.38 80 {',
    'virtual_server 192.168.0.38 443 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n    real_server 192.168.0.18 443 {\n    }\n}\nvirtual_server 192.168.0.38 80 {',
  );
  await side.apply(configOf(two));
  assert.equal((await backend.read()).length, 2);
  await side.apply(example);
  assert.deepEqual(
    (await backend.read()).map((e) => e.service.key),
    [{ kind: 'addr', family: 4, protocol: 'tcp', address: '192.168.0.38', port: 80 }],
  );
  await side.stop({ releaseVips: true, releaseIpvs: false });
  assert.equal((await backend.read()).length, 1);
});

test('a real server removed and added back starts over instead of taking its old verdict', async () => {
  const cap = captureObserver();
  const backend = new DryRunBackend();
  const side = new IpvsSide(cap.observer, backend, { reconcileMs: 3_600_000 });
  await side.apply(example);
  const rs28 = {
    realServer: '192.168.0.28:80',
    address: '192.168.0.28',
    port: 80,
    family: 4 as const,
    inhibitOnFailure: false,
  };
  side.verdict({
    virtualServer: 'tcp 192.168.0.38:80',
    quorumUp: true,
    sorryActive: false,
    realServers: [{ ...rs28, alive: false, weight: 1 }],
  });
  await side.sync(false);
  const dests = async () => (await backend.read())[0]!.destinations.map((d) => d.address);
  assert.deepEqual(await dests(), ['192.168.0.18']);
  // Reloaded without .28, then with it again: its new checkers have not reported yet, so it is
  // in its start state (alive: no alpha), not down from the verdict of the removed one.
  const without = readFileSync(
    new URL('examples/lvs-dr/keepalived-master.conf', root),
    'utf8',
  ).replace(/ {4}real_server 192\.168\.0\.28 80 \{[\s\S]*?\n {4}\}\n/, '');
  await side.apply(configOf(without));
  assert.deepEqual(await dests(), ['192.168.0.18']);
  await side.apply(example);
  assert.deepEqual((await dests()).sort(), ['192.168.0.18', '192.168.0.28']);
  await side.stop({ releaseVips: true, releaseIpvs: true });
});

test('an operation the backend refuses is logged, counted, and retried at the next sync', async () => {
  const cap = captureObserver();
  let refuse = true;
  const backend = new DryRunBackend();
  const flaky = {
    dryRun: true,
    read: () => backend.read(),
    readService: (key: Parameters<DryRunBackend['readService']>[0]) => backend.readService(key),
    apply: async (op: Parameters<DryRunBackend['apply']>[0]) => {
      if (refuse && op.kind === 'dest.add')
        throw Object.assign(new Error('ENOMEM'), { code: 'ENOMEM' });
      return backend.apply(op);
    },
  };
  const side = new IpvsSide(cap.observer, flaky, { reconcileMs: 3_600_000 });
  await side.apply(example);
  assert.equal(events(cap.lines).filter((r) => r.event === 'ipvs.op.failed').length, 2);
  assert.match(
    await cap.observer.metrics.registry.getSingleMetricAsString('keepalived_ipvs_errors_total'),
    /op="dest.add",code="ENOMEM"} 2/,
  );
  refuse = false;
  await side.sync(true);
  assert.equal((await backend.read())[0]!.destinations.length, 2);
  for (const line of cap.lines) assert.ok(validateEvent(line).ok, line);
  await side.stop({ releaseVips: true, releaseIpvs: true });
});

test('lvs_flush replaces foreign entries at start; lvs_flush_on_stop empties the table', async () => {
  const foreign = new DryRunBackend();
  await foreign.apply({
    kind: 'service.add',
    service: {
      key: { kind: 'fwmark', family: 4, fwmark: 7 },
      scheduler: 'wlc',
      flags: 0,
      timeout: 0,
      netmask: '255.255.255.255',
    },
  });
  const keep = new IpvsSide(captureObserver().observer, foreign, { reconcileMs: 3_600_000 });
  await keep.apply(example);
  assert.equal((await foreign.read()).length, 2, 'without lvs_flush foreign entries stay');
  await keep.stop({ releaseVips: true, releaseIpvs: true });
  assert.deepEqual(
    (await foreign.read()).map((e) => e.service.key.kind),
    ['fwmark'],
    'stop removes only ours',
  );

  const text = readFileSync(new URL('examples/lvs-dr/keepalived-master.conf', root), 'utf8');
  const flushing = configOf(
    text.replace('router_id LVS_D1', 'router_id LVS_D1\n   lvs_flush\n   lvs_flush_on_stop'),
  );
  const side = new IpvsSide(captureObserver().observer, foreign, { reconcileMs: 3_600_000 });
  await side.apply(flushing);
  assert.deepEqual(
    (await foreign.read()).map((e) => e.service.key.kind),
    ['addr'],
  );
  await side.stop({ releaseVips: true, releaseIpvs: true });
  assert.deepEqual(await foreign.read(), []);
});

test('a verdict reads back only its virtual server; a burst of verdicts costs one sync', async () => {
  const backend = new DryRunBackend();
  const calls = { read: 0, readService: [] as string[] };
  const counting = {
    dryRun: true,
    read: () => {
      calls.read++;
      return backend.read();
    },
    readService: (key: Parameters<DryRunBackend['readService']>[0]) => {
      calls.readService.push(key.kind === 'addr' ? `${key.address}:${key.port}` : 'fwmark');
      return backend.readService(key);
    },
    apply: (op: Parameters<DryRunBackend['apply']>[0]) => backend.apply(op),
  };
  const side = new IpvsSide(captureObserver().observer, counting, { reconcileMs: 3_600_000 });
  await side.apply(example);
  calls.read = 0;
  const rs = (address: string, alive: boolean) => ({
    realServer: `${address}:80`,
    address,
    port: 80,
    family: 4 as const,
    inhibitOnFailure: false,
    alive,
    weight: 1,
  });
  // Five verdicts in one turn (.28 flapping): one targeted sync applies the last one.
  for (const alive of [false, true, false, true])
    side.verdict({
      virtualServer: 'tcp 192.168.0.38:80',
      quorumUp: true,
      sorryActive: false,
      realServers: [rs('192.168.0.18', true), rs('192.168.0.28', alive)],
    });
  side.verdict({
    virtualServer: 'tcp 192.168.0.38:80',
    quorumUp: true,
    sorryActive: false,
    realServers: [rs('192.168.0.18', true), rs('192.168.0.28', false)],
  });
  await side.sync(false);
  assert.deepEqual(calls.readService, ['192.168.0.38:80']);
  assert.equal(calls.read, 1, 'only the full sync asked for the whole table');
  assert.deepEqual(
    (await backend.read())[0]!.destinations.map((d) => d.address),
    ['192.168.0.18'],
  );
  await side.stop({ releaseVips: true, releaseIpvs: true });
});
