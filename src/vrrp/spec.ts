// The narrow view of one vrrp_instance that the VRRP runtime works from. from-config.ts builds it
// from the typed config model; tests and tools can build it directly.
import type { FsmConfig } from './fsm.js';
import type { Family, VrrpVersion } from './packet.js';
import type { OwnedSet } from './owned.js';
import type { ProcessMatchSpec } from './process-track.js';
import type { VirtualRouteSpec, VirtualRuleSpec } from './virtual-routes.js';

/**
 * Whether two specs say the same: they are plain data built by one builder (the same keys in the
 * same order), so their JSON texts are equal exactly when they are.
 */
export const sameSpec = (a: unknown, b: unknown): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/** A virtual address as it is installed (`ip addr add ADDR/LEN dev DEV [brd] [scope] [label]`). */
export interface VipSpec {
  address: string;
  prefixLength: number;
  family: Family;
  dev: string;
  /** Broadcast address, or '+' to compute it; absent = none. */
  brd?: string;
  scope?: string;
  label?: string;
  noDad: boolean;
}

/** A command run without a shell (argv), or through /bin/sh when it needs one. */
export interface CommandSpec {
  /** The line as written, for logs and for /bin/sh when `shell` is set. */
  command: string;
  argv: string[];
  shell: boolean;
}

export interface NotifySpec {
  master?: CommandSpec;
  backup?: CommandSpec;
  fault?: CommandSpec;
  stop?: CommandSpec;
  /** Generic `notify`: gets INSTANCE|GROUP, name, state, priority appended. */
  generic?: CommandSpec;
}

export interface ScriptSpec {
  name: string;
  command: CommandSpec;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface TrackedScriptSpec {
  script: ScriptSpec;
  weight: number;
  reverse: boolean;
}

export interface TrackedInterfaceSpec {
  name: string;
  weight: number;
  reverse: boolean;
}

/** A track_file block: the file holds a number (track.ts parseTrackFileValue). */
export interface TrackFileSpec {
  name: string;
  path: string;
  /** `init_file [VAL] [overwrite]`: create the file with VAL, or rewrite it at start. */
  initFile?: { value: number; overwrite: boolean };
}

export interface TrackedFileSpec {
  file: TrackFileSpec;
  /** The instance's (or its sync group's) weight for the file; 0 = FAULT while non-zero. */
  weight: number;
  reverse: boolean;
}

/** A vrrp_track_process block (process-track.ts). */
export interface TrackProcessSpec extends ProcessMatchSpec {
  name: string;
  quorum: number;
  /** Absent: no upper bound. */
  quorumMax?: number;
  forkDelayMs: number;
  terminateDelayMs: number;
}

export interface TrackedProcessSpec {
  process: TrackProcessSpec;
  /** -254..254; 0 = FAULT while the quorum is not met (met, with `reverse`). */
  weight: number;
  reverse: boolean;
}

export interface UnicastPeerSpec {
  address: string;
  /** Accept adverts from this peer only with a TTL in min..max (unset: any TTL). */
  minTtl?: number;
  maxTtl?: number;
}

export interface InstanceSpec {
  name: string;
  vrid: number;
  version: VrrpVersion;
  family: Family;
  interface: string;
  /** Advert source (unicast_src_ip / mcast_src_ip); absent = the interface's primary address. */
  sourceAddress?: string;
  /** Multicast group, unless `unicastPeers` is non-empty. */
  mcastGroup: string;
  unicastPeers: UnicastPeerSpec[];
  /** Drop adverts whose address list differs from ours (off with skip_check_adv_addr). */
  checkAdvertAddresses: boolean;
  /** vrrp_startup_delay: wait this long before the instance starts (keepalived.md §3.5). */
  startupDelayMs: number;
  /** PASS password (v2 only); absent = no authentication. */
  authPass?: string;
  v3ChecksumAsV2: boolean;
  /** The state machine's settings, except the primary address, known once the interface is. */
  fsm: Omit<FsmConfig, 'primaryAddress'>;
  vips: VipSpec[];
  /** virtual_ipaddress_excluded: installed with the VIPs but not advertised. */
  excludedVips: VipSpec[];
  /** virtual_routes / virtual_rules: installed after the VIPs while MASTER, removed before them. */
  virtualRoutes: VirtualRouteSpec[];
  virtualRules: VirtualRuleSpec[];
  notify: NotifySpec;
  trackScripts: TrackedScriptSpec[];
  trackInterfaces: TrackedInterfaceSpec[];
  /** track_file of the instance and of its sync group (the group's weight wins, keepalived). */
  trackFiles: TrackedFileSpec[];
  /** track_process of the instance and of its sync group (the group's weight wins, keepalived). */
  trackProcesses: TrackedProcessSpec[];
  /** Follow the instance's own interface link state (off with dont_track_primary). */
  trackPrimary: boolean;
  syncGroup?: string;
}

export interface SyncGroupSpec {
  name: string;
  members: string[];
  notify: NotifySpec;
}

export interface VrrpSpec {
  instances: InstanceSpec[];
  syncGroups: SyncGroupSpec[];
  /**
   * global dynamic_interfaces: an instance whose interface does not exist yet starts in FAULT and
   * recovers when it appears; without it such a configuration is refused, as keepalived does.
   */
  dynamicInterfaces: boolean;
  /** static_ipaddress, static_routes, static_rules: installed while the VRRP side runs. */
  statics: OwnedSet;
}
