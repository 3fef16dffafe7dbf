// The LVS-DR demo testbed shared by `npm run demo` (scripts/demo.mjs, --ipvs dry-run on the host)
// and `npm run demo:kernel` (scripts/demo-kernel.mjs, --ipvs kernel inside the VM):
//
//   sw   bridge br0 (the "switch")
//   d1   director, MASTER config (priority 100)                  192.168.0.48
//   d2   director, BACKUP config (priority 90)                   192.168.0.58
//   rs1  real server, HTTP on :80, VIP on lo (realserver.sh)     192.168.0.18
//   rs2  real server, the same                                   192.168.0.28
//   cl   client                                                  192.168.0.100
//
// runDemo() checks the prerequisites, builds the testbed, hands a Demo to the script's body, then
// prints the timeline and removes every namespace, also on Ctrl-C or an error.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';

export const root = new URL('..', import.meta.url).pathname;
// KTS_DIST: another build directory (an engineer's own outDir).
export const dist = resolve(root, process.env.KTS_DIST ?? 'dist');
export const VIP = '192.168.0.38';
export const REAL_SERVERS = { rs1: '192.168.0.18', rs2: '192.168.0.28' };
const NODES = [
  { name: 'd1', ipv4: '192.168.0.48/24' },
  { name: 'd2', ipv4: '192.168.0.58/24' },
  { name: 'rs1', ipv4: `${REAL_SERVERS.rs1}/24` },
  { name: 'rs2', ipv4: `${REAL_SERVERS.rs2}/24` },
  { name: 'cl', ipv4: '192.168.0.100/24' },
];
/** Events worth a line in the closing timeline (the live stream shows them all). */
const TIMELINE_EVENTS =
  /^(vrrp\.state|vip\.|check\.|rs\.|quorum\.|ipvs\.|config\.|daemon\.|split_brain|checker\.exited)/;

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One line per event for people (the JSON stays the source: see docs/events.md). */
function describe(r) {
  const skip = new Set(['level', 'time', 'pid', 'msg', 'event', 'component']);
  const fields = Object.entries(r)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  return `${r.event ?? r.level}${fields ? ` ${fields}` : ''}${r.event ? '' : `  ${r.msg ?? ''}`}`;
}

/**
 * Calls `onLine` with each complete line of a stream; returns waitFor(pred, what, timeoutMs),
 * which resolves with the first item of `items` matching `pred(item, index)` (now or later).
 */
export function lineWaiter(stream, who, items, onLine) {
  const waiters = new Set();
  let pending = '';
  stream.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines.filter(Boolean)) {
      onLine(line);
      for (const w of waiters) w();
    }
  });
  return (pred, what, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = items.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${who}: no ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
}

/**
 * Runs `body(demo)` on a fresh testbed and exits: 0 when it completed, 1 when it threw, 77 when
 * the prerequisites are missing. `area` names the namespaces (kts-AREA-PID-N-*); `ipvs` is the
 * daemons' --ipvs; `extraChecks` are further [ok, message] prerequisites.
 */
export async function runDemo({ area, ipvs, extraChecks = [] }, body) {
  if (process.getuid?.() !== 0) {
    console.error('the demo needs root (it creates network namespaces).');
    process.exit(77);
  }
  for (const [ok, message] of extraChecks) {
    if (!ok) {
      console.error(message);
      process.exit(77);
    }
  }
  for (const f of ['test/helpers/netns.js', 'src/cli/commands/run.js']) {
    if (!existsSync(join(dist, f))) {
      console.error(`${join(dist, f)} is missing: run npm run build first.`);
      process.exit(1);
    }
  }
  const { createTestbed } = await import(join(dist, 'test/helpers/netns.js'));
  const demo = new Demo(createTestbed(area, NODES), ipvs);
  process.on('exit', () => demo.cleanup());
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      console.log(`\n${sig}: cleaning up`);
      demo.cleanup();
      process.exit(130);
    });
  }
  let failed = false;
  try {
    demo.note(`testbed up: namespaces ${demo.bed.prefix}-{sw,${NODES.map((n) => n.name)}}`);
    await body(demo);
  } catch (err) {
    failed = true;
    console.error(`demo failed: ${err.message}`);
  } finally {
    demo.printTimeline();
    demo.cleanup();
    console.log('\ntestbed removed.');
  }
  process.exit(failed ? 1 : 0);
}

