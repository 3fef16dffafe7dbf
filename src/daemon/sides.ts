// The daemon's sides as `Subsystem`s: thin adapters from the controller's start / reload / stop
// to the VRRP runtime (src/vrrp) and the checker worker (src/check). They also keep /status
// current: instance states are pulled from the runtime when a snapshot is taken, verdicts are
// pushed as the checkers report them.
import { startCheckers, type CheckersHandle } from '../check/supervisor.js';
import type { VirtualServerVerdict } from '../check/engine.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Observer } from '../observe/observer.js';
import { runVrrp, type VrrpRuntime } from '../vrrp/index.js';
import type { StopOptions, Subsystem } from './controller.js';
import type { NameDiff, ReloadPlan } from './reload.js';

function touched(diff: NameDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}

/** A runtime that can apply a reload in place (instances that survive keep their state). */
interface Reloadable {
  reload(config: KeepalivedConfig, plan: ReloadPlan): Promise<void>;
}

function canReload(x: object): x is Reloadable {
  return typeof (x as Partial<Reloadable>).reload === 'function';
}

export class VrrpSide implements Subsystem {
  readonly name = 'vrrp';
  private runtime?: VrrpRuntime;

  constructor(private readonly observer: Observer) {}

  /** Copies the runtime's live instance states onto the status board (called before a snapshot). */
  refreshStatus(): void {
    for (const s of this.runtime?.status() ?? []) {
      this.observer.status.instanceState(s.name, s.state, s.priority);
    }
  }

  async apply(config: KeepalivedConfig, plan?: ReloadPlan): Promise<void> {
    if (!this.runtime) {
      if (config.vrrpInstances.length > 0)
        this.runtime = await runVrrp(config, { observer: this.observer });
      return;
    }
    if (!plan || !touched(plan.instances)) return;
    if (canReload(this.runtime)) {
      await this.runtime.reload(config, plan);
      return;
    }
    // Restarting the runtime would send priority-0 adverts and move every VIP: worse than keeping
    // the running instances until the next restart. Say so plainly.
    this.observer.log.warn(
      { subsystem: this.name, changes: plan.changes.filter((c) => c.startsWith('instance ')) },
      'vrrp: instance changes take effect at the next restart (this runtime cannot reload in place)',
    );
  }

  async stop(opts: StopOptions): Promise<void> {
    await this.runtime?.stop({ releaseVips: opts.releaseVips });
    this.runtime = undefined;
  }
}

export class CheckSide implements Subsystem {
  readonly name = 'check';
  private handle?: CheckersHandle;

  /** `onVerdict`: where the IPVS side learns what to program. */
  constructor(
    private readonly observer: Observer,
    private readonly onVerdict: (v: VirtualServerVerdict) => void = () => undefined,
  ) {}

  async apply(config: KeepalivedConfig, plan?: ReloadPlan): Promise<void> {
    if (
      this.handle &&
      plan &&
      !touched(plan.virtualServers) &&
      !Object.values(plan.realServers).some(touched)
    ) {
      return;
    }
    // The checker worker has no in-place reload: a new worker starts from the new plan. Real
    // servers without alpha start alive again, so a healthy pool does not flap.
    await this.handle?.stop();
    this.handle = undefined;
    if (config.virtualServers.length === 0) return;
    const handle = startCheckers(config, { log: this.observer.log });
    handle.on('verdict', (v) => this.verdict(v));
    this.handle = handle;
  }

  private verdict(v: VirtualServerVerdict): void {
    const { status, metrics } = this.observer;
    for (const rs of v.realServers) {
      // Down means out of IPVS, or in it at weight 0 with inhibit_on_failure: 0 either way.
      const applied = rs.alive ? rs.weight : 0;
      status.realServerVerdict(v.virtualServer, rs.realServer, rs.alive, applied);
      metrics.realServerState(v.virtualServer, rs.realServer, rs.alive, applied);
    }
    status.quorum(v.virtualServer, v.quorumUp, v.sorryActive);
    metrics.quorum(v.virtualServer, v.quorumUp);
    this.onVerdict(v);
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    this.handle = undefined;
  }
}
