// The JSON log stream. One event per line; every line that reports something a monitor may act on
// carries `event` (see docs/events.md for the schema). Writes are synchronous: a state transition
// logged just before a crash or SIGKILL must not be lost in a buffer.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LogOptions {
  /** Where lines go: a path, or a stream (tests). Default stdout. */
  destination?: string | DestinationStream;
  level?: pino.LevelWithSilent;
  /** 'json' (default) or 'pretty': one short human line per event. */
  format?: 'json' | 'pretty';
}

/** Secrets that may appear in logged config fragments. */
const REDACT = ['auth_pass', 'authPass', '*.auth_pass', '*.authPass', 'password', '*.password'];

export function createLogger(opts: LogOptions = {}): Logger {
  const dest =
    typeof opts.destination === 'object'
      ? opts.destination
      : pino.destination({ dest: opts.destination ?? 1, sync: true });
  const stream = opts.format === 'pretty' ? prettyStream(dest) : dest;
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** "12:00:01.234 INFO  vrrp.state instance=VI_1 from=BACKUP to=MASTER  message" */
function prettyStream(dest: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      const { time, level, msg, event, pid: _pid, ...fields } = rec;
      const clock = typeof time === 'string' ? time.slice(11, 23) : '';
      const kv = Object.entries(fields)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' ');
      const head = `${clock} ${String(level).toUpperCase().padEnd(5)} ${event ?? ''}`.trimEnd();
      dest.write(`${head} ${kv}${msg ? `  ${String(msg)}` : ''}\n`);
    },
  };
}
