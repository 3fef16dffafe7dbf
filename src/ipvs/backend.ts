// Where IPVS operations go: the kernel (KernelBackend, over IpvsClient) or an in-memory table
// (DryRunBackend: `--dry-run`, tests, `plan`). Both raise the kernel's errors (NetlinkError
// EEXIST / ENOENT), so applyOps() gives both keepalived's adoption semantics:
//   EEXIST on an add and ENOENT on a delete count as success; an edit hitting ENOENT is retried
//   as an add (keepalived.md §3.5).
// applyOps() logs every operation it applied as event ipvs.service.add|edit|del or
// ipvs.dest.add|edit|del, with service, dest, weight and method.
import { constants } from 'node:os';
import type { Logger } from '../observe/log.js';
import { NetlinkError, isExist, isNotExist } from '../netlink/errors.js';
import { IPVS_MAX_IN_FLIGHT, IpvsClient } from './client.js';
import { describeOp, findService, opServiceKey, serviceId, type IpvsOp } from './reconcile.js';
import {
  destinationName,
  serviceName,
  type IpvsTable,
  type ServiceEntry,
  type ServiceKey,
} from './types.js';

export interface IpvsBackend {
  /** True when nothing reaches the kernel. */
  readonly dryRun: boolean;
  read(): Promise<IpvsTable>;
  /** One service with its destinations, undefined when the table has no such service. */
  readService(key: ServiceKey): Promise<ServiceEntry | undefined>;
  apply(op: IpvsOp): Promise<void>;
}

export class KernelBackend implements IpvsBackend {
  readonly dryRun = false;

  constructor(private readonly client: IpvsClient) {}

  read(): Promise<IpvsTable> {
    return this.client.readTable();
  }

  /** The service by its key, and a dump of its destinations. */
  async readService(key: ServiceKey): Promise<ServiceEntry | undefined> {
    const service = await this.client.getService(key);
    return service && { service, destinations: await this.client.listDestinations(key) };
  }

  async apply(op: IpvsOp): Promise<void> {
    switch (op.kind) {
      case 'service.add':
        return this.client.addService(op.service);
      case 'service.edit':
        return this.client.editService(op.service);
      case 'service.del':
        return this.client.deleteService(op.service.key);
      case 'dest.add':
        return this.client.addDestination(op.service, op.dest);
      case 'dest.edit':
        return this.client.editDestination(op.service, op.dest);
      case 'dest.del':
        return this.client.deleteDestination(op.service, op.dest);
    }
  }
}

/** The kernel's refusal for an operation on the in-memory table. */
function refuse(op: IpvsOp, errno: number): NetlinkError {
  return new NetlinkError(`dry-run ${describeOp(op)}`, errno, 0);
}

/**
 * An in-memory IPVS table that behaves like the kernel's for the operations we send: the table of
 * `--ipvs dry-run` (applyOps logs each operation with dryRun: true) and of tests.
 */
export class DryRunBackend implements IpvsBackend {
  readonly dryRun = true;
  private readonly table: IpvsTable;

  constructor(initial: IpvsTable = []) {
    this.table = structuredClone(initial);
  }

  async read(): Promise<IpvsTable> {
    return structuredClone(this.table);
  }

  async readService(key: ServiceKey): Promise<ServiceEntry | undefined> {
    const entry = findService(this.table, key);
    return entry && structuredClone(entry);
  }

  async apply(op: IpvsOp): Promise<void> {
    if (op.kind === 'service.add') {
      if (findService(this.table, op.service.key)) throw refuse(op, constants.errno.EEXIST);
      this.table.push({ service: structuredClone(op.service), destinations: [] });
      return;
    }
    const entry = findService(this.table, opServiceKey(op));
    if (!entry) throw refuse(op, constants.errno.ESRCH);
    if (op.kind === 'service.edit') {
      entry.service = structuredClone(op.service);
      return;
    }
    if (op.kind === 'service.del') {
      this.table.splice(this.table.indexOf(entry), 1);
      return;
    }
    const name = destinationName(op.dest);
    const at = entry.destinations.findIndex((d) => destinationName(d) === name);
    switch (op.kind) {
      case 'dest.add':
        if (at >= 0) throw refuse(op, constants.errno.EEXIST);
        entry.destinations.push(structuredClone(op.dest));
        return;
      case 'dest.edit': {
        if (at < 0) throw refuse(op, constants.errno.ENOENT);
        // An edit changes settings; the connections the kernel counts stay as they are.
        const { connections } = entry.destinations[at];
        const { connections: _asked, ...settings } = structuredClone(op.dest);
        entry.destinations[at] = connections ? { ...settings, connections } : settings;
        return;
      }
      case 'dest.del':
        if (at < 0) throw refuse(op, constants.errno.ENOENT);
        entry.destinations.splice(at, 1);
        return;
    }
  }
}

