// The IPVS table the configuration asks for, given what the checkers know. Pure.
//
// API
//   desiredTable(config, { verdicts?, quorumUp? }): IpvsTable
//   realServerKey(vs, rs): string        the key of `verdicts` ("tcp 10.0.0.1:80 -> 10.0.0.2:80")
//
// Inputs from the checker side are deliberately narrow:
//   verdicts   realServerKey → { alive, weight } (weight: configured weight plus dynamic offsets);
//              a real server without a verdict is in its start state: alive with its configured
//              weight, or down when alpha is set and it has checkers (keepalived.md §3.5, §3.9).
//   quorumUp   virtualServerName → quorum state; absent → computed from the verdicts as at start.
// Rules (keepalived's ipwrapper.c): an alive real server is in the table with its weight; a down
// one is removed, or kept at weight 0 with inhibit_on_failure. While the quorum is lost and a
// sorry server is configured, the sorry server (weight 1) replaces the pool: alive servers are
// removed (weight 0 with inhibit_on_failure). Otherwise the sorry server is absent, or present
// at weight 0 with sorry_server_inhibit. A virtual_server_group expands into one service per
// address (ranges included) and fwmark, each with the same real servers.
import { virtualServerName } from '../check/from-config.js';
import { initialQuorumUp, liveWeight } from '../check/quorum.js';
import { tableWeight, type RealServerState } from '../check/verdict.js';
import type {
  KeepalivedConfig,
  RealServer,
  TunnelSettings,
  VirtualServer,
  VirtualServerGroup,
} from '../config/model.js';
import { KtsError } from '../errors.js';
import { addressBytes, formatAddress } from '../net/inet.js';
import { canonicalAddress } from './codec.js';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
} from './constants.js';
import {
  destinationName,
  type Destination,
  type DestinationKey,
  type Family,
  type IpvsTable,
  type Service,
  type ServiceEntry,
  type ServiceKey,
} from './types.js';

export type RealServerVerdict = RealServerState;

export interface DesiredState {
  verdicts?: ReadonlyMap<string, RealServerVerdict>;
  quorumUp?: ReadonlyMap<string, boolean>;
}

/** The key checkers report a real server's verdict under. */
export function realServerKey(vs: VirtualServer, rs: DestinationKey): string {
  return `${virtualServerName(vs)} -> ${destinationName(rs)}`;
}

/** The most services one range may expand to: a whole last IPv6 group. */
const MAX_RANGE = 0x10000;

/** Every address from `first` to `last` inclusive (a virtual_server_group range). */
export function expandRange(first: string, last: string): string[] {
  const at = addressBytes(first);
  const end = addressBytes(last);
  if (at.length !== end.length || Buffer.compare(at, end) > 0) {
    throw new KtsError('IPVS_BAD_RANGE', `address range ${first}-${last} is empty`);
  }
  const out = [formatAddress(at)];
  while (Buffer.compare(at, end) < 0) {
    if (out.length >= MAX_RANGE) {
      throw new KtsError('IPVS_BAD_RANGE', `address range ${first}-${last} exceeds ${MAX_RANGE}`);
    }
    for (let i = at.length - 1; i >= 0; i--) {
      at[i] = (at[i] + 1) & 0xff;
      if (at[i] !== 0) break; // no carry
    }
    out.push(formatAddress(at));
  }
  return out;
}

function serviceKeys(vs: VirtualServer, groups: VirtualServerGroups): ServiceKey[] {
  const k = vs.key;
  if (k.kind === 'address') {
    const address = canonicalAddress(k.address);
    return [{ kind: 'addr', family: k.family, protocol: vs.protocol, address, port: k.port }];
  }
  if (k.kind === 'fwmark') return [{ kind: 'fwmark', family: k.family, fwmark: k.fwmark }];
  const group = groups.get(k.group);
  if (!group) return [];
  return group.entries.flatMap((e): ServiceKey[] => {
    if (e.kind === 'fwmark') {
      return [{ kind: 'fwmark', family: e.family ?? vs.ipFamily ?? 4, fwmark: e.fwmark }];
    }
    const addresses = e.lastAddress ? expandRange(e.address, e.lastAddress) : [e.address];
    return addresses.map((a) => ({
      kind: 'addr',
      family: e.family,
      protocol: vs.protocol,
      address: canonicalAddress(a),
      port: e.port,
    }));
  });
}

/** persistence_granularity as IPVS wants it: an IPv4 dotted mask, or an IPv6 prefix length. */
function persistenceNetmask(granularity: string | undefined, family: Family): string {
  const prefix = granularity === undefined ? null : /^\/?(\d{1,3})$/.exec(granularity);
  // A group may mix families: a dotted IPv4 mask means nothing to its IPv6 services (whole /128).
  if (family === 6) return prefix ? prefix[1] : '128';
  if (granularity === undefined) return '255.255.255.255';
  if (!prefix) return canonicalAddress(granularity);
  const len = Number(prefix[1]);
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (mask >>> shift) & 0xff).join('.');
}

