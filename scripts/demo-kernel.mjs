#!/usr/bin/env node
// `npm run demo:kernel`: the LVS-DR demo (scripts/demo-shared.mjs) on a real IPVS kernel, run
// inside the project's kernel VM (scripts/vm-run; testbeds.md §B) with `--ipvs kernel`, and with
// real client traffic through the VIP:
//
//   client cl --SYN to VIP--> MASTER director (VIP on eth0, IPVS rr, DR: rewrites only the MAC)
//             --> rs1 / rs2 (VIP on lo, arp_ignore) --reply from the VIP, straight to cl-->
//
// Both directors program their own kernel table (IPVS state is per network namespace); only the
// MASTER holds the VIP, so only it sees client traffic. The demo shows the MASTER's table
// (ipvsadm, an independent reader of the kernel), requests alternating over rs1/rs2, rs2 stopped
// → its destination leaving the kernel table → every request on rs1, and the MASTER stopped → the
// BACKUP taking the VIP while the client keeps sending requests, which all succeed through it.
//
//   node scripts/demo-kernel.mjs [--report FILE]
//   --report FILE  write what was observed (kernel tables, every request) as JSON; the kernel
//                  suite's test/kernel/demo.test.ts asserts on it
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REAL_SERVERS, VIP, lineWaiter, root, runDemo } from './demo-shared.mjs';

const { values: args } = parseArgs({ options: { report: { type: 'string' } } });
/** Pause between the client's requests (each on a new connection, so rr moves on each time). */
const REQUEST_INTERVAL_MS = 150;
/** Long enough for SYN retransmissions (1 s, then 2 s, 4 s) to outlast a takeover. */
const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The client in `cl`: on "start" it sends GET http://VIP/ requests one after another until
 * "stop", and prints one JSON line per request ({seq, at, ms, body} or {…, error}), then
 * {"stopped":true}. One long-lived process: a node start costs 2-3 s in the VM.
 */
const CLIENT = `
const http = require('node:http');
let running = false;
let seq = 0;
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const get = () => new Promise((resolve) => {
  const at = Date.now();
  const done = (r) => resolve({ seq: ++seq, at, ms: Date.now() - at, ...r });
  const req = http.get({ host: '${VIP}', port: 80, agent: false, timeout: ${REQUEST_TIMEOUT_MS} }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => done({ body: body.trim() }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => done({ error: e.code ?? e.message }));
});
async function loop() {
  while (running) {
    out(await get());
    await new Promise((r) => setTimeout(r, ${REQUEST_INTERVAL_MS}));
  }
  out({ stopped: true });
}
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start' && !running) { running = true; loop(); }
  if (line === 'stop') running = false;
});
out({ ready: true });
`;

/**
 * The example configs minus `persistence_timeout`: with persistence, every request of the one
 * client would stick to one real server for 50 s, and round robin could not be seen.
 */
function demoConfig(demo, example) {
  const text = readFileSync(join(root, 'examples/lvs-dr', example), 'utf8');
  const file = join(demo.dir, example);
  writeFileSync(file, text.replace(/^\s*persistence_timeout\s.*\n/m, ''));
  return file;
}

/**
 * `ipvsadm -Ln` in a node's namespace, printed, and parsed into services with their
 * destinations, each column named as ipvsadm's header names it:
 * [{service: "TCP 192.168.0.38:80", Scheduler: "rr", dests: [{address, Forward, Weight,
 * ActiveConn, InActConn}]}]. The connection counts are live (--stats lags by the estimator's 2 s).
 */
function ipvsTable(demo, node, role) {
  const [, serviceHeader, destHeader, ...rows] = demo.bed
    .exec(node, 'ipvsadm', ['-Ln'])
    .split('\n')
    .map((line) => line.trimEnd());
  demo.note(`ipvsadm -Ln on ${node} (${role}):`);
  for (const line of [serviceHeader, destHeader, ...rows].filter(Boolean))
    demo.log(node, `  ${line}`);
  const serviceNames = serviceHeader.split(/\s+/).slice(2);
  const destNames = destHeader.trim().split(/\s+/).slice(2);
  const named = (names, values) => Object.fromEntries(names.map((n, i) => [n, values[i]]));
  const services = [];
  for (const line of rows.filter(Boolean)) {
    const [first, second, ...values] = line.trim().split(/\s+/);
    if (first === '->')
      services.at(-1).dests.push({
        address: second,
        ...named(destNames, values),
      });
    else
      services.push({ service: `${first} ${second}`, ...named(serviceNames, values), dests: [] });
  }
  if (services.length === 0) demo.log(node, '  (no virtual service)');
  return services;
}

