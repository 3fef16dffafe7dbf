#!/usr/bin/env node
// `npm run demo` (root, Linux): the LVS-DR example of examples/lvs-dr on a namespace testbed.
//
//   sw   bridge br0 (the "switch")
//   d1   director, examples/lvs-dr/keepalived-master.conf (priority 100)   192.168.0.48
//   d2   director, examples/lvs-dr/keepalived-backup.conf (priority 90)    192.168.0.58
//   rs1  real server, HTTP on :80, VIP on lo (realserver.sh)               192.168.0.18
//   rs2  real server, the same                                             192.168.0.28
//   cl   client                                                            192.168.0.100
//
// It starts keepalived-ts on both directors (--ipvs dry-run: the host kernel may have no IPVS),
// shows their event stream as it happens, stops rs2's HTTP server, stops the MASTER, and prints
// a timeline. Every namespace is removed at the end, also on Ctrl-C or an error. Needs the build
// (dist/), which `npm run demo` runs first.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
// KTS_DIST: another build directory (an engineer's own outDir).
const dist = resolve(root, process.env.KTS_DIST ?? 'dist');
const VIP = '192.168.0.38';
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

if (process.getuid?.() !== 0) {
  console.error('npm run demo needs root (it creates network namespaces).');
  process.exit(77);
}
for (const f of ['test/helpers/netns.js', 'src/cli/commands/run.js']) {
  if (!existsSync(join(dist, f))) {
    console.error(`dist/${f} is missing: run npm run build first.`);
    process.exit(1);
  }
}
const { createTestbed } = await import(join(dist, 'test/helpers/netns.js'));
const runModule = join(dist, 'src/cli/commands/run.js');

const t0 = Date.now();
const timeline = [];
const stamp = (ms) => `+${((ms - t0) / 1000).toFixed(3).padStart(7)} s`;
function note(text) {
  timeline.push({ at: Date.now(), who: 'demo', text });
  console.log(`${stamp(Date.now())}  ${bold('demo')}  ${text}`);
}

/** One line per event for people (the JSON stays the source: see docs/events.md). */
function describe(r) {
  const skip = new Set(['level', 'time', 'pid', 'msg', 'event', 'component']);
  const fields = Object.entries(r)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  return `${r.event ?? r.level}${fields ? ` ${fields}` : ''}${r.event ? '' : `  ${r.msg ?? ''}`}`;
}

const dir = mkdtempSync(join(tmpdir(), 'kts-demo-'));
const bed = createTestbed('demo', [
  { name: 'd1', ipv4: '192.168.0.48/24' },
  { name: 'd2', ipv4: '192.168.0.58/24' },
  { name: 'rs1', ipv4: '192.168.0.18/24' },
  { name: 'rs2', ipv4: '192.168.0.28/24' },
  { name: 'cl', ipv4: '192.168.0.100/24' },
]);
// A file, not `node -e`: the checker worker thread inherits the process's exec arguments, and
// `--input-type` is refused there.
const entryFile = join(dir, 'run-daemon.mjs');
writeFileSync(
  entryFile,
  `import { runDaemon } from ${JSON.stringify(runModule)};\nprocess.exit(await runDaemon(JSON.parse(process.argv[2])));\n`,
);
const children = [];
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  bed.teardown();
  rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log(`\n${sig}: cleaning up`);
    cleanup();
    process.exit(130);
  });
}

