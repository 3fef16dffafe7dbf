// keepalived-ts command line: parse options (options.ts), pick the command, run it. Thin over the
// library; `run` returns the exit status so tests drive it without spawning a process.
import { readFileSync } from 'node:fs';
import type { LoadOptions } from '../config/load.js';
import type { RunOptions } from './commands/run.js';
import { type CliIo, processIo } from './io.js';
import {
  DEFAULT_CONFIG_FILE,
  type ParsedOptions,
  UsageError,
  parseOptions,
  usage,
} from './options.js';

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

function usageError(io: CliIo, message: string): number {
  io.stderr(`keepalived-ts: ${message}\n\n${usage()}`);
  return EXIT_USAGE;
}

export async function run(argv: string[], io: CliIo, deps: RunDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(io, e.message);
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
  const [command, ...extra] = positionals;
  if ((command !== undefined && command !== 'plan') || extra.length > 0) {
    return usageError(io, `unexpected argument '${command === 'plan' ? extra[0] : command}'`);
  }
  const ipvs = values.ipvs;
  const logFormat = values['log-format'];
  if (ipvs !== 'kernel' && ipvs !== 'dry-run') {
    return usageError(io, `--ipvs takes kernel or dry-run, not '${String(ipvs)}'`);
  }
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    return usageError(io, `--log-format takes json or pretty, not '${String(logFormat)}'`);
  }
  const file = typeof values['use-file'] === 'string' ? values['use-file'] : DEFAULT_CONFIG_FILE;
  const load: LoadOptions = { ...deps.load };
  if (typeof values['config-id'] === 'string') load.configId = values['config-id'];
  // Each command's modules load only when it runs: the daemon and plan pull in netlink, IPVS,
  // metrics and the checkers, so `-t` (often run in a loop by configuration tools) starts quickly;
  // the parser stays out of the daemon's main thread (it parses in a child process, load-worker.ts).
  if (command === 'plan' || values['dump-config'] || values['config-test']) {
    try {
      if (command === 'plan')
        return await (await import('./commands/plan.js')).plan(file, load, io, ipvs);
      if (values['dump-config'])
        return (await import('./commands/dump-config.js')).dumpConfig(file, load, io);
      return (await import('./commands/config-test.js')).configTest(
        file,
        load,
        io,
        values.strict === true,
      );
    } catch (e) {
      // Findings are diagnostics; an exception means the host could not be examined (no IPVS, no /sys).
      io.stderr(`keepalived-ts: ${(e as Error).message}\n`);
      return (await import('../config/load.js')).CONFIG_TEST_EXIT.cannotRun;
    }
  }
  const { runDaemon } = await import('./commands/run.js');
  return runDaemon(daemonOptions(values, file, ipvs, logFormat));
}

/** keepalived's flags mapped onto the daemon's options: -P alone = VRRP only, -C alone = checkers. */
function daemonOptions(
  values: ParsedOptions,
  configFile: string,
  ipvs: RunOptions['ipvs'],
  logFormat: RunOptions['logFormat'],
): RunOptions {
  const str = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  return {
    configFile,
    configId: str('config-id'),
    vrrp: !values.check || values.vrrp === true,
    check: !values.vrrp || values.check === true,
    logDetail: values['log-detail'] === true,
    logFormat,
    logFile: str('log-file'),
    pidFile: str('pid'),
    vrrpPidFile: str('vrrp_pid'),
    checkersPidFile: str('checkers_pid'),
    ipvs,
    status: str('status'),
    releaseVips: values['dont-release-vrrp'] !== true,
    releaseIpvs: values['dont-release-ipvs'] !== true,
    version: version(),
  };
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv, processIo);
}
