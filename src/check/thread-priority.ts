// keepalived's process tuning (global_defs), applied per thread: keepalived-ts runs VRRP on the
// main thread and the checkers in a worker thread of one process, where keepalived has a process
// for each. Linux keeps the nice value and the scheduling policy per thread, so each thread sets
// its own; RLIMIT_RTTIME is per process, so the largest limit asked for is the one set.
//   vrrp_priority / checker_priority          nice value (-20..19): setThreadNice
//   vrrp_rt_priority / checker_rt_priority    SCHED_RR at 1..99: setThreadRealtime
//   vrrp_rlimit_rttime / checker_rlimit_rttime  RLIMIT_RTTIME while realtime: raiseRealtimeCpuLimit
//   max_auto_priority / min_auto_priority_delay  realtime when timers run late: AutoPriority
//   a reload's changes to the VRRP thread's settings                            retuneOnReload
// Used by the checker worker (worker.ts) and the daemon's sides (daemon/vrrp-side.ts, sides.ts).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { KtsError } from '../errors.js';
import { loadNative } from '../net/native.js';
import { emit } from '../observe/events.js';
import type { Logger } from '../observe/log.js';

type TunedThread = 'vrrp' | 'checker';

/** keepalived's default RLIMIT_RTTIME for a realtime process, microseconds (RT_RLIMIT_DEFAULT). */
export const DEFAULT_RLIMIT_RTTIME_US = 10_000;

/** keepalived's default min_auto_priority_delay, microseconds. */
export const DEFAULT_MIN_AUTO_PRIORITY_DELAY_US = 1_000_000;

/** The calling thread's kernel task id: /proc/thread-self links to "PID/task/TID". */
export function currentThreadId(): number {
  const link = readlinkSync('/proc/thread-self');
  const m = /\/task\/(\d+)$/.exec(link);
  if (!m) throw new KtsError('ERR_THREAD_ID', `/proc/thread-self links to '${link}'`);
  return Number(m[1]);
}

type ThreadSetResult = { ok: true; tid: number } | { ok: false; error: string };

/** Runs a per-thread setting; a refusal (EPERM without CAP_SYS_NICE...) becomes its errno name. */
function onThisThread(set: (tid: number) => void): ThreadSetResult {
  try {
    const tid = currentThreadId();
    set(tid);
    return { ok: true, tid };
  } catch (err) {
    const e = err as { code?: string; info?: { code?: string } };
    return { ok: false, error: e.info?.code ?? e.code ?? String(err) };
  }
}

/** Sets the nice value (-20..19) of the calling thread only, not of the process. */
export function setThreadNice(nice: number): ThreadSetResult {
  return onThisThread((tid) => setPriority(tid, nice));
}

/**
 * The calling thread to SCHED_RR at `priority` (1..99), as keepalived's `*_rt_priority` puts its
 * process, or back to SCHED_OTHER with 0; threads and processes created later start with the
 * normal policy (reset on fork).
 */
function setThreadRealtime(priority: number): ThreadSetResult {
  return onThisThread(() => loadNative().setThreadRealtime(priority));
}

/**
 * setThreadNice, logged: `thread.nice`, or `thread.nice.failed` with the errno (never thrown);
 * true when set.
 */
export function applyThreadNice(log: Logger, thread: TunedThread, nice: number): boolean {
  const set = setThreadNice(nice);
  if (set.ok) emit(log, 'thread.nice', { thread, nice, tid: set.tid });
  else emit(log, 'thread.nice.failed', { thread, nice, error: set.error });
  return set.ok;
}

/**
 * setThreadRealtime, logged: `thread.realtime` or `thread.realtime.failed`; true when set.
 * Priority 0 returns the thread to the normal policy.
 */
export function applyThreadRealtime(log: Logger, thread: TunedThread, priority: number): boolean {
  const set = setThreadRealtime(priority);
  if (set.ok) emit(log, 'thread.realtime', { thread, priority, tid: set.tid });
  else emit(log, 'thread.realtime.failed', { thread, priority, error: set.error });
  return set.ok;
}

/** The RLIMIT_RTTIME this process set, microseconds (0: none yet). */
let realtimeCpuLimitUs = 0;

