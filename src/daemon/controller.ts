// The daemon's life cycle: load the configuration, start the subsystems (VRRP, checkers, IPVS),
// reload on demand without disturbing what survives, dump state and statistics, stop cleanly. The
// controller owns no protocol logic: each subsystem does its own work behind `Subsystem`, and
// reports through the shared Observer. A failure after start-up is logged and the daemon keeps
// running; only a configuration rejected at start (or a daemon already running) stops it.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Diagnostic } from '../config/diagnostic.js';
import type { KeepalivedConfig, RealServer } from '../config/model.js';
import { KtsError } from '../errors.js';
import { emit, type DiagnosticRecord } from '../observe/events.js';
import type { ListenAddress, StatusServer } from '../observe/http.js';
import type { Observer } from '../observe/observer.js';
import type { StatusHeader } from '../observe/status.js';
import {
  DATA_FILE,
  STATS_FILE,
  dumpPath,
  renderData,
  renderStats,
  statsFromMetrics,
  writeDump,
} from './dump.js';
import { removePidFiles, writePidFiles } from './pidfile.js';
import { virtualServerName } from '../check/from-config.js';
import { planReload, realServerName, type ReloadPlan } from './reload.js';

export interface LoadResult {
  /** Absent when the configuration has errors. */
  config?: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

export interface StopOptions {
  /** Remove VIPs (false with -V/--dont-release-vrrp). */
  releaseVips: boolean;
  /** Remove the IPVS entries we own (false with -I/--dont-release-ipvs). */
  releaseIpvs: boolean;
}

/** One side of the daemon: VRRP, checkers, IPVS. */
export interface Subsystem {
  readonly name: string;
  /**
   * Starts with the first configuration (`plan` absent), or applies a reloaded one: objects the
   * plan lists as kept or changed keep their live state (instance state, VIPs, checker verdicts).
   */
  apply(config: KeepalivedConfig, plan?: ReloadPlan): Promise<void>;
  stop(opts: StopOptions): Promise<void>;
}

export interface ControllerOptions {
  configFile: string;
  load: (file: string) => LoadResult | Promise<LoadResult>;
  /** Started in this order, stopped in this order too (VRRP first: its priority-0 adverts hand over at once). */
  subsystems: Subsystem[];
  observer: Observer;
  header: StatusHeader;
  /** Which sides run, for daemon.start (-P / -C). */
  sides: { vrrp: boolean; check: boolean };
  pidFiles: string[];
  release: StopOptions;
  status?: ListenAddress;
  /** Where SIGUSR1/SIGUSR2 dumps go unless the config names files ($TMPDIR or /tmp). */
  dumpDir: string;
  /** How often aggregated packet.dropped lines are written. */
  dropReportMs?: number;
  now?: () => Date;
}

function diagnosticRecord(d: Diagnostic): DiagnosticRecord {
  const r: DiagnosticRecord = { severity: d.severity, code: d.code, message: d.message };
  if (d.pos) Object.assign(r, { file: d.pos.file, line: d.pos.line, col: d.pos.col });
  if (d.hint) r.hint = d.hint;
  return r;
}

/** Errors first, as `-t` prints them. */
function diagnosticRecords(ds: readonly Diagnostic[]): DiagnosticRecord[] {
  return [...ds]
    .sort((a, b) => Number(a.severity === 'warning') - Number(b.severity === 'warning'))
    .map(diagnosticRecord);
}

/** Checker names as the check engine reports them: the type, "#N" from the second of a type on. */
function checkerNames(rs: RealServer): string[] {
  const seen = new Map<string, number>();
  return rs.checkers.map((c) => {
    const n = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, n);
    return n === 1 ? c.type : `${c.type}#${n}`;
  });
}

export class Controller {
  private current?: KeepalivedConfig;
  private statusServer?: StatusServer;
  private dropTimer?: NodeJS.Timeout;
  private readonly now: () => Date;

