import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runTcpCheck } from '../../../src/check/tcp.js';
import { closedTcpPort, endpoint, tcpServer, type Running } from '../../fixtures/check/servers.js';
import {
  createNetns,
  destroyNetns,
  netnsSkip,
  probeInNetns,
  SILENT_HOST,
} from '../../fixtures/check/netns.js';

describe('TCP_CHECK on loopback', () => {
  let server: Running;
  const peers: string[] = [];
  before(async () => {
    server = await tcpServer((s) => peers.push(`${s.remoteAddress}`));
  });
  after(() => server.close());

  test('a listening server is up', async () => {
    const r = await runTcpCheck({ type: 'TCP_CHECK', endpoint: endpoint(server.port) });
    assert.equal(r.ok, true);
    assert.equal(r.reason, 'connected');
    assert.ok(r.latencyMs >= 0 && r.latencyMs < 1000);
  });

  test('a refused connection is down with ECONNREFUSED', async () => {
    const port = await closedTcpPort();
    const r = await runTcpCheck({ type: 'TCP_CHECK', endpoint: endpoint(port) });
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });

  test('bindto sets the source address', async () => {
    const r = await runTcpCheck({
      type: 'TCP_CHECK',
      endpoint: endpoint(server.port, { bindTo: '127.0.0.2' }),
    });
    assert.equal(r.ok, true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(peers.at(-1), '127.0.0.2');
  });
});

test('TCP_CHECK over IPv6 loopback', async () => {
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '::1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const r = await runTcpCheck({
      type: 'TCP_CHECK',
      endpoint: { address: '::1', port, family: 6, timeoutMs: 1000 },
    });
    assert.deepEqual([r.ok, r.reason], [true, 'connected']);
  } finally {
    server.close();
  }
});

describe('TCP_CHECK timeout (namespace)', { skip: netnsSkip() }, () => {
  let ns: string;
  before(() => {
    ns = createNetns('tcp');
  });
  after(() => destroyNetns(ns));

  test('a host that never answers times out after connect_timeout', async () => {
    const r = await probeInNetns(ns, {
      type: 'TCP_CHECK',
      endpoint: { address: SILENT_HOST, port: 80, family: 4, timeoutMs: 300 },
    });
    assert.deepEqual([r.ok, r.reason], [false, 'connect timeout after 300 ms']);
    assert.ok(r.latencyMs >= 290 && r.latencyMs < 1500, `latency ${r.latencyMs}`);
  });
});