/**
 * RLIMIT_RTTIME for a thread that went realtime: the CPU time it may use without blocking.
 * keepalived sets the soft limit to half the configured value (SIGXCPU, which it logs, when
 * passed) and the hard limit to the value (SIGKILL). keepalived-ts sets only the soft limit:
 * its VRRP thread also serves /status and applies reloads, which may run longer than 10 ms
 * between blocking calls on a big configuration, and a kill there would leave the VIPs behind
 * without the priority-0 advert. The kernel's realtime throttling (sched_rt_runtime_us) still
 * keeps a runaway thread from taking a whole CPU.
 */
export function raiseRealtimeCpuLimit(log: Logger, limitUs: number): void {
  if (limitUs <= realtimeCpuLimitUs) return;
  if (realtimeCpuLimitUs === 0) {
    // SIGXCPU's default action ends the process; with a listener it is only reported.
    process.on('SIGXCPU', () => emit(log, 'thread.rttime', { limitUs: realtimeCpuLimitUs }));
  }
  try {
    loadNative().setRealtimeCpuLimit(Math.floor(limitUs / 2), -1);
    realtimeCpuLimitUs = limitUs;
  } catch (err) {
    const error = (err as { code?: string }).code ?? String(err);
    emit(log, 'thread.rttime.failed', { limitUs, error });
  }
}

/** The VRRP settings of global_defs that a reload may change for its running thread. */
export interface VrrpThreadSettings {
  vrrpRtPriority?: number;
  vrrpPriority?: number;
  maxAutoPriority?: number;
}

/**
 * What a reload changes in a running thread's scheduling, as keepalived's restore_priority
 * decides it for its VRRP process: a thread that is realtime (`realtime` > 0, from
 * vrrp_rt_priority or raised by max_auto_priority) only goes up, to a higher vrrp_rt_priority, or
 * down to a lower max_auto_priority, and back to the normal policy only when the new
 * configuration has no vrrp_rt_priority and max_auto_priority -1; a thread that is not realtime
 * takes vrrp_rt_priority, or else a changed vrrp_priority (`startNice` when none is set).
 * keepalived compares the nice value with the maximum where the realtime priority is meant;
 * this compares the realtime priority. Pure: the caller applies the result.
 */
export function retuneOnReload(
  current: { realtime: number; nice: number },
  settings: VrrpThreadSettings,
  startNice: number,
): { realtime?: number; nice?: number } {
  const wanted = settings.vrrpRtPriority ?? 0;
  const max = settings.maxAutoPriority ?? 0;
  if (current.realtime > 0) {
    if (wanted === 0 && max === -1) return { realtime: 0 };
    const next = max > 0 && current.realtime > max ? max : Math.max(current.realtime, wanted);
    return next === current.realtime ? {} : { realtime: next };
  }
  if (wanted > 0) return { realtime: wanted };
  const nice = settings.vrrpPriority ?? startNice;
  return nice === current.nice ? {} : { nice };
}

/**
 * keepalived's max_auto_priority / min_auto_priority_delay: a timer delivered more than
 * `minDelayUs` after its deadline means the thread is not getting a CPU soon enough (keepalived
 * logs each such delay); with a maximum set, the thread then switches to realtime scheduling at
 * the lowest priority (1), and each further delay raises it by one, up to the maximum.
 * Pure: it says which priority to take; the caller applies it.
 */
export class AutoPriority {
  constructor(
    private readonly max: number,
    private readonly minDelayUs: number,
    /** The realtime priority the thread already has (vrrp_rt_priority), 0 if none. */
    private current = 0,
  ) {}

  /** Whether a timer that ran `lateMs` after its deadline counts as a scheduling delay. */
  isDelay(lateMs: number): boolean {
    return lateMs * 1000 > this.minDelayUs;
  }

  /** After a delay: the realtime priority to take now, or undefined (disabled, or at the max). */
  raise(): number | undefined {
    if (this.max <= 0 || this.current >= this.max) return undefined;
    this.current = this.current === 0 ? 1 : this.current + 1;
    return this.current;
  }
}
