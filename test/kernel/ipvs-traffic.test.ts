// Real traffic through a NAT virtual service programmed by the reconciler (testbeds.md §B.7):
// a client namespace talks to the VIP on a director namespace, which balances over two node HTTP
// servers in their own namespaces. Everything lives in namespaces this test creates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { buildConfig } from '../../src/config/build/config.js';
import { parseConfigText } from '../../src/config/parse.js';
import { KernelBackend, applyOps } from '../../src/ipvs/backend.js';
import { IpvsClient } from '../../src/ipvs/client.js';
import { desiredTable, realServerKey } from '../../src/ipvs/desired.js';
import { diff } from '../../src/ipvs/reconcile.js';
import { createLogger } from '../../src/observe/log.js';
import { hasCommand, isRoot, skipUnless } from '../helpers/privileged.js';

const skip = skipUnless([
  [isRoot, 'root'],
  [existsSync('/proc/net/ip_vs'), 'a kernel with IPVS (run under scripts/vm-run)'],
  [hasCommand('ip'), 'iproute2'],
]);

const prefix = `kts-ipvs-${process.pid}`;
const ns = {
  director: `${prefix}-dir`,
  client: `${prefix}-cli`,
  rs1: `${prefix}-rs1`,
  rs2: `${prefix}-rs2`,
};
const ip = (...args: string[]) =>
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] });
const inNs = (name: string, ...cmd: string[]) => ip('netns', 'exec', name, ...cmd);

const CONFIG = `
virtual_server 10.0.0.1 80 {
  lvs_sched rr
  lvs_method NAT
  protocol TCP
  real_server 10.0.21.2 8000 {
    weight 1
  }
  real_server 10.0.22.2 8000 {
    weight 1
  }
}
`;

/** Makes one request over a kept-alive connection, prints the answer, then holds the socket open. */
const HOLD_CONNECTION = `
  const agent = new (require('http').Agent)({ keepAlive: true });
  require('http').get({ host: '10.0.0.1', port: 80, agent }, (r) => {
    let body = ''; r.on('data', (c) => body += c); r.on('end', () => console.log(body));
  });
  setInterval(() => {}, 1000);`;

/** Links namespace `name` to the director: `net`.2 on its side, `net`.1 on the director's. */
function attach(name: string, net: string, ifname: string): void {
  ip(
    '-n',
    ns.director,
    'link',
    'add',
    ifname,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    name,
  );
  ip('-n', ns.director, 'addr', 'add', `${net}.1/24`, 'dev', ifname);
  ip('-n', ns.director, 'link', 'set', ifname, 'up');
  ip('-n', name, 'addr', 'add', `${net}.2/24`, 'dev', 'eth0');
  ip('-n', name, 'link', 'set', 'eth0', 'up');
  ip('-n', name, 'link', 'set', 'lo', 'up');
  // NAT needs the replies back through the director.
  ip('-n', name, 'route', 'add', 'default', 'via', `${net}.1`);
}

function teardown(): void {
  for (const name of Object.values(ns)) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      ip('netns', 'del', name);
    } catch {
      // never created, or already gone
    }
  }
}

