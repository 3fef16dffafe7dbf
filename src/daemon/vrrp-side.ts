// The VRRP side of the daemon as a `Subsystem`: a thin adapter from the controller's start /
// reload / stop to the VRRP runtime (src/vrrp). Instance states are pulled from the runtime when
// a status snapshot is taken. global_defs vrrp_priority, vrrp_rt_priority and max_auto_priority
// tune this (the main) thread's scheduling, at start and as keepalived re-applies them on reload. Kept apart from sides.ts so that `-P` imports no
// checker or IPVS code.
import {
  AutoPriority,
  DEFAULT_MIN_AUTO_PRIORITY_DELAY_US,
  DEFAULT_RLIMIT_RTTIME_US,
  applyThreadNice,
  applyThreadRealtime,
  raiseRealtimeCpuLimit,
  retuneOnReload,
} from '../check/thread-priority.js';
import { getPriority } from 'node:os';
import { emit } from '../observe/events.js';
import type { KeepalivedConfig } from '../config/model.js';
import type { Observer } from '../observe/observer.js';
import { runVrrp, type VrrpRuntime } from '../vrrp/index.js';
import type { StopOptions, Subsystem } from './controller.js';

export class VrrpSide implements Subsystem {
  readonly name = 'vrrp';
  private runtime?: VrrpRuntime;
  /** Scheduling settings are applied at start (tune), then on each reload (retune). */
  private tuned = false;
  private autoPriority = new AutoPriority(0, DEFAULT_MIN_AUTO_PRIORITY_DELAY_US);
  private rlimitRttimeUs = DEFAULT_RLIMIT_RTTIME_US;
  /** This thread's nice value when the daemon started, and now. */
  private readonly startNice = getPriority(0);
  private nice = this.startNice;
  /** This thread's realtime priority (SCHED_RR), 0 while it has the normal policy. */
  private realtime = 0;

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
    } else this.retune(config);
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
    this.rlimitRttimeUs = g.vrrpRlimitRttime ?? DEFAULT_RLIMIT_RTTIME_US;
    if (g.vrrpPriority !== undefined) this.setNice(g.vrrpPriority);
    if (g.vrrpRtPriority !== undefined) this.setRealtime(g.vrrpRtPriority);
    this.followAutoPriority(config);
    // keepalived's own start-up advice (-1 silences it).
    if ((g.maxAutoPriority ?? 0) === 0 && config.vrrpInstances.length > 0)
      this.observer.log.info(
        'NOTICE: setting config option max_auto_priority should result in better keepalived performance',
      );
  }

  /** A reloaded configuration's settings, as keepalived's restore_priority applies them. */
  private retune(config: KeepalivedConfig): void {
    const g = config.globalDefs;
    this.rlimitRttimeUs = g.vrrpRlimitRttime ?? DEFAULT_RLIMIT_RTTIME_US;
    const change = retuneOnReload({ realtime: this.realtime, nice: this.nice }, g, this.startNice);
    if (change.nice !== undefined) this.setNice(change.nice);
    if (change.realtime !== undefined) this.setRealtime(change.realtime);
    else if (this.realtime > 0) raiseRealtimeCpuLimit(this.observer.log, this.rlimitRttimeUs);
    this.followAutoPriority(config);
  }

  private setNice(nice: number): void {
    if (applyThreadNice(this.observer.log, 'vrrp', nice)) this.nice = nice;
  }

  /** SCHED_RR at `priority` (0: the normal policy) with the RLIMIT_RTTIME it needs. */
  private setRealtime(priority: number): void {
    const log = this.observer.log;
    if (!applyThreadRealtime(log, 'vrrp', priority)) return;
    this.realtime = priority;
    if (priority > 0) raiseRealtimeCpuLimit(log, this.rlimitRttimeUs);
  }

  /** max_auto_priority / min_auto_priority_delay, raising from the priority the thread has. */
  private followAutoPriority(config: KeepalivedConfig): void {
    const g = config.globalDefs;
    this.autoPriority = new AutoPriority(
      g.maxAutoPriority ?? 0,
      g.minAutoPriorityDelay ?? DEFAULT_MIN_AUTO_PRIORITY_DELAY_US,
      this.realtime,
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
    if (next !== undefined) this.setRealtime(next);
  }

  async stop(opts: StopOptions): Promise<void> {
    await this.runtime?.stop({ releaseVips: opts.releaseVips });
    this.runtime = undefined;
  }
}
