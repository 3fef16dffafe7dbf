import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusBoard, type CheckResultStatus } from '../../../src/observe/status.js';

test('redefining on reload keeps live state of survivors and drops the rest', () => {
  let t = Date.parse('2026-11-24T12:00:00Z');
  const board = new StatusBoard(
    { version: 'v', configFile: 'f', ipvsBackend: 'kernel' },
    () => new Date(t),
  );
  board.defineInstance({ name: 'VI_1', vrid: 1, priority: 100, vips: ['10.0.0.1/32'] });
  board.instanceState('VI_1', 'MASTER', 110);
  board.defineVirtualServer('vs', [
    { name: 'rs1', weight: 3, checkers: ['TCP_CHECK rs1'], alive: true },
  ]);
  board.realServerVerdict('vs', 'rs1', false, 0);
  t += 60_000;
  board.defineInstance({
    name: 'VI_1',
    vrid: 1,
    priority: 120,
    vips: ['10.0.0.1/32', '10.0.0.2/32'],
  });
  board.defineInstance({ name: 'VI_2', vrid: 2, priority: 100, vips: [] });
  board.defineVirtualServer('vs', [
    { name: 'rs1', weight: 5, checkers: ['TCP_CHECK rs1'], alive: true },
    { name: 'rs2', weight: 1, checkers: [], alive: true },
  ]);
  const snap = board.snapshot();
  assert.deepEqual(
    snap.instances.map((i) => [
      i.name,
      i.state,
      i.priority,
      i.effectivePriority,
      i.vips.length,
      i.since,
    ]),
    [
      ['VI_1', 'MASTER', 120, 110, 2, '2026-11-24T12:00:00.000Z'],
      ['VI_2', 'INIT', 100, 100, 0, '2026-11-24T12:01:00.000Z'],
    ],
  );
  assert.deepEqual(
    snap.virtualServers[0]!.realServers.map((r) => [r.name, r.alive, r.weight, r.appliedWeight]),
    [
      ['rs1', false, 5, 0],
      ['rs2', true, 1, 1],
    ],
  );
  board.dropInstance('VI_2');
  board.dropVirtualServer('vs');
  assert.equal(board.snapshot().instances.length, 1);
  assert.equal(board.snapshot().virtualServers.length, 0);
  // A snapshot is a copy: mutating it does not reach the board.
  snap.instances[0]!.state = 'FAULT';
  assert.equal(board.snapshot().instances[0]!.state, 'MASTER');
});

test('updates for unknown names are ignored (an event racing a reload)', () => {
  const board = new StatusBoard({ version: 'v', configFile: 'f', ipvsBackend: 'none' });
  board.instanceState('gone', 'MASTER', 1);
  board.realServerVerdict('vs', 'rs', true, 1);
  board.quorum('vs', false, true);
  assert.deepEqual(board.snapshot().instances, []);
  assert.deepEqual(board.snapshot().virtualServers, []);
});

test('last results are read from the checker side at each snapshot, for declared checkers only', () => {
  const board = new StatusBoard({ version: 'v', configFile: 'f', ipvsBackend: 'none' });
  board.defineVirtualServer('vs', [
    { name: 'rs1', weight: 1, checkers: ['TCP_CHECK'], alive: true },
    { name: 'rs2', weight: 1, checkers: ['TCP_CHECK', 'HTTP_GET'], alive: true },
  ]);
  const results = new Map<string, CheckResultStatus>();
  const asked: string[] = [];
  board.setCheckResults((vs, rs, checker) => {
    asked.push(`${vs} ${rs} ${checker}`);
    return results.get(`${rs} ${checker}`);
  });
  const last = () =>
    board
      .snapshot()
      .virtualServers[0]!.realServers.flatMap((r) => r.checkers.map((c) => c.last?.reason));
  assert.deepEqual(last(), [undefined, undefined, undefined]);
  assert.deepEqual(asked, ['vs rs1 TCP_CHECK', 'vs rs2 TCP_CHECK', 'vs rs2 HTTP_GET']);
  const at = '2026-11-24T12:00:00.000Z';
  results.set('rs2 HTTP_GET', { ok: false, reason: 'status 503', at, latencyMs: 4 });
  results.set('rs9 TCP_CHECK', { ok: true, reason: 'connected', at, latencyMs: 1 });
  assert.deepEqual(last(), [undefined, undefined, 'status 503']);
  // The snapshot holds copies: the board keeps no last result of its own.
  board.setCheckResults(undefined);
  assert.deepEqual(last(), [undefined, undefined, undefined]);
});
