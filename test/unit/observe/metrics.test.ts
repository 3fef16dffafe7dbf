import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics } from '../../../src/observe/metrics.js';

test('text() renders what prom-client renders, letting the event loop run between metrics', async () => {
  const metrics = new Metrics({ processMetrics: true });
  metrics.vrrpTransition('VI_1', 'BACKUP', 'MASTER', 100);
  metrics.checkDone('tcp 10.0.0.100:80', '10.0.0.11:80', 'TCP_CHECK', 'success', 0.0015);
  metrics.checkDone('tcp 10.0.0.100:80', '10.0.0.12:80', 'HTTP_GET', 'failure', 0.2);
  metrics.packetDropped('bad "auth"\n\\');
  let turns = 0;
  const ticker = setInterval(() => (turns += 1), 0);
  try {
    const text = await metrics.text();
    // Process metrics move on their own: compare everything else.
    const stable = (t: string) =>
      t
        .split('\n\n')
        .filter((m) => !m.includes('keepalived_process_') && !m.includes('keepalived_nodejs_'))
        .join('\n\n');
    assert.equal(stable(text), stable(await metrics.registry.metrics()));
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
  } finally {
    clearInterval(ticker);
  }
  assert.ok(turns > 0, 'a timer ran while the scrape was rendered');
});
