// An HTTP_GET probe spec for plans built with test/fixtures/check/plans.ts (which makes TCP ones).
import type { ProbeSpec } from '../../../src/check/plan.js';

export function httpProbe(port: number): ProbeSpec {
  return {
    type: 'HTTP_GET',
    endpoint: { address: '127.0.0.1', port, family: 4, timeoutMs: 1000 },
    urls: [{ path: '/', statusCodes: [[200, 299]] }],
    httpProtocol: '1.0',
    enableSni: false,
  };
}
