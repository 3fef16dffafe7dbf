// TCP_CHECK: the real server is up when a TCP connection to it completes within connect_timeout
// (check_tcp.c). The connection is closed at once; nothing is sent.

import { connectTcp, failed, passed } from './connect.js';
import type { ProbeResult, TcpProbe } from './plan.js';

export async function runTcpCheck(spec: TcpProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const conn = await connectTcp(spec.endpoint);
  if (!conn.ok) return failed(conn.reason, startedAt);
  conn.value.destroy();
  return passed('connected', startedAt);
}
