// Running notify and vrrp_script commands: directly from their argv (no shell), unless the
// command line uses shell syntax, in which case /bin/sh runs it (keepalived runs such lines
// through a shell too). Never blocks the caller; a timeout kills the process group.
import { spawn } from 'node:child_process';
import type { CommandSpec } from './spec.js';

/** Characters that only mean something to a shell (pipes, redirections, expansions, lists). */
const SHELL_SYNTAX = /[|&;<>()$`*?[\]~{}]/;

export function commandSpec(command: string, argv: string[]): CommandSpec {
  return { command, argv, shell: SHELL_SYNTAX.test(command) };
}

export interface CommandResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the command could not be started at all (ENOENT, EACCES...). */
  spawnError?: string;
}

/** Run `cmd` with `extraArgs` appended; resolves when it exits or is killed at `timeoutMs`. */
export function runCommand(
  cmd: CommandSpec,
  extraArgs: string[],
  timeoutMs: number,
): Promise<CommandResult> {
  const [file, args] = cmd.shell
    ? ['/bin/sh', ['-c', `${cmd.command} "$@"`, 'sh', ...extraArgs]]
    : [cmd.argv[0], [...cmd.argv.slice(1), ...extraArgs]];
  return new Promise((resolve) => {
    let timedOut = false;
    const child = spawn(file, args, { stdio: 'ignore', detached: true });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut: false, spawnError: err.message });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
}
