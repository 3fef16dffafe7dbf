// Runs a keepalived-ts daemon (runDaemon from src/cli/commands/run.ts) inside a test namespace, as
// a RunningNode (test/helpers/vrrp-nodes.ts) that collects its JSON log lines.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOptions } from '../../../src/cli/commands/run.js';
import type { Testbed } from '../../helpers/netns.js';
import { RunningNode } from '../../helpers/vrrp-nodes.js';

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
): RunningNode {
  const child = bed.spawn(node, process.execPath, [entryFile(), JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  return new RunningNode(`daemon@${node}`, child);
}
