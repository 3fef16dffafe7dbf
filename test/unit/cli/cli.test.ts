import { CORPUS_DIR } from '../../helpers/shared.js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { type RunDeps, run, version } from '../../../src/cli/main.js';
import type { ValidationEnv } from '../../../src/config/validate.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CORPUS = CORPUS_DIR;
const eth0to3: ValidationEnv = {
  listInterfaces: () => ['lo', 'eth0', 'eth1', 'eth2', 'eth3'],
  findCommand: (c) => (c === 'killall' ? '/usr/bin/killall' : undefined),
};

async function cli(argv: string[], deps: RunDeps = { load: { host: eth0to3 } }) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    argv,
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    deps,
  );
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'kts-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function conf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('-h prints usage listing the options; -v prints the package version', async () => {
  const help = await cli(['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: keepalived-ts/);
  for (const flag of ['--use-file', '--config-id', '--config-test', '--dump-config', '--version'])
    assert.ok(help.stdout.includes(flag), flag);
  const v = await cli(['--version']);
  assert.deepEqual([v.code, v.stdout], [0, `keepalived-ts ${version()}\n`]);
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test('unknown flags, stray arguments and unknown commands are usage errors (exit 1)', async () => {
  for (const argv of [
    ['--bogus'],
    ['-t', 'extra'],
    ['plan', 'extra'],
    ['start'],
    ['--ipvs', 'x'],
  ]) {
    const r = await cli(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.stderr, /keepalived-ts: .*\n\nUsage:/);
  }
});

test('-t on a clean config: exit 0 and nothing on stderr', async () => {
  const r = await cli(['-t', '-f', join(CORPUS, 'keepalived.conf.sample')]);
  assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
});

test('-t prints file:line:col: severity: message and exits 5 on errors', async () => {
  const r = await cli(['--config-test', '--use-file', join(CORPUS, 'keepalived.conf.vrrp.rules')]);
  assert.equal(r.code, 5);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 6);
  assert.equal(
    lines[1],
    `${CORPUS}/keepalived.conf.vrrp.rules:11:8: error: VRRP parsed invalid IP 192.168.100./24. skipping IP... [invalid-address]`,
  );
});

test('-t exits 6 for script security; -i selects @ lines', async () => {
  assert.equal((await cli(['-t', '-f', join(CORPUS, 'keepalived.conf.vrrp.localcheck')])).code, 6);
  assert.equal((await cli(['-t', '-f', join(CORPUS, 'keepalived.conf.conditional_conf')])).code, 5);
  assert.equal(
    (await cli(['-t', '-i', 'high', '-f', join(CORPUS, 'keepalived.conf.conditional_conf')])).code,
    0,
  );
});

test('--strict makes warnings fail -t as well', async () => {
  const path = conf('warn.conf', 'vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n}\n');
  const lax = await cli(['-t', '-f', path]);
  assert.equal(lax.code, 0);
  assert.match(lax.stderr, /warning: \(V\) No VIP specified; at least one is sensible \[no-vips\]/);
  assert.equal((await cli(['-t', '--strict', '-f', path])).code, 5);
});

test('-t on a missing file exits 0 as keepalived does, but says clearly that nothing was checked', async () => {
  const r = await cli(['-t', '-f', join(dir, 'absent.conf')]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /Config files missing/);
  assert.match(r.stderr, /warning: no configuration file was read, so nothing was checked/);
});

test('a host that cannot be examined makes -t exit 4 (cannot run)', async () => {
  const broken: ValidationEnv = {
    listInterfaces: () => {
      throw new Error('netlink unavailable');
    },
    findCommand: () => undefined,
  };
  const r = await cli(['-t', '-f', join(CORPUS, 'keepalived.conf.sample')], {
    load: { host: broken },
  });
  assert.deepEqual([r.code, r.stderr], [4, 'keepalived-ts: netlink unavailable\n']);
});

test('misspelled keywords carry a did-you-mean hint', async () => {
  const path = conf(
    'typo.conf',
    'vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  priorty 50\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n',
  );
  const r = await cli(['-t', '-f', path]);
  assert.equal(r.code, 5);
  assert.equal(
    r.stderr,
    `${path}:4:3: error: Unknown keyword 'priorty' (did you mean 'priority'?) [unknown-keyword]\n`,
  );
});

test('--dump-config prints the resolved model as JSON with sorted keys, identical across runs', async () => {
  const path = conf(
    'dump.conf',
    'vrrp_instance V {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n',
  );
  const a = await cli(['--dump-config', '-f', path, '-i', 'node1']);
  const b = await cli(['--dump-config', '-f', path, '-i', 'node1']);
  assert.equal(a.code, 0);
  assert.equal(a.stdout, b.stdout);
  const model = JSON.parse(a.stdout) as {
    configId: string;
    vrrpInstances: Array<Record<string, unknown>>;
  };
  assert.equal(model.configId, 'node1');
  assert.deepEqual([model.vrrpInstances[0].name, model.vrrpInstances[0].priority], ['V', 100]);
  const keys = Object.keys(model.vrrpInstances[0]);
  assert.deepEqual(keys, [...keys].sort());
});

test(
  'bin/keepalived-ts runs the built CLI (only after npm run build)',
  { skip: !existsSync(join(ROOT, 'dist/src/cli/main.js')) && 'dist/src/cli/main.js not built' },
  () => {
    const bin = join(ROOT, 'bin/keepalived-ts');
    const v = execFileSync(process.execPath, [bin, '-v'], { encoding: 'utf8' });
    assert.match(v, /^keepalived-ts \d+\.\d+\.\d+/);
    const t = spawnSync(process.execPath, [bin, '-t', '-f', join(dir, 'absent.conf')], {
      encoding: 'utf8',
    });
    assert.equal(t.status, 0);
    assert.match(t.stderr, /nothing was checked/);
    const bad = spawnSync(process.execPath, [bin, '--no-such-flag'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
  },
);

test('plan --ipvs dry-run prints the operations that build the table from empty, and applies none', async () => {
  const path = conf(
    'plan.conf',
    [
      'virtual_server 10.0.0.1 80 {',
      '  lvs_sched wrr',
      '  lvs_method DR',
      '  protocol TCP',
      '  real_server 10.0.0.2 80 {',
      '    weight 3',
      '    TCP_CHECK {',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const r = await cli(['plan', '--ipvs', 'dry-run', '-f', path]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^add service tcp 10\.0\.0\.1:80 .*wrr/);
  assert.match(lines[1], /^add dest tcp 10\.0\.0\.1:80 -> 10\.0\.0\.2:80 .*3/);
  assert.equal(lines[2], '2 changes');
});
