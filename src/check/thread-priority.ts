// keepalived's `vrrp_priority` / `checker_priority` (global_defs): the nice value of the VRRP and
// the checker process. keepalived-ts runs both in one process, VRRP on the main thread and the
// checkers in a worker thread; Linux keeps a nice value per thread (setpriority(PRIO_PROCESS, tid)),
// so each thread sets its own. Used by the checker worker (worker.ts) and the VRRP side
// (daemon/vrrp-side.ts).
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { KtsError } from '../errors.js';
import { emit } from '../observe/events.js';
import type { Logger } from '../observe/log.js';

/** The calling thread's kernel task id: /proc/thread-self links to "PID/task/TID". */
export function currentThreadId(): number {
  const link = readlinkSync('/proc/thread-self');
  const m = /\/task\/(\d+)$/.exec(link);
  if (!m) throw new KtsError('ERR_THREAD_ID', `/proc/thread-self links to '${link}'`);
  return Number(m[1]);
}

export type ThreadNiceResult = { ok: true; tid: number } | { ok: false; error: string };

/**
 * Sets the nice value (-20..19) of the calling thread only, not of the process: the other
 * thread's priority is set by that thread. Lowering it needs CAP_SYS_NICE; a refusal is returned
 * with its errno name, for the caller to log and carry on.
 */
export function setThreadNice(nice: number): ThreadNiceResult {
  try {
    const tid = currentThreadId();
    setPriority(tid, nice);
    return { ok: true, tid };
  } catch (err) {
    const e = err as { code?: string; info?: { code?: string } };
    return { ok: false, error: e.info?.code ?? e.code ?? String(err) };
  }
}

/** setThreadNice, logged: `thread.nice`, or `thread.nice.failed` with the errno (never thrown). */
export function applyThreadNice(log: Logger, thread: 'vrrp' | 'checker', nice: number): void {
  const set = setThreadNice(nice);
  if (set.ok) emit(log, 'thread.nice', { thread, nice, tid: set.tid });
  else emit(log, 'thread.nice.failed', { thread, nice, error: set.error });
}
