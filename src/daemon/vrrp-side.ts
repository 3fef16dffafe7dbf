// The VRRP side of the daemon as a `Subsystem`: a thin adapter from the controller's start /
// reload / stop to the VRRP runtime (src/vrrp). Instance states are pulled from the runtime when
// a status snapshot is taken. global_defs vrrp_priority sets the nice value of this (the main)
// thread. Kept apart from sides.ts so that `-P` imports no checker or IPVS code.
import { applyThreadNice } from '../check/thread-priority.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Observer } from '../observe/observer.js';
import { runVrrp, type VrrpRuntime } from '../vrrp/index.js';
import type { StopOptions, Subsystem } from './controller.js';

export class VrrpSide implements Subsystem {
  readonly name = 'vrrp';
  private runtime?: VrrpRuntime;
  /** vrrp_priority is applied once, at start, as keepalived applies it when its VRRP child starts. */
  private niceApplied = false;

  constructor(private readonly observer: Observer) {}

  /** Copies the runtime's live instance states onto the status board (called before a snapshot). */
  refreshStatus(): void {
    for (const s of this.runtime?.status() ?? []) {
      this.observer.status.instanceState(s.name, s.state, s.priority);
    }
  }

  async apply(config: KeepalivedConfig): Promise<void> {
    const nice = config.globalDefs.vrrpPriority;
    if (!this.niceApplied && nice !== undefined) {
      this.niceApplied = true;
      // Only this (the main) thread: the checker worker sets checker_priority for itself.
      applyThreadNice(this.observer.log, 'vrrp', nice);
    }
    if (!this.runtime) {
      if (config.vrrpInstances.length > 0)
        this.runtime = await runVrrp(config, { observer: this.observer });
      return;
    }
    // Always handed over, not only when the plan lists instance changes: sync groups and
    // global_defs also shape the instances, and the runtime leaves what is unchanged untouched
    // (surviving instances keep their state and VIPs; only differences are acted on).
    await this.runtime.reload(config);
  }

  async stop(opts: StopOptions): Promise<void> {
    await this.runtime?.stop({ releaseVips: opts.releaseVips });
    this.runtime = undefined;
  }
}
