// The VRRP side of the daemon: every instance of a config, their shared sockets, trackers and
// sync groups. `startVrrp(spec, io)` starts it; `stop()` shuts every instance down the keepalived
// way (masters send priority 0, VIPs removed, STOP notified).
import { networkInterfaces } from 'node:os';
import type { Observer } from '../observe/observer.js';
import { VrrpSocket } from '../net/vrrp-socket.js';
import { KtsError } from '../errors.js';
import type { FsmEvent, VrrpState } from './fsm.js';
import { monotonicClock, type Clock } from './deadlines.js';
import {
  VrrpInstance,
  type AddressManager,
  type VipAnnouncer,
  type InstanceIo,
} from './instance.js';
import { ScriptRunner } from './script-runner.js';
import type { InstanceSpec, ScriptSpec, SyncGroupSpec, VrrpSpec } from './spec.js';
import { syncFaults, syncTransitions } from './sync-group.js';
import { trackedPriority, type TrackerStatus } from './track.js';

/** Interface link state (carrier and admin up), for the primary interface and track_interface. */
export interface LinkMonitor {
  /** Whether the interface is up with carrier now; false when it does not exist. */
  running(ifname: string): Promise<boolean>;
  /** Calls `onChange` on every change of any interface; close() stops. */
  watch(onChange: (ifname: string, running: boolean) => void): { close(): void };
}

export interface VrrpRuntimeOptions {
  observer: Observer;
  addresses: AddressManager;
  announcer: VipAnnouncer;
  links: LinkMonitor;
  clock?: Clock;
}

export interface InstanceStatus {
  name: string;
  state: VrrpState;
  priority: number;
  faults: string[];
}

export interface VrrpRuntime {
  status(): InstanceStatus[];
  /**
   * Priority-0 adverts from masters, VIPs removed (kept with `releaseVips: false`, keepalived's
   * -V), STOP notified; sockets closed.
   */
  stop(opts?: { releaseVips: boolean }): Promise<void>;
}

/** The address adverts are sent from: configured, else the interface's first IPv4 / link-local. */
function primaryAddress(spec: InstanceSpec, vipAddresses: Set<string>): string {
  if (spec.sourceAddress) return spec.sourceAddress;
  const addrs = networkInterfaces()[spec.interface] ?? [];
  const found =
    spec.family === 4
      ? addrs.find((a) => a.family === 'IPv4' && !vipAddresses.has(a.address))
      : addrs.find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'));
  if (!found) {
    throw new KtsError(
      'VRRP_NO_SOURCE_ADDRESS',
      `${spec.name}: interface ${spec.interface} has no ${spec.family === 4 ? 'IPv4' : 'IPv6 link-local'} address`,
    );
  }
  return found.address;
}

