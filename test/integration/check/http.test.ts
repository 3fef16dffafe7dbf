import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { runHttpCheck } from '../../../src/check/http.js';
import type { HttpProbe, HttpUrlSpec } from '../../../src/check/plan.js';
import { closedTcpPort, endpoint, tcpServer, type Running } from '../../fixtures/check/servers.js';
import { makeCert, type TestCert } from '../../fixtures/check/tls.js';
import { hasCommand, skipUnless } from '../../helpers/privileged.js';

const BODY = 'hello from the real server\n';
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

interface Seen {
  url: string;
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
  servername?: string;
}

/** Routes: /ok → 200 BODY, /status/NNN → NNN, /slow → never answers. */
function handler(seen: Seen[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse) => {
    const sock = req.socket as tls.TLSSocket;
    seen.push({
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      headers: req.headers,
      servername: typeof sock.servername === 'string' ? sock.servername : undefined,
    });
    const status = /^\/status\/(\d{3})$/.exec(req.url ?? '');
    if (req.url === '/slow') return;
    res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'text/plain' });
    res.end(BODY);
  };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function close(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const url = (path: string, over: Partial<HttpUrlSpec> = {}): HttpUrlSpec => ({
  path,
  statusCodes: [[200, 299]],
  ...over,
});

describe('HTTP_GET on loopback', () => {
  const seen: Seen[] = [];
  const server = http.createServer(handler(seen));
  let port: number;
  before(async () => {
    port = await listen(server);
  });
  after(() => close(server));

  const probe = (urls: HttpUrlSpec[], over: Partial<HttpProbe> = {}): HttpProbe => ({
    type: 'HTTP_GET',
    endpoint: endpoint(port),
    urls,
    httpProtocol: '1.0',
    enableSni: false,
    ...over,
  });

  test('status 200 with the right digest is up; the request is keepalived-shaped', async () => {
    const r = await runHttpCheck(probe([url('/ok', { digest: BODY_MD5 })]));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    const req = seen.at(-1)!;
    assert.equal(req.httpVersion, '1.0');
    assert.equal(req.headers.host, `127.0.0.1:${port}`);
    assert.equal(req.headers['user-agent'], 'KeepAliveClient');
    assert.equal(req.headers.connection, undefined);
  });

  test('a wrong status is down', async () => {
    const r = await runHttpCheck(probe([url('/status/503')]));
    assert.deepEqual([r.ok, r.reason], [false, 'status 503']);
  });

  test('status_code ranges: 3xx accepted when configured', async () => {
    const r = await runHttpCheck(probe([url('/status/302', { statusCodes: [[300, 399]] })]));
    assert.equal(r.ok, true);
  });

  test('a wrong digest is down', async () => {
    const r = await runHttpCheck(probe([url('/ok', { digest: '0'.repeat(32) })]));
    assert.equal(r.ok, false);
    assert.equal(r.reason, `digest ${BODY_MD5} != ${'0'.repeat(32)}`);
  });

  test('every url must pass; the failing one is named', async () => {
    const r = await runHttpCheck(probe([url('/ok'), url('/status/404')]));
    assert.deepEqual([r.ok, r.reason], [false, '/status/404: status 404']);
  });

  test('regex and regex_no_match judge the body', async () => {
    assert.equal((await runHttpCheck(probe([url('/ok', { regex: 'real\\s+server' })]))).ok, true);
    const miss = await runHttpCheck(probe([url('/ok', { regex: '^error' })]));
    assert.deepEqual([miss.ok, miss.reason], [false, 'regex not matched']);
    const no = await runHttpCheck(probe([url('/ok', { regex: 'hello', regexNoMatch: true })]));
    assert.deepEqual([no.ok, no.reason], [false, 'regex matched (regex_no_match)']);
  });

  test('virtualhost and http_protocol 1.1 shape the request', async () => {
    const r = await runHttpCheck(
      probe([url('/ok', { virtualhost: 'www.example.test' })], { httpProtocol: '1.1' }),
    );
    assert.equal(r.ok, true);
    const req = seen.at(-1)!;
    assert.equal(req.httpVersion, '1.1');
    assert.equal(req.headers.host, 'www.example.test');
    assert.equal(req.headers.connection, 'close');
  });

  test('a server that never answers times out', async () => {
    const r = await runHttpCheck(
      probe([url('/slow')], { endpoint: endpoint(port, { timeoutMs: 200 }) }),
    );
    assert.deepEqual([r.ok, r.reason], [false, 'read timeout after 200 ms']);
  });

  test('a refused connection is down', async () => {
    const r = await runHttpCheck(probe([url('/')], { endpoint: endpoint(await closedTcpPort()) }));
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });
});

describe('HTTP_GET against odd servers', () => {
  let silent: Running;
  let garbage: Running;
  before(async () => {
    silent = await tcpServer((s) => s.end());
    garbage = await tcpServer((s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
  });
  after(async () => {
    await silent.close();
    await garbage.close();
  });
  const probe = (port: number): HttpProbe => ({
    type: 'HTTP_GET',
    endpoint: endpoint(port),
    urls: [url('/')],
    httpProtocol: '1.0',
    enableSni: false,
  });

  test('a server closing without a byte is down', async () => {
    const r = await runHttpCheck(probe(silent.port));
    assert.deepEqual([r.ok, r.reason], [false, 'no data received']);
  });

  test('a non-HTTP answer is down', async () => {
    const r = await runHttpCheck(probe(garbage.port));
    assert.deepEqual([r.ok, r.reason], [false, 'malformed status line']);
  });
});

describe('SSL_GET on loopback', { skip: skipUnless([[hasCommand('openssl'), 'openssl']]) }, () => {
  const seen: Seen[] = [];
  let cert: TestCert;
  let server: https.Server;
  let mtls: https.Server;
  let plain: http.Server;
  let port: number;
  let mtlsPort: number;
  let plainPort: number;
  before(async () => {
    cert = makeCert();
    server = https.createServer({ key: cert.key, cert: cert.cert }, handler(seen));
    mtls = https.createServer(
      {
        key: cert.key,
        cert: cert.cert,
        requestCert: true,
        rejectUnauthorized: true,
        ca: cert.cert,
      },
      handler(seen),
    );
    plain = http.createServer(handler(seen));
    port = await listen(server);
    mtlsPort = await listen(mtls);
    plainPort = await listen(plain);
  });
  after(async () => {
    await close(server);
    await close(mtls);
    await close(plain);
    cert.remove();
  });

  const probe = (p: number, over: Partial<HttpProbe> = {}): HttpProbe => ({
    type: 'SSL_GET',
    endpoint: endpoint(p),
    urls: [url('/ok', { digest: BODY_MD5 })],
    httpProtocol: '1.0',
    enableSni: false,
    ...over,
  });

  test('a self-signed server passes (keepalived does not verify peers) with the digest', async () => {
    const r = await runHttpCheck(probe(port));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    assert.equal(seen.at(-1)!.servername, undefined, 'no SNI without enable_sni');
  });

  test('enable_sni sends the virtualhost as SNI', async () => {
    const r = await runHttpCheck(probe(port, { enableSni: true, virtualhost: 'sni.example.test' }));
    assert.equal(r.ok, true);
    assert.equal(seen.at(-1)!.servername, 'sni.example.test');
  });

  test('a TLS handshake failure is down', async () => {
    const r = await runHttpCheck(probe(mtlsPort));
    assert.equal(r.ok, false);
    // TLS 1.3 finishes the client side first; the server's alert then fails the read.
    assert.match(r.reason, /TLS|SSL/);
  });

  test('the client certificate from the SSL block satisfies a server that requires one', async () => {
    const r = await runHttpCheck(
      probe(mtlsPort, { tls: { certificate: cert.certPath, key: cert.keyPath } }),
    );
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
  });

  test('a plain HTTP server is a TLS failure', async () => {
    const r = await runHttpCheck(probe(plainPort));
    assert.equal(r.ok, false);
    assert.match(r.reason, /^TLS: /);
  });
});
