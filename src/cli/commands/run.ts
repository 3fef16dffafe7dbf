// `keepalived-ts [-f FILE] ...` without -t / --dump-config / plan: run the daemon until SIGTERM or
// SIGINT. src/cli/main.ts parses the flags into RunOptions and calls runDaemon; this file builds
// the logger, metrics, status, the sides and the controller, and routes the signals.
import { loadConfigInWorker } from '../../config/load-worker.js';
import { Controller, type LoadResult, type Subsystem } from '../../daemon/controller.js';
import { dumpDirectory } from '../../daemon/dump.js';
import { routeSignals } from '../../daemon/signals.js';
import { KtsError } from '../../errors.js';
import { createLogger } from '../../observe/log.js';
import { Metrics } from '../../observe/metrics.js';
import { Observer } from '../../observe/observer.js';
import { StatusBoard, type StatusHeader } from '../../observe/status.js';

export interface RunOptions {
  /** -f (default /etc/keepalived/keepalived.conf). */
  configFile: string;
  /** -i */
  configId?: string;
  /** Sides to run: -P gives vrrp only, -C check only, neither both. */
  vrrp: boolean;
  check: boolean;
  /** -D: debug level. */
  logDetail: boolean;
  logFormat: 'json' | 'pretty';
  /** --log-file; default stdout. */
  logFile?: string;
  /** -p / -r / -c */
  pidFile?: string;
  vrrpPidFile?: string;
  checkersPidFile?: string;
  /** --ipvs */
  ipvs: 'kernel' | 'dry-run';
  /** --status [HOST:]PORT */
  status?: string;
  /** false with -V / -I. */
  releaseVips: boolean;
  releaseIpvs: boolean;
  version: string;
}

/** Exit status when the daemon cannot start (config rejected, already running, bad --status). */
export const EXIT_START_FAILED = 1;

/**
 * The configuration as the daemon loads it, at start and on every reload: parsed in a child
 * process (load-worker.ts), so the parser never stays resident and a large parse does not hold
 * the VRRP thread; with -P without the virtual servers, which only the check side uses. `-t`
 * passes a missing file (as keepalived does); a daemon with nothing to run must not.
 */
async function loadForDaemon(file: string, opts: RunOptions): Promise<LoadResult> {
  const loaded = await loadConfigInWorker(file, {
    ...(opts.configId !== undefined && { configId: opts.configId }),
    vrrpOnly: !opts.check,
  });
  if (loaded.verdict !== 'missing-file') return loaded;
  const missing = {
    severity: 'error',
    code: 'config-missing',
    message: `${file}: no configuration file`,
  } as const;
  return { diagnostics: [...loaded.diagnostics, missing] };
}

/**
 * The sides this run needs, in start order. Each side's modules are imported only when it runs:
 * with -P the checker, IPVS and netlink-genl code stays unloaded.
 */
async function startableSides(opts: RunOptions, observer: Observer): Promise<Subsystem[]> {
  const subsystems: Subsystem[] = [];
  if (opts.vrrp) {
    const { VrrpSide } = await import('../../daemon/vrrp-side.js');
    const vrrp = new VrrpSide(observer);
    observer.status.addRefresher(() => vrrp.refreshStatus());
    subsystems.push(vrrp);
  }
  if (opts.check) {
    const [{ CheckSide, IpvsSide }, { DryRunBackend, KernelBackend }, { IpvsClient }] =
      await Promise.all([
        import('../../daemon/sides.js'),
        import('../../ipvs/backend.js'),
        import('../../ipvs/client.js'),
      ]);
    // Like keepalived's checker, which stops the daemon when IPVS cannot be initialised: without
    // ip_vs run with -P, or with --ipvs dry-run.
    const backend =
      opts.ipvs === 'dry-run' ? new DryRunBackend() : new KernelBackend(await IpvsClient.open());
    const ipvs = new IpvsSide(observer, backend);
    // The checker worker writes its own log lines: same destination, level and format.
    subsystems.push(
      new CheckSide(observer, (v) => ipvs.verdict(v), { workerLog: logOptions(opts) }),
      ipvs,
    );
  }
  return subsystems;
}

/** Where and how the daemon's lines go: the main thread's and the checker worker's alike. */
function logOptions(opts: RunOptions) {
  return {
    destination: opts.logFile,
    level: opts.logDetail ? 'debug' : 'info',
    format: opts.logFormat,
  } as const;
}

/** Runs the daemon; resolves with the process exit status once it has stopped. */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const log = createLogger(logOptions(opts));
  const metrics = new Metrics({ processMetrics: true });
  const header: StatusHeader = {
    version: opts.version,
    configFile: opts.configFile,
    ipvsBackend: opts.check ? opts.ipvs : 'none',
  };
  const observer = new Observer(log, metrics, new StatusBoard(header));

  let controller: Controller;
  try {
    controller = new Controller({
      configFile: opts.configFile,
      load: (file) => loadForDaemon(file, opts),
      subsystems: await startableSides(opts, observer),
      observer,
      header,
      sides: { vrrp: opts.vrrp, check: opts.check },
      pidFiles: [opts.pidFile, opts.vrrpPidFile, opts.checkersPidFile].filter(
        (p): p is string => !!p,
      ),
      release: { releaseVips: opts.releaseVips, releaseIpvs: opts.releaseIpvs },
      ...(opts.status !== undefined && {
        status: (await import('../../observe/http.js')).parseListenAddress(opts.status),
      }),
      dumpDir: dumpDirectory(),
    });
  } catch (err) {
    log.fatal({ err }, (err as Error).message);
    return EXIT_START_FAILED;
  }

  // Signals are routed before start so a SIGTERM during start-up still stops cleanly.
  const signals = routeSignals(controller, log);
  try {
    await controller.start();
  } catch (err) {
    signals.uninstall();
    // config.rejected and start failures were logged by the controller; the rest is logged here.
    const logged =
      err instanceof KtsError && (err.code === 'ERR_CONFIG' || err.code === 'ERR_START');
    if (!logged) log.fatal({ err }, (err as Error).message);
    return EXIT_START_FAILED;
  }
  // The daemon never exits on a transient error: one that escapes every handler is logged and the
  // daemon carries on. Dying instead would leave the VIPs up with nobody advertising for them
  // (both directors holding them until the backup's timer fires), which is worse for the service.
  const onEscaped = (err: unknown) => log.error({ err }, 'unhandled error; still running');
  process.on('unhandledRejection', onEscaped);
  process.on('uncaughtException', onEscaped);
  await signals.stopped;
  process.off('unhandledRejection', onEscaped);
  process.off('uncaughtException', onEscaped);
  signals.uninstall();
  return 0;
}
