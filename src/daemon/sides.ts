// The LVS sides of the daemon as `Subsystem`s: thin adapters from the controller's start / reload /
// stop to the checker worker (src/check) and the IPVS table (src/ipvs); the VRRP side is in
// vrrp-side.ts, so that -P loads none of this. They also keep /status and /metrics current:
// verdicts are pushed as the checkers report them, and per-check figures (run counts, latencies,
// last results) are read from the checker side's shared ledger only when /metrics or /status
// asks: the VRRP thread does no work per check. The check side learns the host's addresses (VIPs
// included) for ha_suspend; global_defs checker_priority sets the checker worker thread's nice value.
import { getPriority, networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  startCheckers,
  type CheckersHandle,
  type StartCheckersOptions,
} from '../check/supervisor.js';
import type { VirtualServerVerdict } from '../check/engine.js';
import { DEFAULT_RLIMIT_RTTIME_US, raiseRealtimeCpuLimit } from '../check/thread-priority.js';
import { virtualServerName } from '../check/from-config.js';
import type { RealServerState } from '../check/verdict.js';
import type { KeepalivedConfig, VirtualServer } from '../config/model.js';
import { applyOps, type IpvsBackend } from '../ipvs/backend.js';
import { desiredEntries, groupsOf, realServerKey, virtualServerEntries } from '../ipvs/desired.js';
import { Rtnetlink } from '../netlink/rtnetlink.js';
import { diff, serviceId, type IpvsOp } from '../ipvs/reconcile.js';
import type { IpvsTable } from '../ipvs/types.js';
import type { Observer } from '../observe/observer.js';
import type { StopOptions, Subsystem } from './controller.js';
import type { NameDiff, ReloadPlan } from './reload.js';

/** Longest stretch of checker or IPVS bookkeeping the main thread does before letting VRRP run. */
const MAIN_THREAD_SLICE_MS = 2;

/**
 * Calls `each` for every item, yielding to the event loop (setImmediate) whenever a stretch has
 * taken `sliceMs`: work about 10,000 real servers must not hold back a VRRP advert due now.
 */
export async function eachInSlices<T>(
  items: Iterable<T>,
  each: (item: T) => void,
  sliceMs = MAIN_THREAD_SLICE_MS,
): Promise<void> {
  let sliceEnd = performance.now() + sliceMs;
  for (const item of items) {
    each(item);
    if (performance.now() >= sliceEnd) {
      await nextTurn();
      sliceEnd = performance.now() + sliceMs;
    }
  }
}

function touched(diff: NameDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}

/** Every address configured on this host's interfaces now (the kernel's view, getifaddrs). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => list?.map((a) => a.address) ?? []);
}

/**
 * Calls `onChange` whenever an address is added to or removed from any interface (rtnetlink
 * address events, as keepalived's checker process follows them for ha_suspend).
 */
function watchHostAddresses(onChange: () => void): { close(): void } {
  const rt = Rtnetlink.open();
  try {
    // After an overrun events were lost: re-reading the addresses is all a change needs anyway.
    const sub = rt.subscribe({ address: onChange, overrun: onChange });
    return {
      close: () => {
        sub.close();
        rt.close();
      },
    };
  } catch (err) {
    rt.close();
    throw err;
  }
}

export interface CheckSideOptions {
  /** Addresses configured locally besides the VIPs we add; default hostAddresses(). */
  hostAddresses?: () => string[];
  /** Follows address changes on the host; default watchHostAddresses (opened for ha_suspend). */
  watchAddresses?: (onChange: () => void) => { close(): void };
  /** Where the checker worker writes its event lines (default stdout). */
  workerLog?: StartCheckersOptions['workerLog'];
}

export class CheckSide implements Subsystem {
  readonly name = 'check';
  private handle?: CheckersHandle;
  /** VIPs the VRRP side holds now, as the observer reports them. */
  private readonly vips = new Set<string>();
  private readonly hostAddresses: () => string[];
  private readonly workerLog: StartCheckersOptions['workerLog'];
  private readonly watchAddresses: (onChange: () => void) => { close(): void };
  private addressWatch?: { close(): void };
  /** This (the main) thread's nice value before the VRRP side applies vrrp_priority to it. */
  private readonly startNice = getPriority(0);

