// One entry point for every checker type. A probe never throws: a bug or an unexpected error in
// a checker becomes a failed result with the error as its reason, so one bad checker cannot take
// the loop down with it.

import { errorReason } from './connect.js';
import { runDnsCheck } from './dns.js';
import { runFileCheck } from './file.js';
import { runHttpCheck } from './http.js';
import { runMiscCheck } from './misc.js';
import { runPingCheck } from './ping.js';
import type { ProbeResult, ProbeSpec } from './plan.js';
import { runSmtpCheck } from './smtp.js';
import { runTcpCheck } from './tcp.js';
import { runUdpCheck } from './udp.js';

function dispatch(spec: ProbeSpec): Promise<ProbeResult> {
  switch (spec.type) {
    case 'TCP_CHECK':
      return runTcpCheck(spec);
    case 'HTTP_GET':
    case 'SSL_GET':
      return runHttpCheck(spec);
    case 'MISC_CHECK':
      return runMiscCheck(spec);
    case 'SMTP_CHECK':
      return runSmtpCheck(spec);
    case 'DNS_CHECK':
      return runDnsCheck(spec);
    case 'UDP_CHECK':
      return runUdpCheck(spec);
    case 'PING_CHECK':
      return runPingCheck(spec);
    case 'FILE_CHECK':
      return runFileCheck(spec);
  }
}

export async function runProbe(spec: ProbeSpec): Promise<ProbeResult> {
  const startedAt = performance.now();
  try {
    return await dispatch(spec);
  } catch (err) {
    return {
      ok: false,
      reason: `checker error: ${errorReason(err)}`,
      latencyMs: performance.now() - startedAt,
    };
  }
}
