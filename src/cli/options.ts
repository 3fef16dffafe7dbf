// The command line as data: every option once, with its help text. Commands (one file each under
// commands/) read the parsed values; new daemon flags are added here and in their command.
import { parseArgs } from 'node:util';

export interface OptionSpec {
  long: string;
  short?: string;
  type: 'boolean' | 'string';
  /** Shown in --help; for string options, the value's name. */
  value?: string;
  help: string;
  default?: string;
}

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export const OPTIONS: OptionSpec[] = [
  {
    long: 'use-file',
    short: 'f',
    type: 'string',
    value: 'FILE',
    help: 'configuration file',
    default: DEFAULT_CONFIG_FILE,
  },
  {
    long: 'config-id',
    short: 'i',
    type: 'string',
    value: 'ID',
    help: 'config-id for @ID lines (default: short host name)',
  },
  {
    long: 'config-test',
    short: 't',
    type: 'boolean',
    help: 'check the configuration, print findings, exit 0/4/5/6 as keepalived -t',
  },
  {
    long: 'strict',
    type: 'boolean',
    help: 'with -t: warnings fail the check too (exit 5)',
  },
  { long: 'dump-config', type: 'boolean', help: 'print the resolved configuration model as JSON' },
  { long: 'vrrp', short: 'P', type: 'boolean', help: 'run only the VRRP side' },
  { long: 'check', short: 'C', type: 'boolean', help: 'run only the checker (IPVS) side' },
  {
    long: 'log-console',
    short: 'l',
    type: 'boolean',
    help: 'log to the console (always: the JSON log goes to stdout unless --log-file)',
  },
  { long: 'log-detail', short: 'D', type: 'boolean', help: 'detailed (debug) logging' },
  {
    long: 'log-format',
    type: 'string',
    value: 'json|pretty',
    help: 'log line format',
    default: 'json',
  },
  { long: 'log-file', short: 'g', type: 'string', value: 'FILE', help: 'write the log to FILE' },
  {
    long: 'dont-fork',
    short: 'n',
    type: 'boolean',
    help: 'stay in the foreground (always: accepted for keepalived compatibility)',
  },
  { long: 'pid', short: 'p', type: 'string', value: 'FILE', help: 'pid file of the daemon' },
  { long: 'vrrp_pid', short: 'r', type: 'string', value: 'FILE', help: 'pid file (VRRP side)' },
  {
    long: 'checkers_pid',
    short: 'c',
    type: 'string',
    value: 'FILE',
    help: 'pid file (checker side)',
  },
  {
    long: 'dont-release-vrrp',
    short: 'V',
    type: 'boolean',
    help: 'leave the virtual addresses in place on exit',
  },
  {
    long: 'dont-release-ipvs',
    short: 'I',
    type: 'boolean',
    help: 'leave the IPVS entries in place on exit',
  },
  {
    long: 'ipvs',
    type: 'string',
    value: 'kernel|dry-run',
    help: 'where IPVS operations go; dry-run keeps the table in memory and only logs',
    default: 'kernel',
  },
  {
    long: 'status',
    type: 'string',
    value: '[HOST:]PORT',
    help: 'serve GET /status and /metrics (host defaults to 127.0.0.1)',
  },
  { long: 'help', short: 'h', type: 'boolean', help: 'show this help' },
  { long: 'version', short: 'v', type: 'boolean', help: 'show the version' },
];

export type ParsedOptions = Record<string, string | boolean | undefined>;

export class UsageError extends Error {}

/** Parses argv against OPTIONS; unknown options and stray arguments are usage errors. */
export function parseOptions(argv: string[]): { values: ParsedOptions; positionals: string[] } {
  const options = Object.fromEntries(
    OPTIONS.map((o) => [
      o.long,
      {
        type: o.type,
        ...(o.short ? { short: o.short } : {}),
        ...(o.default ? { default: o.default } : {}),
      },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedOptions, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function usage(): string {
  const rows = OPTIONS.map((o) => {
    const flags = `${o.short ? `-${o.short}, ` : '    '}--${o.long}${o.value ? ` ${o.value}` : ''}`;
    return `  ${flags.padEnd(28)} ${o.help}${o.default ? ` (default ${o.default})` : ''}`;
  });
  return [
    'Usage: keepalived-ts [OPTIONS]          run the daemon (VRRP and checkers)',
    '       keepalived-ts plan [OPTIONS]     print the IPVS changes the config would make',
    '',
    'Options:',
    ...rows,
    '',
  ].join('\n');
}
