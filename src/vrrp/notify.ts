// keepalived's notify contract (keepalived.md §3.10) for an instance or a sync group: the
// state's own script (notify_master / _backup / _fault / _stop) with only its configured
// arguments, then the generic `notify` with TYPE NAME STATE PRIORITY appended. Scripts of one
// owner run one after another in the order of the state changes; they never block the caller.
import type { Observer } from '../observe/observer.js';
import { runCommand } from './command.js';
import type { NotifyState } from './fsm.js';
import type { CommandSpec, NotifySpec } from './spec.js';

/** Notify scripts are not expected to run long; one that does is killed so the queue moves on. */
export const NOTIFY_TIMEOUT_MS = 30_000;

export class Notifier {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly kind: 'INSTANCE' | 'GROUP',
    private readonly name: string,
    private readonly observer: Observer,
    private scripts: NotifySpec,
  ) {}

  /** Scripts of a reloaded configuration, for the changes to come. */
  update(scripts: NotifySpec): void {
    this.scripts = scripts;
  }

  notify(state: NotifyState, priority: number): void {
    const n = this.scripts;
    const own: Record<NotifyState, CommandSpec | undefined> = {
      MASTER: n.master,
      BACKUP: n.backup,
      FAULT: n.fault,
      STOP: n.stop,
    };
    const runs: Array<[CommandSpec, string[]]> = [];
    if (own[state]) runs.push([own[state], []]);
    if (n.generic) runs.push([n.generic, [this.kind, this.name, state, String(priority)]]);
    for (const [cmd, args] of runs) this.queue = this.queue.then(() => this.run(cmd, args, state));
  }

  /** Resolves when every script queued so far has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  private async run(cmd: CommandSpec, args: string[], state: NotifyState): Promise<void> {
    this.observer.notifyRun({
      script: cmd.command,
      argv: [...cmd.argv, ...args],
      kind: 'vrrp',
      instance: this.name,
      state,
    });
    const r = await runCommand(cmd, args, NOTIFY_TIMEOUT_MS);
    if (r.code === 0) return;
    const failed: Parameters<Observer['notifyFailed']>[0] = { script: cmd.command };
    if (r.code !== null) failed.exitCode = r.code;
    if (r.signal) failed.signal = r.signal;
    if (r.spawnError) failed.error = r.spawnError;
    else if (r.timedOut) failed.error = `killed after ${NOTIFY_TIMEOUT_MS} ms`;
    this.observer.notifyFailed(failed);
  }
}
