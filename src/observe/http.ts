// The --status endpoint: GET /status (JSON) and GET /metrics (Prometheus text) on a node:http
// server, loopback unless told otherwise. Read-only: it has no way to change the daemon.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { KtsError } from '../errors.js';
import type { Metrics } from './metrics.js';
import type { StatusSnapshot } from './status.js';

export const DEFAULT_STATUS_HOST = '127.0.0.1';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses --status: "PORT", "HOST:PORT", "[V6]:PORT". A bare port binds loopback, so the endpoint
 * is never exposed by accident.
 */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] ?? m[2] ?? DEFAULT_STATUS_HOST) : '';
  if (!m || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new KtsError('ERR_STATUS_ADDRESS', `--status: expected [HOST:]PORT, got '${text}'`);
  }
  return { host, port };
}

export interface StatusServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface StatusSources {
  status: () => StatusSnapshot;
  metrics: Metrics;
}

async function handle(
  src: StatusSources,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' })
      .end('method not allowed\n');
    return;
  }
  if (path === '/status') {
    const body = `${JSON.stringify(src.status(), null, 2)}\n`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(req.method === 'HEAD' ? '' : body);
  } else if (path === '/metrics') {
    const body = await src.metrics.text();
    res
      .writeHead(200, { 'content-type': src.metrics.contentType })
      .end(req.method === 'HEAD' ? '' : body);
  } else {
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /status or /metrics\n');
  }
}

export function startStatusServer(
  listen: ListenAddress,
  src: StatusSources,
): Promise<StatusServer> {
  const server = createServer((req, res) => {
    handle(src, req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(err as Error).message}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new KtsError(
          'ERR_STATUS_LISTEN',
          `--status ${listen.host}:${listen.port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    server.listen(listen.port, listen.host, () => {
      const addr = server.address() as AddressInfo;
      resolve({
        host: addr.address,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
