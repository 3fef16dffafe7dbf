// The VRRP side of the daemon: every instance of a config, their shared sockets, trackers and
// sync groups. `startVrrp(spec, io)` starts it; `reload(spec)` applies a new config in place the
// keepalived way (surviving instances keep their state, a master re-advertises and moves only the
// VIPs that changed); `stop()` shuts every instance down (masters send priority 0, VIPs removed,
// STOP notified).
import { networkInterfaces } from 'node:os';
import { emit } from '../observe/events.js';
import type { Observer } from '../observe/observer.js';
import { KtsError } from '../errors.js';
import { ifNameToIndex } from '../net/native.js';
import type { FsmEvent, NotifyState, VrrpState } from './fsm.js';
import { monotonicClock, type Clock } from './deadlines.js';
import { VrrpInstance, type AddressManager, type VipAnnouncer } from './instance.js';
import { Notifier } from './notify.js';
import { ScriptRunner } from './script-runner.js';
import { FileTracker } from './file-tracker.js';
import { ProcessMonitor } from './process-tracker.js';
import { TimerfdWaker } from './timerfd-waker.js';
import { SocketSlot } from './socket-slot.js';
import { changesBetween } from './changes.js';
import {
  applyOwned,
  describeOwned,
  ownedItems,
  ownedKey,
  type Owned,
  type OwnedSet,
} from './owned.js';
import {
  sameSpec,
  type InstanceSpec,
  type ScriptSpec,
  type SyncGroupSpec,
  type TrackFileSpec,
  type TrackProcessSpec,
  type VrrpSpec,
} from './spec.js';
import { syncFaults, syncTransitions } from './sync-group.js';
import { trackedPriority, type FileTrackerStatus, type TrackerStatus } from './track.js';
import type { RouteManager } from './virtual-routes.js';

/** Interface link state (carrier and admin up), for the primary interface and track_interface. */
export interface LinkMonitor {
  /** Whether the interface is up with carrier now; false when it does not exist. */
  running(ifname: string): Promise<boolean>;
  /**
   * Calls `onLink` on every change of any interface (`exists` false once it is deleted) and
   * `onAddress` on every address added or removed anywhere; close() stops.
   */
  watch(
    onLink: (ifname: string, running: boolean, exists: boolean) => void,
    onAddress: () => void,
  ): { close(): void };
}

export interface VrrpRuntimeOptions {
  observer: Observer;
  addresses: AddressManager;
  routes: RouteManager;
  announcer: VipAnnouncer;
  links: LinkMonitor;
  clock?: Clock;
  /** Told how late (ms) each instance timer ran (max_auto_priority watches it). */
  timerDelivered?: (lateMs: number) => void;
}

export interface InstanceStatus {
  name: string;
  state: VrrpState;
  priority: number;
  faults: string[];
}

/** The runtime driven by specs (spec.ts); index.ts wraps it for the config model. */
export interface VrrpSpecRuntime {
  status(): InstanceStatus[];
  /**
   * Apply a reloaded configuration: removed instances stop, new ones start, changed ones keep
   * their state and take the new settings (a MASTER re-advertises and adds / removes only the
   * VIPs that changed). An instance whose VRID, interface, family or version changed restarts.
   */
  reload(spec: VrrpSpec): Promise<void>;
  /**
   * Priority-0 adverts from masters, VIPs removed (kept with `releaseVips: false`, keepalived's
   * -V), STOP notified; sockets closed.
   */
  stop(opts?: { releaseVips: boolean }): Promise<void>;
}

/**
 * The address adverts are sent from: configured, else the interface's first IPv4 / link-local;
 * undefined while the interface has none (the instance is in FAULT meanwhile, as keepalived's
 * "no IPv4 address for interface").
 */
function primaryAddress(spec: InstanceSpec, vipAddresses: Set<string>): string | undefined {
  if (spec.sourceAddress) return spec.sourceAddress;
  const addrs = networkInterfaces()[spec.interface] ?? [];
  const found =
    spec.family === 4
      ? addrs.find((a) => a.family === 'IPv4' && !vipAddresses.has(a.address))
      : addrs.find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'));
  return found?.address;
}