/** Starts keepalived-ts (runDaemon) in a director's namespace; its events go to the console. */
function startDirector(node, config) {
  const opts = {
    configFile: join(root, 'examples/lvs-dr', config),
    vrrp: true,
    check: true,
    logDetail: false,
    logFormat: 'json',
    ipvs: 'dry-run',
    status: '127.0.0.1:9650',
    pidFile: join(dir, `${node}.pid`),
    releaseVips: true,
    releaseIpvs: true,
    version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
  };
  const child = bed.spawn(node, process.execPath, [entryFile, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const records = [];
  const waiters = new Set();
  let pending = '';
  child.stdout.on('data', (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines.filter(Boolean)) {
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        continue;
      }
      records.push(r);
      const at = Date.parse(r.time) || Date.now();
      timeline.push({ at, who: node, text: describe(r) });
      console.log(`${stamp(at)}  ${bold(node.padEnd(4))}  ${describe(r)}`);
      for (const w of waiters) w();
    }
  });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pred, what, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = records.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${node}: no ${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { node, child, records, exited, waitFor };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Which director answers ARP for the VIP, seen from the client (a TCP connect resolves it). */
function vipOwner() {
  bed.exec('cl', 'ip', ['neigh', 'flush', 'dev', 'eth0']);
  // The connect itself may be refused (--ipvs dry-run programs no IPVS); the ARP exchange before it
  // is what shows who holds the VIP.
  bed.exec('cl', process.execPath, [
    '-e',
    `const s = require('node:net').connect(80, '${VIP}'); s.on('error', () => {}); s.on('connect', () => s.end()); setTimeout(() => process.exit(0), 500);`,
  ]);
  const neigh = bed.exec('cl', 'ip', ['neigh', 'show', VIP]);
  const mac = /lladdr (\S+)/.exec(neigh)?.[1];
  const owner = Object.values(bed.nodes).find((n) => n.mac === mac);
  return owner ? `${owner.name} (${mac})` : `nobody (${neigh.trim() || 'no ARP entry'})`;
}

/** A director's /status, summarised. */
function statusOf(node) {
  const text = bed.exec(node, process.execPath, [
    '-e',
    `fetch('http://127.0.0.1:9650/status').then((r) => r.text()).then((t) => process.stdout.write(t))`,
  ]);
  const s = JSON.parse(text);
  const inst = s.instances
    .map((i) => `${i.name} ${i.state} prio ${i.effectivePriority}`)
    .join(', ');
  const rs = s.virtualServers
    .flatMap((vs) =>
      vs.realServers.map((r) => `${r.name} ${r.alive ? 'alive' : 'DOWN'} w=${r.appliedWeight}`),
    )
    .join(', ');
  return `${inst}; ${rs}`;
}

let failed = false;
try {
  note(`testbed up: namespaces ${bed.prefix}-{sw,d1,d2,rs1,rs2,cl}`);
  for (const rs of ['rs1', 'rs2']) {
    bed.exec(rs, join(root, 'examples/lvs-dr/realserver.sh'), ['start', VIP]);
    const server = bed.spawn(rs, process.execPath, [
      '-e',
      `require('node:http').createServer((q, s) => s.end('hello from ${rs}\\n')).listen(80, '0.0.0.0')`,
    ]);
    children.push(server);
    bed.nodes[rs].server = server;
  }
  await sleep(300);
  note(
    `real servers: HTTP on :80, VIP ${VIP} on lo, arp_ignore=1 arp_announce=2 (examples/lvs-dr/realserver.sh)`,
  );
  for (const rs of ['192.168.0.18', '192.168.0.28']) {
    const body = bed.exec('cl', process.execPath, [
      '-e',
      `fetch('http://${rs}/').then(r => r.text()).then(t => process.stdout.write(t))`,
    ]);
    note(`client GET http://${rs}/ -> ${body.trim()}`);
  }

  const d1 = startDirector('d1', 'keepalived-master.conf');
  await d1.waitFor((r) => r.event === 'config.loaded', 'config.loaded', 10_000);
  const d2 = startDirector('d2', 'keepalived-backup.conf');
  note('started keepalived-ts on d1 (MASTER config) and d2 (BACKUP config), --ipvs dry-run');

  await d1.waitFor((r) => r.event === 'vrrp.state' && r.to === 'MASTER', 'MASTER state', 15_000);
  await sleep(200);
  note(`VIP ${VIP} answers from ${vipOwner()}`);

  note('waiting for the first health checks (TCP_CHECK, delay_loop 6)...');
  await sleep(8000);
  note('stopping the HTTP server on rs2');
  bed.nodes.rs2.server.kill('SIGKILL');
  await Promise.race([
    d1.waitFor(
      (r) =>
        (r.event === 'check.down' || r.event === 'rs.down') &&
        String(r.realServer).startsWith('192.168.0.28'),
      'rs2 down',
      20_000,
    ),
    sleep(20_000),
  ]);

  note(`GET /status on d1: ${statusOf('d1')}`);
  note('stopping the MASTER (SIGTERM to keepalived-ts on d1)');
  const mark = d2.records.length;
  d1.child.kill('SIGTERM');
  await d1.exited;
  await d2.waitFor(
    (r) => d2.records.indexOf(r) >= mark && r.event === 'vrrp.state' && r.to === 'MASTER',
    'takeover',
    10_000,
  );
  await sleep(200);
  note(`VIP ${VIP} answers from ${vipOwner()}`);

  note(`GET /status on d2: ${statusOf('d2')}`);
  note('stopping d2');
  d2.child.kill('SIGTERM');
  await d2.exited;
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err.message}`);
} finally {
  console.log(`\n${bold('Timeline')} (t = 0 at the start of the demo)\n`);
  const interesting =
    /^(vrrp\.state|vip\.|check\.|rs\.|quorum\.|ipvs\.|config\.|daemon\.|split_brain|checker\.exited)/;
  for (const e of timeline.sort((a, b) => a.at - b.at)) {
    if (e.who === 'demo' || interesting.test(e.text))
      console.log(`${stamp(e.at)}  ${e.who.padEnd(4)}  ${e.text}`);
  }
  cleanup();
  console.log('\ntestbed removed.');
}
process.exit(failed ? 1 : 0);
