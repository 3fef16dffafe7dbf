// vrrp_track_process, the shell: counts the processes each tracker matches (process-track.ts)
// and reports when a tracker's quorum verdict flips.
//
// keepalived 2.2.7 scans /proc once at start and then follows the kernel's proc connector
// (proc-connector.ts); so do we where the connector answers. It only does so in the initial
// network namespace: in any other one the subscription is refused (ECONNREFUSED), and VRRP nodes
// often run in one. keepalived 2.2.7 then tracks nothing at all (observed: "Failed to set/clear
// process event listen - errno 111", and no process is ever counted). We poll /proc every
// PROCESS_POLL_MS there instead, and until the kernel has acknowledged the subscription.
// Polling costs one readdir of /proc and one read of each /proc/PID/stat per poll (plus
// /proc/PID/cmdline when a tracker uses full_command): measured 1.6 ms of CPU per scan of 72
// processes (about 23 us a process), ~2% of a core at 100 ms on such a host and proportionally
// more with thousands of processes; a change is seen up to 100 ms late. Polling cannot see the
// order of events inside one interval: a process replaced within it moves nothing
// (process-track.ts matchChanges), and a fork is told from an exec by the parent pid only.
import { readdirSync, readFileSync } from 'node:fs';
import { Deadlines, type Clock } from './deadlines.js';
import { ProcConnector, type ProcEvent } from './proc-connector.js';
import {
  initialQuorumState,
  matchChanges,
  processMatches,
  quorumStep,
  type ProcessInfo,
  type QuorumChange,
  type QuorumPolicy,
  type QuorumState,
} from './process-track.js';
import { sameSpec, type TrackProcessSpec } from './spec.js';

/** How often /proc is read. */
export const PROCESS_POLL_MS = 100;

/** The comm field of /proc/PID/stat sits between the first '(' and the last ')'. */
function parseStat(pid: number, stat: Buffer): ProcessInfo | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // After the comm: " S PPID ..." (state, parent pid). Zombies have ended: they do not count.
  const [state, ppid] = stat.toString('latin1', close + 2).split(' ', 2);
  if (state === 'Z' || state === 'X') return undefined;
  return { pid, ppid: Number(ppid), comm: stat.toString('utf8', open + 1, close) };
}

/** One running process; undefined once it has ended (or is a zombie). */
export function readProcess(
  pid: number,
  withCmdline: boolean,
  procRoot = '/proc',
): ProcessInfo | undefined {
  try {
    const info = parseStat(pid, readFileSync(`${procRoot}/${pid}/stat`));
    if (info && withCmdline) info.cmdline = readFileSync(`${procRoot}/${pid}/cmdline`);
    return info;
  } catch {
    return undefined;
  }
}

/** Every running process (cmdline read only when asked). */
export function readProcesses(withCmdline: boolean, procRoot = '/proc'): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (entry.charCodeAt(0) < 0x31 || entry.charCodeAt(0) > 0x39) continue;
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const info = readProcess(pid, withCmdline, procRoot);
    if (info) out.push(info);
  }
  return out;
}

const policyOf = (spec: TrackProcessSpec): QuorumPolicy => ({
  quorum: spec.quorum,
  quorumMax: spec.quorumMax ?? Infinity,
  forkDelayMs: spec.forkDelayMs,
  terminateDelayMs: spec.terminateDelayMs,
});

interface Tracked {
  spec: TrackProcessSpec;
  policy: QuorumPolicy;
  state: QuorumState;
  pids: Set<number>;
}

export interface ProcessVerdict {
  up: boolean;
  count: number;
}

export interface ProcessMonitorOptions {
  /** Hears every flip of a tracker's verdict. */
  onChange(name: string, verdict: ProcessVerdict): void;
  /** Hears how processes are followed: at start, and when that changes. */
  onSource(source: 'connector' | 'poll', why: string): void;
  pollMs?: number;
  /** Try the proc connector (default true). */
  connector?: boolean;
}

