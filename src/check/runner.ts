// The thin I/O shell around the pure parts: real timers drive the scheduler, probes run for real,
// results go through the engine, and its actions are carried out: JSON log events, notify and
// quorum scripts, verdict callbacks. ha_suspend is a predicate the owner keeps current.

import { spawn } from 'node:child_process';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observe/log.js';
import { emit } from '../observe/events.js';
import {
  CheckEngine,
  type CheckAction,
  type CheckerStates,
  type VirtualServerVerdict,
} from './engine.js';
import { errorReason } from './connect.js';
import { resolveUser } from './misc.js';
import type { CheckPlan, CheckerPlan, ProbeResult, ProbeSpec, ScriptPlan } from './plan.js';
import { planCheckers } from './plan.js';
import { runProbe } from './probe.js';
import { CheckScheduler, firstRunDelayMs } from './scheduler.js';
import type { CheckerState } from './verdict.js';

/** Cap on checks in flight when the fd limit cannot be read; each holds a socket or a child. */
export const FALLBACK_MAX_CONCURRENT = 2000;

/**
 * Checks in flight allowed by default: half the soft RLIMIT_NOFILE (the rest is for everything
 * else). A cap well below what slow servers need (connect_timeout × checks per second) delays
 * checks, so it follows the fd limit rather than a fixed guess.
 */
export function defaultMaxConcurrent(limits = readLimits()): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits ?? '');
  if (!m) return FALLBACK_MAX_CONCURRENT;
  return m[1] === 'unlimited' ? 65536 : Math.max(16, Math.floor(Number(m[1]) / 2));
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined;
  }
}

