// The IPVS reconciler, pure: the desired table against what the kernel holds → the ordered,
// minimal list of operations that turns one into the other, touching only services we own.
//
// API
//   diff(desired, actual, { owned, drain }): IpvsOp[]
//   describeOp(op): string                         one human line ("add dest tcp 10.0.0.1:80 -> ...")
//   serviceId(key) / findService(table, key)        identity of services across tables
//
// Order: for each desired service, add or edit it, then add, edit and remove its destinations
// (adds first, so a pool being replaced never runs empty); services we own that are no longer
// desired are removed last. Applying the result and diffing again yields no operations.
//
// Ownership (keepalived.md §3.5): entries that match the config are adopted as they are; services
// the config does not name are never touched. `owned` adds the services a previous config named
// (a reload removes those); the desired table's own services are always owned.
//
// Drain: instead of deleting a destination that still has active connections, set its weight to
// 0 and delete it on a later pass once the kernel reports none (kube-proxy's graceful removal,
// ipvs-netlink.md §1.9). A service with draining destinations is kept until they are gone.
import { destinationName, serviceName } from './types.js';
import type { Destination, IpvsTable, Service, ServiceEntry, ServiceKey } from './types.js';

export type IpvsOp =
  | { kind: 'service.add'; service: Service }
  | { kind: 'service.edit'; service: Service; before: Service }
  | { kind: 'service.del'; service: Service }
  | { kind: 'dest.add'; service: ServiceKey; dest: Destination }
  | { kind: 'dest.edit'; service: ServiceKey; dest: Destination; before: Destination }
  | { kind: 'dest.del'; service: ServiceKey; dest: Destination };

export interface DiffOptions {
  /** serviceId()s of services owned beyond the desired ones (named by a previous config). */
  owned?: ReadonlySet<string>;
  /** Quiesce (weight 0) destinations with active connections instead of deleting them. */
  drain?: boolean;
}

/**
 * Identity of a service in a table. Unlike serviceName(), it tells an IPv4 fwmark service from an
 * IPv6 one with the same mark: the kernel keeps both.
 */
export function serviceId(key: ServiceKey): string {
  return key.kind === 'fwmark'
    ? `fwmark ${key.fwmark} inet${key.family === 6 ? '6' : ''}`
    : serviceName(key);
}

function destinationId(d: Destination): string {
  return destinationName(d);
}

/** The service an operation acts on or within. */
export function opServiceKey(op: IpvsOp): ServiceKey {
  return 'dest' in op ? op.service : op.service.key;
}

export function findService(table: IpvsTable, key: ServiceKey): ServiceEntry | undefined {
  const id = serviceId(key);
  return table.find((e) => serviceId(e.service.key) === id);
}

function sameService(a: Service, b: Service): boolean {
  return (
    a.scheduler === b.scheduler &&
    a.flags === b.flags &&
    a.timeout === b.timeout &&
    a.netmask === b.netmask &&
    (a.persistenceEngine ?? '') === (b.persistenceEngine ?? '')
  );
}

/** Whether `actual` already is what `desired` asks for (connection counts aside). */
function sameDestination(desired: Destination, actual: Destination): boolean {
  // The kernel reports LOCALNODE for any destination whose address is local to the director,
  // whatever method was asked: that is the kernel's answer to our method, not drift.
  const methodMatches = actual.method === 'local' || actual.method === desired.method;
  const tunnelMatches =
    desired.method !== 'tun' ||
    ((desired.tunnelType ?? 'ipip') === (actual.tunnelType ?? 'ipip') &&
      (desired.tunnelPort ?? 0) === (actual.tunnelPort ?? 0) &&
      (desired.tunnelFlags ?? 0) === (actual.tunnelFlags ?? 0));
  return (
    methodMatches &&
    tunnelMatches &&
    desired.weight === actual.weight &&
    desired.upperThreshold === actual.upperThreshold &&
    desired.lowerThreshold === actual.lowerThreshold
  );
}

function hasActiveConnections(d: Destination): boolean {
  return (d.connections?.active ?? 0) > 0;
}

/**
 * What to do with a destination that should go: delete it, or with drain and live connections,
 * quiesce it (nothing when it already is quiesced).
 */
