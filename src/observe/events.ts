// The event schema of the JSON log stream: every event name a monitor may act on, with its level,
// its required and optional fields and their types. This table is the single source of truth:
// `emit` type-checks callers against it at compile time, `validateEvent` checks emitted lines at
// test time, and the reference section of docs/events.md is rendered from it (a unit test keeps
// the two identical).
import type { Logger } from './log.js';

/**
 * A field's type. `integer` and `number` are JSON numbers; a readonly string array is an enum;
 * `diagnostics` is a list of config findings as in `DiagnosticRecord`.
 */
export type FieldType =
  | 'string'
  | 'integer'
  | 'number'
  | 'boolean'
  | 'string[]'
  | 'object'
  | 'diagnostics'
  | readonly string[];

export interface FieldSpec {
  type: FieldType;
  optional?: true;
  doc: string;
}

export type EventLevel = 'info' | 'warn' | 'error';

export interface EventSpec {
  level: EventLevel;
  doc: string;
  fields: Readonly<Record<string, FieldSpec>>;
}

/** A config diagnostic as it appears in `config.rejected` / `config.loaded`. */
export interface DiagnosticRecord {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
}

/** Fields any line may carry: pino's level, time, pid, msg; a child logger's component. */
export const BASE_FIELDS: Readonly<Record<string, FieldSpec>> = {
  level: { type: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'], doc: 'severity' },
  time: { type: 'string', doc: 'ISO 8601 UTC time the line was written' },
  pid: { type: 'integer', doc: 'process id of the daemon' },
  msg: { type: 'string', optional: true, doc: 'a short human sentence; never parse it' },
  component: {
    type: 'string',
    optional: true,
    doc: 'which part wrote the line when not the main thread, e.g. "check" (the checker worker)',
  },
  event: { type: 'string', optional: true, doc: 'the event name; absent on plain log lines' },
};

const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;
const IPVS_METHODS = ['nat', 'dr', 'tun', 'local'] as const;

const instance = { type: 'string', doc: 'vrrp_instance name' } as const;
const virtualServer = {
  type: 'string',
  doc: 'virtual server, as "tcp 10.0.0.1:80", "fwmark 1" or "group NAME"',
} as const;
const realServer = {
  type: 'string',
  doc: 'real server, as "10.0.0.2:80" or "[fd00::2]:80"',
} as const;
const service = {
  type: 'string',
  doc: 'IPVS service, as "tcp 10.0.0.1:80" or "fwmark 1"',
} as const;
const dest = { type: 'string', doc: 'IPVS destination, as "10.0.0.2:80"' } as const;
const errorCode = {
  type: 'string',
  doc: 'stable error code (KtsError code or errno name)',
} as const;

const ipvsApplied = {
  dryRun: {
    type: 'boolean',
    optional: true,
    doc: 'true with --ipvs dry-run: nothing reached the kernel',
  },
  adopted: {
    type: 'boolean',
    optional: true,
    doc: 'the kernel already had it (EEXIST on add, ENOENT on delete): adopted, as keepalived does',
  },
} as const;

const thread = {
  type: ['vrrp', 'checker'],
  doc: 'the VRRP (main) thread or the checker worker',
} as const;

/** vroute.* / vrule.*: `field` ("route" or "rule") in ip's own form; static ones have no instance. */
function routingEvent(doc: string, field: 'route' | 'rule', fieldDoc: string): EventSpec {
  return {
    level: 'info',
    doc,
    fields: {
      instance: {
        type: 'string',
        optional: true,
        doc: `vrrp_instance name; absent for static_${field}s`,
      },
      [field]: { type: 'string', doc: fieldDoc },
    },
  };
}

function ipvsServiceEvent(verb: string): EventSpec {
  return {
    level: 'info',
    doc: `an IPVS virtual service was ${verb}`,
    fields: { service, ...ipvsApplied },
  };
}

function ipvsDestEvent(verb: string): EventSpec {
  return {
    level: 'info',
    doc: `an IPVS destination was ${verb}`,
    fields: {
      service,
      dest,
      weight: { type: 'integer', optional: true, doc: 'weight after the change' },
      method: { type: IPVS_METHODS, optional: true, doc: 'forwarding method' },
      ...ipvsApplied,
    },
  };
}

export const EVENTS = {
  'daemon.start': {
    level: 'info',
    doc: 'the daemon started and read its configuration',
    fields: {
      version: { type: 'string', doc: 'keepalived-ts version' },
      file: { type: 'string', doc: 'main configuration file' },
      ipvs: { type: ['kernel', 'dry-run', 'none'], doc: 'IPVS backend in use' },
      vrrp: { type: 'boolean', doc: 'the VRRP side runs (not -C)' },
      check: { type: 'boolean', doc: 'the checker side runs (not -P)' },
    },
  },
  'daemon.stop': {
    level: 'info',
    doc: 'the daemon finished shutting down; the last line it writes',
    fields: {
      signal: { type: 'string', optional: true, doc: 'signal that stopped it (SIGTERM, SIGINT)' },
      releasedVips: { type: 'boolean', doc: 'VIPs were removed (false with -V)' },
      releasedIpvs: { type: 'boolean', doc: 'IPVS entries were removed (false with -I)' },
    },
  },
  'status.listening': {
    level: 'info',
    doc: 'the status and metrics HTTP endpoint is listening',
    fields: {
      address: { type: 'string', doc: 'bound address' },
      port: { type: 'integer', doc: 'bound port' },
    },
  },
  'config.loaded': {
    level: 'info',
    doc: 'a configuration was parsed and applied (at start or on SIGHUP)',
    fields: {
      file: { type: 'string', doc: 'main configuration file' },
      reload: { type: 'boolean', doc: 'true on SIGHUP, false at start' },
      instances: { type: 'integer', doc: 'vrrp_instances in the new config' },
      virtualServers: {
        type: 'integer',
        doc: "virtual_servers in the new config (0 with `-P`, which loads none, as keepalived's VRRP process)",
      },
      changes: {
        type: 'string[]',
        optional: true,
        doc: 'reload only: what changed, e.g. "instance VI_2 added", "vs tcp 10.0.0.1:80 changed"',
      },
      diagnostics: { type: 'diagnostics', optional: true, doc: 'warnings found while parsing' },
    },
  },
  'config.rejected': {
    level: 'error',
    doc: 'a configuration had errors; on reload the old configuration keeps running',
    fields: {
      file: { type: 'string', doc: 'main configuration file' },
      reload: { type: 'boolean', doc: 'true on SIGHUP, false at start' },
      diagnostics: { type: 'diagnostics', doc: 'every finding, errors first' },
    },
  },
  'vrrp.state': {
    level: 'info',
    doc: 'a VRRP instance changed state; written synchronously before its actions run',
    fields: {
      instance,
      from: { type: VRRP_STATES, doc: 'previous state' },
      to: { type: VRRP_STATES, doc: 'new state' },
      reason: { type: 'string', doc: 'why, e.g. "master-down timer", "higher priority advert"' },
      priority: { type: 'integer', optional: true, doc: 'effective priority at the transition' },
    },
  },
  'vrrp.priority': {
    level: 'info',
    doc: "an instance's effective priority changed (trackers)",
    fields: {
      instance,
      from: { type: 'integer', doc: 'previous effective priority' },
      to: { type: 'integer', doc: 'new effective priority' },
    },
  },
  'vrrp.track_file': {
    level: 'info',
    doc: 'the number in a track_file changed (instances tracking it take the new priority or FAULT)',
    fields: {
      track_file: { type: 'string', doc: 'track_file name' },
      path: { type: 'string', doc: 'the file, directory resolved' },
      value: { type: 'integer', doc: 'number now read (0 when the file is missing or unreadable)' },
      previous: { type: 'integer', doc: 'number read before' },
    },
  },
  'vrrp.track_process': {
    level: 'info',
    doc: 'a vrrp_track_process gained or lost its quorum (instances tracking it take the new priority or FAULT)',
    fields: {
      track_process: { type: 'string', doc: 'vrrp_track_process name' },
      up: { type: 'boolean', doc: 'true: quorum..quorum_max matching processes run' },
      count: { type: 'integer', doc: 'matching processes running now' },
    },
  },
  'vip.add': {
    level: 'info',
    doc: 'a virtual IP address was added to an interface',
    fields: {
      instance,
      address: { type: 'string', doc: 'address with prefix length, e.g. "10.0.0.100/32"' },
      dev: { type: 'string', optional: true, doc: 'interface' },
    },
  },
  'vip.del': {
    level: 'info',
    doc: 'a virtual IP address was removed from an interface',
    fields: {
      instance,
      address: { type: 'string', doc: 'address with prefix length' },
      dev: { type: 'string', optional: true, doc: 'interface' },
    },
  },
  'vroute.add': routingEvent(
    'a virtual_routes (or static_routes) route was installed',
    'route',
    'the route in `ip route` form, e.g. "10.20.0.0/16 via 192.168.0.1 dev eth0 table 100"',
  ),
  'vroute.del': routingEvent(
    'a virtual_routes (or static_routes) route was removed',
    'route',
    'the route in `ip route` form',
  ),
  'vrule.add': routingEvent(
    'a virtual_rules (or static_rules) policy-routing rule was installed',
    'rule',
    'the rule in `ip rule` form, e.g. "priority 100 from 192.168.0.38/32 lookup 100"',
  ),
  'vrule.del': routingEvent(
    'a virtual_rules (or static_rules) policy-routing rule was removed',
    'rule',
    'the rule in `ip rule` form',
  ),
  'garp.sent': {
    level: 'info',
    doc: 'a burst of gratuitous ARPs / unsolicited neighbour advertisements was sent',
    fields: {
      instance,
      reason: { type: ['takeover', 'repeat', 'refresh', 'lower-priority'], doc: 'why' },
      count: { type: 'integer', doc: 'frames in the burst per address' },
    },
  },
  'packet.dropped': {
    level: 'warn',
    doc: 'VRRP packets were dropped; one line per reason and reporting period, not per packet',
    fields: {
      reason: {
        type: 'string',
        doc: 'e.g. ttl, checksum, auth, vrid, interval, addresses, length',
      },
      count: { type: 'integer', doc: 'packets dropped for this reason since the last line' },
      instance: { type: 'string', optional: true, doc: 'instance, when the packet matched one' },
      source: { type: 'string', optional: true, doc: 'sender address of the last such packet' },
    },
  },
  split_brain: {
    level: 'error',
    doc: 'an instance in MASTER state heard an advert from another MASTER for the same VRID',
    fields: {
      instance,
      peer: { type: 'string', doc: 'address of the other master' },
      priority: { type: 'integer', doc: 'our effective priority' },
      peerPriority: { type: 'integer', doc: "the other master's advertised priority" },
    },
  },
  'check.up': {
    level: 'info',
    doc: 'a checker of a real server passed after failing (or its first verdict)',
    fields: {
      virtualServer,
      realServer,
      checker: { type: 'string', doc: 'checker type and target, e.g. "HTTP_GET 10.0.0.2:80"' },
      reason: { type: 'string', doc: 'what succeeded, e.g. "status 200"' },
    },
  },
  'check.down': {
    level: 'warn',
    doc: 'a checker of a real server failed (after its retries)',
    fields: {
      virtualServer,
      realServer,
      checker: { type: 'string', doc: 'checker type and target' },
      reason: { type: 'string', doc: 'what failed, e.g. "connect timeout", "status 503"' },
    },
  },
  'rs.up': {
    level: 'info',
    doc: 'a real server became alive (all its checkers up) and is in service',
    fields: { virtualServer, realServer, weight: { type: 'integer', doc: 'weight applied' } },
  },
  'rs.down': {
    level: 'warn',
    doc: 'a real server was taken out of service (removed, or weight 0 with inhibit_on_failure)',
    fields: { virtualServer, realServer, inhibited: { type: 'boolean', doc: 'kept at weight 0' } },
  },
  'rs.weight': {
    level: 'info',
    doc: "a real server's weight changed while it stays configured: a dynamic checker moved it, or inhibit_on_failure took it to 0 or back",
    fields: {
      virtualServer,
      realServer,
      from: { type: 'integer', doc: 'weight before the change' },
      weight: { type: 'integer', doc: 'weight after the change' },
      reason: {
        type: ['misc_dynamic', 'file_check', 'inhibit'],
        doc: 'misc_dynamic: a MISC_CHECK exit code; file_check: a tracked file value; inhibit: down with inhibit_on_failure (0), or back up',
      },
    },
  },
  'quorum.up': {
    level: 'info',
    doc: 'a virtual server gained quorum (live weight >= quorum + hysteresis)',
    fields: {
      virtualServer,
      weight: { type: 'integer', optional: true, doc: 'sum of live real server weights' },
    },
  },
  'quorum.down': {
    level: 'warn',
    doc: 'a virtual server lost quorum (live weight < quorum - hysteresis); sorry server in use',
    fields: {
      virtualServer,
      weight: { type: 'integer', optional: true, doc: 'sum of live real server weights' },
    },
  },
  'checker.exited': {
    level: 'error',
    doc: 'the checker worker exited unexpectedly; VRRP and VIPs are unaffected; it is restarted',
    fields: {
      code: { type: 'integer', optional: true, doc: 'exit code' },
      error: { type: 'string', optional: true, doc: 'the error that ended it' },
      restartInMs: { type: 'integer', doc: 'delay before the restart' },
    },
  },
  'thread.nice': {
    level: 'info',
    doc: 'a thread set its nice value from global_defs vrrp_priority or checker_priority',
    fields: {
      thread,
      nice: { type: 'integer', doc: 'the nice value set, -20..19' },
      tid: { type: 'integer', doc: 'kernel thread id (as in /proc/PID/task/TID)' },
    },
  },
  'thread.nice.failed': {
    level: 'warn',
    doc: 'a thread could not set its nice value (lowering it needs CAP_SYS_NICE); it runs on at the one it has',
    fields: {
      thread,
      nice: { type: 'integer', doc: 'the nice value asked for' },
      error: errorCode,
    },
  },
  'thread.realtime': {
    level: 'info',
    doc: 'a thread switched to realtime scheduling (SCHED_RR) from global_defs vrrp_rt_priority / checker_rt_priority, or raised it by max_auto_priority; on reload the VRRP thread may also change it or (priority 0) return to the normal policy',
    fields: {
      thread,
      priority: {
        type: 'integer',
        doc: 'the realtime priority set, 1..99; 0: back to the normal policy (SCHED_OTHER)',
      },
      tid: { type: 'integer', doc: 'kernel thread id (as in /proc/PID/task/TID)' },
    },
  },
  'thread.realtime.failed': {
    level: 'warn',
    doc: 'a thread could not switch to realtime scheduling (needs CAP_SYS_NICE, and realtime CPU time in its cgroup); it keeps the normal policy',
    fields: {
      thread,
      priority: { type: 'integer', doc: 'the realtime priority asked for' },
      error: errorCode,
    },
  },
  'thread.late': {
    level: 'warn',
    doc: "a timer of the thread ran more than min_auto_priority_delay after its deadline: the thread waits for a CPU (keepalived's 'A thread timer expired'); with max_auto_priority its realtime priority is raised",
    fields: {
      thread,
      lateMs: { type: 'number', doc: 'how long after its deadline the timer ran, ms' },
    },
  },
  'thread.rttime': {
    level: 'warn',
    doc: 'SIGXCPU: a realtime thread ran past half of RLIMIT_RTTIME without blocking; vrrp_rlimit_rttime / checker_rlimit_rttime may need to be increased',
    fields: { limitUs: { type: 'integer', doc: 'the configured limit, microseconds' } },
  },
  'thread.rttime.failed': {
    level: 'warn',
    doc: 'RLIMIT_RTTIME could not be set; realtime threads run without the limit',
    fields: {
      limitUs: { type: 'integer', doc: 'the limit asked for, microseconds' },
      error: errorCode,
    },
  },
  'ipvs.service.add': ipvsServiceEvent('added'),
  'ipvs.service.edit': ipvsServiceEvent('changed'),
  'ipvs.service.del': ipvsServiceEvent('removed'),
  'ipvs.dest.add': ipvsDestEvent('added'),
  'ipvs.dest.edit': ipvsDestEvent('changed'),
  'ipvs.dest.del': ipvsDestEvent('removed'),
  'ipvs.drift': {
    level: 'warn',
    doc: 'the kernel IPVS table differed from the desired one (changed by someone else); repaired',
    fields: {
      operations: { type: 'integer', doc: 'operations needed to repair it' },
    },
  },
  'ipvs.op.failed': {
    level: 'error',
    doc: 'an IPVS operation failed; the rest were still applied, and it is retried at the next reconcile',
    fields: {
      op: {
        type: ['service.add', 'service.edit', 'service.del', 'dest.add', 'dest.edit', 'dest.del'],
        doc: 'operation',
      },
      service,
      dest: { ...dest, optional: true },
      weight: { type: 'integer', optional: true, doc: 'weight it tried to set' },
      method: { type: IPVS_METHODS, optional: true, doc: 'forwarding method' },
      dryRun: ipvsApplied.dryRun,
      code: { ...errorCode, optional: true },
      err: { type: 'string', doc: 'error text' },
    },
  },
  'notify.run': {
    level: 'info',
    doc: 'a notify script (or FIFO line) was started',
    fields: {
      script: { type: 'string', doc: 'command as configured' },
      argv: { type: 'string[]', doc: 'arguments passed, including the appended ones' },
      kind: {
        type: ['vrrp', 'rs', 'quorum', 'fifo', 'startup', 'shutdown'],
        doc: 'what triggered it',
      },
      instance: { type: 'string', optional: true, doc: 'vrrp instance or sync group' },
      state: { type: 'string', optional: true, doc: 'state reported (MASTER, UP, ...)' },
    },
  },
  'notify.failed': {
    level: 'warn',
    doc: 'a notify script could not be started, exited non-zero, or was killed at its timeout',
    fields: {
      script: { type: 'string', doc: 'command as configured' },
      exitCode: { type: 'integer', optional: true, doc: 'exit status' },
      signal: { type: 'string', optional: true, doc: 'signal that ended it' },
      error: { type: 'string', optional: true, doc: 'why it could not start' },
    },
  },
  'dump.written': {
    level: 'info',
    doc: 'SIGUSR1 / SIGUSR2 wrote a state or statistics dump',
    fields: {
      kind: { type: ['data', 'stats'], doc: 'data (SIGUSR1) or stats (SIGUSR2)' },
      path: { type: 'string', doc: 'keepalived-style text file' },
      jsonPath: { type: 'string', doc: 'the same as JSON' },
    },
  },
} as const satisfies Record<string, EventSpec>;

export type EventName = keyof typeof EVENTS;

type ValueOf<T> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'string[]'
        ? string[]
        : T extends 'object'
          ? Record<string, unknown>
          : T extends 'diagnostics'
            ? DiagnosticRecord[]
            : T extends readonly (infer E)[]
              ? E
              : never;

type Optional<F> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];

