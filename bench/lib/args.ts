// Command-line flags every benchmark accepts, so `npm run bench -- --quick` means the same to all:
//   --quick       a few seconds, one trial, no warm-up: CI runs this to keep the benchmark working
//   --trials N    measured trials (default: the benchmark's own)
//   --json        also print the figures as one JSON line at the end
import { parseArgs } from 'node:util';

export interface BenchArgs {
  quick: boolean;
  trials: number | undefined;
  json: boolean;
}

export function benchArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      trials: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: false,
  });
  const trials = integerOption(
    'trials',
    typeof values.trials === 'string' ? values.trials : undefined,
    1,
    Infinity,
    'a positive integer',
  );
  return { quick: values.quick === true, trials, json: values.json === true };
}

/**
 * The value of option `--name` as an integer in [min, max], or undefined when the option is
 * absent; otherwise a RangeError saying the option takes `what`.
 */
export function integerOption(
  name: string,
  value: string | boolean | undefined,
  min: number,
  max: number,
  what: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= min && n <= max))
    throw new RangeError(`--${name} takes ${what}, not '${String(value)}'`);
  return n;
}