  constructor(private readonly opts: ControllerOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  get config(): KeepalivedConfig | undefined {
    return this.current;
  }

  private get log() {
    return this.opts.observer.log;
  }

  /**
   * Loads the configuration and starts everything. Throws ERR_CONFIG (config.rejected logged),
   * ERR_ALREADY_RUNNING (a pid file names a live daemon), or ERR_START (a side failed to start; it
   * was logged and everything started was stopped again).
   */
  async start(): Promise<void> {
    const { configFile, observer, sides } = this.opts;
    const loaded = await this.loadChecked(false);
    if (!loaded) throw new KtsError('ERR_CONFIG', `${configFile}: configuration rejected`);
    writePidFiles(this.opts.pidFiles);
    emit(this.log, 'daemon.start', {
      version: this.opts.header.version,
      file: configFile,
      ipvs: this.opts.header.ipvsBackend,
      vrrp: sides.vrrp,
      check: sides.check,
    });
    try {
      if (this.opts.status) {
        // node:http and the server are loaded only by a daemon that serves /status.
        const { startStatusServer } = await import('../observe/http.js');
        this.statusServer = await startStatusServer(this.opts.status, {
          status: () => observer.status.snapshot(),
          metrics: observer.metrics,
        });
        emit(this.log, 'status.listening', {
          address: this.statusServer.host,
          port: this.statusServer.port,
        });
      }
      this.defineStatus(loaded.config, undefined);
      for (const sub of this.opts.subsystems) await sub.apply(loaded.config);
    } catch (err) {
      // Say why first, then undo what did start (VIPs, pid files): daemon.stop stays the last line.
      this.log.fatal({ err }, `start failed: ${(err as Error).message}`);
      await this.stop();
      throw new KtsError('ERR_START', `start failed: ${(err as Error).message}`, { cause: err });
    }
    this.current = loaded.config;
    this.loadedEvent(loaded, false, undefined);
    this.dropTimer = setInterval(() => observer.flushDrops(), this.opts.dropReportMs ?? 10_000);
    this.dropTimer.unref();
  }

  /**
   * SIGHUP. A configuration with errors, or one a reload cannot apply, is rejected and the old one
   * keeps running. Returns whether the new configuration was applied.
   */
  async reload(): Promise<boolean> {
    const old = this.current;
    if (!old) return false;
    const loaded = await this.loadChecked(true);
    if (!loaded) return false;
    // The steps of a reload run on the VRRP thread, each tens of milliseconds for 10,000 real
    // servers: adverts due meanwhile go out between them, not after all of them.
    await nextTurn();
    const plan = planReload(old, loaded.config);
    if (plan.refused.length > 0) {
      this.rejected(true, plan.refused);
      return false;
    }
    await nextTurn();
    this.defineStatus(loaded.config, plan);
    await nextTurn();
    for (const sub of this.opts.subsystems) {
      try {
        await sub.apply(loaded.config, plan);
      } catch (err) {
        // One side failing must not take the others (or the process) down: it is reported and
        // the reload carries on; the side retries on its own (reconcile, netlink retries).
        this.log.error(
          { err, subsystem: sub.name },
          `reload: ${sub.name} failed to apply the new configuration`,
        );
      }
    }
    this.current = loaded.config;
    this.loadedEvent(loaded, true, plan);
    this.opts.observer.metrics.reload('loaded');
    return true;
  }

  /** SIGTERM / SIGINT: stops every side, removes pid files, writes daemon.stop last. */
  async stop(signal?: string): Promise<void> {
    clearInterval(this.dropTimer);
    for (const sub of this.opts.subsystems) {
      try {
        await sub.stop(this.opts.release);
      } catch (err) {
        this.log.error({ err, subsystem: sub.name }, `stop: ${sub.name} did not stop cleanly`);
      }
    }
    this.opts.observer.flushDrops();
    await this.statusServer?.close();
    removePidFiles(this.opts.pidFiles);
    emit(this.log, 'daemon.stop', {
      ...(signal !== undefined && { signal }),
      releasedVips: this.opts.release.releaseVips,
      releasedIpvs: this.opts.release.releaseIpvs,
    });
  }

  /** SIGUSR1: keepalived.data (+ .json). */
  dumpState(): { path: string; jsonPath: string } {
    const snap = this.opts.observer.status.snapshot();
    const path = dumpPath(this.opts.dumpDir, this.current?.globalDefs.stateDumpFile, DATA_FILE);
    const written = writeDump(path, renderData(snap, this.now()), snap);
    emit(this.log, 'dump.written', { kind: 'data', ...written });
    return written;
  }

  /** SIGUSR2: keepalived.stats (+ .json). */
  async dumpStats(): Promise<{ path: string; jsonPath: string }> {
    const stats = statsFromMetrics(await this.opts.observer.metrics.registry.getMetricsAsJSON());
    const path = dumpPath(this.opts.dumpDir, this.current?.globalDefs.statsDumpFile, STATS_FILE);
    const written = writeDump(path, renderStats(stats), stats);
    emit(this.log, 'dump.written', { kind: 'stats', ...written });
    return written;
  }

  private async loadChecked(
    reload: boolean,
  ): Promise<{ config: KeepalivedConfig; diagnostics: Diagnostic[] } | undefined> {
    let result: LoadResult;
    try {
      result = await this.opts.load(this.opts.configFile);
    } catch (err) {
      result = {
        diagnostics: [
          { severity: 'error', code: 'config-unreadable', message: (err as Error).message },
        ],
      };
    }
    const { config, diagnostics } = result;
    if (!config || diagnostics.some((d) => d.severity === 'error')) {
      this.rejected(
        reload,
        diagnostics.length > 0
          ? diagnostics
          : [{ severity: 'error', code: 'config-invalid', message: 'configuration rejected' }],
      );
      return undefined;
    }
    return { config, diagnostics };
  }

  private rejected(reload: boolean, diagnostics: readonly Diagnostic[]): void {
    emit(
      this.log,
      'config.rejected',
      { file: this.opts.configFile, reload, diagnostics: diagnosticRecords(diagnostics) },
      reload ? 'new configuration rejected; the old one keeps running' : 'configuration rejected',
    );
    if (reload) this.opts.observer.metrics.reload('rejected');
  }

  private loadedEvent(
    loaded: { config: KeepalivedConfig; diagnostics: Diagnostic[] },
    reload: boolean,
    plan: ReloadPlan | undefined,
  ): void {
    emit(this.log, 'config.loaded', {
      file: this.opts.configFile,
      reload,
      instances: loaded.config.vrrpInstances.length,
      virtualServers: loaded.config.virtualServers.length,
      ...(plan && { changes: plan.changes }),
      ...(loaded.diagnostics.length > 0 && { diagnostics: diagnosticRecords(loaded.diagnostics) }),
    });
  }

  /** Declares instances and virtual servers on the status board; survivors keep their live state. */
  private defineStatus(config: KeepalivedConfig, plan: ReloadPlan | undefined): void {
    const { status, metrics } = this.opts.observer;
    status.configLoaded(this.opts.header);
    for (const name of plan?.instances.removed ?? []) {
      status.dropInstance(name);
      metrics.forgetInstance(name);
    }
    const removedVs = new Set(plan?.virtualServers.removed);
    for (const vs of this.current?.virtualServers ?? []) {
      const name = virtualServerName(vs);
      if (!removedVs.has(name)) continue;
      status.dropVirtualServer(name);
      metrics.forgetVirtualServer(name);
      for (const rs of vs.realServers) metrics.forgetRealServer(name, realServerName(rs));
    }
    for (const inst of config.vrrpInstances) {
      status.defineInstance({
        name: inst.name,
        vrid: inst.virtualRouterId,
        priority: inst.priority,
        vips: inst.virtualIpaddresses.map((v) => `${v.address}/${v.prefixLength}`),
        ...(inst.interface !== undefined && { interface: inst.interface }),
      });
    }
    for (const vs of config.virtualServers) {
      const name = virtualServerName(vs);
      for (const rs of plan?.realServers[name]?.removed ?? []) metrics.forgetRealServer(name, rs);
      status.defineVirtualServer(
        name,
        vs.realServers.map((rs) => ({
          name: realServerName(rs),
          weight: rs.weight,
          checkers: checkerNames(rs),
          // keepalived: without alpha a real server starts alive, with alpha after a success.
          alive: !(rs.timing.alpha && rs.checkers.length > 0),
        })),
      );
    }
  }
}
