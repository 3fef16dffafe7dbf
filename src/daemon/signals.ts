// keepalived's signals, mapped onto the controller:
//   SIGHUP  reload          SIGTERM, SIGINT  stop
//   SIGUSR1 state dump      SIGUSR2          statistics dump
// Handlers never run concurrently: a signal arriving while another is handled waits its turn,
// several SIGHUPs during a reload collapse into one more reload, and once a stop has begun every
// other signal is ignored. A handler that throws is logged; the daemon keeps running.
import type { Logger } from '../observe/log.js';

export interface SignalTarget {
  reload(): Promise<unknown>;
  stop(signal: string): Promise<void>;
  dumpState(): unknown;
  dumpStats(): Promise<unknown>;
}

type Handled = 'SIGHUP' | 'SIGTERM' | 'SIGINT' | 'SIGUSR1' | 'SIGUSR2';
const HANDLED: readonly Handled[] = ['SIGHUP', 'SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2'];

export interface SignalRouter {
  /** Handles one signal as if it had arrived (what the process handlers call). */
  deliver(signal: Handled): Promise<void>;
  /** Resolves when a stop has completed. */
  readonly stopped: Promise<string>;
  /** Removes the process handlers. */
  uninstall(): void;
}

/**
 * Routes signals to `target`. With `proc` (default: this process) the handlers are installed;
 * pass null to drive the router only through `deliver` (tests).
 */
export function routeSignals(
  target: SignalTarget,
  log: Logger,
  proc: NodeJS.Process | null = process,
): SignalRouter {
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  let reloadQueued = false;
  let markStopped!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (markStopped = resolve));

  const run = (signal: Handled, work: () => unknown): Promise<void> => {
    chain = chain.then(async () => {
      try {
        await work();
      } catch (err) {
        log.error({ err, signal }, `${signal} handling failed; still running`);
      }
    });
    return chain;
  };

  const deliver = (signal: Handled): Promise<void> => {
    if (stopping) {
      log.warn({ signal }, `${signal} ignored: stopping`);
      return chain;
    }
    switch (signal) {
      case 'SIGTERM':
      case 'SIGINT':
        stopping = true;
        return run(signal, async () => {
          await target.stop(signal);
          markStopped(signal);
        });
      case 'SIGHUP':
        if (reloadQueued) return chain;
        reloadQueued = true;
        return run(signal, () => {
          reloadQueued = false;
          return stopping ? undefined : target.reload();
        });
      case 'SIGUSR1':
        return run(signal, () => target.dumpState());
      case 'SIGUSR2':
        return run(signal, () => target.dumpStats());
    }
  };

  const listeners = HANDLED.map((signal) => [signal, () => void deliver(signal)] as const);
  for (const [signal, fn] of listeners) proc?.on(signal, fn);
  return {
    deliver,
    stopped,
    uninstall: () => {
      for (const [signal, fn] of listeners) proc?.off(signal, fn);
    },
  };
}
