import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFileCheck } from '../../../src/check/file.js';

let dir: string;
let path: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-check-file-'));
  path = join(dir, 'weight');
});
after(() => rmSync(dir, { recursive: true, force: true }));

const check = (weight: number, reverse = false) =>
  runFileCheck({ type: 'FILE_CHECK', path, weight, reverse });

test('a missing file reads as 0: up', async () => {
  const r = await check(0);
  assert.deepEqual([r.ok, r.weight], [true, { kind: 'add', offset: 0 }]);
});

test('weight 0: a non-zero value is down, reverse turns that around', async () => {
  writeFileSync(path, '1\n');
  assert.equal((await check(0)).ok, false);
  assert.equal((await check(0, true)).ok, true);
  writeFileSync(path, '0\n');
  assert.equal((await check(0, true)).ok, false);
});

test('a weight multiplies the value into the real server weight', async () => {
  writeFileSync(path, '3');
  assert.deepEqual((await check(2)).weight, { kind: 'add', offset: 6 });
  assert.deepEqual((await check(2, true)).weight, { kind: 'add', offset: -6 });
});

test('a value at IPVS_WEIGHT_FAULT is down', async () => {
  writeFileSync(path, '-2147483648');
  const r = await check(1);
  assert.deepEqual([r.ok, r.reason], [false, 'value -2147483648']);
});
