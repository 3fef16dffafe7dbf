// Runs one vrrp_script every `interval` (never two runs at once) and reports when its rise/fall
// verdict (track.ts) flips. A run that exceeds `timeout` is killed and counts as a failure.
import { runCommand } from './command.js';
import type { ScriptSpec } from './spec.js';
import { initialScriptState, scriptOutcome, type ScriptState } from './track.js';

export class ScriptRunner {
  private state: ScriptState;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly spec: ScriptSpec,
    private readonly onChange: (up: boolean) => void,
  ) {
    this.state = initialScriptState(spec);
  }

  /** undefined until the first run has ended. */
  get up(): boolean | undefined {
    return this.state.up;
  }

  start(): void {
    this.stopped = false;
    void this.runOnce();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async runOnce(): Promise<void> {
    const started = Date.now();
    const r = await runCommand(this.spec.command, [], this.spec.timeoutMs);
    if (this.stopped) return;
    const ok = r.code === 0 && !r.timedOut;
    const next = scriptOutcome(this.spec, this.state, ok);
    this.state = next.state;
    if (next.changed) this.onChange(next.state.up);
    const wait = Math.max(0, this.spec.intervalMs - (Date.now() - started));
    this.timer = setTimeout(() => void this.runOnce(), wait);
  }
}
