// Reading a task's /proc/PID/task/TID/stat, as proc(5) describes it.
import { readFileSync } from 'node:fs';

/** proc(5)'s field numbers used by the tests: nice value, realtime priority, policy. */
export const STAT_FIELD = { nice: 19, rtPriority: 40, policy: 41 } as const;

/**
 * The numeric fields of thread `tid` of process `pid` (default: this process), indexed by their
 * 1-based proc(5) number. The command name (field 2) sits in parentheses and may hold spaces, so
 * the fields are counted from the last ')'.
 */
export function taskStat(tid: number, pid: number | 'self' = 'self'): (n: number) => number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (n) => Number(fields[n - 3]);
}
