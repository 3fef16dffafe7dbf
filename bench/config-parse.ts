// Benchmark of the configuration syntax stage (preprocess + lex + grammar) on a generated config
// with 10,000 real servers (~100k lines), against `keepalived -t` on the same file when keepalived
// is installed. Usage: node dist/bench/config-parse.js [--quick] [--trials N]
//   --quick: 10 virtual servers x 100 real servers, one trial, no warm-up (for CI).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../src/config/parse.js';
import { DEFAULT_GEN, generateConfig } from './gen-config.js';

interface Stats {
  min: number;
  median: number;
  max: number;
}

function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

/** Times `run`: the first call (cold: JIT not warmed up), then `trials` after `warmup` more. */
function timeRuns(trials: number, warmup: number, run: () => void): Stats & { first: number } {
  const time = (): number => {
    const t0 = performance.now();
    run();
    return performance.now() - t0;
  };
  const first = time();
  for (let i = 0; i < warmup; i++) run();
  const ms: number[] = [];
  for (let i = 0; i < trials; i++) ms.push(time());
  return { ...stats(ms), first };
}

function keepalivedPath(): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v keepalived'], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const trialsArg = args.indexOf('--trials');
  const trials = trialsArg >= 0 ? Number(args[trialsArg + 1]) : quick ? 1 : 10;
  const warmup = quick ? 0 : 3;
  const gen = quick ? { virtualServers: 10, realServersPerVirtual: 100 } : DEFAULT_GEN;

  const dir = mkdtempSync(join(tmpdir(), `kts-bench-config-${process.pid}-`));
  try {
    const text = generateConfig(gen);
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const lines = text.split('\n').length;
    const realServers = gen.virtualServers * gen.realServersPerVirtual;
    console.log(`config: ${realServers} real servers, ${lines} lines, ${text.length} bytes`);

    let statements = 0;
    const ours = timeRuns(trials, warmup, () => {
      const r = parseConfig(file, { configId: 'bench' });
      if (r.diagnostics.length > 0)
        throw new Error(`unexpected diagnostics: ${r.diagnostics[0].message}`);
      statements = r.tree.statements.length;
    });
    console.log(
      `keepalived-ts syntax stage (${trials} trials, ${warmup} warm-up): ` +
        `min ${fmt(ours.min)}, median ${fmt(ours.median)}, max ${fmt(ours.max)}; ` +
        `${Math.round(lines / (ours.median / 1000)).toLocaleString('en')} lines/s; ` +
        `${statements} top-level statements; first (cold) parse ${fmt(ours.first)}`,
    );

    const keepalived = keepalivedPath();
    if (!keepalived) {
      console.log('keepalived not installed: no comparison');
      return;
    }
    const pid = (name: string): string => join(dir, name);
    const cmd = [
      '-t',
      '-l',
      '-n',
      '-f',
      file,
      '-p',
      pid('keepalived.pid'),
      '-r',
      pid('vrrp.pid'),
      '-c',
      pid('checkers.pid'),
    ];
    let status: number | null = null;
    const theirs = timeRuns(quick ? 1 : 3, 0, () => {
      status = spawnSync(keepalived, cmd, { stdio: 'ignore' }).status;
    });
    console.log(
      `keepalived -t (${quick ? 1 : 3} runs, exit ${status}): min ${fmt(theirs.min)}, ` +
        `median ${fmt(theirs.median)}, max ${fmt(theirs.max)}`,
    );
    console.log(
      `ratio keepalived-ts / keepalived -t (medians): ${(ours.median / theirs.median).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
