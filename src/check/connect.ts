// The TCP connect every stream checker starts with (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK):
// `bindto` / `bind_port` as the local end, `connect_timeout` as the budget, and a failure turned into
// a short reason instead of an exception. Also the datagram exchange of UDP_CHECK and DNS_CHECK. `bind_if` and the checker `fwmark` need SO_BINDTODEVICE /
// SO_MARK, which Node's sockets do not expose; from-config.ts reports them as unsupported.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Endpoint, ProbeResult } from './plan.js';

/** Outcome of a probe step that can fail: the value, or the reason it failed. */
export type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

export function failed(reason: string, startedAt: number): ProbeResult {
  return { ok: false, reason, latencyMs: elapsedMs(startedAt) };
}

export function passed(reason: string, startedAt: number): ProbeResult {
  return { ok: true, reason, latencyMs: elapsedMs(startedAt) };
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000;
}

/** A socket error as a reason: its errno name when it has one ("ECONNREFUSED"). */
export function errorReason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Connects to `ep` within its timeout; the socket is returned connected, or destroyed. */
export function connectTcp(ep: Endpoint): Promise<Step<net.Socket>> {
  return new Promise((resolve) => {
    const socket = net.connect({
      host: ep.address,
      port: ep.port,
      family: ep.family,
      localAddress: ep.bindTo,
      localPort: ep.bindPort,
      noDelay: true,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, reason: `connect timeout after ${ep.timeoutMs} ms` });
    }, ep.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ ok: true, value: socket });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: false, reason: errorReason(err) });
    });
  });
}

/**
 * Reads from a connected stream until `done` says the data so far is complete, the peer closes, or
 * `timeoutMs` passes. Resolves with the verdict of `done` (or of `onEnd` when the stream ends).
 */
export function converse<T>(
  socket: net.Socket,
  timeoutMs: number,
  handlers: {
    /** Called per chunk; return a final step to stop reading. */
    onData: (chunk: Buffer) => Step<T> | undefined;
    /** The peer closed before `onData` decided. */
    onEnd: () => Step<T>;
  },
): Promise<Step<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (step: Step<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(step);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: `read timeout after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      const step = handlers.onData(chunk);
      if (step) finish(step);
    });
    socket.once('end', () => finish(handlers.onEnd()));
    socket.once('error', (err) => finish({ ok: false, reason: errorReason(err) }));
  });
}

/**
 * Sends `payload` from a UDP socket connected to `ep` (so an ICMP port unreachable comes back as
 * ECONNREFUSED) and waits for replies until `onMessage` gives a result or `ep.timeoutMs` passes.
 */
export function udpExchange(
  ep: Endpoint,
  payload: Buffer,
  startedAt: number,
  handlers: { onMessage: (msg: Buffer) => ProbeResult | undefined; onTimeout: () => ProbeResult },
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(ep.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish(handlers.onTimeout()), ep.timeoutMs);
    socket.once('error', (err) => finish(failed(errorReason(err), startedAt)));
    socket.on('message', (msg) => {
      const result = handlers.onMessage(msg);
      if (result) finish(result);
    });
    socket.bind({ address: ep.bindTo, port: ep.bindPort ?? 0 }, () => {
      socket.connect(ep.port, ep.address, () => {
        socket.send(payload, (err) => {
          if (err) finish(failed(errorReason(err), startedAt));
        });
      });
    });
  });
}
