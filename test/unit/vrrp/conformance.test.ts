// Plays the recorded scenarios of test/conformance/vrrp/*.jsonl against the pure state machine
// and checks that, together, they exercise every transition of RFC 5798 §6.4 plus keepalived's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import {
  initialState,
  step,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
} from '../../../src/vrrp/fsm.js';
import { DEFAULT_CONFIG } from '../../fixtures/vrrp/fsm-config.js';

// dist*/test/unit/vrrp/ -> repository root: the scenarios are data, not compiled.
const SCENARIOS = fileURLToPath(new URL('../../../../test/conformance/vrrp/', import.meta.url));

interface Header {
  scenario: string;
  config: Partial<FsmConfig>;
}
interface Line {
  at: number;
  event: FsmEvent;
  state: string;
  actions: FsmAction[];
}

const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.jsonl'));
const transitions = new Set<string>();

for (const file of files) {
  test(`scenario ${file}`, () => {
    const [head, ...lines] = readFileSync(join(SCENARIOS, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as unknown);
    const { config } = head as Header;
    const cfg = { ...DEFAULT_CONFIG, ...config };
    let state = initialState(cfg);
    assert.ok(lines.length > 0, 'a scenario needs steps');
    (lines as Line[]).forEach((line, i) => {
      const r = step(cfg, state, line.event, line.at);
      const where = `${file} line ${i + 2} (at ${line.at}, ${JSON.stringify(line.event)})`;
      assert.deepEqual(r.actions, line.actions, where);
      assert.equal(r.state.state, line.state, where);
      for (const a of r.actions) if (a.type === 'transition') transitions.add(`${a.from}->${a.to}`);
      state = r.state;
    });
  });
}

test('the scenarios cover every transition of RFC 5798 §6.4 and keepalived FAULT/STOP', () => {
  const required = [
    'INIT->MASTER', // Startup as address owner
    'INIT->BACKUP', // Startup below 255
    'INIT->FAULT', // keepalived: startup while a tracked object is down
    'BACKUP->MASTER', // Master_Down_Timer fired, preempt delay, sync group
    'MASTER->BACKUP', // higher priority / equal with higher address, sync group
    'MASTER->STOP', // Shutdown: priority 0
    'BACKUP->STOP',
    'FAULT->STOP',
    'MASTER->FAULT',
    'BACKUP->FAULT',
    'FAULT->BACKUP',
  ];
  for (const t of required) assert.ok(transitions.has(t), `no scenario covers ${t}`);
});
