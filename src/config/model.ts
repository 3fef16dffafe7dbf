// The resolved, typed configuration: what keepalived.conf means after parsing, with keepalived's
// defaults applied (globals flow into instances, VS timing flows VS → RS → checker) and aliases
// folded into their current names. Everything the daemon acts on is read from here, never from the
// syntax tree. Times are seconds (fractions allowed); every object keeps the position it came from.
import type { SourcePos } from './ast.js';

/** Address family, as in src/ipvs/types.ts: 4 = AF_INET, 6 = AF_INET6. */
export type Family = 4 | 6;
/** IPVS protocol (keepalived's `protocol TCP|UDP|SCTP`, case-insensitive there). */
export type Protocol = 'tcp' | 'udp' | 'sctp';
/** keepalived's `lvs_method` NAT / DR / TUN. */
export type LvsMethod = 'nat' | 'dr' | 'tun';

/** A command line from `script`, `notify*`, `misc_path`, `quorum_up`, ... */
export interface ScriptCommand {
  /** The command as written (quotes removed), e.g. `/usr/bin/check.sh arg1`. */
  command: string;
  /** `command` split into words the way keepalived splits it (quotes, backslash escapes). */
  argv: string[];
  /** Optional `username [groupname]` after the command; absent = global `script_user`. */
  user?: string;
  group?: string;
  pos: SourcePos;
}

/** An interface address: VIPs, excluded VIPs and `static_ipaddress` entries share the syntax. */
export interface IpAddress {
  /** Canonical text of the address (IPv6 compressed, lower case). */
  address: string;
  /** From `/len`; absent in the config → 32 (IPv4) or 128 (IPv6). */
  prefixLength: number;
  family: Family;
  /** `dev IF`; absent on a VIP → the instance's interface. */
  dev?: string;
  /** `brd ADDR`, or `+` / `-` (compute / none) as written. */
  brd?: string;
  scope?: string;
  label?: string;
  peer?: string;
  home: boolean;
  noDad: boolean;
  mngtmpaddr: boolean;
  noPrefixRoute: boolean;
  autojoin: boolean;
  /** VIP only: the instance does not go to FAULT when this address is removed externally. */
  noTrack: boolean;
  /** `preferred_lft N|forever`: seconds, or 'forever'. */
  preferredLft?: number | 'forever';
  /** static_ipaddress only: a track_group defined above it (follows `dev`, else the default). */
  trackGroup?: string;
  pos: SourcePos;
}

/** A prefix written in a route or rule: `default`, `10.0.0.0/8`, `fd00::1`. */
export interface Prefix {
  address: string;
  prefixLength: number;
  family: Family;
}

/** An `ip route`-style line of `static_routes` / `virtual_routes`. */
export interface Route {
  /** Route type word when given: unicast (default), blackhole, unreachable, prohibit, throw. */
  type: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';
  /** Destination; `default` becomes 0.0.0.0/0 or ::/0. */
  to: Prefix;
  family: Family;
  src?: string;
  /** `via` (or deprecated `gw`). */
  via?: string;
  dev?: string;
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  onlink: boolean;
  /** Multipath: each `nexthop` (or deprecated `or`) group. */
  nexthops: Array<{ via?: string; dev?: string; weight?: number; onlink: boolean }>;
  /** Further `ip route` attributes (mtu, advmss, realms, ...) as written, keyword → value. */
  options: Record<string, string>;
  /**
   * Removal by someone else does not fault the instance: `no_track`, or no `dev` (keepalived
   * cannot watch the route then, and says so).
   */
  noTrack: boolean;
  /** static_routes only: a track_group defined above it; needs `dev`. */
  trackGroup?: string;
  pos: SourcePos;
}

