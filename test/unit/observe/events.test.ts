import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger } from '../../../src/observe/log.js';
import { EVENTS, emit, renderEventReference, validateEvent } from '../../../src/observe/events.js';

const root = new URL('../../../../', import.meta.url);

/** A logger writing into an array of lines. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ destination: stream as never }) };
}

test('emit writes lines that validate, at the documented level', () => {
  const { lines, log } = capture();
  emit(log, 'vrrp.state', {
    instance: 'VI_1',
    from: 'BACKUP',
    to: 'MASTER',
    reason: 'master-down timer',
  });
  emit(log, 'check.down', {
    virtualServer: 'tcp 10.0.0.1:80',
    realServer: '10.0.0.2:80',
    checker: 'HTTP_GET 10.0.0.2:80',
    reason: 'status 503',
  });
  emit(log, 'config.rejected', {
    file: '/etc/keepalived/keepalived.conf',
    reload: true,
    diagnostics: [
      { severity: 'error', code: 'out-of-range', message: 'bad', file: 'k.conf', line: 3, col: 5 },
    ],
  });
  assert.equal(lines.length, 3);
  const results = lines.map((l) => validateEvent(l));
  assert.deepEqual(
    results.map((r) => r.ok && r.event),
    ['vrrp.state', 'check.down', 'config.rejected'],
  );
  assert.equal(JSON.parse(lines[1]!).level, 'warn');
  assert.equal(JSON.parse(lines[2]!).level, 'error');
});

test('plain log lines without an event validate on their base fields', () => {
  const { lines, log } = capture();
  log.info('hello');
  assert.deepEqual(validateEvent(lines[0]!), { ok: true, record: JSON.parse(lines[0]!) });
});

test('validateEvent names every problem', () => {
  const base = { level: 'info', time: '2026-01-01T00:00:00.000Z', pid: 1 };
  const bad = validateEvent({ ...base, event: 'vrrp.state', instance: 7, from: 'UP', extra: 1 });
  assert.equal(bad.ok, false);
  assert.deepEqual(!bad.ok && bad.errors.sort(), [
    "field 'from': expected one of INIT|BACKUP|MASTER|FAULT|STOP",
    "field 'instance': expected a string",
    "missing field 'reason'",
    "missing field 'to'",
    "undocumented field 'extra'",
  ]);
  assert.deepEqual(validateEvent({ ...base, event: 'no.such' }), {
    ok: false,
    errors: ["unknown event 'no.such'"],
  });
  assert.deepEqual(
    validateEvent({
      ...base,
      level: 'warn',
      event: 'vip.add',
      instance: 'VI_1',
      address: '10.0.0.100/32',
    }),
    {
      ok: false,
      errors: ["level 'warn', documented 'info'"],
    },
  );
  const notJson = validateEvent('{"level":');
  assert.ok(
    !notJson.ok && notJson.errors.length === 1 && notJson.errors[0]!.startsWith('not JSON: '),
  );
  assert.deepEqual(validateEvent('[1]'), { ok: false, errors: ['not a JSON object'] });
  assert.deepEqual(validateEvent({ time: 'x', pid: 1.5 }), {
    ok: false,
    errors: ["missing field 'level'", "field 'pid': expected an integer"],
  });
});

test('validateEvent never throws on arbitrary input', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      const r = validateEvent(text);
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.keys(EVENTS)),
      fc.dictionary(fc.string(), fc.jsonValue()),
      (event, fields) => {
        const r = validateEvent({ level: 'info', time: 't', pid: 1, ...fields, event });
        assert.equal(typeof r.ok, 'boolean');
      },
    ),
  );
});

test('docs/events.md carries the reference rendered from the schema', () => {
  const doc = readFileSync(new URL('docs/events.md', root), 'utf8');
  const begin = '<!-- BEGIN GENERATED: renderEventReference() -->\n';
  const end = '<!-- END GENERATED -->';
  const start = doc.indexOf(begin);
  assert.ok(start >= 0 && doc.includes(end), 'docs/events.md lacks the generated markers');
  const section = doc.slice(start + begin.length, doc.indexOf(end));
  assert.equal(section.trim(), renderEventReference().trim());
});
