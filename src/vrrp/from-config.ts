// Maps the typed configuration model (src/config/model.ts) to the VRRP runtime's own narrow spec
// (spec.ts), applying the keepalived rules that matter at run time: v2 whole-second intervals,
// lower-priority GARP defaults, weighted trackers of sync-group members ignored unless
// sync_group_tracking_weight, vrrp_min_garp, garp_group pacing per interface.
import {
  type IpAddress,
  type KeepalivedConfig,
  type ScriptCommand,
  type TrackFile,
  type TrackInterface,
  type TrackProcess,
  type TrackRef,
  type VrrpInstance,
  type VrrpNotify,
  type VrrpScript,
  type VrrpSyncGroup,
  interfaceGarpPacing,
} from '../config/model.js';
import type { PacingOf } from './link-announcer.js';
import { VRRP_PRIO_OWNER } from './packet.js';
import { commandSpec } from './command.js';
import {
  BUILTIN_ROUTE_NAMES,
  virtualRouteOf,
  virtualRuleOf,
  type RouteNames,
} from './virtual-routes.js';
import type {
  CommandSpec,
  InstanceSpec,
  NotifySpec,
  ScriptSpec,
  TrackFileSpec,
  TrackProcessSpec,
  UnicastPeerSpec,
  VipSpec,
  VrrpSpec,
} from './spec.js';

/** Seconds (as the config writes them) in whole milliseconds. */
const ms = (seconds: number) => Math.round(seconds * 1000);

function command(c: ScriptCommand): CommandSpec {
  return commandSpec(c.command, c.argv);
}

function notifySpec(n: VrrpNotify): NotifySpec {
  const out: NotifySpec = {};
  if (n.master) out.master = command(n.master);
  if (n.backup) out.backup = command(n.backup);
  if (n.fault) out.fault = command(n.fault);
  if (n.stop) out.stop = command(n.stop);
  if (n.generic) out.generic = command(n.generic);
  return out;
}

function vipSpec(a: IpAddress, defaultDev: string): VipSpec {
  const v: VipSpec = {
    address: a.address,
    prefixLength: a.prefixLength,
    family: a.family,
    dev: a.dev ?? defaultDev,
    noDad: a.noDad,
  };
  if (a.brd !== undefined && a.brd !== '-') v.brd = a.brd;
  if (a.scope !== undefined) v.scope = a.scope;
  if (a.label !== undefined) v.label = a.label;
  return v;
}

function scriptSpec(s: VrrpScript): ScriptSpec {
  return {
    name: s.name,
    command: command(s.script),
    intervalMs: ms(s.interval),
    timeoutMs: ms(s.timeout),
    rise: s.rise,
    fall: s.fall,
    initFail: s.initFail,
  };
}

function trackFileSpec(f: TrackFile): TrackFileSpec {
  const spec: TrackFileSpec = { name: f.name, path: f.path };
  if (f.initFile) spec.initFile = { ...f.initFile };
  return spec;
}

/** A tracker (vrrp_script, track_file, ...): a name and the default weight of its references. */
interface TrackerBlock {
  name: string;
  weight: number;
  weightReverse: boolean;
}

/** The sync group's references to one kind of tracker, and whether a member is an owner. */
interface GroupRefs {
  refs: readonly TrackRef[];
  hasOwner: boolean;
}

/**
 * The trackers of one kind an instance follows: its own references (the weight and reverse
 * they give, else the block's), then its sync group's, as keepalived 2.2.7 adds them (vrrp.c
 * vrrp_complete_init, track_file.c add_obj_to_track_file, vrrp.c add_vrrp_to_track_process):
 * weight 0 when a member is an address owner; for a tracker the instance has too, the group's
 * weight replaces a non-zero one of the instance (and its reverse with `groupTakesReverse`, as
 * for files). The weights keepalived ignores on a member's or an owner's own references were
 * dropped by validateConfig, with its messages.
 */
function trackedBy<B extends TrackerBlock, T extends { weight: number; reverse: boolean }>(
  blocks: readonly B[],
  own: readonly TrackRef[],
  group: GroupRefs | undefined,
  make: (block: B, weight: number, reverse: boolean) => T,
  groupTakesReverse: boolean,
): T[] {
  const byName = new Map(blocks.map((b) => [b.name, b]));
  const resolve = (refs: readonly TrackRef[]) =>
    refs.flatMap((ref) => {
      const b = byName.get(ref.name);
      if (!b) return []; // reported by the config builder
      return [{ name: b.name, t: make(b, ref.weight ?? b.weight, ref.reverse ?? b.weightReverse) }];
    });
  const out = resolve(own);
  for (const { name, t } of group ? resolve(group.refs) : []) {
    if (group?.hasOwner) t.weight = 0;
    const mine = out.find((o) => o.name === name);
    if (!mine) out.push({ name, t });
    else if (mine.t.weight !== 0) {
      mine.t.weight = t.weight;
      if (groupTakesReverse) mine.t.reverse = t.reverse;
    }
  }
  return out.map((o) => o.t);
}

