// Maps the typed configuration model (src/config/model.ts) to the VRRP runtime's own narrow spec
// (spec.ts), applying the keepalived rules that matter at run time: v2 whole-second intervals,
// lower-priority GARP defaults, weighted trackers of sync-group members ignored unless
// sync_group_tracking_weight, vrrp_min_garp.
import type {
  IpAddress,
  KeepalivedConfig,
  ScriptCommand,
  VrrpInstance,
  VrrpNotify,
  VrrpScript,
} from '../config/model.js';
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
  UnicastPeerSpec,
  VipSpec,
  VrrpSpec,
} from './spec.js';

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
    trackScripts: inst.tracking.scripts.flatMap((ref) => {
      const s = scripts.get(ref.name);
      if (!s) return [];
      const weight = ref.weight ?? s.weight;
      if (!keepWeight(weight)) return [];
      return [{ script: scriptSpec(s), weight, reverse: ref.reverse ?? s.weightReverse }];
    }),
    trackInterfaces: inst.tracking.interfaces
      .filter((t) => keepWeight(t.weight ?? 0))
      .map((t) => ({ name: t.name, weight: t.weight ?? 0, reverse: t.reverse })),
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
    // The config model records dynamic_interfaces without a field of its own.
    dynamicInterfaces: cfg.globalDefs.unmodelled.some((u) => u.keyword === 'dynamic_interfaces'),
    // Static addresses without `dev` go on default_interface (keepalived's default_ifp).
    statics: {
      addresses: cfg.staticAddresses.map((a) => vipSpec(a, cfg.globalDefs.defaultInterface)),
      routes: cfg.staticRoutes.map((r) => virtualRouteOf(r, names)),
      rules: cfg.staticRules.map((r) => virtualRuleOf(r, names)),
    },
  };
}
