// keepalived-ts command line: parse options (options.ts), pick the command, run it. Thin over the
// library; `run` returns the exit status so tests drive it without spawning a process.
import { readFileSync } from 'node:fs';
import { CONFIG_TEST_EXIT, type LoadOptions } from '../config/load.js';
import { configTest } from './commands/config-test.js';
import { dumpConfig } from './commands/dump-config.js';
import { type CliIo, processIo } from './io.js';
import { DEFAULT_CONFIG_FILE, UsageError, parseOptions, usage } from './options.js';

/** Exit status of a command-line mistake (unknown option, missing command). */
export const EXIT_USAGE = 1;

export function version(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

export interface RunDeps {
  /** Overrides for loading (host environment in tests). */
  load?: LoadOptions;
}

export async function run(argv: string[], io: CliIo, deps: RunDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`keepalived-ts: ${e.message}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(usage());
    return 0;
  }
  if (values.version) {
    io.stdout(`keepalived-ts ${version()}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    io.stderr(`keepalived-ts: unexpected argument '${positionals[0]}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  const file = typeof values['use-file'] === 'string' ? values['use-file'] : DEFAULT_CONFIG_FILE;
  const load: LoadOptions = { ...deps.load };
  if (typeof values['config-id'] === 'string') load.configId = values['config-id'];
  const command = values['dump-config']
    ? dumpConfig
    : values['config-test']
      ? (f: string, l: LoadOptions, o: CliIo) => configTest(f, l, o, values.strict === true)
      : undefined;
  if (command) {
    try {
      return command(file, load, io);
    } catch (e) {
      // Findings are diagnostics; an exception means the host itself could not be examined.
      io.stderr(`keepalived-ts: cannot check the configuration: ${(e as Error).message}\n`);
      return CONFIG_TEST_EXIT.cannotRun;
    }
  }
  io.stderr(
    `keepalived-ts: nothing to do - give -t or --dump-config (the daemon is not available yet)\n\n${usage()}`,
  );
  return EXIT_USAGE;
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv, processIo);
}
