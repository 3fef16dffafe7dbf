// What a reload (SIGHUP) changes: the old and the new configuration model compared object by
// object, keyed the way keepalived keys them (instance name, virtual server address, real server
// address:port). The subsystems use the plan to keep what survives untouched (instance state and
// VIPs, checker verdicts) and act only on what was added, removed or changed; the plan's `changes`
// lines go into the `config.loaded` event. Pure: no I/O, no clock.
import type { Diagnostic } from '../config/diagnostic.js';
import { virtualServerName } from '../check/from-config.js';
import type { KeepalivedConfig, RealServer, VrrpInstance } from '../config/model.js';
import { destinationName } from '../ipvs/types.js';

export interface NameDiff {
  added: string[];
  removed: string[];
  /** Present in both with different settings, each with the names of the fields that differ. */
  changed: Array<{ name: string; fields: string[] }>;
  /** Present in both, identical. */
  kept: string[];
}

export interface ReloadPlan {
  instances: NameDiff;
  virtualServers: NameDiff;
  /** Real servers of each virtual server present in both configs. */
  realServers: Record<string, NameDiff>;
  /** global_defs fields that changed. */
  globals: string[];
  /** One human line per change, for the config.loaded event. */
  changes: string[];
  /** Why the new config cannot be applied by a reload (keepalived refuses these too). */
  refused: Diagnostic[];
}

export function realServerName(rs: RealServer): string {
  return destinationName(rs);
}

/** Keys of a model object that hold a value (JSON drops undefined ones: absent and undefined are alike). */
function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => k !== 'pos' && o[k] !== undefined);
}

/**
 * Whether two pieces of the configuration model are the same, source positions aside (two objects
 * that differ only in where they were written are the same). The model is plain data: objects,
 * arrays and primitives. Stops at the first difference: a reload of 10,000 unchanged real servers
 * compares them on the VRRP thread, so this must be cheap.
 */
function sameSetting(a: unknown, b: unknown): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameSetting(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = definedKeys(ra);
  return keys.length === definedKeys(rb).length && keys.every((k) => sameSetting(ra[k], rb[k]));
}

function differingFields(a: object, b: object, ignore: readonly string[] = []): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const compared = (k: string) => k !== 'pos' && !ignore.includes(k);
  const fields = Object.keys(ra).filter((k) => compared(k) && !sameSetting(ra[k], rb[k]));
  for (const k of Object.keys(rb)) {
    if (!Object.hasOwn(ra, k) && compared(k) && rb[k] !== undefined) fields.push(k);
  }
  return fields.sort();
}

function diffByName<T extends object>(
  before: readonly T[],
  after: readonly T[],
  name: (x: T) => string,
  ignore: readonly string[] = [],
): NameDiff {
  const old = new Map(before.map((x) => [name(x), x]));
  const next = new Map(after.map((x) => [name(x), x]));
  const diff: NameDiff = { added: [], removed: [], changed: [], kept: [] };
  for (const [n, x] of next) {
    const prev = old.get(n);
    if (!prev) {
      diff.added.push(n);
      continue;
    }
    const fields = differingFields(prev, x, ignore);
    if (fields.length > 0) diff.changed.push({ name: n, fields });
    else diff.kept.push(n);
  }
  for (const n of old.keys()) if (!next.has(n)) diff.removed.push(n);
  return diff;
}

function describe(kind: string, diff: NameDiff): string[] {
  return [
    ...diff.added.map((n) => `${kind} ${n} added`),
    ...diff.removed.map((n) => `${kind} ${n} removed`),
    ...diff.changed.map((c) => `${kind} ${c.name} changed: ${c.fields.join(', ')}`),
  ];
}

const vsName = virtualServerName;

export function planReload(before: KeepalivedConfig, after: KeepalivedConfig): ReloadPlan {
  const refused: Diagnostic[] = [];
  if ((before.netNamespace ?? '') !== (after.netNamespace ?? '')) {
    refused.push({
      severity: 'error',
      code: 'reload-namespace-changed',
      message: `net_namespace cannot change on reload ('${before.netNamespace ?? ''}' -> '${after.netNamespace ?? ''}'); restart the daemon`,
    });
  }
  if ((before.instance ?? '') !== (after.instance ?? '')) {
    refused.push({
      severity: 'error',
      code: 'reload-instance-changed',
      message: `instance cannot change on reload ('${before.instance ?? ''}' -> '${after.instance ?? ''}'); restart the daemon`,
    });
  }

  const instances = diffByName<VrrpInstance>(
    before.vrrpInstances,
    after.vrrpInstances,
    (i) => i.name,
  );
  // A virtual server's real servers are diffed on their own below: a new real server is a change
  // of that server, not a replacement of the whole virtual server.
  const virtualServers = diffByName(before.virtualServers, after.virtualServers, vsName, [
    'realServers',
  ]);
  const oldVs = new Map(before.virtualServers.map((vs) => [vsName(vs), vs]));
  const realServers: Record<string, NameDiff> = {};
  const rsChanges: string[] = [];
  for (const vs of after.virtualServers) {
    const name = vsName(vs);
    const prev = oldVs.get(name);
    if (!prev) continue;
    const diff = diffByName(prev.realServers, vs.realServers, realServerName);
    realServers[name] = diff;
    rsChanges.push(...describe(`real server ${name} ->`, diff));
  }
  const globals = differingFields(before.globalDefs, after.globalDefs);

  return {
    instances,
    virtualServers,
    realServers,
    globals,
    changes: [
      ...describe('instance', instances),
      ...describe('virtual server', virtualServers),
      ...rsChanges,
      ...(globals.length > 0 ? [`global_defs changed: ${globals.join(', ')}`] : []),
    ],
    refused,
  };
}
