// track_file: the value read from the file and what it does to the instances tracking it, as
// keepalived 2.2.7 (trackers/track_file.c); the FileTracker shell against real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  fileEffect,
  parseTrackFileValue,
  trackedPriority,
  type FileTrackerStatus,
} from '../../../src/vrrp/track.js';
import { FileTracker } from '../../../src/vrrp/file-tracker.js';
import { waitUntil } from '../../helpers/vrrp-nodes.js';

const f = (value: number, weight: number, reverse = false): FileTrackerStatus => ({
  name: 'file:tf',
  value,
  weight,
  reverse,
});

test('the file is read as C strtol(buf, NULL, 0)', () => {
  const cases: Array<[string, number | undefined]> = [
    ['5\n', 5],
    ['  -12 apples', -12],
    ['+7', 7],
    ['0x1f', 31],
    ['0X1F\n', 31],
    ['010', 8],
    ['09', 0], // octal: the 9 ends the number
    ['0x', 0], // no hex digit: the 0 alone
    ['', 0],
    ['abc', 0],
    ['-', 0],
    ['\t\n 42', 42],
    ['2147483648', 2147483648], // keepalived accepts one past INT32_MAX
    ['2147483649', undefined],
    ['-2147483648', -2147483648],
    ['-2147483649', undefined],
    ['99999999999999999999999999', undefined],
  ];
  for (const [text, value] of cases) assert.equal(parseTrackFileValue(text), value, text);
});

test('only the first 127 bytes are read', () => {
  assert.equal(parseTrackFileValue(`${' '.repeat(126)}7`), 7);
  assert.equal(parseTrackFileValue(`${' '.repeat(127)}7`), 0);
  assert.equal(parseTrackFileValue(`${' '.repeat(125)}78`), 78);
});

test('property: decimal integers in range round-trip', () => {
  fc.assert(
    fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (n) => {
      assert.equal(parseTrackFileValue(`${n}\n`), n);
    }),
  );
});

test('property: the parser never throws and yields an integer in range or undefined', () => {
  fc.assert(
    fc.property(fc.string(), (text) => {
      const v = parseTrackFileValue(text);
      if (v !== undefined) {
        assert.ok(Number.isInteger(v) && v >= -0x80000000 && v <= 0x80000000);
      }
    }),
  );
});

test('weighted: value × weight × multiplier, clamped to -254..253, -254 is FAULT', () => {
  assert.deepEqual(fileEffect(f(3, 10)), { fault: false, delta: 30 });
  assert.deepEqual(fileEffect(f(-3, 10)), { fault: false, delta: -30 });
  assert.deepEqual(fileEffect(f(3, 10, true)), { fault: false, delta: -30 });
  assert.deepEqual(fileEffect(f(100, 10)), { fault: false, delta: 253 });
  assert.deepEqual(fileEffect(f(-253, 1)), { fault: false, delta: -253 });
  assert.deepEqual(fileEffect(f(-254, 1)), { fault: true, delta: 0 });
  assert.deepEqual(fileEffect(f(-100, 10)), { fault: true, delta: 0 });
  assert.deepEqual(fileEffect(f(0, 10)), { fault: false, delta: 0 });
});

test('weight 0: FAULT while the value is non-zero; with reverse, while it is zero', () => {
  assert.deepEqual(fileEffect(f(0, 0)), { fault: false, delta: 0 });
  assert.deepEqual(fileEffect(f(7, 0)), { fault: true, delta: 0 });
  assert.deepEqual(fileEffect(f(-1, 0)), { fault: true, delta: 0 });
  assert.deepEqual(fileEffect(f(0, 0, true)), { fault: true, delta: 0 });
  assert.deepEqual(fileEffect(f(1, 0, true)), { fault: false, delta: 0 });
});

test('files add to the priority with the other trackers; the total is clamped to 1..254', () => {
  const script = { name: 'script:s', up: true, weight: 5, reverse: false };
  assert.deepEqual(trackedPriority(100, [script], [f(2, 10), { ...f(1, -3), name: 'file:b' }]), {
    priority: 122,
    faults: [],
    pending: [],
  });
  assert.equal(trackedPriority(100, [], [f(200, 1)]).priority, 254);
  assert.equal(trackedPriority(100, [], [f(-200, 1)]).priority, 1);
  assert.deepEqual(trackedPriority(100, [], [f(-300, 1)]), {
    priority: 100,
    faults: ['file:tf'],
    pending: [],
  });
  assert.deepEqual(trackedPriority(255, [], [f(50, 1), { ...f(1, 0), name: 'file:z' }]), {
    priority: 255,
    faults: ['file:z'],
    pending: [],
  });
});

