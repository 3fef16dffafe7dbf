// `npm test`: build, then run every suite with Node's test runner.
//   test/unit         pure logic, always runs
//   test/integration  real sockets, namespaces, keepalived; skips without root unless
//                     KTS_REQUIRE_PRIVILEGED=1 (set by .ci/run), which turns skips into failures
//   test/kernel       runs inside the QEMU kernel VM (scripts/vm-run), once per `npm test`
// Pass suite names to run a subset: `npm test -- unit`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const wanted = process.argv.slice(2);
const suites = wanted.length > 0 ? wanted : ['unit', 'integration', 'kernel'];

const build = spawnSync('node', [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let failed = false;
for (const suite of suites) {
  const dir = join('dist', 'test', suite);
  if (!existsSync(join(root, dir))) continue;
  const args = ['--test', '--test-concurrency=1', dir];
  const cmd =
    suite === 'kernel' ? [join(root, 'scripts', 'vm-run'), 'node', ...args] : ['node', ...args];
  if (suite === 'kernel' && !existsSync(cmd[0])) continue;
  console.log(`\n=== ${suite} tests: ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