  /** `onVerdict`: where the IPVS side learns what to program. */
  constructor(
    private readonly observer: Observer,
    private readonly onVerdict: (v: VirtualServerVerdict) => void = () => undefined,
    opts: CheckSideOptions = {},
  ) {
    this.hostAddresses = opts.hostAddresses ?? hostAddresses;
    this.workerLog = opts.workerLog;
    this.watchAddresses = opts.watchAddresses ?? watchHostAddresses;
    // ha_suspend: checkers of a virtual server run only while its address is local. The VRRP
    // side says at once when it adds or removes a VIP; other changes come from rtnetlink.
    observer.onVipChange((address, present) => {
      if (present) this.vips.add(address);
      else this.vips.delete(address);
      this.addressesChanged();
    });
  }

  private addressesChanged(): void {
    this.handle?.setLocalAddresses(this.localAddresses());
  }

  /** Addresses matter only to ha_suspend: follow the host's while some virtual server has it. */
  private followAddresses(config: KeepalivedConfig): void {
    const needed = config.virtualServers.some((vs) => vs.haSuspend);
    if (!needed) {
      this.addressWatch?.close();
      this.addressWatch = undefined;
      return;
    }
    if (this.addressWatch) return;
    try {
      this.addressWatch = this.watchAddresses(() => this.addressesChanged());
    } catch (err) {
      this.observer.log.warn(
        { err, subsystem: this.name },
        'ha_suspend: cannot follow address changes; only VIP changes and reloads are noticed',
      );
    }
  }

  /** The addresses ha_suspend counts as local: the host's plus the VIPs we hold. */
  localAddresses(): string[] {
    return [...new Set([...this.hostAddresses(), ...this.vips])];
  }

  async apply(config: KeepalivedConfig, plan?: ReloadPlan): Promise<void> {
    if (
      this.handle &&
      plan &&
      !touched(plan.virtualServers) &&
      !Object.values(plan.realServers).some(touched)
    ) {
      return;
    }
    // The checker worker has no in-place reload: a new worker starts from the new plan, resuming
    // the old one's checker states. Checkers that are unchanged keep their verdicts, so a real
    // server found dead stays out (keepalived#1720) and a healthy one does not flap; new ones
    // start as keepalived starts them (alive, or down until a success with alpha).
    const old = this.handle;
    this.handle = undefined;
    await old?.stop();
    const resume = old?.checkerStates();
    this.followAddresses(config);
    const { metrics, status } = this.observer;
    if (config.virtualServers.length === 0) {
      metrics.setCheckSeries(undefined);
      status.setCheckResults(undefined);
      return;
    }
    // A new thread starts at its creator's nice value, the VRRP thread's once vrrp_priority is
    // applied; keepalived's checker process keeps the daemon's own unless checker_priority is set.
    const { checkerPriority, vrrpPriority, checkerRtPriority, checkerRlimitRttime } =
      config.globalDefs;
    const nice = checkerPriority ?? (vrrpPriority !== undefined ? this.startNice : undefined);
    // The limit is the process's; the worker sets its own policy (a thread's is its own).
    if (checkerRtPriority !== undefined)
      raiseRealtimeCpuLimit(this.observer.log, checkerRlimitRttime ?? DEFAULT_RLIMIT_RTTIME_US);
    const handle = startCheckers(config, {
      log: this.observer.log,
      localAddresses: this.localAddresses(),
      ...(this.workerLog && { workerLog: this.workerLog }),
      ...(resume && { resume }),
      // Counters of unchanged checkers continue across the reload instead of starting over.
      ...(old && { resumeFigures: old.figures }),
      ...(nice !== undefined && { nice }),
      ...(checkerRtPriority !== undefined && { realtime: checkerRtPriority }),
    });
    // Read at each scrape / snapshot, from memory the worker writes: no message per check.
    const figures = handle.figures;
    metrics.setCheckSeries({
      runCounts: () => figures.runCounts(),
      histograms: () => figures.histograms(),
      // Rendered by the worker: a scrape of 10,000 real servers stays off the VRRP thread.
      renderedText: () => handle.renderCheckSeries(),
    });
    status.setCheckResults((vs, rs, checker) => figures.lastResult(vs, rs, checker));
    handle.on('verdict', (v) => this.verdict(v));
    handle.on('checker', (c) =>
      this.observer.status.checkerVerdict(c.virtualServer, c.realServer, c.checker, c.up),
    );
    this.handle = handle;
  }

