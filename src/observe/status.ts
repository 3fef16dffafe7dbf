// The daemon's live status, served as JSON at GET /status and written by SIGUSR1. The controller
// feeds it what happens (instance states, checker and real server verdicts); each checker's last
// result is read from the checker side when a snapshot is taken (setCheckResults), not pushed per
// check. `snapshot()` returns a plain copy, so a reader never sees a half-applied update or holds
// a live reference.
import type { VrrpStateName } from './metrics.js';

export interface InstanceStatus {
  name: string;
  interface?: string;
  vrid: number;
  state: VrrpStateName;
  /** Configured priority. */
  priority: number;
  /** Priority including tracker weights. */
  effectivePriority: number;
  /** Address of the current master: ours while MASTER, the advertiser's while BACKUP. */
  masterAddress?: string;
  /** The instance's VIPs as "address/prefix". */
  vips: string[];
  /** Time of the last state change (ISO 8601). */
  since: string;
}

export interface CheckResultStatus {
  ok: boolean;
  reason: string;
  at: string;
  latencyMs: number;
}

export interface CheckerStatus {
  checker: string;
  up: boolean;
  last?: CheckResultStatus;
}

export interface RealServerStatus {
  name: string;
  alive: boolean;
  /** Configured weight. */
  weight: number;
  /** Weight currently in IPVS (0 when inhibited, absent from the table when down otherwise). */
  appliedWeight: number;
  checkers: CheckerStatus[];
}

export interface VirtualServerStatus {
  name: string;
  quorum: boolean;
  sorryServerActive: boolean;
  realServers: RealServerStatus[];
}

export interface StatusSnapshot {
  version: string;
  pid: number;
  startedAt: string;
  configFile: string;
  configLoadedAt: string;
  ipvsBackend: 'kernel' | 'dry-run' | 'none';
  instances: InstanceStatus[];
  virtualServers: VirtualServerStatus[];
}

/** The last run of a checker, by the names status shows; absent before its first run. */
export type CheckResultLookup = (
  virtualServer: string,
  realServer: string,
  checker: string,
) => CheckResultStatus | undefined;

export interface StatusHeader {
  version: string;
  configFile: string;
  ipvsBackend: StatusSnapshot['ipvsBackend'];
}

/** Mutable live status; keyed by names so reloads can add and drop entries. */
export class StatusBoard {
  private readonly instances = new Map<string, InstanceStatus>();
  private readonly virtualServers = new Map<string, VirtualServerStatus>();
  /** The real servers of each virtual server by name: every verdict and checker change looks one up. */
  private readonly realServersByName = new Map<string, Map<string, RealServerStatus>>();
  private readonly startedAt: string;
  private configLoadedAt: string;
  /** Pull live state from its owners just before a snapshot (e.g. the VRRP runtime). */
  private readonly refreshers: Array<() => void> = [];
  private checkResults: CheckResultLookup | undefined;

  constructor(
    private header: StatusHeader,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.startedAt = this.now().toISOString();
    this.configLoadedAt = this.startedAt;
  }

  configLoaded(header: StatusHeader): void {
    this.header = header;
    this.configLoadedAt = this.now().toISOString();
  }

  /** Declares an instance (start or reload); keeps the live state of one already known. */
  defineInstance(def: Omit<InstanceStatus, 'state' | 'effectivePriority' | 'since'>): void {
    const prev = this.instances.get(def.name);
    this.instances.set(def.name, {
      ...def,
      state: prev?.state ?? 'INIT',
      effectivePriority: prev?.effectivePriority ?? def.priority,
      masterAddress: prev?.masterAddress,
      since: prev?.since ?? this.now().toISOString(),
    });
  }

  dropInstance(name: string): void {
    this.instances.delete(name);
  }

  instanceState(name: string, state: VrrpStateName, effectivePriority: number): void {
    const inst = this.instances.get(name);
    if (!inst) return;
    if (inst.state !== state) inst.since = this.now().toISOString();
    inst.state = state;
    inst.effectivePriority = effectivePriority;
  }

  instanceMaster(name: string, masterAddress: string | undefined): void {
    const inst = this.instances.get(name);
    if (inst) inst.masterAddress = masterAddress;
  }

  /** Declares a virtual server and its real servers; surviving real servers keep their verdicts. */
  defineVirtualServer(
    name: string,
    realServers: Array<{ name: string; weight: number; checkers: string[]; alive: boolean }>,
  ): void {
    const prev = this.virtualServers.get(name);
    const prevRs = this.realServersByName.get(name);
    const entry: VirtualServerStatus = {
      name,
      quorum: prev?.quorum ?? true,
      sorryServerActive: prev?.sorryServerActive ?? false,
      realServers: realServers.map((rs) => {
        const old = prevRs?.get(rs.name);
        const oldCheckers = new Map(old?.checkers.map((c) => [c.checker, c]));
        return {
          name: rs.name,
          weight: rs.weight,
          alive: old?.alive ?? rs.alive,
          appliedWeight: old
            ? old.alive
              ? rs.weight
              : old.appliedWeight
            : rs.alive
              ? rs.weight
              : 0,
          checkers: rs.checkers.map((c) => oldCheckers.get(c) ?? { checker: c, up: rs.alive }),
        };
      }),
    };
    this.virtualServers.set(name, entry);
    this.realServersByName.set(name, new Map(entry.realServers.map((rs) => [rs.name, rs])));
  }

  dropVirtualServer(name: string): void {
    this.virtualServers.delete(name);
    this.realServersByName.delete(name);
  }

  private realServer(vs: string, rs: string): RealServerStatus | undefined {
    return this.realServersByName.get(vs)?.get(rs);
  }

  /** Where snapshots find each checker's last result (the running checkers), or nowhere. */
  setCheckResults(lookup: CheckResultLookup | undefined): void {
    this.checkResults = lookup;
  }

  checkerVerdict(vs: string, rs: string, checker: string, up: boolean): void {
    const entry = this.realServer(vs, rs)?.checkers.find((c) => c.checker === checker);
    if (entry) entry.up = up;
  }

  realServerVerdict(vs: string, rs: string, alive: boolean, appliedWeight: number): void {
    const server = this.realServer(vs, rs);
    if (!server) return;
    server.alive = alive;
    server.appliedWeight = appliedWeight;
  }

  quorum(vs: string, up: boolean, sorryServerActive: boolean): void {
    const entry = this.virtualServers.get(vs);
    if (!entry) return;
    entry.quorum = up;
    entry.sorryServerActive = sorryServerActive;
  }

  addRefresher(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  snapshot(): StatusSnapshot {
    for (const refresh of this.refreshers) refresh();
    const snap: StatusSnapshot = structuredClone({
      version: this.header.version,
      pid: process.pid,
      startedAt: this.startedAt,
      configFile: this.header.configFile,
      configLoadedAt: this.configLoadedAt,
      ipvsBackend: this.header.ipvsBackend,
      instances: [...this.instances.values()],
      virtualServers: [...this.virtualServers.values()],
    });
    const lookup = this.checkResults;
    if (lookup) {
      for (const vs of snap.virtualServers)
        for (const rs of vs.realServers)
          for (const c of rs.checkers) {
            const last = lookup(vs.name, rs.name, c.checker);
            if (last) c.last = last;
          }
    }
    return snap;
  }
}
