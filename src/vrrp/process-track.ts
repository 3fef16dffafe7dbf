// vrrp_track_process, the pure part, as keepalived 2.2.7 has it (core/track_process.c):
//  - which processes match a tracker (name, parameters, param_match, full_command);
//  - the quorum machine: the count of matching processes, quorum..quorum_max is "up", and the
//    fork_delay / terminate_delay timers that hold a change back.
// process-tracker.ts feeds it from /proc and keeps the timers.

/** keepalived's PARAM_MATCH_*: how the configured parameters compare with a command line's. */
export type ParamMatch = 'exact' | 'initial' | 'partial';

export interface ProcessMatchSpec {
  /** The process name (/proc/PID/comm), or argv[0] with fullCommand. */
  process: string;
  params: string[];
  paramMatch?: ParamMatch;
  /** Match /proc/PID/cmdline instead of the name (keepalived sets it when parameters are given). */
  fullCommand: boolean;
}

/** What /proc says about one process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** /proc/PID/comm: the name, at most 15 bytes. */
  comm: string;
  /** /proc/PID/cmdline: the arguments, each NUL-terminated; read only when a tracker needs it. */
  cmdline?: Buffer;
}

/**
 * Whether a process matches (track_process.c read_procs / check_params). The name is compared
 * whole (no pattern, no prefix: "ssh" does not match sshd). The parameters, each NUL-terminated
 * as in /proc/PID/cmdline, are compared with those after argv[0]: `exact` all of them, `partial`
 * the first ones (more may follow), `initial` the first ones with the last one allowed to be
 * longer. Without parameters `partial` and `initial` accept anything.
 */
export function processMatches(spec: ProcessMatchSpec, proc: ProcessInfo): boolean {
  if (!spec.fullCommand) return proc.comm === spec.process;
  const cmdline = proc.cmdline;
  if (!cmdline) return false;
  const nul = cmdline.indexOf(0);
  const argv0 = cmdline.toString('utf8', 0, nul < 0 ? cmdline.length : nul);
  if (argv0 !== spec.process) return false;
  if (spec.paramMatch === undefined) return true;
  const actual = nul < 0 ? Buffer.alloc(0) : cmdline.subarray(nul + 1);
  const wanted = Buffer.from(spec.params.map((p) => `${p}\0`).join(''));
  switch (spec.paramMatch) {
    case 'exact':
      return actual.equals(wanted);
    case 'partial':
      return actual.subarray(0, wanted.length).equals(wanted);
    case 'initial':
      return (
        wanted.length === 0 || actual.subarray(0, wanted.length - 1).equals(wanted.subarray(0, -1))
      );
  }
}

export interface QuorumPolicy {
  /** Fewest matching processes that are "up" (0 with quorum_max 0: up while none runs). */
  quorum: number;
  /** Most matching processes that are "up" (Infinity when unset). */
  quorumMax: number;
  /** Hold back a change a fork caused (keepalived fork_delay); 0 = none. */
  forkDelayMs: number;
  /** Hold back a change a termination caused (terminate_delay); 0 = none. */
  terminateDelayMs: number;
}

export interface QuorumState {
  count: number;
  /** keepalived's have_quorum: the verdict the instances see. */
  up: boolean;
  /** A pending fork or terminate timer, due at this clock time. */
  timer?: { kind: 'fork' | 'terminate'; at: number };
}

/**
 * One change in the set of matching processes:
 *  - `fork`: a new process whose parent is a counted match (it inherited the name);
 *  - `exec`: a new match otherwise (started, or renamed into the name);
 *  - `exit`: a counted process ended;
 *  - `unmatch`: a counted process stopped matching (renamed, exec'd something else);
 *  - `timer`: the pending timer is due.
 */
export type QuorumChange = { type: 'fork' | 'exec' | 'exit' | 'unmatch' } | { type: 'timer' };

const inQuorum = (p: QuorumPolicy, count: number) => count >= p.quorum && count <= p.quorumMax;

export function initialQuorumState(p: QuorumPolicy, count: number): QuorumState {
  return { count, up: inQuorum(p, count) };
}

/**
 * Folds one change into the state (track_process.c check_process, check_process_fork,
 * check_process_termination, remove_process_from_track, the two timer threads). Only a count
 * crossing a quorum boundary changes anything: a fork across it waits fork_delay, an exit
 * terminate_delay; a pending terminate timer is cancelled by a process coming back, a pending
 * fork timer by one going. `changed` when `up` flipped.
 */
export function quorumStep(
  p: QuorumPolicy,
  s: QuorumState,
  change: QuorumChange,
  now: number,
): { state: QuorumState; changed: boolean } {
  const settle = (count: number, up: boolean, timer: QuorumState['timer']) => {
    const state: QuorumState = timer ? { count, up, timer } : { count, up };
    return { state, changed: up !== s.up };
  };
  if (change.type === 'timer') return settle(s.count, inQuorum(p, s.count), undefined);
  if (change.type === 'fork' || change.type === 'exec') {
    const count = s.count + 1;
    if (count !== p.quorum && count !== p.quorumMax + 1) return settle(count, s.up, s.timer);
    if (s.timer?.kind === 'terminate') return settle(count, count === p.quorum, undefined);
    if (change.type === 'fork' && p.forkDelayMs > 0) {
      return settle(count, s.up, { kind: 'fork', at: now + p.forkDelayMs });
    }
    return settle(count, count === p.quorum, s.timer);
  }
  const count = s.count - 1;
  if (count !== p.quorum - 1 && count !== p.quorumMax) return settle(count, s.up, s.timer);
  if (s.timer?.kind === 'fork') return settle(count, count === p.quorumMax, undefined);
  if (change.type === 'exit' && p.terminateDelayMs > 0) {
    return settle(count, s.up, { kind: 'terminate', at: now + p.terminateDelayMs });
  }
  return settle(count, count === p.quorumMax, s.timer);
}

/**
 * The changes between two looks at /proc for one tracker. `previous`: the pids counted before;
 * `alive`: every pid running now; `matched`: the processes matching now. A new match whose parent
 * was counted is a fork. Polling cannot tell the order of what happened in between, so a process
 * that went and one that came are taken as a replacement and cancel out (a restart inside one
 * poll interval moves nothing, as a delay would have it); only the remainder is returned.
 */
export function matchChanges(
  previous: ReadonlySet<number>,
  alive: ReadonlySet<number>,
  matched: readonly ProcessInfo[],
): QuorumChange[] {
  const now = new Set(matched.map((p) => p.pid));
  const gone: QuorumChange[] = [...previous]
    .filter((pid) => !now.has(pid))
    .map((pid) => ({ type: alive.has(pid) ? 'unmatch' : 'exit' }));
  const came: QuorumChange[] = matched
    .filter((p) => !previous.has(p.pid))
    .map((p) => ({ type: previous.has(p.ppid) ? 'fork' : 'exec' }));
  // Pair what most likely replaced each other first: execs with unmatches/exits; forks and
  // exits are what remain, and they are what the delays are for.
  const rank = { exec: 0, unmatch: 0, fork: 1, exit: 1, timer: 2 };
  const byRank = (a: QuorumChange, b: QuorumChange) => rank[a.type] - rank[b.type];
  const pairs = Math.min(gone.length, came.length);
  return [...gone.sort(byRank).slice(pairs), ...came.sort(byRank).slice(pairs)];
}