export class ProcessMonitor {
  private readonly tracked = new Map<string, Tracked>();
  private readonly timers: Deadlines<string>;
  private readonly pollMs: number;
  private poll: NodeJS.Timeout | undefined;
  private connector: ProcConnector | undefined;
  /** The kernel acknowledged the subscription: events drive the counts, polling stopped. */
  private following = false;
  /** Why the connector cannot be used; it is not tried again. */
  private connectorRefused: string | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly opts: ProcessMonitorOptions,
  ) {
    this.pollMs = opts.pollMs ?? PROCESS_POLL_MS;
    if (opts.connector === false) this.connectorRefused = 'not tried';
    this.timers = new Deadlines(clock, (name) => this.apply(name, [{ type: 'timer' }]));
  }

  /**
   * Follows exactly these trackers: unchanged ones keep their count and verdict, new and changed
   * ones start from what runs now (no delay applies to that first count, as at keepalived's
   * start). /proc is polled while there is anything to follow and the kernel has not (yet)
   * acknowledged the connector subscription.
   */
  configure(specs: readonly TrackProcessSpec[]): void {
    const wanted = new Map(specs.map((s) => [s.name, s]));
    for (const [name, t] of this.tracked) {
      if (sameSpec(wanted.get(name), t.spec)) continue;
      this.tracked.delete(name);
      this.timers.cancel(name);
    }
    const fresh = specs.filter((s) => !this.tracked.has(s.name));
    if (fresh.length > 0) {
      // Subscribe before the first look at /proc, so that nothing falls in between.
      this.openConnector();
      const procs = readProcesses(fresh.some((s) => s.fullCommand));
      for (const spec of fresh) {
        const pids = new Set(procs.filter((p) => processMatches(spec, p)).map((p) => p.pid));
        const policy = policyOf(spec);
        this.tracked.set(spec.name, {
          spec,
          policy,
          pids,
          state: initialQuorumState(policy, pids.size),
        });
      }
    }
    if (this.tracked.size === 0) this.stop();
    else if (!this.following) this.poll ??= setTimeout(() => this.scan(), this.pollMs);
  }

  verdict(name: string): ProcessVerdict | undefined {
    const t = this.tracked.get(name);
    return t && { up: t.state.up, count: t.state.count };
  }

  stop(): void {
    clearTimeout(this.poll);
    this.poll = undefined;
    this.timers.cancelAll();
    this.connector?.close();
    this.connector = undefined;
    this.following = false;
  }

  private openConnector(): void {
    if (this.connector || this.connectorRefused !== undefined) return;
    try {
      this.connector = new ProcConnector({
        events: (events) => this.onEvents(events),
        lost: (err) => {
          if (!this.following) return;
          this.opts.onSource('connector', `events lost (${err.message}): /proc read again`);
          this.rescan();
        },
      });
    } catch (err) {
      this.connectorRefused = (err as Error).message;
      this.opts.onSource(
        'poll',
        `proc connector unavailable (${this.connectorRefused}): /proc read every ${this.pollMs} ms`,
      );
    }
  }

  private onEvents(events: readonly ProcEvent[]): void {
    for (const ev of events) {
      if (ev.what === 'ack') {
        this.acknowledged(ev.err);
        continue;
      }
      if (!this.following) continue;
      if (ev.what === 'fork') {
        // A new thread (child pid other than its tgid) is not a process.
        if (ev.childPid !== ev.childTgid) continue;
        for (const t of this.tracked.values()) {
          if (!t.pids.has(ev.parentTgid) || t.pids.has(ev.childTgid)) continue;
          t.pids.add(ev.childTgid);
          this.apply(t.spec.name, [{ type: 'fork' }]);
        }
      } else if (ev.pid === ev.tgid) {
        if (ev.what === 'exit') this.exited(ev.tgid);
        else this.recheck(ev.tgid, ev.what === 'comm');
      }
    }
  }

  private acknowledged(err: number): void {
    if (this.following) return;
    if (err !== 0) {
      this.connectorRefused = `subscription refused, errno ${err}`;
      this.connector?.close();
      this.connector = undefined;
      this.opts.onSource('poll', `${this.connectorRefused}: /proc read every ${this.pollMs} ms`);
      return;
    }
    this.following = true;
    clearTimeout(this.poll);
    this.poll = undefined;
    this.opts.onSource('connector', 'following process events (proc connector)');
    this.rescan();
  }

  private exited(pid: number): void {
    for (const t of this.tracked.values()) {
      if (t.pids.delete(pid)) this.apply(t.spec.name, [{ type: 'exit' }]);
    }
  }

  /**
   * After an exec or a rename: the process may start or stop matching. A rename says nothing to
   * full_command trackers (the command line did not change), as in keepalived.
   */
  private recheck(pid: number, renamed: boolean): void {
    const trackers = [...this.tracked.values()].filter((t) => !(renamed && t.spec.fullCommand));
    const info = readProcess(
      pid,
      trackers.some((t) => t.spec.fullCommand),
    );
    for (const t of trackers) {
      const matches = info !== undefined && processMatches(t.spec, info);
      if (matches === t.pids.has(pid)) continue;
      if (matches) t.pids.add(pid);
      else t.pids.delete(pid);
      this.apply(t.spec.name, [{ type: matches ? 'exec' : 'unmatch' }]);
    }
  }

  private scan(): void {
    this.rescan();
    this.poll = setTimeout(() => this.scan(), this.pollMs);
  }

  /** Reads /proc and folds the differences from the counted processes in. */
  private rescan(): void {
    const all = [...this.tracked.values()];
    const procs = readProcesses(all.some((t) => t.spec.fullCommand));
    const alive = new Set(procs.map((p) => p.pid));
    for (const t of all) {
      const matched = procs.filter((p) => processMatches(t.spec, p));
      const changes = matchChanges(t.pids, alive, matched);
      t.pids = new Set(matched.map((p) => p.pid));
      this.apply(t.spec.name, changes);
    }
  }

  private apply(name: string, changes: readonly QuorumChange[]): void {
    const t = this.tracked.get(name);
    if (!t || changes.length === 0) return;
    for (const change of changes) {
      const { state, changed } = quorumStep(t.policy, t.state, change, this.clock.now());
      t.state = state;
      if (changed) this.opts.onChange(name, { up: state.up, count: state.count });
    }
    if (t.state.timer) this.timers.set(name, t.state.timer.at);
    else this.timers.cancel(name);
  }
}
