// The builders and validation never throw, whatever the tree: every problem is a diagnostic with a
// code and a message. Trees are generated from real keywords and values so deep paths are reached.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Block, ConfigTree, Statement, Word } from '../../../src/config/ast.js';
import { buildConfig } from '../../../src/config/build/config.js';
import { validateConfig } from '../../../src/config/validate.js';
import { hostWith } from '../../helpers/config-text.js';

const pos = { file: 'fuzz.conf', line: 1, col: 1 };
const KEYWORDS = [
  'global_defs',
  'vrrp_instance',
  'vrrp_script',
  'vrrp_sync_group',
  'virtual_server',
  'virtual_server_group',
  'real_server',
  'TCP_CHECK',
  'HTTP_GET',
  'MISC_CHECK',
  'DNS_CHECK',
  'UDP_CHECK',
  'FILE_CHECK',
  'url',
  'path',
  'status_code',
  'state',
  'interface',
  'virtual_router_id',
  'priority',
  'advert_int',
  'virtual_ipaddress',
  'virtual_routes',
  'virtual_rules',
  'static_rules',
  'static_routes',
  'unicast_peer',
  'track_script',
  'track_interface',
  'authentication',
  'auth_type',
  'auth_pass',
  'script',
  'weight',
  'group',
  'notify_master',
  'lvs_sched',
  'lvs_method',
  'protocol',
  'quorum',
  'hysteresis',
  'sorry_server',
  'delay_loop',
  'retry',
  'misc_path',
  'use_vmac',
  'vrrp_strict',
  'vrrp_version',
  'fwmark',
  'track_file',
  'nopreempt',
  'version',
  '10.0.0.1',
  '10.0.0.1/24',
  'fd00::1',
  'VI_1',
  'eth0',
  'x',
];
const VALUES = [
  '1',
  '0',
  '-1',
  '255',
  '300',
  '1.5',
  'MASTER',
  'BACKUP',
  'TCP',
  'DR',
  'rr',
  'eth0',
  'VI_1',
  'weight',
  'reverse',
  '10.0.0.1',
  '10.0.0.1/24',
  'fd00::1',
  '10.0.0.3-9',
  'via',
  'from',
  'to',
  'table',
  'preference',
  '"/bin/x a"',
  "'q",
  'dev',
  'brd',
  'type',
  'gue',
  'port',
  'inet6',
  'fwmark',
  'group',
  'min_ttl',
  '',
];

const word = (text: string): Word => ({ text, quoted: false, pos });

const statement: fc.Memo<Statement> = fc.memo((depth) =>
  fc
    .record({
      keyword: fc.constantFrom(...KEYWORDS),
      args: fc.array(fc.constantFrom(...VALUES), { maxLength: 4 }),
      children:
        depth > 1
          ? fc.option(fc.array(statement(depth - 1), { maxLength: 4 }), { nil: undefined })
          : fc.constant(undefined),
    })
    .map(({ keyword, args, children }) => {
      const s: Statement = {
        keyword: word(keyword),
        args: args.map(word),
        raw: args.join(' '),
        pos,
      };
      if (children) s.block = { statements: children, open: pos, close: pos } satisfies Block;
      return s;
    }),
);

test('building and validating arbitrary trees never throws and yields coded diagnostics', () => {
  fc.assert(
    fc.property(fc.array(statement(4), { maxLength: 6 }), (statements) => {
      const tree: ConfigTree = { statements, files: ['fuzz.conf'] };
      const built = buildConfig(tree, { configId: 'fuzz' });
      const validated = validateConfig(built.config, hostWith(['/bin/x']));
      for (const d of [...built.diagnostics, ...validated.diagnostics]) {
        assert.ok(d.code.length > 0 && d.message.length > 0);
        assert.ok(d.severity === 'error' || d.severity === 'warning');
      }
    }),
    { numRuns: 400 },
  );
});
