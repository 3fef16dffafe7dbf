// Configuration loading benchmark: a generated keepalived.conf with 10,000 real servers (~100k
// lines, bench/gen-config.ts), timed against `keepalived -t` on the same file in the same run.
//   (a) syntax stage in-process: parseConfig (preprocess, lex, grammar)
//   (b) full load in-process: loadConfig (parse, typed model, validation) — what `-t` does
//   (c) fresh process: `keepalived-ts -t -f FILE` as bin/keepalived-ts runs it, but with the CLI of
//       this build (bench/lib/daemon.ts), wall time including Node's start-up and module
//       loading; `node -e 0` measures the start-up alongside
//   (d) full load in-process of a config of the same size whose real servers all have their own
//       values (no line repeats: the lexer's kept splits never help), against keepalived -t on it
// keepalived can only be timed as a process: `keepalived -t -l -n -f FILE` with pid files in a
// temporary directory, wall time. Each round runs every measurement once, in turn, so all share
// the machine's conditions on a loaded host.
//   node dist/bench/config-parse.js [--quick] [--trials N] [--json]
// --quick: 10 virtual servers x 100 real servers, one round, no warm-up (CI keeps it running).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { parseConfig } from '../src/config/parse.js';
import { DEFAULT_GEN, generateConfig } from './gen-config.js';
import { benchArgs } from './lib/args.js';
import { keepalivedTsCommand } from './lib/daemon.js';
import { MS, formatSummary, ratioLine } from './lib/format.js';
import { machineLine } from './lib/machine.js';
import { summarize, type Summary } from './lib/stats.js';
import { runTrials } from './lib/trials.js';

