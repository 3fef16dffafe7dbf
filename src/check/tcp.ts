// TCP_CHECK: the real server is up when a TCP connection to it completes within connect_timeout
// (check_tcp.c). Nothing is sent. The connection is closed with a reset (SO_LINGER 0, as HAProxy's
// checks do) instead of keepalived's plain close: at thousands of checks per second, FIN-closed
// sockets pile up in TIME_WAIT on the checker host and slow every later connect() down.

import { connectTcp, failed, passed } from './connect.js';
import type { ProbeResult, TcpProbe } from './plan.js';

export async function runTcpCheck(spec: TcpProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const conn = await connectTcp(spec.endpoint);
  if (!conn.ok) return failed(conn.reason, startedAt);
  conn.value.resetAndDestroy();
  return passed('connected', startedAt);
}