type FieldsOf<F> = {
  [K in Exclude<keyof F, Optional<F>>]: F[K] extends { type: infer T } ? ValueOf<T> : never;
} & {
  [K in Optional<F>]?: F[K] extends { type: infer T } ? ValueOf<T> : never;
};

/** The fields an event carries, derived from its spec. */
export type EventFields<N extends EventName> = FieldsOf<(typeof EVENTS)[N]['fields']>;

/** Writes one event at the level its spec gives. */
export function emit<N extends EventName>(
  log: Logger,
  name: N,
  fields: EventFields<N>,
  msg?: string,
): void {
  const spec: EventSpec = EVENTS[name];
  const record: Record<string, unknown> = { event: name, ...fields };
  log[spec.level](record, msg ?? name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENTS, name);
}

function checkValue(type: FieldType, value: unknown): string | undefined {
  if (typeof type !== 'string') {
    return typeof value === 'string' && type.includes(value)
      ? undefined
      : `expected one of ${type.join('|')}`;
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'expected a string';
    case 'integer':
      return Number.isInteger(value) ? undefined : 'expected an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'expected a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected a boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? undefined
        : 'expected an array of strings';
    case 'object':
      return isRecord(value) ? undefined : 'expected an object';
    case 'diagnostics':
      return Array.isArray(value) && value.every(isDiagnosticRecord)
        ? undefined
        : 'expected an array of {severity, code, message, file?, line?, col?, hint?}';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDiagnosticRecord(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const optionalString = (k: string) => value[k] === undefined || typeof value[k] === 'string';
  const optionalInt = (k: string) => value[k] === undefined || Number.isInteger(value[k]);
  return (
    (value.severity === 'error' || value.severity === 'warning') &&
    typeof value.code === 'string' &&
    typeof value.message === 'string' &&
    optionalString('file') &&
    optionalString('hint') &&
    optionalInt('line') &&
    optionalInt('col')
  );
}

function checkFields(
  specs: Readonly<Record<string, FieldSpec>>,
  rec: Record<string, unknown>,
  errors: string[],
): void {
  for (const [name, spec] of Object.entries(specs)) {
    if (!(name in rec)) {
      if (!spec.optional) errors.push(`missing field '${name}'`);
      continue;
    }
    const problem = checkValue(spec.type, rec[name]);
    if (problem) errors.push(`field '${name}': ${problem}`);
  }
}

export type Validation =
  | { ok: true; event?: EventName; record: Record<string, unknown> }
  | { ok: false; errors: string[] };

/**
 * Checks one line of the log stream: valid JSON with the base fields; when it carries `event`, a
 * documented event name with every required field, each field of its documented type, and no
 * undocumented field (so the schema cannot silently drift from what the daemon writes).
 */
export function validateEvent(line: string | Record<string, unknown>): Validation {
  let rec: unknown;
  if (typeof line === 'string') {
    try {
      rec = JSON.parse(line);
    } catch (err) {
      return { ok: false, errors: [`not JSON: ${(err as Error).message}`] };
    }
  } else {
    rec = line;
  }
  if (!isRecord(rec)) return { ok: false, errors: ['not a JSON object'] };
  const errors: string[] = [];
  checkFields(BASE_FIELDS, rec, errors);
  const name = rec.event;
  if (name === undefined) return errors.length ? { ok: false, errors } : { ok: true, record: rec };
  if (typeof name !== 'string' || !isEventName(name)) {
    return { ok: false, errors: [...errors, `unknown event '${String(name)}'`] };
  }
  const spec: EventSpec = EVENTS[name];
  checkFields(spec.fields, rec, errors);
  if (rec.level !== spec.level)
    errors.push(`level '${String(rec.level)}', documented '${spec.level}'`);
  for (const key of Object.keys(rec)) {
    if (!(key in BASE_FIELDS) && !(key in spec.fields)) errors.push(`undocumented field '${key}'`);
  }
  return errors.length ? { ok: false, errors } : { ok: true, event: name, record: rec };
}

function typeText(type: FieldType): string {
  return typeof type === 'string' ? type : type.map((v) => `\`${v}\``).join(' \\| ');
}

/** The reference section of docs/events.md, rendered from `EVENTS`. */
export function renderEventReference(): string {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(EVENTS) as Array<[string, EventSpec]>) {
    out.push(
      `### \`${name}\` (${spec.level})`,
      '',
      `${spec.doc[0]!.toUpperCase()}${spec.doc.slice(1)}.`,
      '',
    );
    out.push('| Field | Type | Required | Meaning |', '|---|---|---|---|');
    for (const [field, f] of Object.entries(spec.fields)) {
      out.push(`| \`${field}\` | ${typeText(f.type)} | ${f.optional ? 'no' : 'yes'} | ${f.doc} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
