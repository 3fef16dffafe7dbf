// The thin I/O shell around the pure parts: real timers drive the scheduler, probes run for real,
// results go through the engine, and its actions are carried out: JSON log events, notify and
// quorum scripts, verdict callbacks. ha_suspend is a predicate the owner keeps current.

import { spawn } from 'node:child_process';
import type { Logger } from '../observe/log.js';
import { emit } from '../observe/events.js';
import {
  CheckEngine,
  type CheckAction,
  type CheckerStates,
  type VirtualServerVerdict,
} from './engine.js';
import type { CheckPlan, ProbeResult, ProbeSpec } from './plan.js';
import { planCheckers } from './plan.js';
import { runProbe } from './probe.js';
import { CheckScheduler, firstRunDelayMs } from './scheduler.js';
import type { CheckerState } from './verdict.js';

/** Default cap on checks in flight; each holds a socket or a child process. */
export const DEFAULT_MAX_CONCURRENT = 2000;

export interface RunnerOptions {
  log: Logger;
  /** Is this address configured locally? Checkers of `ha_suspend` servers run only while it is. */
  isAddressLocal?: (address: string) => boolean;
  maxConcurrent?: number;
  /** Spreads first runs over the warmup window. */
  random?: () => number;
  /** Monotonic milliseconds. */
  now?: () => number;
  /** Checker states from a previous run of the same plan. */
  resume?: CheckerStates;
  /** A virtual server's verdict changed. */
  onVerdict?: (verdict: VirtualServerVerdict) => void;
  /** A checker's persistent state changed (verdict, first run, dynamic weight). */
  onCheckerState?: (id: number, state: CheckerState) => void;
  /** Runs a probe; the real ones unless a harness measures around them. */
  probe?: (spec: ProbeSpec) => Promise<ProbeResult>;
}

export interface RunnerStats {
  /** Probe runs completed. */
  checks: number;
  failures: number;
  /** Runs skipped because ha_suspend held them. */
  suspended: number;
  /** Probe latency summed over completed runs, ms. */
  latencySumMs: number;
  /** How late runs started against their due time: sum and maximum, ms. */
  latenessSumMs: number;
  latenessMaxMs: number;
}

export class CheckRunner {
  readonly engine: CheckEngine;
  private readonly opts: RunnerOptions;
  private readonly scheduler: CheckScheduler;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly statsValue: RunnerStats = {
    checks: 0,
    failures: 0,
    suspended: 0,
    latencySumMs: 0,
    latenessSumMs: 0,
    latenessMaxMs: 0,
  };

  constructor(plan: CheckPlan, opts: RunnerOptions) {
    this.opts = opts;
    this.engine = new CheckEngine(plan, opts.resume);
    this.scheduler = new CheckScheduler({
      maxConcurrent: opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT,
    });
    this.now = opts.now ?? (() => performance.now());
  }

  /** Queues every checker's first run and reports the start-up quorum. */
  start(): void {
    const random = this.opts.random ?? Math.random;
    const t0 = this.now();
    for (const c of planCheckers(this.engine.plan)) {
      this.scheduler.schedule(c.id, t0 + firstRunDelayMs(c.timing.warmupMs, random));
    }
    this.carryOut(this.engine.startActions());
    this.arm();
  }

  /** Stops scheduling and waits for the checks in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.inFlight);
  }

  verdicts(): VirtualServerVerdict[] {
    return this.engine.verdicts();
  }

  stats(): RunnerStats {
    return { ...this.statsValue };
  }

  /** Runs every checker of a virtual server now, e.g. when ha_suspend lifts. */
  runSoon(virtualServer: string): void {
    const vs = this.engine.plan.virtualServers.find((v) => v.name === virtualServer);
    if (!vs) return;
    const now = this.now();
    for (const rs of vs.realServers) {
      for (const c of rs.checkers) {
        if (!this.scheduler.isRunning(c.id)) this.scheduler.schedule(c.id, now);
      }
    }
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const at = this.scheduler.wakeAtMs();
    if (at === undefined) return;
    if (this.timer && at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.wake(), Math.max(0, at - this.now()));
  }