function serviceOf(vs: VirtualServer, key: ServiceKey): Service {
  let flags = 0;
  if (vs.persistenceTimeout !== undefined) flags |= IP_VS_SVC_F_PERSISTENT;
  if (vs.ops) flags |= IP_VS_SVC_F_ONEPACKET;
  if (vs.schedFlags.flag1) flags |= IP_VS_SVC_F_SCHED1;
  if (vs.schedFlags.flag2) flags |= IP_VS_SVC_F_SCHED2;
  if (vs.schedFlags.flag3) flags |= IP_VS_SVC_F_SCHED3;
  const service: Service = {
    key,
    scheduler: vs.lvsSched,
    flags,
    timeout: vs.persistenceTimeout ?? 0,
    netmask: persistenceNetmask(vs.persistenceGranularity, key.family),
  };
  if (vs.persistenceEngine !== undefined) service.persistenceEngine = vs.persistenceEngine;
  return service;
}

const TUNNEL_FLAGS: Record<NonNullable<TunnelSettings['checksum']>, number> = {
  nocsum: IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM,
  csum: IP_VS_TUNNEL_ENCAP_FLAG_CSUM,
  remcsum: IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM,
};

function destinationOf(
  server: DestinationKey,
  weight: number,
  method: Destination['method'],
  tunnel: TunnelSettings | undefined,
  thresholds: { upperThreshold: number; lowerThreshold: number },
): Destination {
  const d: Destination = {
    family: server.family,
    address: canonicalAddress(server.address),
    port: server.port,
    weight,
    method,
    upperThreshold: thresholds.upperThreshold,
    lowerThreshold: thresholds.lowerThreshold,
  };
  if (method === 'tun' && tunnel) {
    if (tunnel.type !== 'ipip') d.tunnelType = tunnel.type;
    if (tunnel.port) d.tunnelPort = tunnel.port;
    const flags = tunnel.checksum ? TUNNEL_FLAGS[tunnel.checksum] : 0;
    if (flags) d.tunnelFlags = flags;
  }
  return d;
}

function startState(rs: RealServer): RealServerState {
  return { alive: !(rs.timing.alpha && rs.checkers.length > 0), weight: rs.weight };
}

function destinationsOf(vs: VirtualServer, state: DesiredState): Destination[] {
  const verdicts = vs.realServers.map(
    (rs) => state.verdicts?.get(realServerKey(vs, rs)) ?? startState(rs),
  );
  const quorum = { quorum: vs.quorum, hysteresis: vs.hysteresis };
  const quorumUp =
    state.quorumUp?.get(virtualServerName(vs)) ?? initialQuorumUp(liveWeight(verdicts), quorum);
  const sorry = vs.sorryServer;
  const sorryInUse = sorry !== undefined && !quorumUp;
  const out: Destination[] = [];
  vs.realServers.forEach((rs, i) => {
    // With the sorry server in use, alive servers leave the pool the way a failed one does.
    const verdict = sorryInUse ? { ...verdicts[i], alive: false } : verdicts[i];
    const weight = tableWeight(verdict, rs.inhibitOnFailure);
    if (weight === undefined) return;
    out.push(destinationOf(rs, weight, rs.lvsMethod, rs.tunnel ?? vs.tunnel, rs));
  });
  if (sorry && (sorryInUse || vs.sorryServerInhibit)) {
    const method = sorry.lvsMethod ?? vs.lvsMethod;
    const thresholds = { upperThreshold: 0, lowerThreshold: 0 };
    out.push(destinationOf(sorry, sorryInUse ? 1 : 0, method, vs.tunnel, thresholds));
  }
  return out;
}

/**
 * The desired table one virtual server at a time (its services): a caller on the VRRP thread can
 * yield between them when the table is large.
 */
export function* desiredEntries(
  config: KeepalivedConfig,
  state: DesiredState = {},
): Generator<ServiceEntry[]> {
  const groups = groupsOf(config);
  for (const vs of config.virtualServers) yield virtualServerEntries(vs, groups, state);
}

export type VirtualServerGroups = ReadonlyMap<string, VirtualServerGroup>;

export function groupsOf(config: KeepalivedConfig): VirtualServerGroups {
  return new Map(config.virtualServerGroups.map((g) => [g.name, g]));
}

/** The services of one virtual server (several for a group) with their destinations. */
export function virtualServerEntries(
  vs: VirtualServer,
  groups: VirtualServerGroups,
  state: DesiredState = {},
): ServiceEntry[] {
  const destinations = destinationsOf(vs, state);
  return serviceKeys(vs, groups).map((key) => ({
    service: serviceOf(vs, key),
    destinations: destinations.map((d) => ({ ...d })),
  }));
}

export function desiredTable(config: KeepalivedConfig, state: DesiredState = {}): IpvsTable {
  return [...desiredEntries(config, state)].flat();
}
