// Main-thread work done in slices (issue 5): checker batches and IPVS resyncs must let VRRP run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffInSlices, eachInSlices } from '../../../src/daemon/sides.js';
import { diff, serviceId } from '../../../src/ipvs/reconcile.js';
import type { IpvsTable, ServiceKey } from '../../../src/ipvs/types.js';

test('eachInSlices visits every item in order and yields between slices', async () => {
  const seen: string[] = [];
  // Due on the next turn of the event loop: it runs between items only if the loop is let run.
  setImmediate(() => seen.push('timer'));
  await eachInSlices([1, 2, 3], (n) => seen.push(`item ${n}`), 0);
  assert.deepEqual(seen, ['item 1', 'timer', 'item 2', 'item 3']);
});

test('eachInSlices does not yield while a slice lasts', async () => {
  const seen: string[] = [];
  setImmediate(() => seen.push('timer'));
  await eachInSlices([1, 2, 3], (n) => seen.push(`item ${n}`), 60_000);
  assert.deepEqual(seen, ['item 1', 'item 2', 'item 3']);
});

const keyArb: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({
    kind: fc.constant('addr' as const),
    family: fc.constant(4 as const),
    protocol: fc.constantFrom('tcp' as const, 'udp' as const),
    address: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    port: fc.constantFrom(80, 443),
  }),
  fc.record({
    kind: fc.constant('fwmark' as const),
    family: fc.constantFrom(4 as const, 6 as const),
    fwmark: fc.integer({ min: 1, max: 2 }),
  }),
);
// Duplicate service keys allowed on purpose: diff() keeps the first, so must the sliced one.
const tableArb: fc.Arbitrary<IpvsTable> = fc.array(
  fc
    .record({
      key: keyArb,
      scheduler: fc.constantFrom('rr', 'wrr'),
      dests: fc.uniqueArray(
        fc.record({
          address: fc.constantFrom('10.1.0.1', '10.1.0.2', '10.1.0.3'),
          weight: fc.integer({ min: 0, max: 2 }),
        }),
        { selector: (d) => d.address, maxLength: 3 },
      ),
    })
    .map((s) => ({
      // fast-check builds records without a prototype; the tables hold plain objects.
      service: { key: { ...s.key }, scheduler: s.scheduler, flags: 0, timeout: 0, netmask: '32' },
      destinations: s.dests.map((d) => ({
        family: 4 as const,
        address: d.address,
        port: 80,
        weight: d.weight,
        method: 'nat' as const,
        upperThreshold: 0,
        lowerThreshold: 0,
      })),
    })),
  { maxLength: 5 },
);

test('property: diffInSlices gives what diff gives, in the same order', async () => {
  await fc.assert(
    fc.asyncProperty(tableArb, tableArb, fc.boolean(), async (desired, actual, ownAll) => {
      const owned = new Set(ownAll ? actual.map((e) => serviceId(e.service.key)) : []);
      // A zero-length slice yields after every service: the most interleaved run there is.
      assert.deepEqual(
        await diffInSlices(desired, actual, owned, 0),
        diff(desired, actual, { owned }),
      );
    }),
  );
});
