#!/usr/bin/env node
// `npm run demo` (root, Linux): the LVS-DR example of examples/lvs-dr on a namespace testbed
// (scripts/demo-shared.mjs: two directors, two real servers, a client on one bridge).
//
// It starts keepalived-ts on both directors (--ipvs dry-run: the host kernel may have no IPVS),
// shows their event stream as it happens, stops rs2's HTTP server, stops the MASTER, and prints
// a timeline. Every namespace is removed at the end, also on Ctrl-C or an error. Needs the build
// (dist/), which `npm run demo` runs first. `npm run demo:kernel` is the same on a real IPVS
// kernel, with traffic through the VIP.
import { join } from 'node:path';
import { REAL_SERVERS, VIP, root, runDemo, sleep } from './demo-shared.mjs';

const config = (name) => join(root, 'examples/lvs-dr', name);

await runDemo({ area: 'demo', ipvs: 'dry-run' }, async (demo) => {
  const { bed } = demo;

  /** Which director answers ARP for the VIP, seen from the client (a TCP connect resolves it). */
  function vipOwner() {
    bed.exec('cl', 'ip', ['neigh', 'flush', 'dev', 'eth0']);
    // The connect itself may be refused (--ipvs dry-run programs no IPVS); the ARP exchange
    // before it is what shows who holds the VIP.
    bed.exec('cl', process.execPath, [
      '-e',
      `const s = require('node:net').connect(80, '${VIP}'); s.on('error', () => {}); s.on('connect', () => s.end()); setTimeout(() => process.exit(0), 500);`,
    ]);
    return demo.arpOwner().text;
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

  await demo.startRealServers();
  for (const rs of Object.values(REAL_SERVERS)) {
    const body = bed.exec('cl', process.execPath, [
      '-e',
      `fetch('http://${rs}/').then(r => r.text()).then(t => process.stdout.write(t))`,
    ]);
    demo.note(`client GET http://${rs}/ -> ${body.trim()}`);
  }

  const d1 = demo.startDirector('d1', config('keepalived-master.conf'));
  await d1.waitFor((r) => r.event === 'config.loaded', 'config.loaded', 10_000);
  const d2 = demo.startDirector('d2', config('keepalived-backup.conf'));
  demo.note('started keepalived-ts on d1 (MASTER config) and d2 (BACKUP config), --ipvs dry-run');

  await d1.waitFor((r) => r.event === 'vrrp.state' && r.to === 'MASTER', 'MASTER state', 15_000);
  await sleep(200);
  demo.note(`VIP ${VIP} answers from ${vipOwner()}`);

  demo.note('waiting for the first health checks (TCP_CHECK, delay_loop 6)...');
  await sleep(8000);
  demo.note('stopping the HTTP server on rs2');
  bed.nodes.rs2.server.kill('SIGKILL');
  await Promise.race([
    d1.waitFor(
      (r) =>
        (r.event === 'check.down' || r.event === 'rs.down') &&
        String(r.realServer).startsWith(REAL_SERVERS.rs2),
      'rs2 down',
      20_000,
    ),
    sleep(20_000),
  ]);

  demo.note(`GET /status on d1: ${statusOf('d1')}`);
  demo.note('stopping the MASTER (SIGTERM to keepalived-ts on d1)');
  const mark = d2.records.length;
  d1.child.kill('SIGTERM');
  await d1.exited;
  await d2.waitFor(
    (r) => d2.records.indexOf(r) >= mark && r.event === 'vrrp.state' && r.to === 'MASTER',
    'takeover',
    10_000,
  );
  await sleep(200);
  demo.note(`VIP ${VIP} answers from ${vipOwner()}`);

  demo.note(`GET /status on d2: ${statusOf('d2')}`);
  demo.note('stopping d2');
  d2.child.kill('SIGTERM');
  await d2.exited;
});