/** The config-id: the generated file has no `@` lines, so any fixed value does. */
const CONFIG_ID = 'bench';
function keepalivedPath(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v keepalived'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** Wall time of a command run to completion, ms; throws when it does not exit with `status`. */
function timeProcess(cmd: string, args: string[], status: number): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== status)
    throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status} (expected ${status}): ${r.stderr}`);
  return ms;
}

/** Wall time of `run`, ms. */
function timeCall(run: () => void): number {
  const t0 = performance.now();
  run();
  return performance.now() - t0;
}

interface Measure {
  label: string;
  samples: number[];
  run: () => number;
}

interface RoundOptions {
  warmup: number;
  trials: number;
}

/**
 * Runs every measure once per round, in turn, for warm-up and measured rounds, so the measures
 * share the machine's conditions. Returns the first round's figures (cold JIT).
 */
async function runRounds(measures: Measure[], opts: RoundOptions): Promise<number[]> {
  const first: number[] = [];
  let round = 0;
  await runTrials(opts, (trial) => {
    for (const m of measures) {
      const ms = m.run();
      if (trial >= 0) m.samples.push(ms);
      else if (round === 0) first.push(ms);
    }
    round++;
  });
  return first;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const trials = args.trials ?? (args.quick ? 1 : 10);
  const warmup = args.quick ? 0 : 3;
  const opts: RoundOptions = { warmup, trials };
  const gen = args.quick ? { virtualServers: 10, realServersPerVirtual: 100 } : DEFAULT_GEN;
  console.log(machineLine());

  const dir = mkdtempSync(join(tmpdir(), `kts-bench-config-${process.pid}-`));
  try {
    const text = generateConfig(gen);
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const lines = text.split('\n').length;
    const realServers = gen.virtualServers * gen.realServersPerVirtual;
    console.log(`config: ${realServers} real servers, ${lines} lines, ${text.length} bytes`);

    const distinctText = generateConfig({ ...gen, distinctValues: true });
    const distinctFile = join(dir, 'distinct.conf');
    writeFileSync(distinctFile, distinctText);

    const keepalived = keepalivedPath();
    if (!keepalived) console.log('keepalived not installed: no comparison');
    const pidFiles = ['-p', 'keepalived', '-r', 'vrrp', '-c', 'checkers'].map((w, i) =>
      i % 2 === 0 ? w : join(dir, `${w}.pid`),
    );
    /** keepalived -t, sampled alongside each phase so each comparison shares its conditions. */
    const theirs = (phase: string, on = file): Measure => ({
      label: `keepalived -t -l -n -f FILE (fresh process, alongside the ${phase} runs)`,
      samples: [],
      run: () =>
        timeProcess(keepalived ?? 'keepalived', ['-t', '-l', '-n', '-f', on, ...pidFiles], 0),
    });
    /** loadConfig of `on`, which must load without findings. */
    const fullLoad = (label: string, on: string): Measure => ({
      label,
      samples: [],
      run: () =>
        timeCall(() => {
          const r = loadConfig(on, { configId: CONFIG_ID });
          if (r.verdict !== 'ok' || r.diagnostics.length > 0)
            throw new Error(`load: ${r.verdict}: ${r.diagnostics[0]?.message ?? ''}`);
          if (r.config.virtualServers.length !== gen.virtualServers)
            throw new Error(`load: ${r.config.virtualServers.length} virtual servers`);
        }),
    });

    // Phase 1, processes, first: while this process's heap is small, so that V8's background
    // GC work on the trees of phase 2 does not compete with the processes measured.
    const fresh: Measure = {
      label: 'keepalived-ts -t -f FILE (fresh process: start-up, module loading, cold JIT)',
      samples: [],
      run: () => timeProcess(...keepalivedTsCommand(['-t', '-f', file]), 0),
    };
    const nodeStart: Measure = {
      label: 'node start-up (node -e 0, part of the fresh-process figure)',
      samples: [],
      run: () => timeProcess(process.execPath, ['-e', '0'], 0),
    };
    const theirsFresh = theirs('fresh-process');
    await runRounds(keepalived ? [fresh, nodeStart, theirsFresh] : [fresh, nodeStart], opts);

    // Phase 2, in-process: parse and full load, the JIT warmed up by the warm-up rounds.
    const parse: Measure = {
      label: 'keepalived-ts syntax stage (parseConfig, in-process)',
      samples: [],
      run: () =>
        timeCall(() => {
          const r = parseConfig(file, { configId: CONFIG_ID });
          if (r.diagnostics.length > 0) throw new Error(`parse: ${r.diagnostics[0].message}`);
        }),
    };
    const load = fullLoad(
      'keepalived-ts full load (loadConfig: parse + model + validate, in-process)',
      file,
    );
    const theirsInProcess = theirs('in-process');
    const firstRuns = await runRounds(
      keepalived ? [parse, load, theirsInProcess] : [parse, load],
      opts,
    );

    // Phase 3: the distinct-values config, in-process.
    const loadDistinct = fullLoad(
      'keepalived-ts full load, distinct-values config (in-process)',
      distinctFile,
    );
    const theirsDistinct = theirs('distinct-values', distinctFile);
    await runRounds(keepalived ? [loadDistinct, theirsDistinct] : [loadDistinct], opts);

    const all = [
      ...[fresh, nodeStart, theirsFresh, parse, load, theirsInProcess],
      ...[loadDistinct, theirsDistinct],
    ];
    const measured = all.filter((m) => m.samples.length > 0);
    const summaries = new Map<Measure, Summary>(measured.map((m) => [m, summarize(m.samples)]));
    for (const m of measured) console.log(`${m.label}: ${formatSummary(summaries.get(m)!, MS)}`);
    const median = (m: Measure): number => summaries.get(m)!.median;
    const perSecond = (m: Measure): number => Math.round(lines / (median(m) / 1000));
    console.log(
      `throughput (medians): syntax stage ${perSecond(parse).toLocaleString('en')} lines/s, ` +
        `full load ${perSecond(load).toLocaleString('en')} lines/s`,
    );
    // firstRuns: [syntax stage, full load, keepalived] of the first warm-up round, if any.
    if (firstRuns.length > 0)
      console.log(
        `first syntax stage and full load in this process (cold JIT): ` +
          `${firstRuns[0].toFixed(1)} ms, ${firstRuns[1].toFixed(1)} ms`,
      );
    if (keepalived) {
      const compared: Array<[string, Measure, Measure]> = [
        [
          'config full load in-process (loadConfig) vs keepalived -t, medians',
          load,
          theirsInProcess,
        ],
        [
          'config syntax stage in-process (parseConfig) vs keepalived -t, medians',
          parse,
          theirsInProcess,
        ],
        ['config -t as a fresh process vs keepalived -t, medians', fresh, theirsFresh],
        [
          'config full load in-process, distinct-values config, vs keepalived -t on it, medians',
          loadDistinct,
          theirsDistinct,
        ],
      ];
      for (const [what, ours, base] of compared)
        console.log(ratioLine(what, median(ours), 'keepalived -t', median(base), MS));
      // Minimums too: on a shared host each run is slowed by whatever else runs at that moment,
      // and the fastest run of each is the one least disturbed.
      const min = (m: Measure): number => summaries.get(m)!.min;
      for (const [what, ours, base] of compared)
        console.log(
          ratioLine(what.replace('medians', 'minimums'), min(ours), 'keepalived -t', min(base), MS),
        );
    }
    if (args.json) {
      const figures = Object.fromEntries(measured.map((m) => [m.label, summaries.get(m)]));
      console.log(JSON.stringify({ lines, realServers, trials, warmup, figures }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
