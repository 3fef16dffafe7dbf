// MISC_CHECK (check_misc.c): run `misc_path` and judge its exit status. 0 passes, anything else
// fails; with `misc_dynamic`, 2..255 pass and set the real server's weight to status - 2 (0 keeps
// the configured weight). The command runs without a shell, split as keepalived splits it, in its
// own process group; past `misc_timeout` the group gets SIGTERM, then SIGKILL 2 s later, and the
// run counts as a failure.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KtsError } from '../errors.js';
import { errorReason, failed, passed } from './connect.js';
import type { MiscProbe, ProbeResult } from './plan.js';

/** Grace between SIGTERM and SIGKILL of a script past its timeout (keepalived uses 2 s). */
const MISC_KILL_GRACE_MS = 2000;

export function runMiscCheck(spec: MiscProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const [cmd, ...args] = spec.argv;
  if (cmd === undefined) return Promise.resolve(failed('empty misc_path', startedAt));
  const ids = spec.user === undefined ? {} : resolveUser(spec.user, spec.group);
  return new Promise((resolve) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true, ...ids });
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), MISC_KILL_GRACE_MS);
    }, spec.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(failed(`cannot run ${cmd}: ${errorReason(err)}`, startedAt));
    });
    child.once('exit', (status, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      // Whatever the script left running in its group goes with it.
      signalGroup(child.pid, 'SIGKILL');
      if (timedOut) {
        resolve(failed(`timed out after ${spec.timeoutMs} ms`, startedAt));
      } else if (signal) {
        resolve(failed(`killed by ${signal}`, startedAt));
      } else if (status === 0) {
        resolve({
          ...passed('exit 0', startedAt),
          weight: spec.dynamic ? { kind: 'add', offset: 0 } : undefined,
        });
      } else if (spec.dynamic && status !== null && status >= 2 && status <= 255) {
        resolve({
          ...passed(`exit ${status}`, startedAt),
          weight: { kind: 'set', weight: status - 2 },
        });
      } else {
        resolve(failed(`exit ${status}`, startedAt));
      }
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** uid/gid of a user (name or number) from /etc/passwd, and of `group` from /etc/group. */
export function resolveUser(user: string, group?: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((l) => l.split(':'));
  const entry = passwd.find((f) => f[0] === user || f[2] === user);
  if (!entry) throw new KtsError('CHECK_UNKNOWN_USER', `misc_check user ${user} does not exist`);
  let gid = Number(entry[3]);
  if (group !== undefined) {
    const groups = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .map((l) => l.split(':'));
    const g = groups.find((f) => f[0] === group || f[2] === group);
    if (!g) throw new KtsError('CHECK_UNKNOWN_GROUP', `misc_check group ${group} does not exist`);
    gid = Number(g[2]);
  }
  return { uid: Number(entry[2]), gid };
}
