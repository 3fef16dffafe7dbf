// `npm run bench [-- [--quick] [--no-build] [NAME...]]`: builds, then runs every registered
// benchmark (or the named ones) one after another, each under a time bound, and closes with a
// summary table of what ran and the comparison ("ratio") lines each printed.
//   --quick     every benchmark in its quick mode (seconds, one trial): what CI runs, so the
//               benchmarks never rot. CI checks they run, never their numbers.
//   --no-build  use dist/ as it is
// One that needs root or the kernel VM and cannot have it is "skipped", a failure under
// KTS_REQUIRE_PRIVILEGED=1 (as for the test suites).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The suite, in running order; each takes `--quick` for its quick mode (bench/lib/args.ts).
 * `bound`: seconds before the run is killed, full and quick.
 */
const BENCHMARKS = [
  {
    name: 'config-parse',
    root: false,
    vm: false,
    bound: { full: 600, quick: 120 },
  },
  {
    name: 'failover',
    root: true,
    vm: false,
    bound: { full: 400, quick: 150 },
  },
  {
    name: 'ipvs-apply',
    root: true,
    vm: true,
    bound: { full: 900, quick: 600 },
  },
  {
    name: 'checkers',
    root: false,
    vm: false,
    bound: { full: 600, quick: 180 },
  },
  {
    name: 'advert-jitter',
    root: true,
    vm: false,
    bound: { full: 900, quick: 300 },
  },
  {
    name: 'resources',
    root: true,
    vm: false,
    bound: { full: 600, quick: 120 },
  },
];

/** scripts/vm-run's status when the VM cannot boot here (not root, no apt). */
const VM_CANNOT_RUN = 77;

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const build = !args.includes('--no-build');
const required = process.env.KTS_REQUIRE_PRIVILEGED === '1';
const isRoot = process.getuid?.() === 0;
const names = args.filter((a) => !a.startsWith('--'));

const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}`);
  console.error(`bench: registered: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;

if (build) {
  const built = spawnSync('node', [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const { machineLine } = await import(join(root, 'dist/bench/lib/machine.js'));
const { deleteNetns } = await import(join(root, 'dist/test/helpers/netns.js'));
const machine = machineLine();
console.log(machine);

/**
 * Runs one benchmark process in its own process group, streaming its output and keeping the
 * "ratio" lines; the whole group is killed when the bound passes (a benchmark's children, e.g.
 * daemons in namespaces, must not outlive it; the benchmark's own exit handlers tear the
 * namespaces down on SIGTERM, SIGKILL follows 10 s later).
 */
function runOne(cmd, boundSeconds) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd[0], cmd.slice(1), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const ratios = [];
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      ratios.push(...lines.filter((l) => /^\s*ratio\b/i.test(l)).map((l) => l.trim()));
    });
    let timedOut = false;
    const killGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
    }, boundSeconds * 1000);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (timedOut) removeNamespacesOf(child.pid);
      resolve({ status, timedOut, ratios, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/**
 * Deletes the namespaces a killed benchmark left behind. test/helpers/netns.ts names them
 * "kts-AREA-PID-N" after the creating process and removes them on exit, which a signal skips.
 */
function removeNamespacesOf(pid) {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (list.status !== 0) return;
  const ours = new RegExp(`^kts-[\\w-]+-${pid}-\\d+(-\\w+)?$`);
  for (const ns of list.stdout.split('\n').map((l) => l.split(' ')[0])) {
    if (!ours.test(ns)) continue;
    deleteNetns(ns);
    console.log(`bench: removed namespace ${ns} left by the killed benchmark`);
  }
}

const results = [];
for (const bench of selected) {
  const script = join('dist', 'bench', `${bench.name}.js`);
  const row = { label: bench.name, status: '', seconds: 0, ratios: [] };
  results.push(row);
  if (bench.root && !isRoot) {
    row.status = 'skipped: needs root';
    continue;
  }
  const benchArgs = quick ? ['--quick'] : [];
  const cmd = bench.vm
    ? [join(root, 'scripts', 'vm-run'), 'node', script, ...benchArgs]
    : ['node', script, ...benchArgs];
  const bound = quick ? bench.bound.quick : bench.bound.full;
  console.log(`\n=== ${bench.name}: ${cmd.join(' ')} (bound ${bound} s)`);
  const r = await runOne(cmd, bound);
  row.seconds = r.seconds;
  row.ratios = r.ratios;
  if (r.timedOut) row.status = `timed out after ${bound} s`;
  else if (bench.vm && r.status === VM_CANNOT_RUN) row.status = 'skipped: the VM cannot run here';
  else row.status = r.status === 0 ? 'ok' : `failed (exit ${r.status})`;
}

const failed = (row) => row.status !== 'ok' && (required || !row.status.startsWith('skipped'));

console.log(`\n=== summary${quick ? ' (quick mode: figures are not representative)' : ''}`);
console.log(machine);
const width = Math.max(...results.map((r) => r.label.length));
for (const row of results) {
  const time = row.seconds > 0 ? `${row.seconds.toFixed(0)} s`.padStart(6) : ''.padStart(6);
  console.log(`${row.label.padEnd(width)}  ${time}  ${row.status}`);
  for (const ratio of row.ratios) console.log(`${''.padEnd(width)}          ${ratio}`);
}
const missing = results.filter((r) => r.status === 'not yet available').map((r) => r.label);
if (missing.length > 0) console.log(`not yet available: ${missing.join(', ')}`);
process.exit(results.some(failed) ? 1 : 0);