const scratch = () => mkdtempSync(join(tmpdir(), 'kts-vrrp3-tf-'));

test('FileTracker: writes, replacement by rename and deletion are seen; out-of-range is ignored', async () => {
  const dir = scratch();
  const path = join(dir, 'value');
  const changes: Array<[number, number]> = [];
  const problems: string[] = [];
  const tracker = new FileTracker({ name: 'tf', path }, true, {
    change: (value, previous) => changes.push([value, previous]),
    problem: (m) => problems.push(m),
  });
  try {
    assert.equal(tracker.value, 0, 'a missing file is 0');
    tracker.start();
    writeFileSync(path, '5\n');
    await waitUntil(() => tracker.value === 5, 2000, 'the write');
    writeFileSync(join(dir, 'other'), '9\n');
    writeFileSync(`${path}.tmp`, '-3\n');
    renameSync(`${path}.tmp`, path);
    await waitUntil(() => tracker.value === -3, 2000, 'the rename');
    writeFileSync(path, '99999999999\n');
    await waitUntil(() => problems.length === 1, 2000, 'the invalid number');
    assert.equal(tracker.value, -3, 'an invalid number leaves the value');
    rmSync(path);
    await waitUntil(() => tracker.value === 0, 2000, 'the deletion');
    assert.deepEqual(changes, [
      [5, 0],
      [-3, 5],
      [0, -3],
    ]);
    assert.match(problems[0], /invalid number read from .*value - ignoring/);
  } finally {
    tracker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileTracker: init_file creates the file; overwrite rewrites it only at first load', () => {
  const dir = scratch();
  const path = join(dir, 'v');
  const quiet = { change: () => undefined, problem: () => undefined };
  try {
    const created = new FileTracker(
      { name: 't', path, initFile: { value: 3, overwrite: false } },
      true,
      quiet,
    );
    assert.equal(readFileSync(path, 'utf8'), '3\n');
    assert.equal(created.value, 3);
    writeFileSync(path, '8\n');
    const kept = new FileTracker(
      { name: 't', path, initFile: { value: 3, overwrite: false } },
      true,
      quiet,
    );
    assert.equal(kept.value, 8, 'without overwrite an existing file is kept');
    const reloaded = new FileTracker(
      { name: 't', path, initFile: { value: 4, overwrite: true } },
      false,
      quiet,
    );
    assert.equal(reloaded.value, 8, 'overwrite does not apply on a reload');
    const started = new FileTracker(
      { name: 't', path, initFile: { value: 4, overwrite: true } },
      true,
      quiet,
    );
    assert.equal(started.value, 4);
    assert.equal(readFileSync(path, 'utf8'), '4\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FileTracker: the directory is resolved (symlinks), and must exist', () => {
  const dir = scratch();
  try {
    symlinkSync(dir, join(dir, 'link'));
    writeFileSync(join(dir, 'v'), '2');
    const t = new FileTracker({ name: 't', path: join(dir, 'link', 'v') }, true, {
      change: () => undefined,
      problem: () => undefined,
    });
    assert.equal(t.resolvedPath, join(dir, 'v'));
    assert.equal(t.value, 2);
    assert.throws(
      () =>
        new FileTracker({ name: 't', path: join(dir, 'nowhere', 'v') }, true, {
          change: () => undefined,
          problem: () => undefined,
        }),
      { code: 'TRACK_FILE_NO_DIRECTORY' },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the sequence keepalived 2.2.7 logged for weight 10 reverse (file) and 7 reverse (script)', () => {
  // keepalived -n -l -D in a namespace: file 2 → 80, script up → 73, file -1 → 103,
  // file 0x20 → "tracked file tf now FAULT state".
  const script = { name: 'script:chk_up', up: true, weight: 7, reverse: true };
  const file = (text: string) => ({
    ...f(parseTrackFileValue(text) ?? 0, 10, true),
    name: 'file:tf',
  });
  assert.equal(trackedPriority(100, [], [file('2\n')]).priority, 80);
  assert.equal(trackedPriority(100, [script], [file('2\n')]).priority, 73);
  assert.equal(trackedPriority(100, [script], [file('-1\n')]).priority, 103);
  assert.deepEqual(trackedPriority(100, [script], [file('0x20\n')]).faults, ['file:tf']);
});