class Demo {
  constructor(bed, ipvs) {
    this.bed = bed;
    this.ipvs = ipvs;
    this.t0 = Date.now();
    this.timeline = [];
    this.children = [];
    this.cleaned = false;
    this.dir = mkdtempSync(join(tmpdir(), `kts-${bed.prefix}-`));
    // A file, not `node -e`: the checker worker thread inherits the process's exec arguments, and
    // `--input-type` is refused there. With --hold the daemon's modules load at once but it starts
    // only on a line on stdin: loading takes 10-20 s in the VM, so both directors load together
    // and still start in turn.
    this.entryFile = join(this.dir, 'run-daemon.mjs');
    const runModule = join(dist, 'src/cli/commands/run.js');
    writeFileSync(
      this.entryFile,
      [
        `import { runDaemon } from ${JSON.stringify(runModule)};`,
        `if (process.argv[3] === '--hold') {`,
        `  await new Promise((resolve) => process.stdin.once('data', resolve));`,
        `  process.stdin.destroy();`,
        `}`,
        `process.exit(await runDaemon(JSON.parse(process.argv[2])));`,
        '',
      ].join('\n'),
    );
  }

  stamp(ms) {
    return `+${((ms - this.t0) / 1000).toFixed(3).padStart(7)} s`;
  }

  /** Prints a line now and keeps it for the timeline; `at` defaults to now. */
  log(who, text, at = Date.now(), { inTimeline = true } = {}) {
    if (inTimeline) this.timeline.push({ at, who, text });
    console.log(`${this.stamp(at)}  ${bold(who.padEnd(4))}  ${text}`);
  }

  note(text) {
    this.log('demo', text);
  }

  /** Starts a long-running process in a node's namespace; cleanup kills it. */
  spawn(node, cmd, args, opts) {
    const child = this.bed.spawn(node, cmd, args, opts);
    this.children.push(child);
    return child;
  }

  /**
   * LVS-DR real servers: examples/lvs-dr/realserver.sh, then a node HTTP server on :80 answering
   * "hello from rsN"; resolves once both listen.
   */
  async startRealServers() {
    await Promise.all(
      Object.keys(REAL_SERVERS).map(async (rs) => {
        this.bed.exec(rs, join(root, 'examples/lvs-dr/realserver.sh'), ['start', VIP]);
        const server = this.spawn(
          rs,
          process.execPath,
          [
            '-e',
            `require('node:http').createServer((q, s) => s.end('hello from ${rs}\\n')).listen(80, '0.0.0.0', () => console.log('listening'))`,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        this.bed.nodes[rs].server = server;
        await new Promise((resolve, reject) => {
          server.stdout.once('data', resolve);
          server.once('exit', (code) => reject(new Error(`${rs}: HTTP server exited (${code})`)));
        });
      }),
    );
    this.note(
      `real servers: HTTP on :80, VIP ${VIP} on lo, arp_ignore=1 arp_announce=2 (examples/lvs-dr/realserver.sh)`,
    );
  }

  /** Starts keepalived-ts (runDaemon) on a director; its events go to the console and timeline. */
  startDirector(node, configFile) {
    return this.loadDirector(node, configFile, { hold: false });
  }

  /**
   * Like startDirector, but the daemon only loads its modules, and starts on director.start().
   * `hold: false` starts it at once.
   */
  loadDirector(node, configFile, { hold = true } = {}) {
    const opts = {
      configFile,
      vrrp: true,
      check: true,
      logDetail: false,
      logFormat: 'json',
      ipvs: this.ipvs,
      status: '127.0.0.1:9650',
      pidFile: join(this.dir, `${node}.pid`),
      releaseVips: true,
      releaseIpvs: true,
      version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    };
    const child = this.spawn(
      node,
      process.execPath,
      [this.entryFile, JSON.stringify(opts), ...(hold ? ['--hold'] : [])],
      { stdio: [hold ? 'pipe' : 'ignore', 'pipe', 'inherit'] },
    );
    const records = [];
    const waitFor = lineWaiter(child.stdout, node, records, (line) => {
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        return;
      }
      records.push(r);
      this.log(node, describe(r), Date.parse(r.time) || Date.now(), {
        inTimeline: TIMELINE_EVENTS.test(r.event ?? ''),
      });
    });
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const start = () => child.stdin.end('start\n');
    return { node, child, records, exited, waitFor, start };
  }

  /**
   * Which node the client's ARP entry for the VIP points at (its last resolution):
   * {node, mac, text} with `text` for people; node is undefined when nobody resolved it.
   */
  arpOwner() {
    const neigh = this.bed.exec('cl', 'ip', ['neigh', 'show', VIP]);
    const mac = /lladdr (\S+)/.exec(neigh)?.[1];
    const node = Object.values(this.bed.nodes).find((n) => n.mac === mac)?.name;
    const text = node ? `${node} (${mac})` : `nobody (${neigh.trim() || 'no ARP entry'})`;
    return { node, mac, text };
  }

  /** Prints the lines kept for the timeline, in time order. */
  printTimeline() {
    console.log(`\n${bold('Timeline')} (t = 0 at the start of the demo)\n`);
    for (const e of this.timeline.sort((a, b) => a.at - b.at))
      console.log(`${this.stamp(e.at)}  ${e.who.padEnd(4)}  ${e.text}`);
  }

  cleanup() {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    this.bed.teardown();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