/** Starts the client in `cl`; collect() runs it and returns its requests. */
async function startClient(demo) {
  const child = demo.spawn('cl', process.execPath, ['-e', CLIENT], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = [];
  const waitFor = lineWaiter(child.stdout, 'cl', lines, (line) => {
    const r = JSON.parse(line);
    lines.push(r);
    if (r.seq === undefined) return;
    const answer = r.error ? `FAILED (${r.error})` : r.body;
    demo.log('cl', `GET http://${VIP}/ -> ${answer}  [${r.ms} ms]`, r.at);
  });
  await waitFor((r) => r.ready, 'client start', 60_000);
  return {
    /**
     * Sends requests until `until({requests, waitFor})` resolves (requests(): those made so
     * far), then stops and returns every request made meanwhile, in order.
     */
    async collect(until) {
      const mark = lines.length;
      const requests = () => lines.slice(mark).filter((r) => r.seq !== undefined);
      child.stdin.write('start\n');
      await until({ requests, waitFor });
      child.stdin.write('stop\n');
      await waitFor((r, i) => i >= mark && r.stopped, 'client stop', REQUEST_TIMEOUT_MS + 5_000);
      return requests();
    },
  };
}

/** `until` for collect(): `n` more requests answered after now that satisfy `pred`. */
const answered =
  (n, pred = () => true) =>
  async ({ requests, waitFor }) => {
    const from = requests().length;
    await waitFor(
      () => requests().slice(from).filter(pred).length >= n,
      `${n} requests`,
      REQUEST_TIMEOUT_MS * 2,
    );
  };

/** "rs1 rs2 rs1 …" for a note. */
const summary = (requests) =>
  requests
    .map((r) => (r.error ? `FAILED(${r.error})` : r.body.replace('hello from ', '')))
    .join(' ');

await runDemo(
  {
    area: 'kdemo',
    ipvs: 'kernel',
    extraChecks: [
      [
        existsSync('/proc/net/ip_vs'),
        'this kernel has no IPVS: run the kernel demo in the VM, `scripts/vm-run node scripts/demo-kernel.mjs` (npm run demo:kernel does)',
      ],
      [
        spawnSync('sh', ['-c', 'command -v ipvsadm']).status === 0,
        'ipvsadm is missing (apt-get install ipvsadm)',
      ],
    ],
  },
  async (demo) => {
    const report = { prefix: demo.bed.prefix, tables: {}, traffic: {}, vipOwner: {} };
    // Every node process loads at once: a node start costs seconds in the VM. d1 starts as soon
    // as it has loaded, d2 once d1 runs, so d1 is the first to claim MASTER.
    demo.note(
      'starting keepalived-ts on d1 (MASTER config) and d2 (BACKUP config), --ipvs kernel; examples/lvs-dr without persistence_timeout',
    );
    const d1 = demo.startDirector('d1', demoConfig(demo, 'keepalived-master.conf'));
    const d2 = demo.loadDirector('d2', demoConfig(demo, 'keepalived-backup.conf'));
    const [client] = await Promise.all([
      startClient(demo),
      demo.startRealServers(),
      d1.waitFor((r) => r.event === 'config.loaded', 'config.loaded', 90_000),
    ]);
    d2.start();
    await d2.waitFor((r) => r.event === 'config.loaded', 'config.loaded', 60_000);
    await d1.waitFor((r) => r.event === 'vip.add', 'VIP on the MASTER', 30_000);
    report.tables.d1AtStart = ipvsTable(demo, 'd1', 'MASTER');
    report.tables.d2AtStart = ipvsTable(demo, 'd2', 'BACKUP: programmed too, but without the VIP');

    demo.note(`client: requests to http://${VIP}/, each on a new connection`);
    report.traffic.balanced = await client.collect(answered(6));
    const balancedOwner = demo.arpOwner();
    report.vipOwner.balanced = balancedOwner.node;
    demo.note(`through the VIP (ARP: ${balancedOwner.text}): ${summary(report.traffic.balanced)}`);

    demo.note('stopping the HTTP server on rs2; waiting for the checkers (delay_loop 6)');
    demo.bed.nodes.rs2.server.kill('SIGKILL');
    // Both: d2's table must have lost rs2 too before it takes over below.
    const rs2Removed = (r) =>
      r.event === 'ipvs.dest.del' && String(r.dest).startsWith(REAL_SERVERS.rs2);
    await Promise.all([d1, d2].map((d) => d.waitFor(rs2Removed, 'rs2 leaving the table', 30_000)));
    report.tables.d1AfterRsDown = ipvsTable(demo, 'd1', 'MASTER');
    report.traffic.afterRsDown = await client.collect(answered(4));
    demo.note(`through the VIP: ${summary(report.traffic.afterRsDown)}`);

    demo.note('client keeps sending; stopping the MASTER (SIGTERM to keepalived-ts on d1)');
    const d2Mark = d2.records.length;
    report.traffic.failover = await client.collect(async (c) => {
      await answered(2)(c);
      report.sigtermAt = Date.now();
      d1.child.kill('SIGTERM');
      const vipAdd = await d2.waitFor(
        (r) => d2.records.indexOf(r) >= d2Mark && r.event === 'vip.add',
        'takeover',
        30_000,
      );
      report.takeoverAt = Date.parse(vipAdd.time);
      const vipDel = await d1.waitFor((r) => r.event === 'vip.del', 'VIP release', 30_000);
      report.releasedAt = Date.parse(vipDel.time);
      // Requests started after the takeover, answered through d2.
      await answered(5, (r) => r.at > report.takeoverAt)(c);
    });
    const failoverOwner = demo.arpOwner();
    report.vipOwner.failover = failoverOwner.node;
    const slowest = Math.max(...report.traffic.failover.map((r) => r.ms));
    const failed = report.traffic.failover.filter((r) => r.error).length;
    demo.note(
      `through the VIP (ARP: ${failoverOwner.text}): ${summary(report.traffic.failover)}; ${failed} failed, slowest ${slowest} ms`,
    );
    report.tables.d2AfterFailover = ipvsTable(
      demo,
      'd2',
      'new MASTER: its connection entries are the requests it forwarded',
    );
    await d1.exited;
    report.tables.d1AfterStop = ipvsTable(demo, 'd1', 'stopped: its table released');

    demo.note('stopping d2');
    d2.child.kill('SIGTERM');
    await d2.exited;
    report.tables.d2AfterStop = ipvsTable(demo, 'd2', 'stopped');
    if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2));
  },
);