export interface ApplyResult {
  /** Operations that took effect (adopted ones included). */
  applied: number;
  /** Operations that failed, with their errors; the rest were still attempted. */
  failed: Array<{ op: IpvsOp; error: Error }>;
}

/** The retry keepalived makes when an edit finds nothing to edit. */
function asAdd(op: IpvsOp): IpvsOp | undefined {
  if (op.kind === 'service.edit') return { kind: 'service.add', service: op.service };
  if (op.kind === 'dest.edit') return { kind: 'dest.add', service: op.service, dest: op.dest };
  return undefined;
}

async function applyAdopting(backend: IpvsBackend, op: IpvsOp): Promise<'applied' | 'adopted'> {
  try {
    await backend.apply(op);
    return 'applied';
  } catch (err) {
    if (op.kind.endsWith('.add') && isExist(err)) return 'adopted';
    if (op.kind.endsWith('.del') && isNotExist(err)) return 'adopted';
    const add = isNotExist(err) ? asAdd(op) : undefined;
    if (!add) throw err;
    await backend.apply(add);
    return 'applied';
  }
}

function logFields(op: IpvsOp) {
  if (!('dest' in op)) return { service: serviceName(op.service.key) };
  return {
    service: serviceName(op.service),
    dest: destinationName(op.dest),
    weight: op.dest.weight,
    method: op.dest.method,
  };
}

/**
 * Destination operations of one service sent before waiting for their answers. The kernel handles
 * a generic netlink request inside sendmsg, so requests take effect in the order sent; the client
 * packs the window's changes into one datagram with one ACK (NetlinkSocket.command). The window
 * matches the client's requests in flight, which its socket's receive buffer bounds (ipvs/client).
 */
const APPLY_WINDOW = IPVS_MAX_IN_FLIGHT;

/**
 * Applies operations in order with keepalived's adoption semantics, logging each. A failure is
 * logged and recorded, and the remaining operations are still tried (one bad entry must not keep
 * the rest of the table from being programmed); a failed service add skips its destinations.
 * Service operations are barriers: everything before one has been answered when it is sent.
 */
export async function applyOps(
  backend: IpvsBackend,
  ops: readonly IpvsOp[],
  log: Logger,
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, failed: [] };
  const failedServices = new Set<string>();
  const applyOne = async (op: IpvsOp) => {
    const fields = () => ({ event: `ipvs.${op.kind}`, ...logFields(op), dryRun: backend.dryRun });
    try {
      const outcome = await applyAdopting(backend, op);
      result.applied += 1;
      // Building the text costs more than the request under emulation: only when it is written.
      if (log.isLevelEnabled('info')) {
        log.info({ ...fields(), adopted: outcome === 'adopted' }, describeOp(op));
      }
    } catch (err) {
      const error = err as Error;
      result.failed.push({ op, error });
      if (op.kind === 'service.add') failedServices.add(serviceId(op.service.key));
      const code = (err as { code?: string }).code;
      log.error(
        { ...fields(), event: 'ipvs.op.failed', op: op.kind, code, err: error.message },
        `${describeOp(op)}: ${error.message}`,
      );
    }
  };
  let inflight: Array<Promise<void>> = [];
  const settle = async () => {
    await Promise.all(inflight);
    inflight = [];
  };
  for (const op of ops) {
    if (!('dest' in op)) {
      await settle();
      await applyOne(op);
      continue;
    }
    // serviceId() builds a string: only worth it once a service add has failed.
    if (failedServices.size > 0 && failedServices.has(serviceId(op.service))) continue;
    inflight.push(applyOne(op));
    if (inflight.length >= APPLY_WINDOW) await settle();
  }
  await settle();
  return result;
}