/** A node HTTP server answering "hello from NAME" inside namespace `name`; resolves once listening. */
async function httpServer(name: string, address: string): Promise<ChildProcess> {
  const code = `require('http').createServer((q, r) => r.end('hello from ${name}')).listen(8000, '${address}', () => console.log('ready'))`;
  const child = spawn(
    'ip',
    ['netns', 'exec', ns[name as keyof typeof ns], process.execPath, '-e', code],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.equal(line.toString().trim(), 'ready');
  return child;
}

/** `count` GETs of http://10.0.0.1/ from the client namespace, one new connection each. */
function fetchFromClient(count: number): string[] {
  const code = `
    const get = () => new Promise((ok, fail) => require('http').get({ host: '10.0.0.1', port: 80, agent: false, timeout: 5000 }, (r) => {
      let body = ''; r.on('data', (c) => body += c); r.on('end', () => ok(body));
    }).on('error', fail));
    (async () => { const out = []; for (let i = 0; i < ${count}; i++) out.push(await get()); console.log(JSON.stringify(out)); })();`;
  const out = execFileSync('ip', ['netns', 'exec', ns.client, process.execPath, '-e', code], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

test(
  'NAT through IPVS: rr alternates over both servers; a drained server gets no new traffic, then goes',
  { skip, timeout: 120_000 },
  async (t) => {
    t.after(teardown);
    for (const name of Object.values(ns)) ip('netns', 'add', name);
    ip('-n', ns.director, 'link', 'set', 'lo', 'up');
    ip('-n', ns.director, 'addr', 'add', '10.0.0.1/32', 'dev', 'lo');
    inNs(ns.director, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    attach(ns.client, '10.0.1', 'cli');
    attach(ns.rs1, '10.0.21', 'rs1');
    attach(ns.rs2, '10.0.22', 'rs2');
    await Promise.all([httpServer('rs1', '10.0.21.2'), httpServer('rs2', '10.0.22.2')]);

    const { tree } = parseConfigText(CONFIG, '/etc/keepalived/keepalived.conf', { configId: 'vm' });
    const config = buildConfig(tree, { configId: 'vm' }).config;
    const client = await IpvsClient.open({ netns: `/run/netns/${ns.director}` });
    t.after(() => client.close());
    const backend = new KernelBackend(client);
    const log = createLogger({ level: 'silent' });

    const start = await applyOps(backend, diff(desiredTable(config), await backend.read()), log);
    assert.deepEqual(start.failed, []);
    const bodies = fetchFromClient(4);
    assert.deepEqual(new Set(bodies), new Set(['hello from rs1', 'hello from rs2']));
    for (let i = 1; i < bodies.length; i++)
      assert.notEqual(bodies[i], bodies[i - 1], `rr alternates: ${bodies.join(', ')}`);

    // A client holds a connection open; the checker then declares that server down. With drain
    // the reconciler quiesces it (weight 0: new connections go to the other server) and deletes
    // it only once the kernel counts no active connection on it.
    const holder = spawn(
      'ip',
      ['netns', 'exec', ns.client, process.execPath, '-e', HOLD_CONNECTION],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => holder.kill('SIGKILL'));
    const [connected] = (await once(holder.stdout!, 'data')) as [Buffer];
    assert.match(connected.toString(), /^hello from rs[12]/);
    const busy = (await backend.read())[0].destinations.find(
      (d) => (d.connections?.active ?? 0) > 0,
    );
    assert.ok(busy, 'the kernel counts the held connection as active');
    const vs = config.virtualServers[0];
    const busyServer = vs.realServers.find((rs) => rs.address === busy.address)!;
    const other = busy.address === '10.0.21.2' ? 'hello from rs2' : 'hello from rs1';
    const verdicts = new Map([[realServerKey(vs, busyServer), { alive: false, weight: 1 }]]);
    const desired = desiredTable(config, { verdicts });
    const quiesce = diff(desired, await backend.read(), { drain: true });
    assert.deepEqual(
      quiesce.map((o) => [o.kind, 'dest' in o ? o.dest.weight : undefined]),
      [['dest.edit', 0]],
    );
    assert.deepEqual((await applyOps(backend, quiesce, log)).failed, []);
    assert.deepEqual(fetchFromClient(3), [other, other, other]);
    assert.deepEqual(diff(desired, await backend.read(), { drain: true }), [], 'still draining');

    holder.kill('SIGKILL');
    await once(holder, 'exit');
    let removal = diff(desired, await backend.read(), { drain: true });
    for (let i = 0; i < 50 && removal.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      removal = diff(desired, await backend.read(), { drain: true });
    }
    assert.deepEqual(
      removal.map((o) => o.kind),
      ['dest.del'],
    );
    assert.deepEqual((await applyOps(backend, removal, log)).failed, []);
    assert.deepEqual(fetchFromClient(2), [other, other]);
  },
);
