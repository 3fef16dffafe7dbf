// HTTP_GET and SSL_GET (check_http.c, check_ssl.c): for every `url`, GET the path, require a
// status in its ranges (default 200-299) and, when a `digest` is given, the MD5 of the body. All
// URLs must pass.
//
// Design note: this speaks HTTP/1.x over a plain net/tls socket instead of node:http or undici.
// keepalived sends exactly "GET path HTTP/1.0" (or 1.1 with `http_protocol`), a User-Agent and a
// Host header, with "Connection: close" for 1.0C/1.1, and hashes the raw bytes after the header
// (it does not undo chunked encoding). node:http and undici always speak 1.1 and decode the body,
// so neither could reproduce the request or the digest; a 60-line reader also keeps one check to
// one socket and no pooled state. TLS follows keepalived: no peer verification (it never sets
// SSL_VERIFY_PEER), SNI only with `enable_sni`, and the root `SSL { }` block's CA/cert/key.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type net from 'node:net';
import { connectTcp, converse, errorReason, failed, passed, type Step } from './connect.js';
import type { Endpoint, HttpProbe, HttpUrlSpec, ProbeResult, TlsClientOptions } from './plan.js';

/** Largest response header accepted before the body. */
const MAX_HEADER_BYTES = 64 * 1024;
/** How much of the body a `regex` looks at. */
const MAX_REGEX_BODY_BYTES = 1024 * 1024;

export async function runHttpCheck(spec: HttpProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const statuses: number[] = [];
  for (const url of spec.urls) {
    const res = await getUrl(spec, url);
    if (!res.ok)
      return failed(spec.urls.length > 1 ? `${url.path}: ${res.reason}` : res.reason, startedAt);
    statuses.push(res.value);
  }
  return passed(`status ${statuses.join(',')}`, startedAt);
}

