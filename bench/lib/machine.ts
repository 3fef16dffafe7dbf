// The machine a benchmark ran on, printed as one "machine:" line at the top of every report so
// figures from different hosts are never compared unknowingly.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMiB: number;
  kernel: string;
  node: string;
  /** "2.2.7", or undefined when keepalived is not installed. */
  keepalived: string | undefined;
  /** 1-minute load average when described: timing figures from a busy host are not comparable. */
  load1: number;
}

/** keepalived prints "Keepalived v2.2.7 (01/16,2022)" on stderr for --version. */
export function keepalivedVersion(): string | undefined {
  const out = spawnSync('keepalived', ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (out.error) return undefined;
  return /Keepalived v(\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1];
}

function cpuModel(): string {
  // os.cpus() is empty or generic in some VMs; /proc/cpuinfo says what the hypervisor exposes.
  const fromOs = cpus()[0]?.model;
  if (fromOs) return fromOs.replace(/\s+/g, ' ').trim();
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1].trim() ?? 'unknown CPU';
  } catch {
    return 'unknown CPU';
  }
}

export function describeMachine(): Machine {
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    keepalived: keepalivedVersion(),
    load1: loadavg()[0],
  };
}

export function machineLine(m: Machine = describeMachine()): string {
  return (
    `machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryMiB} MiB, Linux ${m.kernel}, ` +
    `Node ${m.node}, keepalived ${m.keepalived ?? 'not installed'}, load ${m.load1.toFixed(2)}`
  );
}