  private verdict(v: VirtualServerVerdict): void {
    const { status, metrics } = this.observer;
    for (const rs of v.realServers) {
      // Down means out of IPVS, or in it at weight 0 with inhibit_on_failure: 0 either way.
      const applied = rs.alive ? rs.weight : 0;
      status.realServerVerdict(v.virtualServer, rs.realServer, rs.alive, applied);
      metrics.realServerState(v.virtualServer, rs.realServer, rs.alive, applied);
    }
    status.quorum(v.virtualServer, v.quorumUp, v.sorryActive);
    metrics.quorum(v.virtualServer, v.quorumUp);
    this.onVerdict(v);
  }

  async stop(): Promise<void> {
    this.addressWatch?.close();
    this.addressWatch = undefined;
    await this.handle?.stop();
    this.handle = undefined;
  }
}

/**
 * diff() one service at a time, in slices: the same operations in the same order as
 * `diff(desired, actual, { owned })`, without holding the main thread for a whole large table.
 */
export async function diffInSlices(
  desired: IpvsTable,
  actual: IpvsTable,
  owned: ReadonlySet<string>,
  sliceMs = MAIN_THREAD_SLICE_MS,
): Promise<IpvsOp[]> {
  const actualById = new Map(actual.map((e) => [serviceId(e.service.key), e]));
  const desiredIds = new Set<string>();
  const ops: IpvsOp[] = [];
  await eachInSlices(
    desired,
    (want) => {
      const id = serviceId(want.service.key);
      if (desiredIds.has(id)) return;
      desiredIds.add(id);
      const have = actualById.get(id);
      // Without `owned`, diff() of one service never deletes: removals are the last step below.
      ops.push(...diff([want], have ? [have] : []));
    },
    sliceMs,
  );
  const gone = actual.filter((e) => !desiredIds.has(serviceId(e.service.key)));
  ops.push(...diff([], gone, { owned }));
  return ops;
}

export interface IpvsSideOptions {
  /** Period of the drift check: the kernel table compared with the desired one (default 5 s). */
  reconcileMs?: number;
}

/**
 * Keeps the IPVS table equal to what the configuration and the checkers' verdicts ask for. Syncs
 * on start, on reload, on every verdict change, and periodically: a periodic sync that finds
 * work means someone else changed the table (ipvs.drift), which it repairs. Syncs never overlap.
 * Failed operations are logged by applyOps and simply tried again at the next sync.
 */
