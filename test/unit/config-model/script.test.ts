import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { splitQuoted } from '../../../src/config/build/script.js';
import { loadText } from '../../helpers/config-text.js';

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

test('an unquoted argument that looks like an option or path is flagged: it would be the user', () => {
  const r = loadText(`
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1
  }
  notify_master /usr/local/bin/notify.sh --master
}`);
  assert.deepEqual(
    r.diagnostics.map((d) => [d.pos?.line, d.code, d.message, d.hint]),
    [
      [
        8,
        'script-user-suspicious',
        "notify_master: '--master' is taken as the user to run the script as",
        'quote the whole command: notify_master "/usr/local/bin/notify.sh --master"',
      ],
    ],
  );
  assert.equal(r.config.vrrpInstances[0].notify.master?.user, '--master');
});

test('plain words survive splitting in both modes, however they are spaced', () => {
  const plainWord = fc.stringMatching(/^[A-Za-z0-9_./:=-]{1,12}$/);
  const gap = fc.stringMatching(/^[ \t]{1,3}$/);
  fc.assert(
    fc.property(fc.array(plainWord, { minLength: 1, maxLength: 6 }), gap, (words, sep) => {
      const text = `${sep}${words.join(sep)}${sep}`;
      assert.deepEqual(splitQuoted(text, false), words);
      assert.deepEqual(splitQuoted(text, true), words);
      // Quoting the whole text yields it as one word (surrounding blanks included).
      assert.deepEqual(splitQuoted(`"${text}"`, false), [text]);
    }),
  );
});