function removeDestination(key: ServiceKey, d: Destination, drain: boolean): IpvsOp[] {
  if (!drain || !hasActiveConnections(d)) return [{ kind: 'dest.del', service: key, dest: d }];
  if (d.weight === 0) return [];
  return [{ kind: 'dest.edit', service: key, dest: { ...d, weight: 0 }, before: d }];
}

function diffDestinations(
  key: ServiceKey,
  desired: readonly Destination[],
  actual: readonly Destination[],
  drain: boolean,
): IpvsOp[] {
  const actualById = new Map(actual.map((d) => [destinationId(d), d]));
  const desiredIds = new Set<string>();
  const adds: IpvsOp[] = [];
  const edits: IpvsOp[] = [];
  for (const d of desired) {
    const id = destinationId(d);
    if (desiredIds.has(id)) continue; // the same real server listed twice: the first one counts
    desiredIds.add(id);
    const current = actualById.get(id);
    if (!current) adds.push({ kind: 'dest.add', service: key, dest: d });
    else if (!sameDestination(d, current)) {
      edits.push({ kind: 'dest.edit', service: key, dest: d, before: current });
    }
  }
  const removals = actual
    .filter((d) => !desiredIds.has(destinationId(d)))
    .flatMap((d) => removeDestination(key, d, drain));
  return [...adds, ...edits, ...removals];
}

export function diff(desired: IpvsTable, actual: IpvsTable, opts: DiffOptions = {}): IpvsOp[] {
  const drain = opts.drain ?? false;
  const actualById = new Map(actual.map((e) => [serviceId(e.service.key), e]));
  const desiredIds = new Set<string>();
  const ops: IpvsOp[] = [];
  for (const want of desired) {
    const id = serviceId(want.service.key);
    if (desiredIds.has(id)) continue;
    desiredIds.add(id);
    const have = actualById.get(id);
    if (!have) ops.push({ kind: 'service.add', service: want.service });
    else if (!sameService(want.service, have.service)) {
      ops.push({ kind: 'service.edit', service: want.service, before: have.service });
    }
    ops.push(
      ...diffDestinations(want.service.key, want.destinations, have?.destinations ?? [], drain),
    );
  }
  for (const have of actual) {
    const id = serviceId(have.service.key);
    if (desiredIds.has(id) || !opts.owned?.has(id)) continue;
    const draining = drain ? have.destinations.filter(hasActiveConnections) : [];
    if (draining.length === 0) {
      ops.push({ kind: 'service.del', service: have.service });
      continue;
    }
    // Keep the service while its connections drain; the idle destinations can go now.
    for (const d of have.destinations) ops.push(...removeDestination(have.service.key, d, true));
  }
  return ops;
}

function describeService(s: Service): string {
  const parts = [`scheduler ${s.scheduler}`];
  if (s.timeout > 0) parts.push(`persistent ${s.timeout}s mask ${s.netmask}`);
  if (s.flags !== 0) parts.push(`flags 0x${s.flags.toString(16)}`);
  if (s.persistenceEngine) parts.push(`pe ${s.persistenceEngine}`);
  return `${serviceName(s.key)} (${parts.join(', ')})`;
}

function describeDestination(d: Destination): string {
  const parts = [d.method, `weight ${d.weight}`];
  if (d.upperThreshold || d.lowerThreshold) {
    parts.push(`thresholds ${d.lowerThreshold}..${d.upperThreshold}`);
  }
  if (d.method === 'tun' && d.tunnelType && d.tunnelType !== 'ipip') {
    parts.push(`${d.tunnelType}${d.tunnelPort ? ` port ${d.tunnelPort}` : ''}`);
  }
  return `${destinationName(d)} (${parts.join(', ')})`;
}

/** One line per operation, as `plan` prints them and logs quote them. */
export function describeOp(op: IpvsOp): string {
  switch (op.kind) {
    case 'service.add':
      return `add service ${describeService(op.service)}`;
    case 'service.edit':
      return `edit service ${describeService(op.service)}, was ${describeService(op.before)}`;
    case 'service.del':
      return `delete service ${serviceName(op.service.key)}`;
    case 'dest.add':
      return `add dest ${serviceName(op.service)} -> ${describeDestination(op.dest)}`;
    case 'dest.edit':
      return `edit dest ${serviceName(op.service)} -> ${describeDestination(op.dest)}, was weight ${op.before.weight} ${op.before.method}`;
    case 'dest.del':
      return `delete dest ${serviceName(op.service)} -> ${destinationName(op.dest)}`;
  }
}
