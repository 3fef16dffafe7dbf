// The checker side's own event loop: a worker thread that runs a CheckRunner over the plan it is
// given and posts verdict changes to the main thread. Nothing here can block or crash the main
// loop (VRRP adverts, IPVS reconcile): supervisor.ts restarts this worker if it dies. Each check
// run is counted here, in the shared ledger (ledger.ts) the main thread reads only when asked:
// the VRRP thread does no work per check.

import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { createLogger, type LogOptions } from '../observe/log.js';
import { registerCheckSeries, renderCheckSeries } from '../observe/metrics.js';
import type { CheckerStates, VirtualServerVerdict } from './engine.js';
import { CheckFigures } from './figures.js';
import { CheckLedger, type LedgerMemory } from './ledger.js';
import type { CheckPlan } from './plan.js';
import { CheckRunner } from './runner.js';
import { applyThreadNice, applyThreadRealtime } from './thread-priority.js';
import type { CheckerState } from './verdict.js';

export interface WorkerInit {
  /** Marks workerData meant for this module. */
  kind: 'kts-checkers';
  plan: CheckPlan;
  resume?: CheckerStates;
  /** Where the worker's lines go (a path, or stdout; written synchronously) and in what format. */
  log: { destination?: string; level?: LogOptions['level']; format?: LogOptions['format'] };
  localAddresses: string[];
  maxConcurrent?: number;
  /** How many times the checker side was restarted before this one. */
  generation: number;
  /** Where every run is counted (shared with the supervisor). */
  ledger: LedgerMemory;
  /** Also post every run to the main thread in batches ('checks'): for tools, not the daemon. */
  reportChecks: boolean;
  /** global_defs checker_priority: this thread's nice value. */
  nice?: number;
  /** global_defs checker_rt_priority: this thread runs SCHED_RR at it. */
  realtime?: number;
}

export type ToWorker =
  | { type: 'addresses'; addresses: string[] }
  /** Render the per-check metric families (a /metrics scrape), answered by 'checks-text'. */
  | { type: 'render-checks'; id: number }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; verdicts: VirtualServerVerdict[] }
  | { type: 'verdict'; verdict: VirtualServerVerdict }
  | { type: 'checker-state'; id: number; state: CheckerState }
  | {
      type: 'checks';
      /** Completed runs since the last batch: checker id, pass/fail, latency (ms), reason. */
      ids: Int32Array;
      ok: Uint8Array;
      latencyMs: Float64Array;
      /** Index of each run's reason in `reasons` (a batch repeats few distinct reasons). */
      reasonIndex: Uint32Array;
      reasons: string[];
    }
  | { type: 'checks-text'; id: number; text: string }
  | { type: 'stopped' };

/**
 * A scrape's per-check families are formatted this many samples per turn of this thread's loop:
 * under 10,000 checks/s a turn is long, and checks run a few ms late matter far less than an
 * advert; 500 per turn (the VRRP thread's slice) made a scrape of 10,000 real servers take 1-2 s.
 */
const SCRAPE_SAMPLES_PER_TURN = 5000;

/** With reportChecks, probe runs are reported in batches this often: one message, not one per check. */
const CHECK_BATCH_MS = 1000;

/** Collects probe runs and posts them as one transferable batch. */
class CheckBatch {
  private ids: number[] = [];
  private ok: number[] = [];
  private latency: number[] = [];
  private reasonIndex: number[] = [];
  private reasons = new Map<string, number>();

  add(id: number, ok: boolean, latencyMs: number, reason: string): void {
    this.ids.push(id);
    this.ok.push(ok ? 1 : 0);
    this.latency.push(latencyMs);
    let index = this.reasons.get(reason);
    if (index === undefined) {
      index = this.reasons.size;
      this.reasons.set(reason, index);
    }
    this.reasonIndex.push(index);
  }

  flush(port: MessagePort): void {
    if (this.ids.length === 0) return;
    const ids = Int32Array.from(this.ids);
    const ok = Uint8Array.from(this.ok);
    const latencyMs = Float64Array.from(this.latency);
    const reasonIndex = Uint32Array.from(this.reasonIndex);
    const m: FromWorker = {
      type: 'checks',
      ids,
      ok,
      latencyMs,
      reasonIndex,
      reasons: [...this.reasons.keys()],
    };
    // Freshly made typed arrays own plain ArrayBuffers: hand them over instead of copying.
    port.postMessage(m, [
      ids.buffer as ArrayBuffer,
      ok.buffer as ArrayBuffer,
      latencyMs.buffer as ArrayBuffer,
      reasonIndex.buffer as ArrayBuffer,
    ]);
    this.ids = [];
    this.ok = [];
    this.latency = [];
    this.reasonIndex = [];
    this.reasons = new Map();
  }
}

export function serveCheckers(port: MessagePort, init: WorkerInit): void {
  const post = (m: FromWorker) => port.postMessage(m);
  const log = createLogger(init.log).child({
    component: 'check',
  });
  if (init.nice !== undefined) applyThreadNice(log, 'checker', init.nice);
  if (init.realtime !== undefined) applyThreadRealtime(log, 'checker', init.realtime);
  let local = new Set(init.localAddresses);
  const ledger = new CheckLedger(init.ledger);
  const batch = init.reportChecks ? new CheckBatch() : undefined;
  const flusher = batch && setInterval(() => batch.flush(port), CHECK_BATCH_MS);
  const runner = new CheckRunner(init.plan, {
    log,
    resume: init.resume,
    maxConcurrent: init.maxConcurrent,
    isAddressLocal: (address) => local.has(address),
    onVerdict: (verdict) => post({ type: 'verdict', verdict }),
    onCheckerState: (id, state) => post({ type: 'checker-state', id, state }),
    onCheck: (id, result) => {
      ledger.record(id, result.ok, result.latencyMs, result.reason, Date.now());
      batch?.add(id, result.ok, result.latencyMs, result.reason);
    },
  });
  /** The per-check metric families over the shared ledger, made at the first scrape. */
  let checkMetrics: Registry | undefined;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'addresses') {
      const before = local;
      local = new Set(m.addresses);
      for (const vs of init.plan.virtualServers) {
        const a = vs.haSuspendAddress;
        if (a && local.has(a) && !before.has(a)) runner.runSoon(vs.name);
      }
    } else if (m.type === 'render-checks') {
      if (!checkMetrics) {
        const registry = new Registry();
        const figures = new CheckFigures(init.plan, ledger);
        registerCheckSeries(registry, () => figures);
        checkMetrics = registry;
      }
      void renderCheckSeries(checkMetrics, SCRAPE_SAMPLES_PER_TURN).then((text) =>
        post({ type: 'checks-text', id: m.id, text }),
      );
    } else {
      void runner.stop().then(() => {
        clearInterval(flusher);
        batch?.flush(port);
        post({ type: 'stopped' });
        port.close();
      });
    }
  });
  void runner.start().then(() => post({ type: 'ready', verdicts: runner.verdicts() }));
}

if (
  !isMainThread &&
  parentPort &&
  (workerData as WorkerInit | undefined)?.kind === 'kts-checkers'
) {
  serveCheckers(parentPort, workerData as WorkerInit);
}
