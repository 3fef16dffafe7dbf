// The reconciler and the appliers' adoption semantics, on the in-memory backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { validateEvent } from '../../../src/observe/events.js';
import { createLogger } from '../../../src/observe/log.js';
import { DryRunBackend, applyOps } from '../../../src/ipvs/backend.js';
import { describeOp, diff, serviceId, type IpvsOp } from '../../../src/ipvs/reconcile.js';
import type { Destination, IpvsTable, Service, ServiceKey } from '../../../src/ipvs/types.js';

/** A logger whose lines are kept, each checked against the documented event schema. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({
    destination: {
      write: (line: string) => {
        const checked = validateEvent(line);
        assert.ok(checked.ok, `${line}: ${checked.ok ? '' : checked.errors.join('; ')}`);
        lines.push(checked.record);
      },
    },
  });
  return { log, lines };
}

const web: ServiceKey = { kind: 'addr', family: 4, protocol: 'tcp', address: '10.0.0.1', port: 80 };
const dns: ServiceKey = { kind: 'addr', family: 6, protocol: 'udp', address: 'fd00::1', port: 53 };
const mark4: ServiceKey = { kind: 'fwmark', family: 4, fwmark: 1 };
const mark6: ServiceKey = { kind: 'fwmark', family: 6, fwmark: 1 };

const svc = (key: ServiceKey, scheduler = 'rr'): Service => ({
  key,
  scheduler,
  flags: 0,
  timeout: 0,
  netmask: key.family === 4 ? '255.255.255.255' : '128',
});
const dest = (address: string, weight = 1, extra: Partial<Destination> = {}): Destination => ({
  family: address.includes(':') ? 6 : 4,
  address,
  port: 80,
  weight,
  method: 'nat',
  upperThreshold: 0,
  lowerThreshold: 0,
  ...extra,
});

async function converge(desired: IpvsTable, actual: IpvsTable, owned?: Set<string>) {
  const backend = new DryRunBackend(actual);
  const ops = diff(desired, await backend.read(), { owned });
  const { log, lines } = capturingLogger();
  const result = await applyOps(backend, ops, log);
  return { backend, ops, result, lines, after: await backend.read() };
}

test('an empty kernel gets each service, then its destinations, in config order', () => {
  const ops = diff(
    [{ service: svc(web), destinations: [dest('10.0.0.2'), dest('10.0.0.3', 2)] }],
    [],
  );
  assert.deepEqual(ops.map(describeOp), [
    'add service tcp 10.0.0.1:80 (scheduler rr)',
    'add dest tcp 10.0.0.1:80 -> 10.0.0.2:80 (nat, weight 1)',
    'add dest tcp 10.0.0.1:80 -> 10.0.0.3:80 (nat, weight 2)',
  ]);
});

test('extra, missing and changed entries: adds before edits before deletes; unowned untouched', async () => {
  const foreign = {
    service: svc({ kind: 'addr', family: 4, protocol: 'tcp', address: '192.0.2.9', port: 22 }),
    destinations: [dest('192.0.2.10')],
  };
  const desired: IpvsTable = [
    { service: svc(web, 'wlc'), destinations: [dest('10.0.0.2', 5), dest('10.0.0.4')] },
    { service: svc(dns), destinations: [dest('fd00::2')] },
  ];
  const actual: IpvsTable = [
    foreign,
    { service: svc(web, 'rr'), destinations: [dest('10.0.0.2', 1), dest('10.0.0.3')] },
    { service: svc(mark4), destinations: [] },
  ];
  const { ops, after, result } = await converge(desired, actual, new Set([serviceId(mark4)]));
  assert.deepEqual(ops.map(describeOp), [
    'edit service tcp 10.0.0.1:80 (scheduler wlc), was tcp 10.0.0.1:80 (scheduler rr)',
    'add dest tcp 10.0.0.1:80 -> 10.0.0.4:80 (nat, weight 1)',
    'edit dest tcp 10.0.0.1:80 -> 10.0.0.2:80 (nat, weight 5), was weight 1 nat',
    'delete dest tcp 10.0.0.1:80 -> 10.0.0.3:80',
    'add service udp [fd00::1]:53 (scheduler rr)',
    'add dest udp [fd00::1]:53 -> [fd00::2]:80 (nat, weight 1)',
    'delete service fwmark 1',
  ]);
  assert.equal(result.failed.length, 0);
  assert.deepEqual(after[0], foreign, 'the service the config does not name is left as it was');
  assert.deepEqual(
    diff(desired, after, { owned: new Set([serviceId(mark4)]) }),
    [],
    'second pass: nothing to do',
  );
});

test('IPv4 and IPv6 services with the same fwmark are different services', () => {
  const ops = diff(
    [{ service: svc(mark6), destinations: [] }],
    [{ service: svc(mark4), destinations: [] }],
    {
      owned: new Set([serviceId(mark4)]),
    },
  );
  assert.deepEqual(
    ops.map((o) => o.kind),
    ['service.add', 'service.del'],
  );
});

test('a destination the kernel reports as LOCALNODE matches whatever method was asked', () => {
  const desired: IpvsTable = [
    { service: svc(web), destinations: [dest('127.0.0.1', 1, { method: 'dr' })] },
  ];
  const actual: IpvsTable = [
    { service: svc(web), destinations: [dest('127.0.0.1', 1, { method: 'local' })] },
  ];
  assert.deepEqual(diff(desired, actual), []);
  actual[0].destinations[0].weight = 3;
  assert.equal(diff(desired, actual)[0].kind, 'dest.edit');
});

test('tunnel settings count for TUN destinations only, with ipip/0/0 as the defaults', () => {
  const tun = (extra: Partial<Destination>) => [
    { service: svc(web), destinations: [dest('10.0.0.2', 1, { method: 'tun', ...extra })] },
  ];
  assert.deepEqual(diff(tun({ tunnelType: 'ipip', tunnelPort: 0 }), tun({})), []);
  assert.equal(diff(tun({ tunnelType: 'gue', tunnelPort: 6080 }), tun({})).length, 1);
  const nat = [{ service: svc(web), destinations: [dest('10.0.0.2', 1, { tunnelType: 'gre' })] }];
  assert.deepEqual(diff(nat, [{ service: svc(web), destinations: [dest('10.0.0.2')] }]), []);
});

test('drain: a removed destination with active connections is quiesced, deleted once idle', () => {
  const busy = dest('10.0.0.3', 4, { connections: { active: 2, inactive: 1, persistent: 0 } });
  const desired: IpvsTable = [{ service: svc(web), destinations: [dest('10.0.0.2')] }];
  const actual: IpvsTable = [{ service: svc(web), destinations: [dest('10.0.0.2'), busy] }];
  const first = diff(desired, actual, { drain: true });
  assert.deepEqual(first.map(describeOp), [
    'edit dest tcp 10.0.0.1:80 -> 10.0.0.3:80 (nat, weight 0), was weight 4 nat',
  ]);
  const quiesced: IpvsTable = [
    { service: svc(web), destinations: [dest('10.0.0.2'), { ...busy, weight: 0 }] },
  ];
  assert.deepEqual(diff(desired, quiesced, { drain: true }), [], 'still busy: wait');
  const idle: IpvsTable = [
    {
      service: svc(web),
      destinations: [
        dest('10.0.0.2'),
        { ...busy, weight: 0, connections: { active: 0, inactive: 3, persistent: 0 } },
      ],
    },
  ];
  assert.deepEqual(
    diff(desired, idle, { drain: true }).map((o) => o.kind),
    ['dest.del'],
  );
  assert.deepEqual(
    diff(desired, actual).map((o) => o.kind),
    ['dest.del'],
    'without drain: delete at once',
  );
});

test('drain: an owned service no longer desired stays while its destinations drain', () => {
  const busy = dest('10.0.0.3', 4, { connections: { active: 1, inactive: 0, persistent: 0 } });
  const actual: IpvsTable = [{ service: svc(web), destinations: [busy, dest('10.0.0.4')] }];
  const owned = new Set([serviceId(web)]);
  assert.deepEqual(diff([], actual, { owned, drain: true }).map(describeOp), [
    'edit dest tcp 10.0.0.1:80 -> 10.0.0.3:80 (nat, weight 0), was weight 4 nat',
    'delete dest tcp 10.0.0.1:80 -> 10.0.0.4:80',
  ]);
  assert.deepEqual(
    diff([], [{ service: svc(web), destinations: [{ ...busy, connections: undefined }] }], {
      owned,
      drain: true,
    }).map((o) => o.kind),
    ['service.del'],
  );
});

test('adoption: EEXIST on add and ENOENT on delete succeed; an edit hitting ENOENT becomes an add', async () => {
  const backend = new DryRunBackend([{ service: svc(web), destinations: [dest('10.0.0.2')] }]);
  const { log, lines } = capturingLogger();
  const stale: IpvsOp[] = [
    { kind: 'service.add', service: svc(web) },
    { kind: 'dest.add', service: web, dest: dest('10.0.0.2') },
    { kind: 'dest.del', service: web, dest: dest('10.0.0.9') },
    { kind: 'dest.edit', service: web, dest: dest('10.0.0.5', 7), before: dest('10.0.0.5') },
    { kind: 'service.edit', service: svc(dns, 'sh'), before: svc(dns) },
    { kind: 'service.del', service: svc(mark4) },
  ];
  const result = await applyOps(backend, stale, log);
  assert.deepEqual(result, { applied: 6, failed: [] });
  const after = await backend.read();
  assert.deepEqual(
    after.map((e) => serviceId(e.service.key)),
    ['tcp 10.0.0.1:80', 'udp [fd00::1]:53'],
  );
  assert.deepEqual(
    after[0].destinations.map((d) => `${d.address}/${d.weight}`),
    ['10.0.0.2/1', '10.0.0.5/7'],
  );
  assert.deepEqual(
    lines.map((l) => [l.event, l.adopted]),
    [
      ['ipvs.service.add', true],
      ['ipvs.dest.add', true],
      ['ipvs.dest.del', true],
      ['ipvs.dest.edit', false],
      ['ipvs.service.edit', false],
      ['ipvs.service.del', true],
    ],
  );
  assert.deepEqual(
    {
      service: lines[3].service,
      dest: lines[3].dest,
      weight: lines[3].weight,
      method: lines[3].method,
      dryRun: lines[3].dryRun,
    },
    { service: 'tcp 10.0.0.1:80', dest: '10.0.0.5:80', weight: 7, method: 'nat', dryRun: true },
  );
});

test('a failure is logged and recorded; the other operations still run, not the dests of a failed service', async () => {
  const backend = new DryRunBackend();
  const { log, lines } = capturingLogger();
  const ops: IpvsOp[] = [
    { kind: 'dest.add', service: web, dest: dest('10.0.0.2') },
    { kind: 'service.add', service: svc(dns) },
  ];
  const result = await applyOps(backend, ops, log);
  assert.equal(result.applied, 1);
  assert.equal(result.failed.length, 1);
  assert.equal((result.failed[0].error as { code?: string }).code, 'ESRCH');
  assert.deepEqual(
    lines.map((l) => l.event),
    ['ipvs.op.failed', 'ipvs.service.add'],
  );
  assert.equal(lines[0].level, 'error');
});

// ---- property: one pass converges, a second finds nothing ----

const keyArb: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({
    kind: fc.constant('addr' as const),
    family: fc.constant(4 as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'),
    port: fc.constantFrom(80, 443),
  }),
  fc.record({
    kind: fc.constant('fwmark' as const),
    family: fc.constantFrom(4 as const, 6 as const),
    fwmark: fc.integer({ min: 1, max: 3 }),
  }),
);
const tableArb: fc.Arbitrary<IpvsTable> = fc
  .uniqueArray(
    fc.record({
      key: keyArb,
      scheduler: fc.constantFrom('rr', 'wrr', 'sh'),
      dests: fc.uniqueArray(
        fc.record({
          address: fc.constantFrom('10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'),
          weight: fc.integer({ min: 0, max: 3 }),
          method: fc.constantFrom('nat' as const, 'dr' as const),
          active: fc.integer({ min: 0, max: 2 }),
        }),
        { selector: (d) => d.address, maxLength: 4 },
      ),
    }),
    { selector: (s) => serviceId(s.key), maxLength: 5 },
  )
  .map((list) =>
    list.map((s) => ({
      // fast-check builds records without a prototype; the tables hold plain objects.
      service: svc({ ...s.key }, s.scheduler),
      destinations: s.dests.map((d) =>
        dest(d.address, d.weight, {
          method: d.method,
          connections: { active: d.active, inactive: 0, persistent: 0 },
        }),
      ),
    })),
  );

test('property: after applying one diff, a second diff is empty, unowned services untouched', async () => {
  await fc.assert(
    fc.asyncProperty(
      tableArb,
      tableArb,
      fc.boolean(),
      fc.boolean(),
      async (desired, actual, ownAll, drain) => {
        const owned = new Set(ownAll ? actual.map((e) => serviceId(e.service.key)) : []);
        const backend = new DryRunBackend(actual);
        const log = createLogger({ level: 'silent' });
        const result = await applyOps(
          backend,
          diff(desired, await backend.read(), { owned, drain }),
          log,
        );
        assert.deepEqual(result.failed, []);
        const after = await backend.read();
        assert.deepEqual(diff(desired, after, { owned, drain }), []);
        const wanted = new Set(desired.map((e) => serviceId(e.service.key)));
        for (const e of actual) {
          const id = serviceId(e.service.key);
          if (!wanted.has(id) && !owned.has(id)) {
            assert.deepEqual(
              after.find((a) => serviceId(a.service.key) === id),
              e,
            );
          }
        }
        if (!drain) {
          const shape = (t: IpvsTable) =>
            t
              .filter((e) => wanted.has(serviceId(e.service.key)))
              .map((e) => [
                serviceId(e.service.key),
                e.service.scheduler,
                e.destinations.map((d) => `${d.address}/${d.weight}/${d.method}`).sort(),
              ])
              .sort();
          assert.deepEqual(shape(after), shape(desired));
        }
      },
    ),
    { numRuns: 300 },
  );
});
