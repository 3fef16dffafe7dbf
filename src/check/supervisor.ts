// startCheckers(): runs the health checkers in a worker thread (worker.ts) and hands verdict
// changes to the main thread. Per-run figures (counts, last results, latencies) stay in the
// ledger the worker writes and the supervisor owns (figures.ts): they outlive a worker restart.
// If the worker dies (an uncaught exception in a checker, out of memory) it is restarted after a
// pause, doubled while it keeps dying young, and resumes from the last checker states it
// reported: a crash neither stalls the main loop nor makes real servers flap back to their
// start-up state.

import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { KeepalivedConfig } from '../config/model.js';
import { emit } from '../observe/events.js';
import type { Logger } from '../observe/log.js';
import type { CheckerStates, VirtualServerVerdict } from './engine.js';
import { CheckFigures } from './figures.js';
import { planFromConfig } from './from-config.js';
import { checkerIdsByKey, locateCheckers, type CheckerPlace, type CheckPlan } from './plan.js';
import type { CheckerState } from './verdict.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker.js';

export interface StartCheckersOptions {
  /** The main thread's logger (restarts are logged here). */
  log: Logger;
  /** Where and how the worker writes its own lines; default JSON on stdout. */
  workerLog?: WorkerInit['log'];
  /** Addresses configured locally now (ha_suspend); update with setLocalAddresses(). */
  localAddresses?: string[];
  maxConcurrent?: number;
  /** Pause before restarting a dead worker (default 500 ms). */
  restartDelayMs?: number;
  /** The worker module; default worker.js beside this file. */
  workerUrl?: URL;
  /**
   * Checker states of the handle this one replaces (its checkerStates()), for a reload: checkers
   * that are unchanged keep their verdicts instead of starting over.
   */
  resume?: Record<string, CheckerState>;
  /** The replaced handle's figures (a reload): unchanged checkers keep counting from there. */
  resumeFigures?: CheckFigures;
  /**
   * Also post every probe run to the main thread, as 'checks' events (about one batch a second):
   * for benchmarks and tests. The daemon leaves it off and reads `figures` when asked instead.
   */
  reportChecks?: boolean;
  /** global_defs checker_priority: the nice value the worker thread sets for itself. */
  nice?: number;
  /** global_defs checker_rt_priority: the realtime priority the worker thread sets for itself. */
  realtime?: number;
}

/** One completed probe run, as metrics count it. */
export interface CheckSample extends CheckerPlace {
  ok: boolean;
  /** What the probe found, e.g. "connected", "ECONNREFUSED". */
  reason: string;
  latencyMs: number;
}

export interface CheckersEvents {
  /** Probe runs, in batches (about one per second while checks run); only with reportChecks. */
  checks: [CheckSample[]];
  /** A checker passed or failed after its retries (its `up` changed, or its first verdict). */
  checker: [CheckerPlace & { up: boolean }];
  /** A virtual server's verdict changed (or was first reported). */
  verdict: [VirtualServerVerdict];
  /** The worker died and a new one is starting. */
  restart: [{ generation: number; error?: string; exitCode?: number }];
}

export interface CheckersHandle extends EventEmitter<CheckersEvents> {
  /** Resolves with the first verdicts of every virtual server once the worker runs. */
  readonly ready: Promise<VirtualServerVerdict[]>;
  /** The last verdict of every virtual server, in plan order. */
  verdicts(): VirtualServerVerdict[];
  setLocalAddresses(addresses: string[]): void;
  /** How many times the worker was restarted. */
  readonly restarts: number;
  /** Run counts, last results and latencies of every checker, kept across worker restarts. */
  readonly figures: CheckFigures;
  /**
   * keepalived_checks_total and keepalived_check_duration_seconds as the worker renders them
   * from `figures` (so a scrape costs the main thread nothing); undefined while no worker runs
   * or when it does not answer within a few seconds (render them from `figures` then).
   */
  renderCheckSeries(): Promise<string | undefined>;
  /** The last reported state of every checker, by checkerKey (for StartCheckersOptions.resume). */
  checkerStates(): Record<string, CheckerState>;
  stop(): Promise<void>;
}

const DEFAULT_RESTART_DELAY_MS = 500;
/** A worker that dies sooner than this after starting counts as crash-looping: back off. */
const STABLE_RUN_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** How long stop() waits for the worker to finish its checks before terminating it. */
const STOP_GRACE_MS = 5000;
/**
 * How long a scrape waits for the worker's rendering of the per-check metrics before rendering
 * them on the main thread: well inside Prometheus's default scrape_timeout (10 s).
 */
const RENDER_TIMEOUT_MS = 5000;

/** Starts the checkers of a configuration (or of a ready-made plan) in their own thread. */
export function startCheckers(
  source: KeepalivedConfig | CheckPlan,
  opts: StartCheckersOptions,
): CheckersHandle {
  const plan = 'globalDefs' in source ? planFromConfig(source).plan : source;
  return new CheckersSupervisor(plan, opts);
}

class CheckersSupervisor extends EventEmitter<CheckersEvents> implements CheckersHandle {
  readonly ready: Promise<VirtualServerVerdict[]>;
  restarts = 0;
  readonly figures: CheckFigures;
  private readonly plan: CheckPlan;
  private readonly opts: StartCheckersOptions;
  private readonly latest = new Map<string, VirtualServerVerdict>();
  private readonly states: CheckerStates = {};
  private localAddresses: string[];
  private worker: Worker | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  /** Names of each checker id, built when first needed. */
  private located: CheckerPlace[] | undefined;
  /** Crashes in a row, each sooner than STABLE_RUN_MS after its start. */
  private quickCrashes = 0;
  /** Scrapes waiting for the worker's text, by request id. */
  private readonly renders = new Map<number, (text: string | undefined) => void>();
  private nextRenderId = 0;
  private resolveReady!: (v: VirtualServerVerdict[]) => void;