/** Stands in for the primary address until the interface has one; never used meanwhile. */
const UNSPECIFIED = { 4: '0.0.0.0', 6: '::' } as const;

/** Fault sources of an instance whose interface is absent, or present without an address. */
const missingInterfaceFault = (ifname: string) => `missing-interface:${ifname}`;
const noAddressFault = (ifname: string) => `no-address:${ifname}`;

function interfaceExists(ifname: string): boolean {
  try {
    ifNameToIndex(ifname);
    return true;
  } catch {
    return false;
  }
}

/** Fault sources raised by trackers (retrack owns them; the others belong to presence()). */
const TRACKER_FAULT_PREFIXES = ['script:', 'interface:', 'file:', 'process:'];
const isTrackerFault = (source: string) => TRACKER_FAULT_PREFIXES.some((p) => source.startsWith(p));

const socketKey = (s: InstanceSpec) => `${s.interface}/${s.family}`;
/** Settings an instance cannot change in place: it is stopped and started again. */
const identity = (s: InstanceSpec) => [s.vrid, s.interface, s.family, s.version];

class Runtime implements VrrpSpecRuntime {
  private readonly observer: Observer;
  private readonly clock: Clock;
  /** Wakes every instance's timers at their deadlines, to the microsecond. */
  private readonly waker: TimerfdWaker;
  private readonly sockets = new Map<string, SocketSlot>();
  private readonly instances = new Map<string, VrrpInstance>();
  private groups = new Map<string, SyncGroupSpec>();
  /** Per sync group: its notifier and the state it last reported. */
  private readonly groupNotify = new Map<string, { notifier: Notifier; state?: NotifyState }>();
  /** vrrp_scripts run once each, however many instances track them. */
  private readonly runners = new Map<string, ScriptRunner>();
  /** Instances with a weight-0 vrrp_script that has not reported yet (see holdInit). */
  private readonly pendingInit = new Set<string>();
  /** track_files followed once each, however many instances track them. */
  private readonly fileTrackers = new Map<string, FileTracker>();
  /** vrrp_track_processes, followed once each however many instances track them. */
  private readonly processes: ProcessMonitor;
  /** False until the first configuration is applied (init_file overwrite happens only then). */
  private loaded = false;
  /** Link state of every interface an instance follows (its own, track_interface). */
  private readonly linkUp = new Map<string, boolean>();
  private readonly linkWatch: { close(): void };
  private vipAddresses = new Set<string>();
  /** The static entries installed; undefined until the first configuration is applied. */
  private statics: Owned[] | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: VrrpRuntimeOptions) {
    this.observer = opts.observer;
    this.clock = opts.clock ?? monotonicClock;
    this.waker = new TimerfdWaker(this.clock);
    this.processes = new ProcessMonitor(this.clock, {
      onChange: (name, { up, count }) => {
        emit(
          this.observer.log,
          'vrrp.track_process',
          { track_process: name, up, count },
          `track_process ${name}: quorum ${up ? 'gained' : 'lost'} (${count} running)`,
        );
        this.retrackWhere((s) => s.trackProcesses.some((t) => t.process.name === name));
      },
      onSource: (source, why) => this.observer.log.info({ track_process_source: source }, why),
    });
    this.linkWatch = opts.links.watch(
      (ifname, running, exists) => this.onLink(ifname, running, exists),
      () => this.onAddress(),
    );
  }

  status(): InstanceStatus[] {
    return [...this.instances.values()].map((i) => ({
      name: i.name,
      state: i.state.state,
      priority: i.state.effectivePriority,
      faults: i.state.faults,
    }));
  }

  async reload(spec: VrrpSpec): Promise<void> {
    // keepalived 2.2.7 refuses such a configuration unless dynamic_interfaces is set
    // (vrrp_daemon.c start_vrrp: "Non-existent interface specified in configuration").
    if (!spec.dynamicInterfaces) {
      const missing = spec.instances.filter((s) => !interfaceExists(s.interface));
      if (missing.length > 0) {
        throw new KtsError(
          'VRRP_NO_INTERFACE',
          `Non-existent interface specified in configuration: ${missing
            .map((s) => `interface ${s.interface} for vrrp_instance ${s.name} doesn't exist`)
            .join('; ')}`,
        );
      }
    }
    this.groups = new Map(spec.syncGroups.map((g) => [g.name, g]));
    for (const name of this.groupNotify.keys()) {
      if (!this.groups.has(name)) this.groupNotify.delete(name);
    }
    for (const g of spec.syncGroups) {
      const known = this.groupNotify.get(g.name);
      if (known) known.notifier.update(g.notify);
      else
        this.groupNotify.set(g.name, {
          notifier: new Notifier('GROUP', g.name, this.observer, g.notify),
        });
    }
    this.vipAddresses = new Set(
      spec.instances.flatMap((i) => [...i.vips, ...i.excludedVips].map((v) => v.address)),
    );
    const next = new Map(spec.instances.map((s) => [s.name, s]));
    const removed = [...this.instances.values()].filter((i) => {
      const s = next.get(i.name);
      return !s || !sameSpec(identity(s), identity(i.spec));
    });
    for (const inst of removed) {
      this.instances.delete(inst.name);
      this.pendingInit.delete(inst.name);
    }
    await Promise.all(removed.map((i) => i.stop()));
    await this.refreshLinks(spec.instances);
    this.refreshRunners(spec.instances);
    this.refreshFileTrackers(spec.instances);
    const processes = new Map<string, TrackProcessSpec>();
    for (const s of spec.instances)
      for (const t of s.trackProcesses) processes.set(t.process.name, t.process);
    this.processes.configure([...processes.values()]);
    this.loaded = true;
    const started: VrrpInstance[] = [];
    for (const s of spec.instances) {
      const inst = this.instances.get(s.name);
      if (!inst) {
        started.push(this.create(s));
      } else if (!sameSpec(inst.spec, s)) {
        inst.reconfigure(s, primaryAddress(s, this.vipAddresses) ?? inst.cfg.primaryAddress);
        this.primaryLink(inst);
        this.retrack(inst);
        this.presence(inst);
      }
    }
    for (const inst of started) {
      this.primaryLink(inst);
      this.retrack(inst);
      this.presence(inst);
    }
    await this.applyStatics(spec.statics);
    for (const inst of started) inst.start();
    this.closeIdleSockets();
  }

  /**
   * static_ipaddress / static_routes / static_rules the way keepalived's VRRP process keeps them
   * (vrrp_daemon.c start_vrrp): at start leftovers are removed and all are added; on reload
   * those that left the configuration are removed and the others added again (present ones
   * are no change).
   */
  private async applyStatics(next: OwnedSet): Promise<void> {
    const items = ownedItems(next);
    const gone =
      this.statics === undefined ? items : changesBetween(this.statics, items, ownedKey).gone;
    this.statics = items;
    await this.changeStatics('del', [...gone].reverse());
    await this.changeStatics('add', items);
  }

  /** Failures are logged and left, as keepalived leaves them (no retry). */
  private async changeStatics(op: 'add' | 'del', items: Owned[]): Promise<void> {
    for (const item of items) {
      try {
        await applyOwned(this.opts, op, item, undefined);
      } catch (err) {
        const { what, fields } = describeOwned(item, true);
        this.observer.log.error({ ...fields, op, err }, `${what} ${op} failed`);
      }
    }
  }

  stop(opts = { releaseVips: true }): Promise<void> {
    this.stopping ??= (async () => {
      for (const r of this.runners.values()) r.stop();
      for (const f of this.fileTrackers.values()) f.stop();
      this.processes.stop();
      this.linkWatch.close();
      await Promise.all([...this.instances.values()].map((i) => i.stop(opts)));
      // Static entries go even with -V (keepalived: vrrp_terminate_phase1).
      await this.changeStatics('del', [...(this.statics ?? [])].reverse());
      for (const s of this.sockets.values()) s.close();
      this.waker.close();
      await Promise.all([...this.groupNotify.values()].map((g) => g.notifier.idle()));
    })();
    return this.stopping;
  }

  private create(s: InstanceSpec): VrrpInstance {
    let sock = this.sockets.get(socketKey(s));
    if (!sock) {
      sock = new SocketSlot(s.family, s.interface, (reason, source) =>
        this.observer.packetDropped(reason, undefined, source),
      );
      sock.open();
      this.sockets.set(socketKey(s), sock);
    }
    if (s.unicastPeers.length === 0) sock.joinGroup(s.mcastGroup);
    const io = {
      channel: sock,
      addresses: this.opts.addresses,
      routes: this.opts.routes,
      announcer: this.opts.announcer,
      observer: this.observer,
      clock: this.clock,
      timerDelivered: this.opts.timerDelivered,
      waker: this.waker,
    };
    const address = primaryAddress(s, this.vipAddresses) ?? UNSPECIFIED[s.family];
    const inst = new VrrpInstance(s, address, io, (i, ev) => this.dispatch(i, ev));
    this.instances.set(s.name, inst);
    return inst;
  }

  private closeIdleSockets(): void {
    const used = new Set([...this.instances.values()].map((i) => socketKey(i.spec)));
    for (const [key, sock] of this.sockets) {
      if (used.has(key)) continue;
      sock.close();
      this.sockets.delete(key);
    }
  }

  /**
   * keepalived keeps an instance in INIT while one of its weight-0 vrrp_scripts has no result yet,
   * and every member of a sync group while any member is so held.
   */
  private holdInit(inst: VrrpInstance, pending: boolean): void {
    if (pending) this.pendingInit.add(inst.name);
    else this.pendingInit.delete(inst.name);
    const group =
      inst.spec.syncGroup === undefined ? undefined : this.groups.get(inst.spec.syncGroup);
    const members = group ? group.members : [inst.name];
    const held = members.some((m) => this.pendingInit.has(m));
    for (const m of members) this.instances.get(m)?.hold(held);
  }

  /** Step one instance, then move its sync group along (group-caused steps do not propagate). */
  private dispatch(inst: VrrpInstance, event: FsmEvent, fromGroup = false): void {
    const result = inst.apply(event);
    const group =
      inst.spec.syncGroup === undefined ? undefined : this.groups.get(inst.spec.syncGroup);
    if (!group) return;
    const members = () =>
      group.members.flatMap((n) => {
        const m = this.instances.get(n);
        return m ? [{ name: n, state: m.state }] : [];
      });
    const directives = fromGroup ? [] : syncTransitions(group.name, inst.name, members(), result);
    directives.push(...syncFaults(group.name, members()));
    for (const d of directives) {
      const target = this.instances.get(d.instance);
      if (target) this.dispatch(target, d.event, true);
    }
    if (!fromGroup)
      this.notifyGroup(
        group,
        members().map((m) => m.state.state),
      );
  }

  /** A sync group reports a state (priority 0, as keepalived) once all its members share it. */
  private notifyGroup(group: SyncGroupSpec, states: VrrpState[]): void {
    const entry = this.groupNotify.get(group.name);
    const state = states[0];
    if (!entry || states.some((s) => s !== state)) return;
    if (state !== 'MASTER' && state !== 'BACKUP' && state !== 'FAULT' && state !== 'STOP') return;
    if (entry.state === state) return;
    entry.state = state;
    entry.notifier.notify(state, 0);
  }

  private async refreshLinks(specs: InstanceSpec[]): Promise<void> {
    const watched = new Set(
      specs.flatMap((i) => [
        ...(i.trackPrimary ? [i.interface] : []),
        ...i.trackInterfaces.map((t) => t.name),
      ]),
    );
    for (const name of this.linkUp.keys()) if (!watched.has(name)) this.linkUp.delete(name);
    for (const name of watched) {
      if (!this.linkUp.has(name)) this.linkUp.set(name, await this.opts.links.running(name));
    }
  }

  /**
   * Faults an instance while its interface does not exist or has no address to advertise from,
   * and clears the fault once it has (taking the address it now has). Node lists no addresses
   * of a link that is not running, so a down link (`running` false) says nothing about them:
   * the link's own fault covers it, and the address is looked at again when it comes up.
   */
  private presence(inst: VrrpInstance, running = this.linkUp.get(inst.spec.interface)): void {
    const s = inst.spec;
    const exists = this.sockets.get(socketKey(s))?.isOpen ?? false;
    let noAddress = exists && inst.state.faults.includes(noAddressFault(s.interface));
    if (exists && running !== false) {
      const address = primaryAddress(s, this.vipAddresses);
      if (address !== undefined && address !== inst.cfg.primaryAddress)
        inst.setPrimaryAddress(address);
      noAddress = address === undefined;
    }
    this.setFaults(inst, [
      [missingInterfaceFault(s.interface), !exists],
      [noAddressFault(s.interface), noAddress],
    ]);
  }

  /** Raises faults before clearing others, so a change of cause never passes through running. */
  private setFaults(inst: VrrpInstance, faults: Array<[source: string, on: boolean]>): void {
    const changed = faults.filter(([source, on]) => on !== inst.state.faults.includes(source));
    for (const [source] of changed.filter(([, on]) => on))
      this.dispatch(inst, { type: 'fault', source });
    for (const [source] of changed.filter(([, on]) => !on))
      this.dispatch(inst, { type: 'unfault', source });
  }

  /** Opens or closes the sockets of an interface that appeared or went. */
  private refreshSockets(ifname: string, exists: boolean): void {
    for (const slot of this.sockets.values()) {
      if (slot.ifname !== ifname || slot.isOpen === exists) continue;
      if (!exists) {
        slot.close();
        continue;
      }
      try {
        slot.open();
      } catch (err) {
        this.observer.log.error(
          { interface: ifname, err },
          `cannot open the VRRP socket on ${ifname}; retrying on its next change`,
        );
      }
    }
  }

  private onAddress(): void {
    for (const inst of this.instances.values()) {
      if (inst.state.faults.includes(noAddressFault(inst.spec.interface))) this.presence(inst);
    }
  }

  private onLink(ifname: string, running: boolean, exists: boolean): void {
    this.refreshSockets(ifname, exists);
    for (const inst of this.instances.values()) {
      if (inst.spec.interface === ifname) this.presence(inst, running);
    }
    if (!this.linkUp.has(ifname) || this.linkUp.get(ifname) === running) return;
    this.linkUp.set(ifname, running);
    this.observer.log.info(
      { interface: ifname, running },
      `interface ${ifname} is ${running ? 'up' : 'down'}`,
    );
    for (const inst of this.instances.values()) {
      if (inst.spec.interface === ifname) this.primaryLink(inst);
      if (inst.spec.trackInterfaces.some((t) => t.name === ifname)) this.retrack(inst);
    }
  }

  private primaryLink(inst: VrrpInstance): void {
    const up = !inst.spec.trackPrimary || (this.linkUp.get(inst.spec.interface) ?? false);
    this.dispatch(inst, { type: 'interface', up });
  }

  /** Keeps runners whose script is unchanged (and their verdicts); replaces the others. */
  private refreshRunners(specs: InstanceSpec[]): void {
    const wanted = new Map<string, ScriptSpec>();
    for (const s of specs) for (const t of s.trackScripts) wanted.set(t.script.name, t.script);
    for (const [name, runner] of this.runners) {
      if (sameSpec(wanted.get(name), runner.spec)) continue;
      runner.stop();
      this.runners.delete(name);
    }
    for (const [name, script] of wanted) {
      if (this.runners.has(name)) continue;
      const runner = new ScriptRunner(script, (up) => {
        this.observer.log.info(
          { script: name, up },
          `vrrp_script ${name} is now ${up ? 'OK' : 'failing'}`,
        );
        this.retrackWhere((s) => s.trackScripts.some((t) => t.script.name === name));
      });
      this.runners.set(name, runner);
      runner.start();
    }
  }

  /**
   * Keeps trackers whose track_file is unchanged (and their values); replaces the others. A file
   * whose directory does not exist is dropped with an error, as keepalived removes it.
   */
  private refreshFileTrackers(specs: InstanceSpec[]): void {
    const wanted = new Map<string, TrackFileSpec>();
    for (const s of specs) for (const t of s.trackFiles) wanted.set(t.file.name, t.file);
    for (const [name, tracker] of this.fileTrackers) {
      if (sameSpec(wanted.get(name), tracker.spec)) continue;
      tracker.stop();
      this.fileTrackers.delete(name);
    }
    for (const [name, file] of wanted) {
      if (this.fileTrackers.has(name)) continue;
      let tracker: FileTracker;
      try {
        tracker = new FileTracker(file, !this.loaded, {
          change: (value, previous) => {
            emit(
              this.observer.log,
              'vrrp.track_file',
              { track_file: name, path: tracker.resolvedPath, value, previous },
              `track_file ${name} now holds ${value}`,
            );
            this.retrackWhere((s) => s.trackFiles.some((t) => t.file.name === name));
          },
          problem: (message) =>
            this.observer.log.warn({ track_file: name }, `track_file ${name}: ${message}`),
        });
      } catch (err) {
        this.observer.log.error({ track_file: name, err }, `track_file ${name} removed`);
        continue;
      }
      this.fileTrackers.set(name, tracker);
      tracker.start();
    }
  }

  /** The track_files of an instance that are followed (a removed one counts for nothing). */
  private filesOf(inst: VrrpInstance): FileTrackerStatus[] {
    return inst.spec.trackFiles.flatMap((t) => {
      const tracker = this.fileTrackers.get(t.file.name);
      if (!tracker) return [];
      return [
        { name: `file:${t.file.name}`, value: tracker.value, weight: t.weight, reverse: t.reverse },
      ];
    });
  }

  private trackersOf(inst: VrrpInstance): TrackerStatus[] {
    return [
      ...inst.spec.trackScripts.map((t) => ({
        name: `script:${t.script.name}`,
        up: this.runners.get(t.script.name)?.up ?? (t.script.initFail ? false : undefined),
        weight: t.weight,
        reverse: t.reverse,
      })),
      ...inst.spec.trackProcesses.map((t) => ({
        name: `process:${t.process.name}`,
        up: this.processes.verdict(t.process.name)?.up ?? false,
        weight: t.weight,
        reverse: t.reverse,
      })),
      ...inst.spec.trackInterfaces.map((t) => ({
        name: `interface:${t.name}`,
        up: this.linkUp.get(t.name) ?? false,
        weight: t.weight,
        reverse: t.reverse,
      })),
    ];
  }

  /** Retracks the instances `tracks` selects: those following a tracker that changed. */
  private retrackWhere(tracks: (spec: InstanceSpec) => boolean): void {
    for (const inst of this.instances.values()) if (tracks(inst.spec)) this.retrack(inst);
  }

  /** Effective priority and tracker faults from the trackers' current verdicts. */
  private retrack(inst: VrrpInstance): void {
    const trackers = this.trackersOf(inst);
    const { priority, faults, pending } = trackedPriority(
      inst.spec.fsm.priority,
      trackers,
      this.filesOf(inst),
    );
    if (priority !== inst.state.effectivePriority)
      this.dispatch(inst, { type: 'priority', priority });
    // Fault sources of trackers: current ones, and those of trackers a reload removed.
    for (const f of inst.state.faults) {
      if (isTrackerFault(f) && !faults.includes(f))
        this.dispatch(inst, { type: 'unfault', source: f });
    }
    for (const f of faults) {
      if (!inst.state.faults.includes(f)) this.dispatch(inst, { type: 'fault', source: f });
    }
    // After the faults: a first result that fails starts the instance straight in FAULT.
    this.holdInit(inst, pending.length > 0);
  }
}

export async function startVrrp(
  spec: VrrpSpec,
  opts: VrrpRuntimeOptions,
): Promise<VrrpSpecRuntime> {
  const runtime = new Runtime(opts);
  try {
    await runtime.reload(spec);
  } catch (err) {
    await runtime.stop();
    throw err;
  }
  return runtime;
}