export class IpvsSide implements Subsystem {
  readonly name = 'ipvs';
  private config?: KeepalivedConfig;
  private readonly verdicts = new Map<string, RealServerState>();
  private readonly quorumUp = new Map<string, boolean>();
  /** serviceId()s we programmed: a reload that drops one deletes it, stop deletes them all. */
  private owned = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  /** Virtual servers with verdicts not yet synced (a targeted sync is queued while not empty). */
  private changed = new Set<string>();
  /** The configuration's virtual servers by name (as verdicts name them). */
  private virtualServers = new Map<string, VirtualServer>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly observer: Observer,
    private readonly backend: IpvsBackend,
    private readonly opts: IpvsSideOptions = {},
  ) {}

  async apply(config: KeepalivedConfig): Promise<void> {
    const first = !this.config;
    this.config = config;
    this.virtualServers = new Map(config.virtualServers.map((vs) => [virtualServerName(vs), vs]));
    this.forgetRemoved(config);
    // lvs_flush: at start, everything in the table is ours to replace (keepalived empties it).
    if (first && config.globalDefs.lvsFlush) this.owned = await this.allServices();
    await this.sync(false);
    if (!this.timer) {
      this.timer = setInterval(() => void this.sync(true), this.opts.reconcileMs ?? 5000);
      this.timer.unref();
    }
  }

  /**
   * Verdicts of real and virtual servers a reload removed: one added back later starts from its
   * start state (alpha rules) until its new checkers report, not from a verdict of long ago.
   */
  private forgetRemoved(config: KeepalivedConfig): void {
    const rsKeys = new Set(
      config.virtualServers.flatMap((vs) => vs.realServers.map((rs) => realServerKey(vs, rs))),
    );
    for (const key of this.verdicts.keys()) if (!rsKeys.has(key)) this.verdicts.delete(key);
    const vsNames = new Set(config.virtualServers.map(virtualServerName));
    for (const name of this.quorumUp.keys()) if (!vsNames.has(name)) this.quorumUp.delete(name);
  }

  /**
   * A checker verdict: the real servers' states and the quorum of one virtual server. Only that
   * virtual server's services are read back and diffed, as keepalived changes the one
   * destination: the cost of a verdict does not grow with the size of the table. Verdicts that
   * arrive while a sync is queued join it (a burst of them, at start or when a switch fails,
   * costs one sync).
   */
  verdict(v: VirtualServerVerdict): void {
    for (const rs of v.realServers) {
      this.verdicts.set(`${v.virtualServer} -> ${rs.realServer}`, {
        alive: rs.alive,
        weight: rs.weight,
      });
    }
    this.quorumUp.set(v.virtualServer, v.quorumUp);
    const queued = this.changed.size > 0;
    this.changed.add(v.virtualServer);
    if (!queued) this.enqueue(() => this.syncChanged());
  }

  /** Runs one full sync after the ones already queued; resolves when it is done. */
  sync(periodic: boolean): Promise<void> {
    return this.enqueue(() => this.syncNow(periodic));
  }

  private enqueue(run: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(() =>
      run().catch((err: unknown) =>
        this.observer.log.error(
          { err, subsystem: this.name },
          'IPVS sync failed; retrying at the next one',
        ),
      ),
    );
    return this.chain;
  }

  /** The virtual servers verdicts changed since the last targeted sync started. */
  private async syncChanged(): Promise<void> {
    const names = this.changed;
    this.changed = new Set();
    if (!this.config) return;
    const groups = groupsOf(this.config);
    const state = { verdicts: this.verdicts, quorumUp: this.quorumUp };
    const ops: IpvsOp[] = [];
    for (const name of names) {
      const vs = this.virtualServers.get(name);
      if (!vs) continue; // removed by a reload since
      for (const want of virtualServerEntries(vs, groups, state)) {
        const have = await this.backend.readService(want.service.key);
        ops.push(...diff([want], have ? [have] : []));
      }
    }
    if (ops.length > 0) await this.applyCounted(ops);
  }

  private async syncNow(periodic: boolean): Promise<void> {
    if (!this.config) return;
    const desired: IpvsTable = [];
    await eachInSlices(
      desiredEntries(this.config, { verdicts: this.verdicts, quorumUp: this.quorumUp }),
      (entries) => desired.push(...entries),
    );
    const ops = await diffInSlices(desired, await this.backend.read(), this.owned);
    this.owned = new Set(desired.map((e) => serviceId(e.service.key)));
    if (ops.length === 0) return;
    if (periodic) this.observer.ipvsDrift(ops.length);
    await this.applyCounted(ops);
  }

  private async allServices(): Promise<Set<string>> {
    return new Set((await this.backend.read()).map((e) => serviceId(e.service.key)));
  }

  private async applyCounted(ops: IpvsOp[]): Promise<void> {
    const { failed } = await applyOps(this.backend, ops, this.observer.log);
    const failedOps = new Set(failed.map((f) => f.op));
    for (const op of ops) {
      if (!failedOps.has(op)) this.observer.metrics.ipvsOperation(op.kind);
    }
    for (const f of failed) {
      this.observer.metrics.ipvsError(f.op.kind, (f.error as { code?: string }).code ?? 'unknown');
    }
  }

  async stop(opts: StopOptions): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
    // keepalived removes the virtual servers it configured (lvs_flush_on_stop: the whole table);
    // -I keeps them.
    if (opts.releaseIpvs) {
      const owned =
        this.config?.globalDefs.lvsFlushOnStop === 'all' ? await this.allServices() : this.owned;
      if (owned.size > 0) await this.applyCounted(diff([], await this.backend.read(), { owned }));
    }
    this.config = undefined;
  }
}