  constructor(plan: CheckPlan, opts: StartCheckersOptions) {
    super();
    this.plan = plan;
    this.opts = opts;
    this.localAddresses = opts.localAddresses ?? [];
    this.figures = CheckFigures.create(plan, opts.resumeFigures);
    for (const [key, id] of checkerIdsByKey(plan)) {
      const state = opts.resume?.[key];
      if (state) this.states[id] = state;
    }
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.spawn();
  }

  verdicts(): VirtualServerVerdict[] {
    return this.plan.virtualServers.flatMap((vs) => this.latest.get(vs.name) ?? []);
  }

  checkerStates(): Record<string, CheckerState> {
    const out: Record<string, CheckerState> = {};
    for (const [key, id] of checkerIdsByKey(this.plan)) {
      const state = this.states[id];
      if (state) out[key] = state;
    }
    return out;
  }

  setLocalAddresses(addresses: string[]): void {
    this.localAddresses = [...addresses];
    this.send({ type: 'addresses', addresses: this.localAddresses });
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  renderCheckSeries(): Promise<string | undefined> {
    if (!this.worker || this.stopping) return Promise.resolve(undefined);
    const id = this.nextRenderId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer(undefined), RENDER_TIMEOUT_MS);
      const answer = (text: string | undefined) => {
        clearTimeout(timer);
        this.renders.delete(id);
        resolve(text);
      };
      this.renders.set(id, answer);
      this.send({ type: 'render-checks', id });
    });
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private spawn(): void {
    const init: WorkerInit = {
      kind: 'kts-checkers',
      plan: this.plan,
      resume: Object.keys(this.states).length > 0 ? { ...this.states } : undefined,
      log: this.opts.workerLog ?? {},
      localAddresses: this.localAddresses,
      maxConcurrent: this.opts.maxConcurrent,
      generation: this.restarts,
      ledger: this.figures.ledger.memory,
      reportChecks: this.opts.reportChecks ?? false,
      ...(this.opts.nice !== undefined && { nice: this.opts.nice }),
      ...(this.opts.realtime !== undefined && { realtime: this.opts.realtime }),
    };
    const worker = new Worker(this.opts.workerUrl ?? new URL('./worker.js', import.meta.url), {
      workerData: init,
    });
    this.worker = worker;
    const startedAt = performance.now();
    let failure: string | undefined;
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (err) => {
      failure = err instanceof Error ? err.message : String(err);
    });
    worker.on('exit', (exitCode) => {
      this.worker = undefined;
      // Scrapes it had not answered render from the figures instead.
      for (const answer of [...this.renders.values()]) answer(undefined);
      if (this.stopping) return;
      this.quickCrashes = performance.now() - startedAt < STABLE_RUN_MS ? this.quickCrashes + 1 : 0;
      const base = this.opts.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
      const restartInMs = Math.min(
        base * 2 ** Math.max(0, this.quickCrashes - 1),
        MAX_RESTART_DELAY_MS,
      );
      emit(this.opts.log, 'checker.exited', { code: exitCode, error: failure, restartInMs });
      this.restarts += 1;
      this.emit('restart', { generation: this.restarts, error: failure, exitCode });
      this.restartTimer = setTimeout(() => this.spawn(), restartInMs);
    });
  }

  private receive(m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        for (const v of m.verdicts) this.record(v);
        this.resolveReady(this.verdicts());
        break;
      case 'verdict':
        this.record(m.verdict);
        break;
      case 'checker-state': {
        const before = this.states[m.id];
        this.states[m.id] = m.state;
        if (before?.up !== m.state.up || !before.hasRun) {
          this.located ??= locateCheckers(this.plan);
          const where = this.located[m.id];
          if (where) this.emit('checker', { ...where, up: m.state.up });
        }
        break;
      }
      case 'checks':
        if (this.listenerCount('checks') > 0) this.emit('checks', this.samples(m));
        break;
      case 'checks-text':
        this.renders.get(m.id)?.(m.text);
        break;
      case 'stopped':
        break;
    }
  }

  private samples(m: Extract<FromWorker, { type: 'checks' }>): CheckSample[] {
    this.located ??= locateCheckers(this.plan);
    const out: CheckSample[] = [];
    // Runs on the VRRP thread for every check of a batch: plain loop, one object shape.
    for (let i = 0; i < m.ids.length; i++) {
      const where = this.located[m.ids[i]!];
      if (!where) continue;
      out.push({
        virtualServer: where.virtualServer,
        realServer: where.realServer,
        checker: where.checker,
        checkerType: where.checkerType,
        ok: m.ok[i] === 1,
        reason: m.reasons[m.reasonIndex[i]!]!,
        latencyMs: m.latencyMs[i]!,
      });
    }
    return out;
  }

  /** Keeps the verdict and reports it if it differs from the last one (a restart repeats them). */
  private record(v: VirtualServerVerdict): void {
    const before = this.latest.get(v.virtualServer);
    if (before && JSON.stringify(before) === JSON.stringify(v)) return;
    this.latest.set(v.virtualServer, v);
    this.emit('verdict', v);
  }
}
