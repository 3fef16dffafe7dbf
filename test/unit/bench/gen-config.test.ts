// The benchmark's generated configurations: keepalived's grammar (they load without findings), the
// size asked for, and the distinct-values variant without repeated value lines.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateConfig } from '../../../bench/gen-config.js';
import { loadConfigText } from '../../../src/config/load.js';

const host = { listInterfaces: () => [], findCommand: () => undefined };

for (const distinctValues of [false, true])
  test(`generated config (distinctValues ${distinctValues}) loads without findings`, () => {
    const text = generateConfig({ virtualServers: 3, realServersPerVirtual: 40, distinctValues });
    const r = loadConfigText(text, '/bench/keepalived.conf', { configId: 'bench', host });
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.config.virtualServers.length, 3);
    assert.equal(r.config.virtualServers.flatMap((v) => v.realServers).length, 120);
  });

/** The lines that carry a value (not a brace alone, not a `name {` opener). */
const valueLines = (text: string): string[] =>
  text.split('\n').filter((l) => /^\s+\S+ \S+$/.test(l) && !l.endsWith('{'));

test('the templated config repeats its value lines; the distinct-values one does not repeat connect_port', () => {
  const gen = { virtualServers: 2, realServersPerVirtual: 50 };
  const templated = valueLines(generateConfig(gen));
  assert.equal(new Set(templated).size, 10, 'the same ten value lines throughout');
  const ports = valueLines(generateConfig({ ...gen, distinctValues: true })).filter((l) =>
    l.includes('connect_port'),
  );
  assert.equal(ports.length, 100);
  assert.equal(new Set(ports).size, 100);
});
