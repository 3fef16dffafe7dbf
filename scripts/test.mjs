// `npm test`: build, then run every suite with Node's test runner and print one closing total.
//   test/unit         pure logic, always runs
//   test/integration  real sockets, namespaces, keepalived; skips without root unless
//                     KTS_REQUIRE_PRIVILEGED=1 (set by .ci/run), which turns skips into failures
//   test/kernel       runs inside the QEMU kernel VM (scripts/vm-run), in one boot
// Pass suite names to run a subset: `npm test -- unit`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const required = process.env.KTS_REQUIRE_PRIVILEGED === '1';
const wanted = process.argv.slice(2);
const suites = wanted.length > 0 ? wanted : ['unit', 'integration', 'kernel'];

const build = spawnSync('node', [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

/** Runs a command, streaming its output, and sums the runner's "# pass N" style summary lines. */
function runSuite(cmd) {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const counts = { pass: 0, fail: 0, skipped: 0 };
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const m = /^# (pass|fail|skipped) (\d+)$/.exec(line.trim());
        if (m) counts[m[1]] += Number(m[2]);
      }
    });
    child.on('close', (status) => resolve({ status, counts }));
  });
}

const total = { pass: 0, fail: 0, skipped: 0 };
let failed = false;
for (const suite of suites) {
  const dir = join('dist', 'test', suite);
  if (!existsSync(join(root, dir))) continue;
  const args = ['--test', '--test-concurrency=1', dir];
  const vmRun = join(root, 'scripts', 'vm-run');
  if (suite === 'kernel' && !existsSync(vmRun)) continue;
  const cmd = suite === 'kernel' ? [vmRun, 'node', ...args] : ['node', ...args];
  console.log(`\n=== ${suite} tests: ${cmd.join(' ')}`);
  const { status, counts } = await runSuite(cmd);
  // scripts/vm-run exits 77 when it cannot boot the VM here (not root, no apt): a skip locally,
  // a failure when privileged suites are required.
  if (suite === 'kernel' && status === 77 && !required) {
    console.log('# kernel suite skipped: the VM cannot run here (see the message above)');
    continue;
  }
  for (const k of Object.keys(total)) total[k] += counts[k];
  if (status !== 0) {
    failed = true;
    if (counts.fail === 0) total.fail += 1; // the suite itself failed (VM, crash): count it
  }
}
console.log(`\ntotal: ${total.pass} passed, ${total.fail} failed, ${total.skipped} skipped`);
process.exit(failed ? 1 : 0);
