// The checker side's own event loop: a worker thread that runs a CheckRunner over the plan it is
// given and posts verdict changes to the main thread. Nothing here can block or crash the main
// loop (VRRP adverts, IPVS reconcile): supervisor.ts restarts this worker if it dies.

import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createLogger, type LogOptions } from '../observe/log.js';
import type { CheckerStates, VirtualServerVerdict } from './engine.js';
import type { CheckPlan } from './plan.js';
import { CheckRunner } from './runner.js';
import type { CheckerState } from './verdict.js';

export interface WorkerInit {
  /** Marks workerData meant for this module. */
  kind: 'kts-checkers';
  plan: CheckPlan;
  resume?: CheckerStates;
  /** Where the worker's JSON log lines go: a path, or stdout (pino writes synchronously). */
  log: { destination?: string; level?: LogOptions['level'] };
  localAddresses: string[];
  maxConcurrent?: number;
  /** How many times the checker side was restarted before this one. */
  generation: number;
}

export type ToWorker = { type: 'addresses'; addresses: string[] } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; verdicts: VirtualServerVerdict[] }
  | { type: 'verdict'; verdict: VirtualServerVerdict }
  | { type: 'checker-state'; id: number; state: CheckerState }
  | { type: 'stopped' };

export function serveCheckers(port: MessagePort, init: WorkerInit): void {
  const post = (m: FromWorker) => port.postMessage(m);
  const log = createLogger({ destination: init.log.destination, level: init.log.level }).child({
    component: 'check',
  });
  let local = new Set(init.localAddresses);
  const runner = new CheckRunner(init.plan, {
    log,
    resume: init.resume,
    maxConcurrent: init.maxConcurrent,
    isAddressLocal: (address) => local.has(address),
    onVerdict: (verdict) => post({ type: 'verdict', verdict }),
    onCheckerState: (id, state) => post({ type: 'checker-state', id, state }),
  });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'addresses') {
      const before = local;
      local = new Set(m.addresses);
      for (const vs of init.plan.virtualServers) {
        const a = vs.haSuspendAddress;
        if (a && local.has(a) && !before.has(a)) runner.runSoon(vs.name);
      }
    } else {
      void runner.stop().then(() => {
        post({ type: 'stopped' });
        port.close();
      });
    }
  });
  runner.start();
  post({ type: 'ready', verdicts: runner.verdicts() });
}

if (
  !isMainThread &&
  parentPort &&
  (workerData as WorkerInit | undefined)?.kind === 'kts-checkers'
) {
  serveCheckers(parentPort, workerData as WorkerInit);
}