/** How long verdict changes gather before they are reported. */
const VERDICT_COALESCE_MS = 20;

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
  /**
   * A virtual server's verdict changed. Changes are coalesced for VERDICT_COALESCE_MS: when many
   * servers fail together, each virtual server is reported once per window, not once per server.
   */
  onVerdict?: (verdict: VirtualServerVerdict) => void;
  /** A checker's persistent state changed (verdict, first run, dynamic weight). */
  onCheckerState?: (id: number, state: CheckerState) => void;
  /** Every completed probe run (for metrics). */
  onCheck?: (id: number, result: ProbeResult) => void;
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
  private readonly watchers: FSWatcher[] = [];
  private readonly changedVs = new Set<string>();
  private verdictTimer: NodeJS.Timeout | undefined;
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
      maxConcurrent: opts.maxConcurrent ?? defaultMaxConcurrent(),
    });
    this.now = opts.now ?? (() => performance.now());
  }

  /**
   * Reports the start-up quorum, reads the tracked files (keepalived knows a FILE_CHECK's state
   * before it programs IPVS, so these do not wait for the bootstrap delay), then queues every
   * other checker's first run. Resolves once the verdicts reflect the files.
   */
  async start(): Promise<void> {
    const random = this.opts.random ?? Math.random;
    this.carryOut(this.engine.startActions());
    const checkers = planCheckers(this.engine.plan);
    const files = checkers.filter((c) => c.probe.type === 'FILE_CHECK');
    const probe = this.opts.probe ?? runProbe;
    const results = await Promise.all(files.map((c) => probe(c.probe)));
    if (this.stopped) return;
    this.watchTrackedFiles(files);
    const t0 = this.now();
    files.forEach((c, i) => this.scheduler.schedule(c.id, t0 + this.record(c.id, results[i]!)));
    for (const c of checkers) {
      if (c.probe.type === 'FILE_CHECK') continue;
      this.scheduler.schedule(c.id, t0 + firstRunDelayMs(c.timing.warmupMs, random));
    }
    this.arm();
  }

  /** Stops scheduling and waits for the checks in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    await Promise.all(this.inFlight);
    this.flushVerdicts();
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
    this.runNow(vs.realServers.flatMap((rs) => rs.checkers.map((c) => c.id)));
  }

  private runNow(ids: number[]): void {
    if (this.stopped) return;
    const now = this.now();
    for (const id of ids) {
      if (!this.scheduler.isRunning(id)) this.scheduler.schedule(id, now);
    }
    this.arm();
  }

  /**
   * Tracked files are also watched (keepalived follows them with inotify): a change is looked at
   * at once instead of at the next poll. One watcher per directory, so renames over the file count.
   */
  private watchTrackedFiles(files: CheckerPlan[]): void {
    const byDir = new Map<string, Map<string, number[]>>();
    for (const c of files) {
      if (c.probe.type !== 'FILE_CHECK') continue;
      const names = byDir.get(dirname(c.probe.path)) ?? new Map<string, number[]>();
      byDir.set(dirname(c.probe.path), names);
      names.set(basename(c.probe.path), [...(names.get(basename(c.probe.path)) ?? []), c.id]);
    }
    for (const [dir, names] of byDir) {
      try {
        const watcher = watch(dir, (_event, name) => {
          const ids = name === null ? [...names.values()].flat() : names.get(String(name));
          if (ids) this.runNow(ids);
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // A missing directory: the poll still reads the file (as 0) every second.
      }
    }
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
    const delayMs = this.record(id, result);
    this.scheduler.finish(id, this.now() + delayMs);
    this.arm();
  }

  /** Counts a result, applies it and carries out what it changed; returns the delay to the next run. */
  private record(id: number, result: ProbeResult): number {
    this.statsValue.checks += 1;
    this.statsValue.latencySumMs += result.latencyMs;
    this.opts.onCheck?.(id, result);
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
    return delayMs;
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
          const where = { virtualServer: a.virtualServer, realServer: a.realServer };
          const inhibited = a.inhibitOnFailure;
          if (a.alive) emit(log, 'rs.up', { ...where, weight: a.weight });
          else emit(log, 'rs.down', { ...where, inhibited });
          // With inhibit_on_failure the server stays in the table: its IPVS weight drops to 0
          // and comes back, which is a weight change as much as a verdict.
          if (inhibited) {
            const [from, to] = a.alive ? [0, a.weight] : [a.weight, 0];
            emit(log, 'rs.weight', { ...where, from, weight: to, reason: 'inhibit' });
          }
          break;
        }
        case 'weight':
          changed.add(a.virtualServer);
          emit(log, 'rs.weight', {
            virtualServer: a.virtualServer,
            realServer: a.realServer,
            from: a.from,
            weight: a.to,
            reason: a.cause,
          });
          break;
        case 'quorum':
          changed.add(a.virtualServer);
          emit(log, a.up ? 'quorum.up' : 'quorum.down', {
            virtualServer: a.virtualServer,
            weight: a.liveWeight,
          });
          break;
        case 'notify':
          this.runScript(a.keyword, a.script, a.virtualServer);
          break;
      }
    }
    if (!this.opts.onVerdict || changed.size === 0) return;
    for (const name of changed) this.changedVs.add(name);
    this.verdictTimer ??= setTimeout(() => this.flushVerdicts(), VERDICT_COALESCE_MS);
  }

  /** Reports each changed virtual server once, with its verdict as it stands now. */
  private flushVerdicts(): void {
    clearTimeout(this.verdictTimer);
    this.verdictTimer = undefined;
    const names = [...this.changedVs];
    this.changedVs.clear();
    for (const name of names) {
      const i = this.engine.plan.virtualServers.findIndex((v) => v.name === name);
      this.opts.onVerdict?.(this.engine.verdict(i));
    }
  }

  /** Notify scripts run detached and unwaited, like keepalived's notify_exec. */
  private runScript(keyword: string, script: ScriptPlan, virtualServer: string): void {
    const [cmd, ...args] = script.argv;
    if (cmd === undefined) return;
    const fail = (err: unknown) =>
      this.opts.log.error(
        { keyword, command: cmd, virtualServer, err: errorReason(err) },
        'notify script failed to start',
      );
    try {
      const ids = script.user === undefined ? {} : resolveUser(script.user, script.group);
      const child = spawn(cmd, args, { stdio: 'ignore', detached: true, ...ids });
      child.once('error', fail);
      child.unref();
    } catch (err) {
      fail(err);
    }
  }
}
