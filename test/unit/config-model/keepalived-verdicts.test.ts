// Our `-t` verdicts on configs written for the interface and static-tracking blocks (garp_group,
// track_group, linkbeat_interfaces, interface_up_down_delays, use_vmac / use_ipvlan, process
// delays) against keepalived 2.2.7's, recorded in the fixture directory's EXPECTED.json: the same
// exit status, every keepalived message said by us on the same line, and no error of ours that
// keepalived does not give, apart from the differences EXPECTED.json lists with their reasons.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { exitCodeOf, loadConfig } from '../../../src/config/load.js';
import type { Diagnostic } from '../../../src/config/diagnostic.js';
import { hostWith } from '../../helpers/config-text.js';
import { VERDICTS_DIR, recordedVerdicts } from '../../fixtures/config-model/verdicts.js';

/**
 * keepalived prints range bounds with six decimals ("[0.000000, 255.000000]"), keepalived-ts the
 * shortest form: the bounds are compared as numbers.
 */
function normalised(line: string): string {
  return line.replace(/\[([\d.]+), ([\d.]+)\]/, (_m, lo: string, hi: string) => {
    return `[${Number(lo)}, ${Number(hi)}]`;
  });
}

const said = (d: Diagnostic) => `${d.pos?.line ?? '-'} ${d.message}`;

for (const [name, recorded] of recordedVerdicts()) {
  test(`${name}: keepalived-ts agrees with keepalived 2.2.7`, () => {
    // The testbed of EXPECTED.json: eth0..eth3 exist.
    const r = loadConfig(`${VERDICTS_DIR}${name}.conf`, { configId: 'test', host: hostWith() });
    assert.equal(exitCodeOf(r.verdict), recorded.exit, 'exit status');
    const ours = r.diagnostics.map(said);
    const known = recorded.known ?? [];
    const expected = recorded.keepalived
      .map((k) => {
        const diff = known.find((d) => d.keepalived === k);
        return diff ? diff.ours : k;
      })
      .filter((k): k is string => k !== null)
      .map(normalised);
    for (const k of expected) {
      const found = k.startsWith('- ')
        ? ours.some((o) => o.slice(o.indexOf(' ')) === k.slice(1))
        : ours.includes(k);
      assert.ok(found, `keepalived says "${k}"; keepalived-ts says:\n${ours.join('\n')}`);
    }
    const onlyOurs = new Set(known.filter((d) => d.keepalived === null).map((d) => d.ours));
    for (const d of r.diagnostics.filter((x) => x.severity === 'error')) {
      const o = said(d);
      const matched = expected.some((k) => (k.startsWith('- ') ? o.endsWith(k.slice(1)) : k === o));
      assert.ok(matched || onlyOurs.has(o), `only keepalived-ts says "${o}"`);
    }
  });
}

test('every recorded verdict has its config, and there are failing and passing ones', () => {
  const verdicts = recordedVerdicts();
  assert.ok(verdicts.size >= 12);
  assert.ok([...verdicts.values()].some((v) => v.exit === 0));
  assert.ok([...verdicts.values()].some((v) => v.exit === 5));
  for (const name of verdicts.keys()) readFileSync(`${VERDICTS_DIR}${name}.conf`);
});