/** An `ip rule`-style line of `static_rules` / `virtual_rules`. */
export interface Rule {
  /**
   * `preference` / `priority` / `order`. When absent keepalived assigns one counting down from
   * 16384 and warns; `preferenceAssigned` records that.
   */
  preference: number;
  preferenceAssigned: boolean;
  family: Family;
  from?: Prefix;
  to?: Prefix;
  /** `table` / `lookup`. */
  table?: string;
  /** Action type: `goto N`, `nop`, blackhole, unreachable, prohibit (absent = lookup table). */
  action?: string;
  iif?: string;
  oif?: string;
  /** `fwmark N[/MASK]` as written. */
  fwmark?: string;
  tos?: string;
  /** Further `ip rule` attributes (realms, uidrange, sport, ...) as written. */
  options: Record<string, string>;
  noTrack: boolean;
  /** static_rules only: a track_group defined above it; needs `iif` (or `dev`). */
  trackGroup?: string;
  pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// global_defs

export interface SmtpServer {
  address: string;
  family: Family;
  /** Default 25. */
  port: number;
}

export interface NotifyFifo {
  path: string;
  user?: string;
  group?: string;
  /** The matching `*_fifo_script`, run with the FIFO path as an extra last argument. */
  script?: ScriptCommand;
}

export interface LvsSyncDaemon {
  interface: string;
  /** The VRRP instance whose state starts the master or backup sync daemon. */
  vrrpInstance: string;
  syncId?: number;
  maxlen?: number;
  port?: number;
  ttl?: number;
  group?: string;
  pos: SourcePos;
}

/** A keyword keepalived accepts that keepalived-ts records but does not act on (yet). */
export interface UnmodelledSetting {
  keyword: string;
  args: string[];
  pos: SourcePos;
}

export interface GlobalDefs {
  routerId?: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: SmtpServer;
  /** Default 30 s. */
  smtpConnectTimeout: number;
  smtpHeloName?: string;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  enableScriptSecurity: boolean;
  scriptUser?: { user: string; group?: string };
  /** Do not check that adverts carry the same addresses as ours. */
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  /**
   * `dynamic_interfaces [allow_if_changes]`: instances may name interfaces that do not exist
   * (yet); such an instance is in FAULT until its interface appears.
   */
  dynamicInterfaces: boolean;
  /** Default VRRP version for instances (2). */
  vrrpVersion: 2 | 3;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  /** Pacing of GARPs / unsolicited NAs on one interface (0 = none). */
  vrrpGarpInterval: number;
  vrrpGnaInterval: number;
  vrrpGarpMasterDelay: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefresh: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelay?: number;
  vrrpGarpLowerPrioRepeat?: number;
  vrrpMinGarp: boolean;
  vrrpDownTimerAdverts: number;
  vrrpLowerPrioNoAdvert: boolean;
  vrrpHigherPrioSendAdvert: boolean;
  v3ChecksumAsV2: boolean;
  vrrpCheckUnicastSrc: boolean;
  vrrpNotifyPriorityChanges: boolean;
  vrrpStartupDelay: number;
  vrrpOwnerIgnoreAdverts: boolean;
  /** Interface used by instances that name none (default eth0). */
  defaultInterface: string;
  lvsFlush: boolean;
  /** `lvs_flush_on_stop` (alias `lvs_flush_onstop`): 'all' flushes the table, 'vs' only ours. */
  lvsFlushOnStop?: 'all' | 'vs';
  lvsTimeouts?: { tcp?: number; tcpfin?: number; udp?: number };
  lvsSyncDaemon?: LvsSyncDaemon;
  notifyFifo?: NotifyFifo;
  vrrpNotifyFifo?: NotifyFifo;
  lvsNotifyFifo?: NotifyFifo;
  checkerLogAllFailures: boolean;
  startupScript?: ScriptCommand;
  shutdownScript?: ScriptCommand;
  reloadCheckConfig: boolean;
  stateDumpFile?: string;
  statsDumpFile?: string;
  jsonDumpFile?: string;
  /**
   * `max_auto_priority`: when a VRRP timer runs more than minAutoPriorityDelay late, the VRRP
   * thread goes realtime (SCHED_RR 1) and one higher at each further delay, up to this; 0 (the
   * default) never, -1 also silences keepalived's start-up notice.
   */
  maxAutoPriority?: number;
  /** `min_auto_priority_delay`: microseconds (default 1,000,000). */
  minAutoPriorityDelay?: number;
  /** `vrrp_rt_priority`: the VRRP thread runs SCHED_RR at this priority (1..99). */
  vrrpRtPriority?: number;
  /** `checker_rt_priority`: the checker worker thread runs SCHED_RR at this priority (1..99). */
  checkerRtPriority?: number;
  /** `vrrp_rlimit_rttime`: RLIMIT_RTTIME while the VRRP thread is realtime, µs (default 10,000). */
  vrrpRlimitRttime?: number;
  /** `checker_rlimit_rttime`: the same for the checker worker thread, µs (default 10,000). */
  checkerRlimitRttime?: number;
  /** `vrrp_priority`: nice value (-20..19) of the VRRP thread (the main thread). */
  vrrpPriority?: number;
  /** `checker_priority`: nice value (-20..19) of the checker worker thread. */
  checkerPriority?: number;
  unmodelled: UnmodelledSetting[];
  pos?: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Trackers

export interface VrrpScript {
  name: string;
  script: ScriptCommand;
  /** Seconds between runs (default 1). */
  interval: number;
  /** Seconds before a run counts as failed (default = interval). */
  timeout: number;
  /** Added to the priority while OK (positive) or while failing (negative); 0 = FAULT on failure. */
  weight: number;
  /** `weight N reverse`: apply the weight the other way round. */
  weightReverse: boolean;
  /** Consecutive successes to become OK / failures to become KO (default 1 each). */
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  /** Start in the failed state rather than OK. */
  initFail: boolean;
  pos: SourcePos;
}

export interface TrackFile {
  name: string;
  path: string;
  /** Multiplied by the integer in the file (default 1). */
  weight: number;
  weightReverse: boolean;
  /** `init_file [VAL] [overwrite]`: create the file with VAL (default 0) at start. */
  initFile?: { value: number; overwrite: boolean };
  pos: SourcePos;
}

export interface TrackProcess {
  name: string;
  process: string;
  /** Arguments to match when `param_match` is given. */
  params: string[];
  paramMatch?: 'exact' | 'initial' | 'partial';
  weight: number;
  weightReverse: boolean;
  /** Minimum / maximum number of matching processes for "up" (default 1 / unlimited). */
  quorum: number;
  quorumMax?: number;
  /**
   * Seconds to wait before acting on a process going away / appearing (0.000001..3600). `delay`
   * sets both, `terminate_delay` / `fork_delay` one each, applied in order: the last one wins, as
   * vrrp_parser.c vrrp_tprocess_delay_general does. Absent = act at once.
   */
  terminateDelay?: number;
  forkDelay?: number;
  fullCommand: boolean;
  pos: SourcePos;
}

export interface BfdInstance {
  name: string;
  /** `neighbor_ip` (alias `neighbour_ip`): the BFD peer. */
  neighborIp: string;
  sourceIp?: string;
  family: Family;
  /** Milliseconds, as BFD configures them (defaults 10, 10, 1000). */
  minRx: number;
  minTx: number;
  idleTx: number;
  /** Missed packets before the session is down (default 5). */
  multiplier: number;
  /** Wait for the peer to start the session. */
  passive: boolean;
  /** `ttl` / `hoplimit` sent; default 255 (IPv4) or 64 (IPv6). */
  ttl?: number;
  /** Lowest TTL accepted = ttl − maxHops. */
  maxHops?: number;
  multihop: boolean;
  /** Priority change for VRRP instances tracking it (default 0 = FAULT while down). */
  weight: number;
  pos: SourcePos;
}

/** One line of a `track_script` / `track_file` / `track_process` / `track_bfd` block. */
export interface TrackRef {
  name: string;
  /** Overrides the tracker's own weight when given. */
  weight?: number;
  /** `reverse` / `noreverse` when given (overrides the tracker's). */
  reverse?: boolean;
  pos: SourcePos;
}

/** One line of a `track_interface` block. */
export interface TrackInterface {
  name: string;
  /** Absent = the instance goes to FAULT while the interface is down. */
  weight?: number;
  reverse: boolean;
  pos: SourcePos;
}

export interface Tracking {
  interfaces: TrackInterface[];
  scripts: TrackRef[];
  files: TrackRef[];
  processes: TrackRef[];
  bfds: TrackRef[];
}

/** notify scripts of an instance or sync group. */
export interface VrrpNotify {
  master?: ScriptCommand;
  backup?: ScriptCommand;
  fault?: ScriptCommand;
  stop?: ScriptCommand;
  /** `notify_deleted [script]`: report DELETED instead of FAULT for removed instances. */
  deleted?: ScriptCommand | true;
  masterRxLowerPri?: ScriptCommand;
  /** Generic `notify`: called with TYPE NAME STATE PRIORITY appended. */
  generic?: ScriptCommand;
}

// ---------------------------------------------------------------------------------------------
// VRRP

export interface VrrpSyncGroup {
  name: string;
  /** Names of the member instances (from the inner `group { }` block), in order. */
  members: string[];
  tracking: Tracking;
  notify: VrrpNotify;
  smtpAlert: boolean;
  notifyPriorityChanges: boolean;
  /** Honour members' weighted trackers (otherwise ignored in a sync group). */
  syncGroupTrackingWeight: boolean;
  pos: SourcePos;
}

export interface UnicastPeer {
  address: string;
  family: Family;
  minTtl?: number;
  maxTtl?: number;
  pos: SourcePos;
}

export interface VrrpAuthentication {
  type: 'PASS' | 'AH';
  /** Only the first 8 characters are used (VRRPv2 auth data field). */
  password: string;
  pos: SourcePos;
}

/** `use_vmac [NAME] [MAC]` (keepalived 2.2.7 reads two words, in either order). */
export interface UseVmac {
  /** macvlan interface name; default `vrrp.<VRID>` (IPv4) / `vrrp6.<VRID>`. */
  name?: string;
  /**
   * MAC of the macvlan, lower case; default the VRRP virtual MAC 00:00:5e:00:01|02:<VRID>. Five
   * octets (`02:00:00:00:10`) mean "these, then the VRID".
   */
  mac?: string;
  pos: SourcePos;
}

/** `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]`: an ipvlan (L2) interface for the VIPs. */
export interface UseIpvlan {
  /** ipvlan interface name; default `vrrp.<VRID>` (IPv4) / `vrrp6.<VRID>`. */
  name?: string;
  /** Address put on the ipvlan; also the advert source unless unicast_src_ip / mcast_src_ip. */
  address?: { address: string; prefixLength: number; family: Family };
  /** IPVLAN_F_* mode flag; default bridge. */
  mode: 'bridge' | 'private' | 'vepa';
  pos: SourcePos;
}

/** GARP / unsolicited-NA timing of one instance, defaulted from the `vrrp_garp_*` globals. */
export interface GarpSettings {
  /** Delay of the second burst after becoming MASTER (default 5 s). */
  masterDelay: number;
  /** GARPs per burst (default 5). */
  masterRepeat: number;
  /** Periodic refresh while MASTER (0 = off). */
  masterRefresh: number;
  masterRefreshRepeat: number;
  /** After receiving a lower-priority advert as MASTER; absent = same as master values. */
  lowerPrioDelay?: number;
  lowerPrioRepeat?: number;
  /**
   * Pacing on the instance's interface (seconds, 0 = none): the `garp_group` naming that interface
   * when there is one (an interval it does not set is 0 there), else `vrrp_garp_interval` /
   * `vrrp_gna_interval` (vrrp_if.c set_default_garp_delay).
   */
  interval: number;
  gnaInterval: number;
  /** Only one GARP, no second burst (`vrrp_min_garp`). */
  minGarp: boolean;
}

export type VrrpState = 'MASTER' | 'BACKUP';

export interface VrrpInstance {
  name: string;
  /** Initial state as configured. Absent: MASTER with priority 255, else BACKUP. */
  state: VrrpState;
  /** Absent only for unicast instances, which may omit it; see `GlobalDefs.defaultInterface`. */
  interface?: string;
  virtualRouterId: number;
  /** 1..255; absent: 255 with state MASTER, else 100. */
  priority: number;
  /** Seconds (default 1). v2 uses whole seconds; v3 centiseconds. */
  advertInt: number;
  /** From `version`, else global `vrrp_version`; IPv6 instances are always 3. */
  version: 2 | 3;
  /** Family of the advertised VIPs (IPv4 when there are none). */
  family: Family;
  authentication?: VrrpAuthentication;
  virtualIpaddresses: IpAddress[];
  virtualIpaddressesExcluded: IpAddress[];
  /** `no_virtual_ipaddress`: a VIP-less instance is intended (no warning). */
  noVirtualIpaddress: boolean;
  virtualRoutes: Route[];
  virtualRules: Rule[];
  /** Source address of adverts (`unicast_src_ip`, or `mcast_src_ip`). */
  unicastSrcIp?: string;
  mcastSrcIp?: string;
  unicastPeers: UnicastPeer[];
  unicastFaultNoPeer: boolean;
  /** TTL of unicast adverts (default 255). */
  unicastTtl: number;
  checkUnicastSrc: boolean;
  /** Multicast destination; default from `vrrp_mcast_group4/6`. */
  mcastDstIp?: string;
  /** Preempt a lower-priority master (default true; `nopreempt` clears it). */
  preempt: boolean;
  /** Seconds to wait before preempting (0..1000, default 0). */
  preemptDelay: number;
  tracking: Tracking;
  /** Ignore faults of the instance's own interface. */
  dontTrackPrimary: boolean;
  /** Monitor the source address (unicast_src_ip) and fault when it goes. */
  trackSrcIp: boolean;
  notify: VrrpNotify;
  notifyPriorityChanges: boolean;
  smtpAlert: boolean;
  /** Accept packets to the VIPs when not the owner (default true unless strict mode). */
  accept: boolean;
  garp: GarpSettings;
  /** Number of advert intervals before a BACKUP declares the master down (default 3). */
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  ownerIgnoreAdverts: boolean;
  useVmac?: UseVmac;
  useIpvlan?: UseIpvlan;
  /** Send adverts from the base interface rather than the VMAC. */
  vmacXmitBase: boolean;
  /** strict RFC mode, from `strict_mode` or global `vrrp_strict`. */
  strictMode: boolean;
  skipCheckAdvAddr: boolean;
  promoteSecondaries: boolean;
  /** IPv4 v3 checksum without pseudo-header (interop with RFC 9568 peers). */
  v3ChecksumAsV2: boolean;
  vrf?: string;
  /** The sync group this instance belongs to, if any (set by validateConfig, not the builder). */
  syncGroup?: string;
  /** Niche keywords (auth_hmac, garp_extra_if, ...) accepted and recorded but not acted on. */
  unmodelled: UnmodelledSetting[];
  pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Root blocks about interfaces and static entries (vrrp_parser.c)

/** `garp_group { ... }`: GARP / NA pacing for the interfaces it names, instead of the globals. */
export interface GarpGroup {
  /**
   * keepalived's aggregation group number, which its messages name: 1, 2, ... in order for groups
   * with a non-empty `interfaces` block, 0 for the others.
   */
  number: number;
  /** Seconds between GARPs on one interface (0..2147.483647); absent = not paced. */
  garpInterval?: number;
  /** Seconds between unsolicited NAs on one interface; absent = not paced. */
  gnaInterval?: number;
  /** From `interface IF` lines and `interfaces { ... }` blocks; an interface is in one group only. */
  interfaces: Array<{ name: string; pos: SourcePos }>;
  pos: SourcePos;
}

/**
 * GARP / NA pacing on interface `ifname`, in seconds: its garp_group's (an interval the group does
 * not set is 0 there), else the globals (vrrp_if.c set_default_garp_delay).
 */
export function interfaceGarpPacing(
  garpGroups: readonly GarpGroup[],
  globals: Pick<GlobalDefs, 'vrrpGarpInterval' | 'vrrpGnaInterval'>,
  ifname: string,
): { garpInterval: number; gnaInterval: number } {
  const group = garpGroups.find((g) => g.interfaces.some((i) => i.name === ifname));
  if (group) return { garpInterval: group.garpInterval ?? 0, gnaInterval: group.gnaInterval ?? 0 };
  return { garpInterval: globals.vrrpGarpInterval, gnaInterval: globals.vrrpGnaInterval };
}

/**
 * `track_group NAME { group { VI ... } }`: the VRRP instances that go to FAULT while the interface
 * of a static address, route or rule naming this group (`track_group NAME`) is down.
 */
export interface TrackGroup {
  name: string;
  /** Instance names, in order (unknown ones are dropped by validateConfig, with a warning). */
  members: string[];
  pos: SourcePos;
}

/** One line of `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`: poll the link state. */
export interface LinkbeatInterface {
  name: string;
  /** How to poll; absent = keepalived tries MII, then ETHTOOL, then IOCTL. */
  method?: 'MII' | 'ETHTOOL' | 'IOCTL';
  pos: SourcePos;
}

/** One line of `interface_up_down_delays { IF DOWN [UP] }`: debounce link changes. */
export interface InterfaceUpDownDelay {
  name: string;
  /** Seconds a link must stay down before it counts as down (0..255). */
  downDelay: number;
  /** Seconds a link must stay up before it counts as up (0..255, default 0). */
  upDelay: number;
  pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// LVS

export type VirtualServerGroupEntry =
  | {
      kind: 'address';
      family: Family;
      /** First address of the entry. */
      address: string;
      /** Last address of a range (`10.0.0.3-10` → 10.0.0.10); absent for a single address. */
      lastAddress?: string;
      /** 0 = the virtual server's port is not fixed by the group. */
      port: number;
      pos: SourcePos;
    }
  | { kind: 'fwmark'; fwmark: number; family?: Family; pos: SourcePos };

export interface VirtualServerGroup {
  name: string;
  entries: VirtualServerGroupEntry[];
  pos: SourcePos;
}

/** What `virtual_server ...` names. */
export type VirtualServerKey =
  | { kind: 'address'; address: string; family: Family; port: number }
  | { kind: 'fwmark'; fwmark: number; family: Family }
  | { kind: 'group'; group: string };

/**
 * Checker timing defaults as given on a virtual server, and on a real server after inheriting the
 * virtual server's (keepalived.md §3.9). Unset values fall through to each checker type's default.
 */
export interface TimingDefaults {
  /** Seconds between checks while stable (VS default 60). */
  delayLoop: number;
  /** Seconds to connect and get an answer (VS default 5). */
  connectTimeout: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  /** Start checkers down, requiring a success first. */
  alpha: boolean;
}

/** A checker's resolved timing. */
export interface CheckerTiming {
  delayLoop: number;
  connectTimeout: number;
  /** Further failures before declaring down (default 1; MISC 0; DNS 3). */
  retry: number;
  /** Seconds between retries (default 1; HTTP/SSL 3; DNS = delayLoop). */
  delayBeforeRetry: number;
  /** Maximum random delay before the first check (default = delayLoop). */
  warmup: number;
  alpha: boolean;
  logAllFailures: boolean;
}

/** Where a network checker connects; absent fields default to the real server's. */
export interface CheckerConnection {
  connectIp?: string;
  connectPort?: number;
  bindTo?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
}

export interface HttpUrl {
  path: string;
  /** Expected MD5 of the body, lower-case hex. */
  digest?: string;
  /** Accepted status ranges, inclusive; default [[200, 299]]. */
  statusCodes: Array<[number, number]>;
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  pos: SourcePos;
}

interface CheckerBase {
  timing: CheckerTiming;
  pos: SourcePos;
}

interface NetworkCheckerBase extends CheckerBase {
  connection: CheckerConnection;
}

export interface TcpCheck extends NetworkCheckerBase {
  type: 'TCP_CHECK';
}

export interface HttpCheck extends NetworkCheckerBase {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  fastRecovery: boolean;
  enableSni: boolean;
  tlsCompliant: boolean;
}

export interface MiscCheck extends CheckerBase {
  type: 'MISC_CHECK';
  script: ScriptCommand;
  /** Seconds before the script is killed (default delayLoop). */
  timeout: number;
  /** Exit codes 2..255 set the weight to code − 2. */
  dynamic: boolean;
}

export interface SmtpCheck extends NetworkCheckerBase {
  type: 'SMTP_CHECK';
  heloName: string;
  /** Deprecated `host { }` blocks: additional connections that must all pass. */
  hosts: Array<CheckerConnection & { pos: SourcePos }>;
}

export interface DnsCheck extends NetworkCheckerBase {
  type: 'DNS_CHECK';
  queryType: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';
  name: string;
}

export interface UdpCheck extends NetworkCheckerBase {
  type: 'UDP_CHECK';
  /** Datagram to send, hex. */
  payload?: string;
  /** Required reply, hex; `X` nibbles are wildcards. */
  requireReply?: string;
  minReplyLength: number;
  maxReplyLength: number;
}

export interface PingCheck extends NetworkCheckerBase {
  type: 'PING_CHECK';
}

export interface FileCheck {
  type: 'FILE_CHECK';
  trackFile: string;
  weight?: number;
  reverse: boolean;
  pos: SourcePos;
}

export interface BfdCheck {
  type: 'BFD_CHECK';
  name: string;
  alpha: boolean;
  pos: SourcePos;
}

export type Checker =
  | TcpCheck
  | HttpCheck
  | MiscCheck
  | SmtpCheck
  | DnsCheck
  | UdpCheck
  | PingCheck
  | FileCheck
  | BfdCheck;

export type CheckerType = Checker['type'];

export interface TunnelSettings {
  type: 'ipip' | 'gue' | 'gre';
  port?: number;
  checksum?: 'nocsum' | 'csum' | 'remcsum';
}

export interface SorryServer {
  address: string;
  family: Family;
  /** Default: the virtual server's port. */
  port: number;
  lvsMethod?: LvsMethod;
  pos: SourcePos;
}

export interface RealServer {
  address: string;
  family: Family;
  /** Omitted → the VS port (and 0 for non-NAT fwmark services). */
  port: number;
  /** Default: the VS `weight` (1). */
  weight: number;
  inhibitOnFailure: boolean;
  lvsMethod: LvsMethod;
  tunnel?: TunnelSettings;
  upperThreshold: number;
  lowerThreshold: number;
  notifyUp?: ScriptCommand;
  notifyDown?: ScriptCommand;
  /** RS alerts default to on. */
  smtpAlert: boolean;
  virtualhost?: string;
  /** Timing this server's checkers inherit (its own values over the virtual server's). */
  timing: TimingDefaults;
  checkers: Checker[];
  pos: SourcePos;
}

export interface VirtualServer {
  key: VirtualServerKey;
  /** Absent on a non-fwmark VS: UDP, with a warning (keepalived's default). */
  protocol: Protocol;
  /** Scheduler name; default wlc (with a warning). */
  lvsSched: string;
  /** Forwarding method for its real servers; default NAT (with a warning). */
  lvsMethod: LvsMethod;
  tunnel?: TunnelSettings;
  /** Seconds; absent = not persistent. `persistence_timeout` without a value = 360. */
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  timing: TimingDefaults;
  inhibitOnFailure: boolean;
  sorryServer?: SorryServer;
  sorryServerInhibit: boolean;
  /** Minimum total weight of live real servers (default 1). */
  quorum: number;
  hysteresis: number;
  quorumUp?: ScriptCommand;
  quorumDown?: ScriptCommand;
  /** Run notify_down / quorum_down on shutdown. */
  omega: boolean;
  /** Disable checkers while the VS address is not on this host. */
  haSuspend: boolean;
  virtualhost?: string;
  smtpAlert?: boolean;
  /** `ip_family inet|inet6`: needed for fwmark services; otherwise from the address. */
  ipFamily?: Family;
  /** One-packet scheduling (UDP). */
  ops: boolean;
  /** Scheduler flags IP_VS_SVC_F_SCHED1..3 (`flag-1..3`, `sh-port`, `sh-fallback`, `mh-*`). */
  schedFlags: { flag1: boolean; flag2: boolean; flag3: boolean };
  /** Default real server weight (undocumented `weight`, default 1). */
  weight: number;
  realServers: RealServer[];
  pos: SourcePos;
}

export interface SslContext {
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
  pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// The whole configuration

export interface KeepalivedConfig {
  /** Every file read, main file first. */
  files: string[];
  /** The config-id that selected `@ID` lines. */
  configId: string;
  /** Root `net_namespace NAME`: run inside that namespace. */
  netNamespace?: string;
  /** Root `instance NAME`: names pid files and dumps. */
  instance?: string;
  globalDefs: GlobalDefs;
  vrrpScripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  bfdInstances: BfdInstance[];
  vrrpSyncGroups: VrrpSyncGroup[];
  vrrpInstances: VrrpInstance[];
  staticAddresses: IpAddress[];
  staticRoutes: Route[];
  staticRules: Rule[];
  garpGroups: GarpGroup[];
  trackGroups: TrackGroup[];
  /** At most one entry per interface: a later line for the same interface replaces it. */
  linkbeatInterfaces: LinkbeatInterface[];
  /** At most one entry per interface: a later line for the same interface replaces it. */
  interfaceUpDownDelays: InterfaceUpDownDelay[];
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
  ssl?: SslContext;
  /** Root-level keywords accepted and recorded but not acted on. */
  unmodelled: UnmodelledSetting[];
}
