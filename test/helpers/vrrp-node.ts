// A minimal VRRP-only node for integration tests: loads a keepalived.conf, runs its instances
// with runVrrp, writes the JSON event log to stdout, and on SIGTERM stops the keepalived way
// (priority 0, VIPs removed) and exits 0; on SIGHUP reloads CONFIG in place.
// Usage: node vrrp-node.js CONFIG
import { loadConfig } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/config/diagnostic.js';
import { createLogger } from '../../src/observe/log.js';
import { Metrics } from '../../src/observe/metrics.js';
import { Observer } from '../../src/observe/observer.js';
import { StatusBoard } from '../../src/observe/status.js';
import { runVrrp } from '../../src/vrrp/index.js';

const file = process.argv[2];

function load() {
  const loaded = loadConfig(file);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  for (const d of errors) process.stderr.write(`${formatDiagnostic(d)}\n`);
  return errors.length > 0 ? undefined : loaded.config;
}

const config = load();
if (!config) process.exit(1);
const observer = new Observer(
  createLogger({ level: 'debug' }),
  new Metrics(),
  new StatusBoard({ version: 'test', configFile: file, ipvsBackend: 'none' }),
);
const flush = setInterval(() => observer.flushDrops(), 500);
const runtime = await runVrrp(config, { observer });
process.on('SIGHUP', () => {
  const next = load();
  if (next) void runtime.reload(next).then(() => observer.log.info('reloaded'));
});
process.once('SIGTERM', () => {
  void runtime.stop().then(() => {
    clearInterval(flush);
    observer.flushDrops();
    process.exit(0);
  });
});
