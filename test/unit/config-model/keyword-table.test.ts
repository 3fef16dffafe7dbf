// Keyword tables are objects without a prototype: a configuration naming a property every object
// has is told the keyword is unknown, like any other misspelling, in every kind of block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, loadText } from '../../helpers/config-text.js';

test('keywords named like Object.prototype members are unknown keywords', () => {
  const r = loadText(`
global_defs {
  __proto__ x
  constructor 1
  toString
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  hasOwnProperty
  real_server 10.0.0.2 80 {
    valueOf 3
    TCP_CHECK {
      __proto__
    }
  }
}`);
  assert.deepEqual(
    errors(r).map((d) => `${d.pos?.line} ${d.code} ${d.message}`),
    [
      "3 unknown-keyword Unknown keyword '__proto__'",
      "4 unknown-keyword Unknown keyword 'constructor'",
      "5 unknown-keyword Unknown keyword 'toString'",
      "9 unknown-keyword Unknown keyword 'hasOwnProperty'",
      "11 unknown-keyword Unknown keyword 'valueOf'",
      "13 unknown-keyword Unknown keyword '__proto__'",
    ],
  );
  assert.equal(r.config.virtualServers[0].realServers[0].checkers[0].type, 'TCP_CHECK');
});
