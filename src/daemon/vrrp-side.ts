// The VRRP side of the daemon as a `Subsystem`: a thin adapter from the controller's start /
// reload / stop to the VRRP runtime (src/vrrp). Instance states are pulled from the runtime when
// a status snapshot is taken. global_defs vrrp_priority, vrrp_rt_priority and max_auto_priority
// tune this (the main) thread's scheduling. Kept apart from sides.ts so that `-P` imports no
// checker or IPVS code.
import {
  AutoPriority,
  DEFAULT_MIN_AUTO_PRIORITY_DELAY_US,
  DEFAULT_RLIMIT_RTTIME_US,
  applyThreadNice,
  applyThreadRealtime,
  raiseRealtimeCpuLimit,
} from '../check/thread-priority.js';
import { emit } from '../observe/events.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Observer } from '../observe/observer.js';
import { runVrrp, type VrrpRuntime } from '../vrrp/index.js';
import type { StopOptions, Subsystem } from './controller.js';

export class VrrpSide implements Subsystem {
  readonly name = 'vrrp';
  private runtime?: VrrpRuntime;
  /**
   * Scheduling settings are applied once, at start, as keepalived applies them when its VRRP
   * child starts.
   */
  private tuned = false;
  private autoPriority = new AutoPriority(0, DEFAULT_MIN_AUTO_PRIORITY_DELAY_US);
  private rlimitRttimeUs = DEFAULT_RLIMIT_RTTIME_US;

  constructor(private readonly observer: Observer) {}

  /** Copies the runtime's live instance states onto the status board (called before a snapshot). */
  refreshStatus(): void {
    for (const s of this.runtime?.status() ?? []) {
      this.observer.status.instanceState(s.name, s.state, s.priority);
    }
  }

  async apply(config: KeepalivedConfig): Promise<void> {
    if (!this.tuned) {
      this.tuned = true;
      this.tune(config);
    }
    if (!this.runtime) {
      if (config.vrrpInstances.length > 0)
        this.runtime = await runVrrp(config, {
          observer: this.observer,
          timerDelivered: (lateMs) => this.timerDelivered(lateMs),
        });
      return;
    }
    // Always handed over, not only when the plan lists instance changes: sync groups and
    // global_defs also shape the instances, and the runtime leaves what is unchanged untouched
    // (surviving instances keep their state and VIPs; only differences are acted on).
    await this.runtime.reload(config);
  }

  /**
   * vrrp_priority (nice), vrrp_rt_priority (SCHED_RR) and max_auto_priority for this (the main)
   * thread only: the checker worker sets checker_* for itself.
   */
  private tune(config: KeepalivedConfig): void {
    const g = config.globalDefs;
    const log = this.observer.log;
    if (g.vrrpPriority !== undefined) applyThreadNice(log, 'vrrp', g.vrrpPriority);
    this.rlimitRttimeUs = g.vrrpRlimitRttime ?? DEFAULT_RLIMIT_RTTIME_US;
    const realtime =
      g.vrrpRtPriority !== undefined && applyThreadRealtime(log, 'vrrp', g.vrrpRtPriority);
    if (realtime) raiseRealtimeCpuLimit(log, this.rlimitRttimeUs);
    const max = g.maxAutoPriority ?? 0;
    this.autoPriority = new AutoPriority(
      max,
      g.minAutoPriorityDelay ?? DEFAULT_MIN_AUTO_PRIORITY_DELAY_US,
      realtime ? g.vrrpRtPriority : 0,
    );
    // keepalived's own start-up advice (-1 silences it).
    if (max === 0 && config.vrrpInstances.length > 0)
      log.info(
        'NOTICE: setting config option max_auto_priority should result in better keepalived performance',
      );
  }

  /**
   * Each instance timer's lateness: past min_auto_priority_delay this thread waited for a CPU
   * (logged as keepalived logs it); with max_auto_priority, its realtime priority goes up.
   */
  private timerDelivered(lateMs: number): void {
    if (!this.autoPriority.isDelay(lateMs)) return;
    const log = this.observer.log;
    emit(
      log,
      'thread.late',
      { thread: 'vrrp', lateMs },
      `A thread timer expired ${(lateMs / 1000).toFixed(6)} seconds ago`,
    );
    const next = this.autoPriority.raise();
    if (next !== undefined && applyThreadRealtime(log, 'vrrp', next))
      raiseRealtimeCpuLimit(log, this.rlimitRttimeUs);
  }

  async stop(opts: StopOptions): Promise<void> {
    await this.runtime?.stop({ releaseVips: opts.releaseVips });
    this.runtime = undefined;
  }
}
