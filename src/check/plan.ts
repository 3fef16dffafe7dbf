// What the health-check side runs: the virtual servers, their real servers and each real server's
// checkers, with keepalived's defaults already applied (from-config.ts builds it from the config
// model). Plain data only: the plan crosses into the checker worker by structured clone. Times are
// milliseconds here (the config model speaks seconds).

import type { Family } from '../ipvs/types.js';

/** Where a network probe connects, and from where (keepalived's "connection group"). */
export interface Endpoint {
  address: string;
  port: number;
  family: Family;
  /** `bindto`: local source address. */
  bindTo?: string;
  /** `bind_port`: local source port. */
  bindPort?: number;
  /** Connect + answer budget, each phase (`connect_timeout`). */
  timeoutMs: number;
}

export interface TcpProbe {
  type: 'TCP_CHECK';
  endpoint: Endpoint;
}

export interface HttpUrlSpec {
  path: string;
  /** Expected MD5 of the body, lower-case hex. */
  digest?: string;
  /** Accepted status ranges, inclusive. */
  statusCodes: Array<[number, number]>;
  /** Host header for this URL (overrides the checker's). */
  virtualhost?: string;
  /** `regex`: the body must match (JavaScript syntax; keepalived uses PCRE2). */
  regex?: string;
  /** `regex_no_match`: the body must not match `regex`. */
  regexNoMatch?: boolean;
}

export interface TlsClientOptions {
  /** PEM paths from the root `SSL { }` block. */
  ca?: string;
  certificate?: string;
  key?: string;
  password?: string;
}

export interface HttpProbe {
  type: 'HTTP_GET' | 'SSL_GET';
  endpoint: Endpoint;
  urls: HttpUrlSpec[];
  /** Request line version and `Connection: close`: 1.0 (default), 1.0C, 1.1. */
  httpProtocol: '1.0' | '1.0C' | '1.1';
  /** Host header when the URL has none; absent = "ip:port" of the endpoint. */
  virtualhost?: string;
  /** SSL_GET `enable_sni`: send the URL's (else the checker's) virtualhost as SNI. */
  enableSni: boolean;
  tls?: TlsClientOptions;
}

export interface MiscProbe {
  type: 'MISC_CHECK';
  argv: string[];
  /** Run as this user (name or numeric id); absent = our own. */
  user?: string;
  group?: string;
  timeoutMs: number;
  /** `misc_dynamic`: exit codes 2..255 mean up with weight exit - 2. */
  dynamic: boolean;
}

export interface SmtpProbe {
  type: 'SMTP_CHECK';
  /** The real server's connection first, then any deprecated `host { }` blocks: all must pass. */
  endpoints: Endpoint[];
  heloName: string;
}

export type DnsQueryType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';

export interface DnsProbe {
  type: 'DNS_CHECK';
  endpoint: Endpoint;
  queryType: DnsQueryType;
  name: string;
}

export interface UdpProbe {
  type: 'UDP_CHECK';
  endpoint: Endpoint;
  /** Datagram to send, hex; absent = keepalived's 32-byte filler "keepalived check - kee...". */
  payload?: string;
  /** `require_reply [HEX]`: absent = any reply, or none, is fine (only an ICMP error fails). */
  requireReply?: { hex?: string };
  minReplyLength: number;
  maxReplyLength: number;
}

export interface PingProbe {
  type: 'PING_CHECK';
  endpoint: Endpoint;
}

export interface FileProbe {
  type: 'FILE_CHECK';
  path: string;
  /** Multiplier of the file's integer; 0 = any non-zero value is a failure. */
  weight: number;
  reverse: boolean;
}

export type ProbeSpec =
  TcpProbe | HttpProbe | MiscProbe | SmtpProbe | DnsProbe | UdpProbe | PingProbe | FileProbe;

/** A checker's loop timing (keepalived.md §3.9). */
export interface CheckerTimingMs {
  delayLoopMs: number;
  /** Further failures tolerated while up: retry + 1 failures in a row take it down. */
  retry: number;
  delayBeforeRetryMs: number;
  /** First run after BOOTSTRAP_DELAY_MS plus a random 0..warmupMs. */
  warmupMs: number;
  /** Start down; one success brings it up. */
  alpha: boolean;
}