/** The sync group's references of each kind, for trackedBy; undefined outside a group. */
function groupRefsOf(
  cfg: KeepalivedConfig,
  group: VrrpSyncGroup | undefined,
): (kind: 'scripts' | 'interfaces' | 'files' | 'processes') => GroupRefs | undefined {
  if (!group) return () => undefined;
  const hasOwner = cfg.vrrpInstances.some(
    (i) => group.members.includes(i.name) && i.priority === VRRP_PRIO_OWNER,
  );
  return (kind) => ({ refs: group.tracking[kind], hasOwner });
}

/**
 * Interfaces have no block of their own: a reference carries its weight and reverse, and an
 * unweighted one tracks up/down only (weight 0: FAULT while down).
 */
function interfaceBlocks(...refs: ReadonlyArray<readonly TrackInterface[]>): TrackerBlock[] {
  return refs.flat().map((t) => ({ name: t.name, weight: 0, weightReverse: false }));
}

function trackProcessSpec(p: TrackProcess): TrackProcessSpec {
  const spec: TrackProcessSpec = {
    name: p.name,
    process: p.process,
    params: p.params,
    // keepalived matches the command line whenever parameters are given.
    fullCommand: p.fullCommand || p.params.length > 0,
    // quorum_max 0 means "up while none runs" (vrrp_parser.c sets quorum 0 with it).
    quorum: p.quorumMax === 0 ? 0 : p.quorum,
    forkDelayMs: ms(p.forkDelay ?? 0),
    terminateDelayMs: ms(p.terminateDelay ?? 0),
  };
  if (p.paramMatch !== undefined) spec.paramMatch = p.paramMatch;
  if (p.quorumMax !== undefined) spec.quorumMax = p.quorumMax;
  return spec;
}

/**
 * GARP / NA pacing of each interface, for the link announcer: the interface's garp_group, else
 * vrrp_garp_interval / vrrp_gna_interval. keepalived paces per interface (vrrp_arp.c keeps the next
 * send time on the interface), so the VIPs of several instances on one link share it.
 */
export function garpPacingOf(cfg: KeepalivedConfig): PacingOf {
  return (dev) => {
    const p = interfaceGarpPacing(cfg.garpGroups, cfg.globalDefs, dev);
    return { garpIntervalMs: ms(p.garpInterval), gnaIntervalMs: ms(p.gnaInterval) };
  };
}

/** Advertisement interval in centiseconds: v2 carries whole seconds (at least 1). */
export function advertIntervalCs(version: 2 | 3, seconds: number): number {
  if (version === 2) return Math.max(1, Math.round(seconds)) * 100;
  return Math.min(4095, Math.max(1, Math.round(seconds * 100)));
}

