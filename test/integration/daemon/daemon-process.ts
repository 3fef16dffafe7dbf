// Runs a keepalived-ts daemon (runDaemon from src/cli/commands/run.ts) inside a test namespace and
// collects its JSON log lines, for the daemon's integration tests and the demo.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOptions } from '../../../src/cli/commands/run.js';
import type { Testbed } from '../../helpers/netns.js';

const runModule = new URL('../../../src/cli/commands/run.js', import.meta.url).pathname;

/**
 * The program each daemon runs: runDaemon with the options in argv[2]. A file, not `node -e`: the
 * checker worker thread inherits the exec arguments, and `--input-type` is refused there.
 */
function entryFile(): string {
  const file = join(tmpdir(), `kts-run-daemon-${process.pid}.mjs`);
  writeFileSync(
    file,
    `import { runDaemon } from ${JSON.stringify(runModule)};\nprocess.exit(await runDaemon(JSON.parse(process.argv[2])));\n`,
  );
  return file;
}

export interface DaemonProcess {
  child: ChildProcess;
  lines: string[];
  records: (after?: number) => Array<Record<string, unknown>>;
  /** Resolves with the first record satisfying `pred` among lines from index `after` on (logged or future). */
  waitFor(
    pred: (r: Record<string, unknown>) => boolean,
    timeoutMs?: number,
    what?: string,
    after?: number,
  ): Promise<Record<string, unknown>>;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

export function defaultRunOptions(configFile: string): RunOptions {
  return {
    configFile,
    vrrp: true,
    check: true,
    logDetail: false,
    logFormat: 'json',
    ipvs: 'dry-run',
    releaseVips: true,
    releaseIpvs: true,
    version: 'test',
  };
}

export function startDaemon(
  bed: Testbed,
  node: string,
  opts: RunOptions,
  env: Record<string, string> = {},
): DaemonProcess {
  const child = bed.spawn(node, process.execPath, [entryFile(), JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    for (const w of waiters) w();
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const records = (after = 0) =>
    lines.slice(after).flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    records,
    waitFor(pred, timeoutMs = 10_000, what = 'a log record', after = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = records(after).find(pred);
          if (!hit) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `${node}: no ${what} within ${timeoutMs} ms; stderr: ${stderr}\nlog:\n${lines.join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    signal(sig) {
      child.kill(sig);
    },
    exited,
  };
}
