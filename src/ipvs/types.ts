// The IPVS table as keepalived-ts reasons about it: the same objects whether they are desired
// (from the config and the checkers' verdicts), read from the kernel, or held by the dry-run
// backend. Field meanings follow linux/ip_vs.h; encoding lives in codec.ts.

export type Family = 4 | 6;
export type Protocol = 'tcp' | 'udp' | 'sctp';
/**
 * IP_VS_CONN_F_MASQ / DROUTE / TUNNEL: keepalived's NAT / DR / TUN. 'local' (LOCALNODE) is only
 * ever read back: the kernel substitutes it for any method when the destination is a local address.
 */
export type ForwardMethod = 'nat' | 'dr' | 'tun' | 'local';

/** What identifies a virtual service in the kernel. */
export type ServiceKey =
  | { kind: 'addr'; family: Family; protocol: Protocol; address: string; port: number }
  | { kind: 'fwmark'; family: Family; fwmark: number };

export interface Service {
  key: ServiceKey;
  /** Scheduler name: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos. */
  scheduler: string;
  /** IP_VS_SVC_F_* bits (persistent, hashed, onepacket, sched flags 1..3). */
  flags: number;
  /** Persistence timeout in seconds (0 = not persistent). */
  timeout: number;
  /** Persistence netmask: dotted IPv4 mask, or IPv6 prefix length as a number string. */
  netmask: string;
  /** Persistence engine ("sip"), if any. */
  persistenceEngine?: string;
}

/** What identifies a destination within its service. */
export interface DestinationKey {
  family: Family;
  address: string;
  port: number;
}

export interface Destination extends DestinationKey {
  weight: number;
  method: ForwardMethod;
  upperThreshold: number;
  lowerThreshold: number;
  /** TUN encapsulation (IP_VS_CONN_F_TUNNEL_TYPE_*); absent = ipip. */
  tunnelType?: 'ipip' | 'gue' | 'gre';
  tunnelPort?: number;
  tunnelFlags?: number;
  /** Connection counts, present on destinations read from the kernel (drain decisions). */
  connections?: DestinationConnections;
}

export interface DestinationConnections {
  active: number;
  inactive: number;
  persistent: number;
}

export interface ServiceEntry {
  service: Service;
  destinations: Destination[];
}

/** A whole table: the services keepalived-ts wants (or that the kernel holds). */
export type IpvsTable = ServiceEntry[];

/** Canonical text of a service key, as logs and metrics name it: "tcp 10.0.0.1:80", "fwmark 1". */
export function serviceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `fwmark ${key.fwmark}`;
  const host = key.family === 6 ? `[${key.address}]` : key.address;
  return `${key.protocol} ${host}:${key.port}`;
}

/** Canonical text of a destination: "10.0.0.2:80", "[fd00::2]:80". */
export function destinationName(d: DestinationKey): string {
  return d.family === 6 ? `[${d.address}]:${d.port}` : `${d.address}:${d.port}`;
}
