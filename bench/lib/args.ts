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
  const trials = typeof values.trials === 'string' ? Number(values.trials) : undefined;
  if (trials !== undefined && !(Number.isInteger(trials) && trials > 0))
    throw new RangeError(`--trials takes a positive integer, not '${String(values.trials)}'`);
  return { quick: values.quick === true, trials, json: values.json === true };
}
