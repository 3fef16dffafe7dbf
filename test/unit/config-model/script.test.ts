import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitQuoted } from '../../../src/config/build/script.js';
import { loadText } from './host.js';

test('the statement text is re-split honouring single and double quotes, joining like a shell', () => {
  assert.deepEqual(splitQuoted(`"/bin/check a b" user grp`, false), [
    '/bin/check a b',
    'user',
    'grp',
  ]);
  assert.deepEqual(splitQuoted(`abc" d"e 'x y'`, false), ['abc de', 'x y']);
  // Without escape decoding a backslash keeps itself and protects the next character.
  assert.deepEqual(splitQuoted(`a\\ b c`, false), ['a\\ b', 'c']);
});

test('the command is split into argv decoding backslash escapes', () => {
  assert.deepEqual(splitQuoted(`echo a\\tb \\x41\\101 \\cA "q\\"" x\\y`, true), [
    'echo',
    'a\tb',
    'AA',
    '\x01',
    'q"',
    'xy',
  ]);
  assert.throws(() => splitQuoted(`"open`, false), /missing terminating "/);
});

test('notify scripts keep the command, its argv, and the optional user and group', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1
  }
  notify_master "/usr/local/bin/notify.sh master 'two words'" nobody nogroup
  notify_backup /usr/local/bin/backup.sh
  notify "/usr/local/bin/all.sh" keepalived_script:keepalived
}`);
  const n = r.config.vrrpInstances[0].notify;
  assert.deepEqual(
    {
      command: n.master?.command,
      argv: n.master?.argv,
      user: n.master?.user,
      group: n.master?.group,
    },
    {
      command: "/usr/local/bin/notify.sh master 'two words'",
      argv: ['/usr/local/bin/notify.sh', 'master', 'two words'],
      user: 'nobody',
      group: 'nogroup',
    },
  );
  assert.deepEqual(n.backup?.argv, ['/usr/local/bin/backup.sh']);
  assert.equal(n.backup?.user, undefined);
  assert.deepEqual([n.generic?.user, n.generic?.group], ['keepalived_script', 'keepalived']);
});
