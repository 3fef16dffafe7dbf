// A daemon's observability stack writing its log lines into an array, for tests.
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observe/log.js';
import { Metrics } from '../../../src/observe/metrics.js';
import { Observer } from '../../../src/observe/observer.js';
import { StatusBoard, type StatusHeader } from '../../../src/observe/status.js';

export const HEADER: StatusHeader = {
  version: '0.1.0-test',
  configFile: 'keepalived.conf',
  ipvsBackend: 'dry-run',
};

export function captureObserver(now?: () => Date) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger({ destination: stream as never, level: 'debug' });
  const observer = new Observer(log, new Metrics(), new StatusBoard(HEADER, now));
  const events = () =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.event !== undefined);
  return { lines, observer, events };
}
