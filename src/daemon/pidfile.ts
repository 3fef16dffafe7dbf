// Pid files (-p, -r, -c). keepalived refuses to start while a pid file names a live daemon, and
// removes its pid files on exit; so do we. VRRP and the checkers run in this one process (the
// checkers in a worker thread), so -r and -c hold the same pid as -p: tools that signal the
// "vrrp" or "checker" pid reach the process that handles the signal.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KtsError } from '../errors.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a pid file holds, if it is readable and well formed. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Writes our pid into each file. Throws ERR_ALREADY_RUNNING (and writes nothing) when one of them
 * names another live process; a stale file is overwritten.
 */
export function writePidFiles(paths: readonly string[], pid = process.pid): void {
  for (const path of paths) {
    const holder = readPidFile(path);
    if (holder !== undefined && holder !== pid && isAlive(holder)) {
      throw new KtsError(
        'ERR_ALREADY_RUNNING',
        `daemon already running: ${path} names live pid ${holder}`,
      );
    }
  }
  for (const path of paths) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${pid}\n`, { mode: 0o644 });
  }
}

/** Removes the files that still name us (another daemon may have taken one over). */
export function removePidFiles(paths: readonly string[], pid = process.pid): void {
  for (const path of paths) {
    if (readPidFile(path) === pid) rmSync(path, { force: true });
  }
}