function instanceSpec(cfg: KeepalivedConfig, inst: VrrpInstance, names: RouteNames): InstanceSpec {
  const gd = cfg.globalDefs;
  const dev = inst.interface ?? gd.defaultInterface;
  // Membership is read from the groups themselves (the model may leave `syncGroup` unset).
  const group = cfg.vrrpSyncGroups.find((g) => g.members.includes(inst.name));
  // keepalived ignores the weighted trackers of sync-group members (keepalived#2105).
  const keepWeight = (w: number) => w === 0 || !group || group.syncGroupTrackingWeight;
  const scripts = new Map(cfg.vrrpScripts.map((s) => [s.name, s]));
  const groupRefs = groupRefsOf(cfg, group);
  const garp = inst.garp;
  const spec: InstanceSpec = {
    name: inst.name,
    vrid: inst.virtualRouterId,
    version: inst.version,
    family: inst.family,
    interface: dev,
    mcastGroup: inst.mcastDstIp ?? (inst.family === 4 ? gd.vrrpMcastGroup4 : gd.vrrpMcastGroup6),
    unicastPeers: inst.unicastPeers.map((p) => {
      const peer: UnicastPeerSpec = { address: p.address };
      if (p.minTtl !== undefined) peer.minTtl = p.minTtl;
      if (p.maxTtl !== undefined) peer.maxTtl = p.maxTtl;
      return peer;
    }),
    checkAdvertAddresses: !inst.skipCheckAdvAddr,
    startupDelayMs: ms(gd.vrrpStartupDelay),
    v3ChecksumAsV2: inst.v3ChecksumAsV2 || gd.v3ChecksumAsV2,
    fsm: {
      version: inst.version,
      priority: inst.priority,
      advertIntCs: advertIntervalCs(inst.version, inst.advertInt),
      initialState: inst.state,
      preempt: inst.preempt,
      preemptDelayMs: ms(inst.preemptDelay),
      downTimerAdverts: inst.downTimerAdverts,
      accept: inst.accept,
      garpMasterDelayMs: garp.minGarp ? 0 : ms(garp.masterDelay),
      garpMasterRepeat: garp.minGarp ? 1 : garp.masterRepeat,
      garpMasterRefreshMs: ms(garp.masterRefresh),
      garpMasterRefreshRepeat: garp.masterRefreshRepeat,
      garpLowerPrioRepeat: garp.lowerPrioRepeat ?? garp.masterRepeat,
      lowerPrioNoAdvert: inst.lowerPrioNoAdvert,
      higherPrioSendAdvert: inst.higherPrioSendAdvert,
    },
    vips: inst.virtualIpaddresses.map((a) => vipSpec(a, dev)),
    excludedVips: inst.virtualIpaddressesExcluded.map((a) => vipSpec(a, dev)),
    virtualRoutes: inst.virtualRoutes.map((r) => virtualRouteOf(r, names)),
    virtualRules: inst.virtualRules.map((r) => virtualRuleOf(r, names)),
    notify: notifySpec(inst.notify),
    trackScripts: trackedBy(
      cfg.vrrpScripts,
      inst.tracking.scripts.filter((ref) =>
        keepWeight(ref.weight ?? scripts.get(ref.name)?.weight ?? 0),
      ),
      groupRefs('scripts'),
      (s, weight, reverse) => ({ script: scriptSpec(s), weight, reverse }),
      true,
    ),
    trackInterfaces: trackedBy(
      interfaceBlocks(inst.tracking.interfaces, group?.tracking.interfaces ?? []),
      inst.tracking.interfaces.filter((t) => keepWeight(t.weight ?? 0)),
      groupRefs('interfaces'),
      (i, weight, reverse) => ({ name: i.name, weight, reverse }),
      true,
    ),
    trackFiles: trackedBy(
      cfg.trackFiles,
      inst.tracking.files,
      groupRefs('files'),
      (f, weight, reverse) => ({ file: trackFileSpec(f), weight, reverse }),
      true,
    ),
    // keepalived 2.2.7 keeps the weights of processes also on sync group members and owners.
    trackProcesses: trackedBy(
      cfg.trackProcesses,
      inst.tracking.processes,
      groupRefs('processes'),
      (p, weight, reverse) => ({ process: trackProcessSpec(p), weight, reverse }),
      false,
    ),
    trackPrimary: !inst.dontTrackPrimary,
  };
  const source = inst.unicastSrcIp ?? inst.mcastSrcIp;
  if (source !== undefined) spec.sourceAddress = source;
  if (inst.version === 2 && inst.authentication?.type === 'PASS')
    spec.authPass = inst.authentication.password;
  if (group) spec.syncGroup = group.name;
  return spec;
}

/** `names`: routing table and protocol names for routes and rules (the host's: systemRouteNames). */
export function vrrpSpecFromConfig(
  cfg: KeepalivedConfig,
  names: RouteNames = BUILTIN_ROUTE_NAMES,
): VrrpSpec {
  return {
    instances: cfg.vrrpInstances.map((inst) => instanceSpec(cfg, inst, names)),
    syncGroups: cfg.vrrpSyncGroups.map((g) => ({
      name: g.name,
      members: g.members,
      notify: notifySpec(g.notify),
    })),
    dynamicInterfaces: cfg.globalDefs.dynamicInterfaces,
    // Static addresses without `dev` go on default_interface (keepalived's default_ifp).
    statics: {
      addresses: cfg.staticAddresses.map((a) => vipSpec(a, cfg.globalDefs.defaultInterface)),
      routes: cfg.staticRoutes.map((r) => virtualRouteOf(r, names)),
      rules: cfg.staticRules.map((r) => virtualRuleOf(r, names)),
    },
  };
}