  private wake(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.stopped) return;
    const now = this.now();
    for (const id of this.scheduler.takeDue(now)) {
      const lateness = now - (this.scheduler.dueOf(id) ?? now);
      this.statsValue.latenessSumMs += lateness;
      if (lateness > this.statsValue.latenessMaxMs) this.statsValue.latenessMaxMs = lateness;
      const { checker, vs } = this.engine.where(id);
      if (vs.haSuspendAddress && !(this.opts.isAddressLocal?.(vs.haSuspendAddress) ?? true)) {
        // keepalived keeps a suspended checker's timer going and skips the run.
        this.statsValue.suspended += 1;
        this.scheduler.finish(id, now + checker.timing.delayLoopMs);
        continue;
      }
      const run = (this.opts.probe ?? runProbe)(checker.probe).then((result) => {
        this.inFlight.delete(run);
        if (!this.stopped) this.complete(id, result);
      });
      this.inFlight.add(run);
    }
    this.arm();
  }

  private complete(id: number, result: ProbeResult): void {
    this.statsValue.checks += 1;
    this.statsValue.latencySumMs += result.latencyMs;
    if (!result.ok) this.statsValue.failures += 1;
    const before = this.engine.checkerState(id);
    const { delayMs, actions } = this.engine.apply(id, result);
    const after = this.engine.checkerState(id);
    const { checker, rs, vs } = this.engine.where(id);
    if (!result.ok && before.up && after.up && checker.logAllFailures) {
      this.opts.log.info(
        {
          virtualServer: vs.name,
          realServer: rs.name,
          checker: checker.name,
          reason: result.reason,
        },
        'checker failed, retrying',
      );
    }
    if (
      this.opts.onCheckerState &&
      (before.up !== after.up ||
        before.hasRun !== after.hasRun ||
        before.weightOffset !== after.weightOffset)
    ) {
      this.opts.onCheckerState(id, after);
    }
    this.carryOut(actions);
    this.scheduler.finish(id, this.now() + delayMs);
    this.arm();
  }

  private carryOut(actions: CheckAction[]): void {
    const { log } = this.opts;
    const changed = new Set<string>();
    for (const a of actions) {
      switch (a.type) {
        case 'checker':
          emit(log, a.up ? 'check.up' : 'check.down', {
            virtualServer: a.virtualServer,
            realServer: a.realServer,
            checker: a.checker,
            reason: a.reason,
          });
          break;
        case 'realServer': {
          changed.add(a.virtualServer);
          if (a.alive) {
            emit(log, 'rs.up', {
              virtualServer: a.virtualServer,
              realServer: a.realServer,
              weight: a.weight,
            });
          } else {
            const rs = this.findRealServer(a.virtualServer, a.realServer);
            emit(log, 'rs.down', {
              virtualServer: a.virtualServer,
              realServer: a.realServer,
              inhibited: rs?.inhibitOnFailure ?? false,
            });
          }
          break;
        }
        case 'weight':
          changed.add(a.virtualServer);
          log.info(
            { virtualServer: a.virtualServer, realServer: a.realServer, from: a.from, to: a.to },
            'real server weight changed',
          );
          break;
        case 'quorum':
          changed.add(a.virtualServer);
          emit(log, a.up ? 'quorum.up' : 'quorum.down', {
            virtualServer: a.virtualServer,
            weight: a.liveWeight,
          });
          break;
        case 'notify':
          this.runScript(a.keyword, a.argv, a.virtualServer);
          break;
      }
    }
    if (this.opts.onVerdict) {
      for (const name of changed) {
        const i = this.engine.plan.virtualServers.findIndex((v) => v.name === name);
        this.opts.onVerdict(this.engine.verdict(i));
      }
    }
  }

  private findRealServer(vsName: string, rsName: string) {
    return this.engine.plan.virtualServers
      .find((v) => v.name === vsName)
      ?.realServers.find((r) => r.name === rsName);
  }

  /** Notify scripts run detached and unwaited, like keepalived's notify_exec. */
  private runScript(keyword: string, argv: string[], virtualServer: string): void {
    const [cmd, ...args] = argv;
    if (cmd === undefined) return;
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', (err) =>
      this.opts.log.error(
        { keyword, command: cmd, virtualServer, err: err.message },
        'notify script failed to start',
      ),
    );
    child.unref();
  }
}
