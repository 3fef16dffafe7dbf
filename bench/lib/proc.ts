// Memory and CPU of running processes from /proc, for the resource comparisons (bench/resources.ts)
// and any benchmark reporting the cost of a daemon. Parsers are pure and take the file text.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface MemoryKiB {
  /** VmRSS: resident pages, shared ones (the node binary, libc) counted in full. */
  rss: number;
  /** RssAnon: private heap, stacks and JIT code; what the process itself allocated. */
  anon: number;
  /** Pss: shared pages divided among their users; sums fairly over a parent and its children. */
  pss: number;
}

/** Fields of /proc/PID/status or smaps_rollup, in kB ("VmRSS:\t  4000 kB"). */
export function parseKbFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields.set(m[1], Number(m[2]));
  return fields;
}

/**
 * Time on CPU in ns from /proc/PID/task/TID/schedstat ("on-cpu-ns wait-ns timeslices"). Exact,
 * where utime/stime in /proc/PID/stat count 10 ms ticks: an idle daemon uses a few ms a minute.
 */
export function parseSchedstat(text: string): number {
  return Number(text.split(' ')[0]);
}

export function readMemory(pid: number): MemoryKiB {
  const status = parseKbFields(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const rollup = parseKbFields(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return {
    rss: status.get('VmRSS') ?? 0,
    anon: status.get('RssAnon') ?? 0,
    pss: rollup.get('Pss') ?? 0,
  };
}

/** CPU time of every thread of the process (V8's GC and compiler threads count too), in ns. */
export function readCpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += parseSchedstat(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
    } catch {
      // thread exited meanwhile
    }
  }
  return ns;
}

/** Every process in a network namespace (`ip netns pids`), e.g. keepalived's parent and child. */
export function namespacePids(ns: string): number[] {
  return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

export interface GroupSample {
  processes: number;
  memory: MemoryKiB;
  /** CPU time so far, ns, all threads. */
  cpuNs: number;
}

/** Memory and CPU summed over `pids`; a process that exits meanwhile is left out. */
export function sampleGroup(pids: readonly number[]): GroupSample {
  const sum: GroupSample = { processes: 0, memory: { rss: 0, anon: 0, pss: 0 }, cpuNs: 0 };
  for (const pid of pids) {
    try {
      const m = readMemory(pid);
      const cpuNs = readCpuNs(pid);
      sum.processes += 1;
      sum.memory.rss += m.rss;
      sum.memory.anon += m.anon;
      sum.memory.pss += m.pss;
      sum.cpuNs += cpuNs;
    } catch {
      // exited between listing and reading
    }
  }
  return sum;
}
