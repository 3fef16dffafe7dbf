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
  return ['Usage: keepalived-ts [OPTIONS]', '', 'Options:', ...rows, ''].join('\n');
}