export interface CheckerPlan {
  /** Index in the plan's flat checker list; stable for one plan. */
  id: number;
  /** "TCP_CHECK", or "TCP_CHECK#2" for the second of a type on the same real server. */
  name: string;
  probe: ProbeSpec;
  timing: CheckerTimingMs;
  /** `log_all_failures` (or the global `checker_log_all_failures`): log failures being retried. */
  logAllFailures?: boolean;
}

/** A notify or quorum script: its words, and whom it runs as (absent = as ourselves). */
export interface ScriptPlan {
  argv: string[];
  user?: string;
  group?: string;
}

export interface RealServerPlan {
  /** "10.0.0.2:80", "[fd00::2]:80" (destinationName). */
  name: string;
  address: string;
  port: number;
  family: Family;
  /** Configured weight (keepalived's iweight). */
  weight: number;
  inhibitOnFailure: boolean;
  notifyUp?: ScriptPlan;
  notifyDown?: ScriptPlan;
  checkers: CheckerPlan[];
}

export interface SorryServerPlan {
  address: string;
  port: number;
  family: Family;
}

export interface VirtualServerPlan {
  /** "tcp 10.0.0.1:80", "fwmark 1" (serviceName), or "group NAME". */
  name: string;
  /** The address whose presence enables the checkers under `ha_suspend`; absent = always on. */
  haSuspendAddress?: string;
  quorum: number;
  hysteresis: number;
  quorumUp?: ScriptPlan;
  quorumDown?: ScriptPlan;
  sorryServer?: SorryServerPlan;
  sorryServerInhibit: boolean;
  realServers: RealServerPlan[];
}

export interface CheckPlan {
  virtualServers: VirtualServerPlan[];
}

/** What one probe run found. */
export interface ProbeResult {
  ok: boolean;
  /** Why, in a few words: "connected", "HTTP status 503", "ECONNREFUSED", "timeout after 5000 ms". */
  reason: string;
  latencyMs: number;
  /** Dynamic weight (misc_dynamic, FILE_CHECK); see WeightAdjust. */
  weight?: WeightAdjust;
}

/**
 * How a checker moves its real server's weight. `set`: MISC_CHECK with misc_dynamic, the exit code
 * minus 2 becomes the weight; `add`: FILE_CHECK, the file's value times its weight is added to the
 * configured weight.
 */
export type WeightAdjust = { kind: 'set'; weight: number } | { kind: 'add'; offset: number };

/** Every checker of a plan, in id order. */
export function planCheckers(plan: CheckPlan): CheckerPlan[] {
  return plan.virtualServers.flatMap((vs) => vs.realServers.flatMap((rs) => rs.checkers));
}

/**
 * A checker's identity across plans (reloads): where it sits and exactly what it probes. A reload
 * carries a checker's state over only when this is unchanged, as keepalived migrates only checkers
 * that compare equal.
 */
export function checkerKey(
  vs: VirtualServerPlan,
  rs: RealServerPlan,
  checker: CheckerPlan,
): string {
  return `${vs.name} -> ${rs.name} ${checker.name} ${JSON.stringify(checker.probe)}`;
}

/** Where a checker sits: names as status and metrics show them. */
export interface CheckerPlace {
  virtualServer: string;
  realServer: string;
  /** As status shows it: "TCP_CHECK", "HTTP_GET#2". */
  checker: string;
  /** The probe type, as metrics label it: "HTTP_GET". */
  checkerType: ProbeSpec['type'];
}

/** Every checker's place, indexed by checker id. */
export function locateCheckers(plan: CheckPlan): CheckerPlace[] {
  const out: CheckerPlace[] = [];
  for (const vs of plan.virtualServers) {
    for (const rs of vs.realServers) {
      for (const c of rs.checkers) {
        out[c.id] = {
          virtualServer: vs.name,
          realServer: rs.name,
          checker: c.name,
          checkerType: c.probe.type,
        };
      }
    }
  }
  return out;
}

/** Checker ids of a plan by checkerKey. */
export function checkerIdsByKey(plan: CheckPlan): Map<string, number> {
  const ids = new Map<string, number>();
  for (const vs of plan.virtualServers) {
    for (const rs of vs.realServers) {
      for (const c of rs.checkers) ids.set(checkerKey(vs, rs, c), c.id);
    }
  }
  return ids;
}