/** The request keepalived sends for one URL. */
export function buildRequest(spec: HttpProbe, url: HttpUrlSpec): string {
  const vhost = url.virtualhost ?? spec.virtualhost;
  const ep = spec.endpoint;
  const host = vhost ?? `${ep.family === 6 ? `[${ep.address}]` : ep.address}:${ep.port}`;
  const version = spec.httpProtocol === '1.1' ? '1.1' : '1.0';
  const close = spec.httpProtocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${url.path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${host}\r\n\r\n`;
}

export function statusAccepted(status: number, ranges: ReadonlyArray<[number, number]>): boolean {
  return ranges.some(([lo, hi]) => status >= lo && status <= hi);
}

async function getUrl(spec: HttpProbe, url: HttpUrlSpec): Promise<Step<number>> {
  const conn = await connectTcp(spec.endpoint);
  if (!conn.ok) return conn;
  let socket: net.Socket = conn.value;
  if (spec.type === 'SSL_GET') {
    const sni = spec.enableSni ? (url.virtualhost ?? spec.virtualhost) : undefined;
    const secured = await startTls(socket, spec.endpoint, sni, spec.tls);
    if (!secured.ok) return secured;
    socket = secured.value;
  }
  socket.write(buildRequest(spec, url));
  const response = new ResponseReader(url.regex !== undefined);
  const read = await converse(socket, spec.endpoint.timeoutMs, {
    onData: (chunk) => response.push(chunk),
    onEnd: () => response.end(),
  });
  if (!read.ok) return read;
  const { status, digest } = read.value;
  if (!statusAccepted(status, url.statusCodes)) return { ok: false, reason: `status ${status}` };
  if (url.digest && url.digest.toLowerCase() !== digest) {
    return { ok: false, reason: `digest ${digest} != ${url.digest.toLowerCase()}` };
  }
  if (url.regex !== undefined) {
    const matched = new RegExp(url.regex).test(read.value.body ?? '');
    if (matched === (url.regexNoMatch ?? false)) {
      return {
        ok: false,
        reason: matched ? 'regex matched (regex_no_match)' : 'regex not matched',
      };
    }
  }
  return { ok: true, value: status };
}

function startTls(
  socket: net.Socket,
  ep: Endpoint,
  sniName: string | undefined,
  opts: TlsClientOptions | undefined,
): Promise<Step<tls.TLSSocket>> {
  return new Promise((resolve) => {
    let secure: tls.TLSSocket;
    try {
      secure = tls.connect({
        socket,
        servername: sniName,
        rejectUnauthorized: false,
        ca: opts?.ca ? readFileSync(opts.ca) : undefined,
        cert: opts?.certificate ? readFileSync(opts.certificate) : undefined,
        key: opts?.key ? readFileSync(opts.key) : undefined,
        passphrase: opts?.password,
      });
    } catch (err) {
      socket.destroy();
      resolve({ ok: false, reason: `TLS setup: ${errorReason(err)}` });
      return;
    }
    const timer = setTimeout(() => {
      secure.destroy();
      resolve({ ok: false, reason: `TLS handshake timeout after ${ep.timeoutMs} ms` });
    }, ep.timeoutMs);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeAllListeners('error');
      resolve({ ok: true, value: secure });
    });
    secure.once('error', (err) => {
      clearTimeout(timer);
      secure.destroy();
      resolve({ ok: false, reason: `TLS: ${errorReason(err)}` });
    });
  });
}

interface Response {
  status: number;
  /** MD5 of the bytes after the header, lower-case hex. */
  digest: string;
  /** The body as latin1 text (first MAX_REGEX_BODY_BYTES), when asked to keep it. */
  body?: string;
}

/** Incremental HTTP/1.x response reader: status line and header, then the body into MD5. */
export class ResponseReader {
  private header: Buffer[] = [];
  private headerBytes = 0;
  private status = -1;
  private contentLength: number | undefined;
  private bodyBytes = 0;
  private readonly md5 = createHash('md5');
  private readonly kept: Buffer[] | undefined;
  private keptBytes = 0;

  /** `keepBody`: also keep the body's start for a regex. */
  constructor(keepBody = false) {
    this.kept = keepBody ? [] : undefined;
  }

  /** Feeds a chunk; returns a final step when the response is complete or malformed. */
  push(chunk: Buffer): Step<Response> | undefined {
    if (this.status < 0) {
      this.header.push(chunk);
      this.headerBytes += chunk.length;
      const all = Buffer.concat(this.header);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        return this.headerBytes > MAX_HEADER_BYTES
          ? { ok: false, reason: 'response header too large' }
          : undefined;
      }
      const parsed = parseHeader(all.subarray(0, end).toString('latin1'));
      if (!parsed) return { ok: false, reason: 'malformed status line' };
      this.status = parsed.status;
      this.contentLength = parsed.contentLength;
      this.header = [];
      chunk = all.subarray(end + 4);
    }
    this.md5.update(chunk);
    this.bodyBytes += chunk.length;
    if (this.kept && this.keptBytes < MAX_REGEX_BODY_BYTES) {
      const part = chunk.subarray(0, MAX_REGEX_BODY_BYTES - this.keptBytes);
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    if (this.contentLength !== undefined && this.bodyBytes >= this.contentLength) return this.end();
    return undefined;
  }

  /** The peer closed: the response is whatever arrived. */
  end(): Step<Response> {
    if (this.status < 0) {
      return {
        ok: false,
        reason: this.headerBytes === 0 ? 'no data received' : 'incomplete response header',
      };
    }
    const value: Response = { status: this.status, digest: this.md5.digest('hex') };
    if (this.kept) value.body = Buffer.concat(this.kept).toString('latin1');
    return { ok: true, value };
  }
}

function parseHeader(text: string): { status: number; contentLength?: number } | undefined {
  const lines = text.split('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!m) return undefined;
  let contentLength: number | undefined;
  for (const line of lines.slice(1)) {
    const h = /^content-length:\s*(\d+)\s*$/i.exec(line);
    if (h) contentLength = Number(h[1]);
  }
  return { status: Number(m[1]), contentLength };
}