export async function startVrrp(spec: VrrpSpec, opts: VrrpRuntimeOptions): Promise<VrrpRuntime> {
  const { observer } = opts;
  const sockets = new Map<string, VrrpSocket>();
  const instances = new Map<string, VrrpInstance>();
  const groups = new Map<string, SyncGroupSpec>(spec.syncGroups.map((g) => [g.name, g]));
  const vipAddresses = new Set(
    spec.instances.flatMap((i) => [...i.vips, ...i.excludedVips].map((v) => v.address)),
  );

  const socketFor = (inst: InstanceSpec): VrrpSocket => {
    const key = `${inst.interface}/${inst.family}`;
    let sock = sockets.get(key);
    if (!sock) {
      const multicast = spec.instances.find(
        (o) =>
          o.interface === inst.interface && o.family === inst.family && o.unicastPeers.length === 0,
      );
      sock = new VrrpSocket({
        family: inst.family,
        ifname: inst.interface,
        group: multicast?.mcastGroup,
        onDrop: (reason, source) => observer.packetDropped(reason, undefined, source),
      });
      sockets.set(key, sock);
    }
    return sock;
  };

  /** Step one instance, then move its sync group along (group-caused steps do not propagate). */
  const dispatch = (inst: VrrpInstance, event: FsmEvent, fromGroup = false): void => {
    const result = inst.apply(event);
    const group = inst.spec.syncGroup === undefined ? undefined : groups.get(inst.spec.syncGroup);
    if (!group) return;
    const members = () =>
      group.members.flatMap((n) => {
        const m = instances.get(n);
        return m ? [{ name: n, state: m.state }] : [];
      });
    const directives = fromGroup ? [] : syncTransitions(group.name, inst.name, members(), result);
    directives.push(...syncFaults(group.name, members()));
    for (const d of directives) {
      const target = instances.get(d.instance);
      if (target) dispatch(target, d.event, true);
    }
  };

  for (const s of spec.instances) {
    const io: InstanceIo = {
      channel: socketFor(s),
      addresses: opts.addresses,
      announcer: opts.announcer,
      observer,
      clock: opts.clock ?? monotonicClock,
    };
    instances.set(s.name, new VrrpInstance(s, primaryAddress(s, vipAddresses), io, dispatch));
  }

  // Link state of every interface an instance follows: its own (unless dont_track_primary) and
  // its track_interface entries.
  const linkUp = new Map<string, boolean>();
  const watched = new Set(
    spec.instances.flatMap((i) => [
      ...(i.trackPrimary ? [i.interface] : []),
      ...i.trackInterfaces.map((t) => t.name),
    ]),
  );
  for (const name of watched) linkUp.set(name, await opts.links.running(name));

  // vrrp_scripts run once each, however many instances track them.
  const runners = new Map<string, ScriptRunner>();
  const trackersOf = (inst: VrrpInstance): TrackerStatus[] => [
    ...inst.spec.trackScripts.map((t) => ({
      name: `script:${t.script.name}`,
      up: runners.get(t.script.name)?.up ?? !t.script.initFail,
      weight: t.weight,
      reverse: t.reverse,
    })),
    ...inst.spec.trackInterfaces.map((t) => ({
      name: `interface:${t.name}`,
      up: linkUp.get(t.name) ?? false,
      weight: t.weight,
      reverse: t.reverse,
    })),
  ];
  const retrack = (inst: VrrpInstance): void => {
    const { priority, faults } = trackedPriority(inst.spec.fsm.priority, trackersOf(inst));
    if (priority !== inst.state.effectivePriority) dispatch(inst, { type: 'priority', priority });
    const tracked = new Set(trackersOf(inst).map((t) => t.name));
    for (const f of inst.state.faults) {
      if (tracked.has(f) && !faults.includes(f)) dispatch(inst, { type: 'unfault', source: f });
    }
    for (const f of faults)
      if (!inst.state.faults.includes(f)) dispatch(inst, { type: 'fault', source: f });
  };
  const scriptSpecs = new Map<string, ScriptSpec>();
  for (const s of spec.instances)
    for (const t of s.trackScripts) scriptSpecs.set(t.script.name, t.script);
  for (const [name, script] of scriptSpecs) {
    runners.set(
      name,
      new ScriptRunner(script, (up) => {
        observer.log.info(
          { script: name, up },
          `vrrp_script ${name} is now ${up ? 'OK' : 'failing'}`,
        );
        for (const inst of instances.values()) {
          if (inst.spec.trackScripts.some((t) => t.script.name === name)) retrack(inst);
        }
      }),
    );
  }

  const primaryLink = (inst: VrrpInstance): void => {
    if (!inst.spec.trackPrimary) return;
    dispatch(inst, { type: 'interface', up: linkUp.get(inst.spec.interface) ?? false });
  };
  const linkWatch = opts.links.watch((ifname, running) => {
    if (!watched.has(ifname) || linkUp.get(ifname) === running) return;
    linkUp.set(ifname, running);
    observer.log.info(
      { interface: ifname, running },
      `interface ${ifname} is ${running ? 'up' : 'down'}`,
    );
    for (const inst of instances.values()) {
      if (inst.spec.interface === ifname) primaryLink(inst);
      if (inst.spec.trackInterfaces.some((t) => t.name === ifname)) retrack(inst);
    }
  });

  for (const inst of instances.values()) {
    primaryLink(inst);
    retrack(inst);
  }
  for (const inst of instances.values()) inst.start();
  for (const r of runners.values()) r.start();

  let stopping: Promise<void> | undefined;
  return {
    status: () =>
      [...instances.values()].map((i) => ({
        name: i.name,
        state: i.state.state,
        priority: i.state.effectivePriority,
        faults: i.state.faults,
      })),
    stop: (stopOpts = { releaseVips: true }) => {
      stopping ??= (async () => {
        for (const r of runners.values()) r.stop();
        linkWatch.close();
        await Promise.all([...instances.values()].map((i) => i.stop(stopOpts)));
        for (const s of sockets.values()) s.close();
      })();
      return stopping;
    },
  };
}
