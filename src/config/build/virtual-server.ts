// LVS blocks (keepalived/check/check_parser.c, check_data.c): virtual_server_group,
// virtual_server with its real_servers and their checkers, and the root SSL block. The fix-ups
// keepalived makes when a virtual server is complete (default protocol, scheduler and method, port
// rules for DR/TUN and fwmark services, quorum bounds) happen in finishVirtualServer.
import type { SourcePos, Statement, Word } from '../ast.js';
import type {
  Family,
  GlobalDefs,
  LvsMethod,
  Protocol,
  RealServer,
  ScriptCommand,
  SorryServer,
  SslContext,
  TimingDefaults,
  TunnelSettings,
  VirtualServer,
  VirtualServerGroup,
  VirtualServerGroupEntry,
  VirtualServerKey,
} from '../model.js';
import { addressBytes, formatAddress } from '../../net/inet.js';
import { parseIp, parsePrefix } from './address.js';
import { type CheckerDraft, CHECKER_BUILDERS, finishCheckers } from './checkers.js';
import {
  type BuildContext,
  type KeywordSpec,
  KeywordTable,
  MAX_TIMER_SECONDS,
  applyBlock,
  arg,
  block,
  defined,
  field,
  flagArg,
  intArg,
  limitArgs,
  line,
  readInt,
  registerBlock,
  secondsArg,
  stringArg,
} from './context.js';
import { buildScript } from './script.js';

/** IPVS_DEF_SCHED and the schedulers keepalived knows (lvs_schedulers[]). */
const IPVS_DEF_SCHED = 'wlc';
const LVS_SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'sh',
  'mh',
  'dh',
  'fo',
  'ovf',
  'lblcr',
  'sed',
  'nq',
  'twos',
];
/** IPVS_SVC_PERSISTENT_TIMEOUT (ip_vs.h): 6 minutes. */
const IPVS_SVC_PERSISTENT_TIMEOUT = 360;
/** LVS_MAX_TIMEOUT: 31 days. */
const LVS_MAX_TIMEOUT = 86400 * 31;
/** IPVS_WEIGHT_LIMIT (keepalived): the largest weight IPVS accepts. */
const IPVS_WEIGHT_LIMIT = 0x7fffffff;
/** KEEPALIVED_DEFAULT_DELAY: 60 s. */
const DEFAULT_DELAY_LOOP = 60;
const DEFAULT_CONNECT_TIMEOUT = 5;

function port(ctx: BuildContext, w: Word | undefined): number | undefined {
  if (!w) return 0;
  return readInt(ctx, w, 0, 65535);
}

// ---------------------------------------------------------------------------------------------
// virtual_server_group

/** Last address of `first`'s range ending at `end` (the last octet of IPv4, last group of IPv6). */
function rangeEnd(first: { address: string; family: Family }, end: string): string | undefined {
  if (first.family === 4) {
    if (!/^\d{1,3}$/.test(end) || Number(end) > 255) return undefined;
    const octets = first.address.split('.');
    if (Number(end) <= Number(octets[3])) return undefined;
    return [...octets.slice(0, 3), end].join('.');
  }
  if (!/^[0-9a-fA-F]{1,4}$/.test(end)) return undefined;
  const bytes = addressBytes(first.address);
  if (parseInt(end, 16) <= bytes.readUInt16BE(14)) return undefined;
  bytes.writeUInt16BE(parseInt(end, 16), 14);
  return formatAddress(bytes);
}

function buildVsgEntry(
  ctx: BuildContext,
  e: Statement,
  group: string,
): VirtualServerGroupEntry | undefined {
  const first = e.keyword;
  if (first.text === 'fwmark') {
    const fwmark = intArg(ctx, e, 0, 0xffffffff);
    if (fwmark === undefined) return undefined;
    const fam = e.args[1]?.text;
    if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') {
      ctx.error(
        e.args[1].pos,
        'invalid-value',
        `(${group}): fwmark '${fwmark}' family ${fam} unknown - ignoring`,
      );
      return undefined;
    }
    return fam
      ? { kind: 'fwmark', fwmark, family: fam === 'inet' ? 4 : 6, pos: e.pos }
      : { kind: 'fwmark', fwmark, pos: e.pos };
  }
  const invalid = () => {
    ctx.error(
      first.pos,
      'invalid-address',
      `Invalid virtual server group IP address ${first.text} - skipping`,
    );
    return undefined;
  };
  const p = port(ctx, e.args[0]);
  if (p === undefined) return undefined;
  // A.B.C.D-E (or IPv6 ...:X-Y): a range of the last octet / group.
  const dash = first.text.lastIndexOf('-');
  if (dash > 0) {
    const start = parseIp(first.text.slice(0, dash));
    if (!start) return invalid();
    const last = rangeEnd(start, first.text.slice(dash + 1));
    if (!last) {
      ctx.error(first.pos, 'invalid-range', `Invalid range end ${first.text} - skipping`);
      return undefined;
    }
    return {
      kind: 'address',
      family: start.family,
      address: start.address,
      lastAddress: last,
      port: p,
      pos: e.pos,
    };
  }
  const prefix = parsePrefix(first.text);
  if (!prefix) return invalid();
  return { kind: 'address', family: prefix.family, address: prefix.address, port: p, pos: e.pos };
}

export function buildVirtualServerGroup(
  ctx: BuildContext,
  s: Statement,
): VirtualServerGroup | undefined {
  const name = s.args[0]?.text;
  if (name === undefined) {
    ctx.error(s.keyword.pos, 'missing-name', 'virtual_server_group must have a name');
    return undefined;
  }
  const entries = (s.block?.statements ?? []).flatMap((e) => buildVsgEntry(ctx, e, name) ?? []);
  if (entries.length === 0) {
    ctx.error(
      s.block?.close ?? s.pos,
      'empty-group',
      `virtual server group ${name} has no entries - removing`,
    );
    return undefined;
  }
  return { name, entries, pos: s.pos };
}

// ---------------------------------------------------------------------------------------------
// Methods and timing shared by virtual and real servers

/** `NAT | DR | TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]`. */
function readMethod(
  ctx: BuildContext,
  s: Statement,
): { method: LvsMethod; tunnel?: TunnelSettings } | undefined {
  const w = arg(ctx, s);
  if (!w) return undefined;
  const method = ({ NAT: 'nat', DR: 'dr', TUN: 'tun' } as const)[w.text as 'NAT' | 'DR' | 'TUN'];
  if (!method) {
    ctx.error(
      w.pos,
      'invalid-value',
      `PARSER : unknown [${w.text}] routing method.`,
      'expected NAT, DR or TUN',
    );
    return undefined;
  }
  if (method !== 'tun') return { method };
  const tunnel: TunnelSettings = { type: 'ipip' };
  for (let i = 1; i < s.args.length; i++) {
    const k = s.args[i].text;
    if (k === 'type') {
      const t = s.args[++i]?.text;
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') {
        ctx.error(s.args[i - 1].pos, 'invalid-value', `Unknown tunnel type ${t ?? ''}`);
        return undefined;
      }
      tunnel.type = t;
    } else if (k === 'port') {
      const p = readInt(ctx, s.args[++i], 1, 65535);
      if (p === undefined) return undefined;
      tunnel.port = p;
    } else if (k === 'nocsum' || k === 'csum' || k === 'remcsum') tunnel.checksum = k;
    else {
      ctx.error(s.args[i].pos, 'invalid-value', `Invalid tunnel option ${k}`);
      return undefined;
    }
  }
  if ((tunnel.type === 'gue') !== (tunnel.port !== undefined)) {
    ctx.error(s.pos, 'invalid-value', 'gue tunnels require port, otherwise cannot have port.');
    return undefined;
  }
  return { method, tunnel };
}

interface ServerTiming {
  timing: Partial<TimingDefaults>;
}

function serverTimingKeywords<T extends ServerTiming>(): Array<[string, KeywordSpec<T>]> {
  const seconds = (
    field: 'delayLoop' | 'connectTimeout' | 'delayBeforeRetry' | 'warmup',
    min: number,
  ) =>
    line<T>((s, t, ctx) => {
      const v = secondsArg(ctx, s, min, MAX_TIMER_SECONDS);
      if (v !== undefined) t.timing[field] = v;
    });
  return [
    ['delay_loop', seconds('delayLoop', 0.000001)],
    ['connect_timeout', seconds('connectTimeout', 0.000001)],
    ['delay_before_retry', seconds('delayBeforeRetry', 0)],
    ['warmup', seconds('warmup', 0)],
    [
      'retry',
      line<T>((s, t, ctx) => {
        const v = intArg(ctx, s, 0, 0xffffffff);
        if (v !== undefined) t.timing.retry = v;
      }),
    ],
    [
      'alpha',
      line<T>((s, t, ctx) => {
        const v = flagArg(ctx, s);
        if (v !== undefined) t.timing.alpha = v;
      }),
    ],
  ];
}

function scriptOnce<T>(
  get: (t: T) => ScriptCommand | undefined,
  set: (t: T, v: ScriptCommand) => void,
): KeywordSpec<T> {
  return line<T>((s, t, ctx) => {
    if (get(t)) {
      ctx.error(
        s.pos,
        'duplicate-keyword',
        `${s.keyword.text} script already specified - ignoring ${s.args[0]?.text ?? ''}`,
      );
      return;
    }
    const v = buildScript(ctx, s);
    if (v) set(t, v);
  });
}

// ---------------------------------------------------------------------------------------------
// real_server

interface RealServerDraft extends ServerTiming {
  address: string;
  family: Family;
  /** undefined = not given (inherits the VS port). */
  port?: number;
  weight?: number;
  inhibitOnFailure?: boolean;
  lvsMethod?: LvsMethod;
  tunnel?: TunnelSettings;
  upperThreshold: number;
  lowerThreshold: number;
  notifyUp?: ScriptCommand;
  notifyDown?: ScriptCommand;
  smtpAlert: boolean;
  virtualhost?: string;
  checkers: CheckerDraft[];
  routerId: string | undefined;
  pos: SourcePos;
}

const REAL_SERVER_KEYWORDS = new KeywordTable<RealServerDraft>([
  ['weight', field('weight', (ctx, s) => intArg(ctx, s, 0, IPVS_WEIGHT_LIMIT))],
  [
    'lvs_method',
    line<RealServerDraft>((s, r, ctx) => {
      const m = readMethod(ctx, s);
      if (!m) return;
      r.lvsMethod = m.method;
      if (m.tunnel) r.tunnel = m.tunnel;
    }),
  ],
  ['uthreshold', field('upperThreshold', (ctx, s) => intArg(ctx, s, 0, 0xffffffff))],
  ['lthreshold', field('lowerThreshold', (ctx, s) => intArg(ctx, s, 0, 0xffffffff))],
  ['inhibit_on_failure', field('inhibitOnFailure', (ctx, s) => flagArg(ctx, s))],
  [
    'notify_up',
    scriptOnce<RealServerDraft>(
      (r) => r.notifyUp,
      (r, v) => (r.notifyUp = v),
    ),
  ],
  [
    'notify_down',
    scriptOnce<RealServerDraft>(
      (r) => r.notifyDown,
      (r, v) => (r.notifyDown = v),
    ),
  ],
  ['smtp_alert', field('smtpAlert', (ctx, s) => flagArg(ctx, s))],
  [
    'virtualhost',
    line<RealServerDraft>((s, r, ctx) => {
      r.virtualhost = stringArg(ctx, s);
    }),
  ],
  ['snmp_name', line<RealServerDraft>(() => undefined)],
  ...serverTimingKeywords<RealServerDraft>(),
  ...Object.entries(CHECKER_BUILDERS).map(
    ([name, build]): [string, KeywordSpec<RealServerDraft>] => [
      name,
      block<RealServerDraft>((s, r, ctx) => {
        const c = build(ctx, s, r.routerId);
        if (c) r.checkers.push(c);
      }),
    ],
  ),
]);

function buildRealServer(ctx: BuildContext, s: Statement, vs: VirtualServerDraft): void {
  const w = arg(ctx, s);
  if (!w) return;
  const ip = parseIp(w.text);
  const p = s.args[1] ? port(ctx, s.args[1]) : undefined;
  if (!ip || (s.args[1] && p === undefined)) {
    ctx.error(
      w.pos,
      'invalid-address',
      `Invalid real server ip address/port ${w.text}/${s.args[1]?.text ?? ''} - skipping`,
    );
    return;
  }
  const r: RealServerDraft = {
    address: ip.address,
    family: ip.family,
    upperThreshold: 0,
    lowerThreshold: 0,
    smtpAlert: true,
    checkers: [],
    timing: {},
    routerId: vs.routerId,
    pos: s.pos,
  };
  if (p !== undefined) r.port = p;
  applyBlock(ctx, s.block?.statements ?? [], REAL_SERVER_KEYWORDS, r);
  vs.realServers.push(r);
}

// ---------------------------------------------------------------------------------------------
// virtual_server

interface VirtualServerDraft extends ServerTiming {
  key: VirtualServerKey;
  /** Port of the header (0 for fwmark / group services). */
  port: number;
  protocol?: Protocol;
  lvsSched?: string;
  lvsMethod?: LvsMethod;
  tunnel?: TunnelSettings;
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  inhibitOnFailure: boolean;
  sorryServer?: SorryServer;
  sorryServerInhibit: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: ScriptCommand;
  quorumDown?: ScriptCommand;
  omega: boolean;
  haSuspend: boolean;
  virtualhost?: string;
  smtpAlert?: boolean;
  ipFamily?: Family;
  ops: boolean;
  schedFlags: VirtualServer['schedFlags'];
  weight: number;
  realServers: RealServerDraft[];
  routerId: string | undefined;
  pos: SourcePos;
}

type V = VirtualServerDraft;

function schedFlag(flag: keyof V['schedFlags']): KeywordSpec<V> {
  return line<V>((_s, v) => {
    v.schedFlags[flag] = true;
  });
}

const VIRTUAL_SERVER_KEYWORDS = new KeywordTable<V>([
  [
    'ip_family',
    line<V>((s, v, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      if (w.text !== 'inet' && w.text !== 'inet6') {
        ctx.error(w.pos, 'invalid-value', `unknown address family ${w.text}`);
        return;
      }
      const fam: Family = w.text === 'inet' ? 4 : 6;
      if (v.key.kind === 'address' && v.key.family !== fam) {
        ctx.error(
          w.pos,
          'family-conflict',
          `Virtual server specified family ${w.text} conflicts with server family`,
        );
        return;
      }
      v.ipFamily = fam;
    }),
  ],
  ...serverTimingKeywords<V>(),
  ['inhibit_on_failure', field('inhibitOnFailure', (ctx, s) => flagArg(ctx, s))],
  [
    'lvs_sched',
    line<V>((s, v, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      if (!LVS_SCHEDULERS.includes(w.text)) {
        ctx.error(
          w.pos,
          'invalid-value',
          `Invalid lvs_scheduler '${w.text}' - ignoring`,
          `expected one of ${LVS_SCHEDULERS.join(' ')}`,
        );
        return;
      }
      v.lvsSched = w.text;
    }),
  ],
  ['hashed', line<V>(() => undefined)],
  [
    'ops',
    line<V>((_s, v) => {
      v.ops = true;
    }),
  ],
  ['flag-1', schedFlag('flag1')],
  ['flag-2', schedFlag('flag2')],
  ['flag-3', schedFlag('flag3')],
  ['sh-port', schedFlag('flag2')],
  ['sh-fallback', schedFlag('flag1')],
  ['mh-port', schedFlag('flag2')],
  ['mh-fallback', schedFlag('flag1')],
  [
    'lvs_method',
    line<V>((s, v, ctx) => {
      const m = readMethod(ctx, s);
      if (!m) return;
      v.lvsMethod = m.method;
      if (m.tunnel) v.tunnel = m.tunnel;
    }),
  ],
  [
    'persistence_engine',
    line<V>((s, v, ctx) => {
      v.persistenceEngine = stringArg(ctx, s);
    }),
  ],
  [
    'persistence_timeout',
    line<V>((s, v, ctx) => {
      if (s.args.length === 0) v.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
      else {
        const t = intArg(ctx, s, 1, LVS_MAX_TIMEOUT);
        if (t !== undefined) v.persistenceTimeout = t;
      }
    }),
  ],
  [
    'persistence_granularity',
    line<V>((s, v, ctx) => {
      v.persistenceGranularity = stringArg(ctx, s);
    }),
  ],
  [
    'protocol',
    line<V>((s, v, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      const p = w.text.toLowerCase();
      if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') {
        ctx.error(
          w.pos,
          'invalid-value',
          `Unknown protocol ${w.text} - ignoring`,
          'expected TCP, UDP or SCTP',
        );
        return;
      }
      v.protocol = p;
    }),
  ],
  [
    'ha_suspend',
    line<V>((_s, v) => {
      v.haSuspend = true;
    }),
  ],
  ['smtp_alert', field('smtpAlert', (ctx, s) => flagArg(ctx, s))],
  [
    'virtualhost',
    line<V>((s, v, ctx) => {
      v.virtualhost = stringArg(ctx, s);
    }),
  ],
  ['snmp_name', line<V>(() => undefined)],
  [
    'omega',
    line<V>((_s, v) => {
      v.omega = true;
    }),
  ],
  [
    'quorum_up',
    scriptOnce<V>(
      (v) => v.quorumUp,
      (v, x) => (v.quorumUp = x),
    ),
  ],
  [
    'quorum_down',
    scriptOnce<V>(
      (v) => v.quorumDown,
      (v, x) => (v.quorumDown = x),
    ),
  ],
  [
    'quorum',
    line<V>((s, v, ctx) => {
      // keepalived resets a bad quorum to 1.
      v.quorum = intArg(ctx, s, 1, 0xffffffff) ?? 1;
    }),
  ],
  ['hysteresis', field('hysteresis', (ctx, s) => intArg(ctx, s, 0, 0xffffffff))],
  ['weight', field('weight', (ctx, s) => intArg(ctx, s, 1, IPVS_WEIGHT_LIMIT))],
  [
    'sorry_server',
    line<V>((s, v, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      const ip = parseIp(w.text);
      const p = s.args[1] ? port(ctx, s.args[1]) : undefined;
      if (!ip || (s.args[1] && p === undefined)) {
        ctx.error(w.pos, 'invalid-address', `Invalid sorry server IP address ${w.text} - skipping`);
        return;
      }
      const sorry: SorryServer = {
        address: ip.address,
        family: ip.family,
        port: p ?? v.port,
        pos: s.pos,
      };
      v.sorryServer = sorry;
    }),
  ],
  [
    'sorry_server_inhibit',
    line<V>((s, v, ctx) => {
      if (!v.sorryServer) {
        ctx.error(
          s.keyword.pos,
          'sorry-server-missing',
          'Ignoring sorry_server inhibit used before or without sorry_server',
        );
        return;
      }
      const f = flagArg(ctx, s);
      if (f !== undefined) v.sorryServerInhibit = f;
    }),
  ],
  [
    'sorry_server_lvs_method',
    line<V>((s, v, ctx) => {
      if (!v.sorryServer) {
        ctx.error(
          s.keyword.pos,
          'sorry-server-missing',
          'sorry_server forwarding used without sorry_server',
        );
        return;
      }
      const m = readMethod(ctx, s);
      if (m) v.sorryServer.lvsMethod = m.method;
    }),
  ],
  ['real_server', block<V>((s, v, ctx) => buildRealServer(ctx, s, v))],
]);
limitArgs(VIRTUAL_SERVER_KEYWORDS, {
  delay_loop: 1,
  connect_timeout: 1,
  retry: 1,
  delay_before_retry: 1,
  warmup: 1,
  lvs_sched: 1,
  protocol: 1,
  persistence_timeout: 1,
  quorum: 1,
  hysteresis: 1,
  weight: 1,
  sorry_server: 2,
  ha_suspend: 0,
  omega: 0,
  ops: 0,
});
limitArgs(REAL_SERVER_KEYWORDS, {
  weight: 1,
  uthreshold: 1,
  lthreshold: 1,
  delay_loop: 1,
  connect_timeout: 1,
  retry: 1,
});
// lb_algo / lb_kind: silent synonyms kept from keepalived 1.1 (keepalived.md §2.10).
VIRTUAL_SERVER_KEYWORDS.set('lb_algo', VIRTUAL_SERVER_KEYWORDS.get('lvs_sched')!);
VIRTUAL_SERVER_KEYWORDS.set('lb_kind', VIRTUAL_SERVER_KEYWORDS.get('lvs_method')!);

registerBlock('virtual_server', VIRTUAL_SERVER_KEYWORDS.keys());
registerBlock('real_server', REAL_SERVER_KEYWORDS.keys());

/** The header of `virtual_server IP PORT {`, `virtual_server fwmark N {`, `virtual_server group NAME {`. */
function readKey(
  ctx: BuildContext,
  s: Statement,
): { key: VirtualServerKey; port: number } | undefined {
  const first = s.args[0];
  if (!first) {
    ctx.error(
      s.keyword.pos,
      'missing-parameter',
      'virtual_server needs an address, fwmark or group',
    );
    return undefined;
  }
  if (first.text === 'group') {
    const name = stringArg(ctx, s, 1);
    return name === undefined ? undefined : { key: { kind: 'group', group: name }, port: 0 };
  }
  if (first.text === 'fwmark') {
    const fwmark = intArg(ctx, s, 0, 0xffffffff, 1);
    return fwmark === undefined
      ? undefined
      : { key: { kind: 'fwmark', fwmark, family: 4 }, port: 0 };
  }
  const ip = parseIp(first.text);
  const p = port(ctx, s.args[1]);
  if (!ip || p === undefined) {
    ctx.error(
      first.pos,
      'invalid-address',
      `Invalid virtual server IP address ${first.text} - skipping`,
    );
    return undefined;
  }
  return { key: { kind: 'address', address: ip.address, family: ip.family, port: p }, port: p };
}

export function buildVirtualServer(
  ctx: BuildContext,
  s: Statement,
  globals: GlobalDefs,
  groups: ReadonlyMap<string, VirtualServerGroup>,
): VirtualServer | undefined {
  const header = readKey(ctx, s);
  if (!header) return undefined;
  // Fields written out, not `...header`: a literal with a spread takes V8's generic path and
  // gives the draft a hidden class its per-real-server reads (vs.routerId, vs.realServers, v.port
  // in finishVirtualServer) cannot be made fast for.
  const v: V = {
    key: header.key,
    port: header.port,
    timing: {},
    inhibitOnFailure: false,
    sorryServerInhibit: false,
    quorum: 1,
    hysteresis: 0,
    omega: false,
    haSuspend: false,
    ops: false,
    schedFlags: { flag1: false, flag2: false, flag3: false },
    weight: 1,
    realServers: [],
    routerId: globals.routerId,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], VIRTUAL_SERVER_KEYWORDS, v);
  return finishVirtualServer(ctx, v, s.block?.close ?? s.pos, globals, groups);
}

/** Name for messages: "[10.0.0.1]:tcp:80", "FWM 1", "group VSG_1" (keepalived's FMT_VS style). */
function describe(v: V): string {
  if (v.key.kind === 'fwmark') return `FWM ${v.key.fwmark}`;
  if (v.key.kind === 'group') return `group ${v.key.group}`;
  return `[${v.key.address}]:${v.protocol ?? 'udp'}:${v.key.port}`;
}

function finishVirtualServer(
  ctx: BuildContext,
  v: V,
  end: SourcePos,
  g: GlobalDefs,
  groups: ReadonlyMap<string, VirtualServerGroup>,
): VirtualServer | undefined {
  if (v.realServers.length === 0) {
    ctx.error(
      end,
      'no-real-servers',
      `Virtual server ${describe(v)} has no real servers - ignoring`,
    );
    return undefined;
  }
  const isFwmark =
    v.key.kind === 'fwmark' ||
    (v.key.kind === 'group' &&
      groups.get(v.key.group)?.entries.every((e) => e.kind === 'fwmark') === true);
  if (v.key.kind === 'fwmark' && v.ipFamily) v.key = { ...v.key, family: v.ipFamily };
  if (isFwmark && v.protocol) {
    ctx.warn(
      end,
      'protocol-ignored',
      `Warning: Virtual server ${describe(v)}: protocol specified for fwmark - protocol will be ignored`,
    );
  }
  if (!isFwmark && !v.protocol) {
    ctx.warn(
      end,
      'no-protocol',
      `Virtual server ${describe(v)}: no protocol set - defaulting to UDP`,
    );
  }
  const protocol = v.protocol ?? 'udp';
  if (v.ops && protocol !== 'udp') {
    ctx.warn(
      end,
      'ops-not-udp',
      `Virtual server ${describe(v)}: one packet scheduling requires UDP - resetting`,
    );
    v.ops = false;
  }
  if (v.haSuspend && isFwmark) {
    ctx.warn(
      end,
      'ha-suspend-fwmark',
      `Virtual server ${describe(v)}: cannot use ha_suspend with fwmarks - clearing ha_suspend`,
    );
    v.haSuspend = false;
  }
  if (
    !isFwmark &&
    v.key.kind === 'address' &&
    v.key.port === 0 &&
    v.persistenceTimeout === undefined
  ) {
    ctx.warn(
      end,
      'zero-port',
      `Virtual server ${describe(v)}: zero port only valid for persistent services - setting`,
    );
    v.persistenceTimeout = IPVS_SVC_PERSISTENT_TIMEOUT;
  }
  if (!v.lvsSched) {
    ctx.warn(
      end,
      'no-scheduler',
      `Virtual server ${describe(v)}: no scheduler set, setting default '${IPVS_DEF_SCHED}'`,
    );
  }
  if (!v.lvsMethod) {
    ctx.warn(
      end,
      'no-method',
      `Virtual server ${describe(v)}: no forwarding method set, setting default NAT`,
    );
  }
  const vsMethod = v.lvsMethod ?? 'nat';
  const vsTiming: TimingDefaults = {
    delayLoop: v.timing.delayLoop ?? DEFAULT_DELAY_LOOP,
    connectTimeout: v.timing.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    alpha: v.timing.alpha ?? false,
    ...defined({
      retry: v.timing.retry,
      delayBeforeRetry: v.timing.delayBeforeRetry,
      warmup: v.timing.warmup,
    }),
  };
  const vsFamily = v.key.kind === 'address' ? v.key.family : v.ipFamily;
  const realServers: RealServer[] = [];
  /**
   * The ports of the real servers kept, by address, to find duplicates without a quadratic scan:
   * one port (the usual case) or several. Keyed by the address string of the tree, whose hash is
   * computed once, where an `address port` key would be a new string to flatten and hash for
   * every real server.
   */
  const kept = new Map<string, number | number[]>();
  for (const r of v.realServers) {
    if (vsFamily !== undefined && r.family !== vsFamily && (r.lvsMethod ?? vsMethod) !== 'tun') {
      ctx.error(
        r.pos,
        'family-mismatch',
        `Address family of virtual server and real server ${r.address} don't match - skipping real server.`,
      );
      continue;
    }
    const method = r.lvsMethod ?? vsMethod;
    let rsPort = r.port ?? v.port;
    if (isFwmark && method !== 'nat' && r.port !== undefined && r.port !== 0) {
      ctx.warn(
        r.pos,
        'port-cleared',
        `WARNING - fwmark virtual server ${describe(v)}, real server ${r.address} has port specified - clearing`,
      );
      rsPort = 0;
    } else if (
      !isFwmark &&
      (method === 'dr' || method === 'tun') &&
      r.port !== undefined &&
      r.port !== v.port &&
      v.port !== 0
    ) {
      ctx.warn(
        r.pos,
        'port-reset',
        `WARNING - virtual server ${describe(v)} and real server ${r.address} ports don't match - resetting`,
      );
      rsPort = v.port;
    }
    const ports = kept.get(r.address);
    if (ports === rsPort || (Array.isArray(ports) && ports.includes(rsPort))) {
      ctx.error(
        r.pos,
        'duplicate-real-server',
        `VS ${describe(v)}: real server ${r.address}:${rsPort} is duplicated - removing second rs`,
      );
      continue;
    }
    // Built field by field rather than with `...defined({...})` spreads: this runs for every real
    // server, and object literals with spreads take V8's slow generic path. Optional fields are
    // set only when present, so they stay absent (not undefined) in the model.
    const rsTiming: TimingDefaults = {
      delayLoop: r.timing.delayLoop ?? vsTiming.delayLoop,
      connectTimeout: r.timing.connectTimeout ?? vsTiming.connectTimeout,
      alpha: r.timing.alpha ?? vsTiming.alpha,
    };
    const retry = r.timing.retry ?? vsTiming.retry;
    if (retry !== undefined) rsTiming.retry = retry;
    const delayBeforeRetry = r.timing.delayBeforeRetry ?? vsTiming.delayBeforeRetry;
    if (delayBeforeRetry !== undefined) rsTiming.delayBeforeRetry = delayBeforeRetry;
    const warmup = r.timing.warmup ?? vsTiming.warmup;
    if (warmup !== undefined) rsTiming.warmup = warmup;
    const rs: RealServer = {
      address: r.address,
      family: r.family,
      port: rsPort,
      weight: r.weight ?? v.weight,
      inhibitOnFailure: r.inhibitOnFailure ?? v.inhibitOnFailure,
      lvsMethod: method,
      upperThreshold: r.upperThreshold,
      lowerThreshold: r.lowerThreshold,
      smtpAlert: r.smtpAlert,
      timing: rsTiming,
      checkers: finishCheckers(r.checkers, rsTiming, g.checkerLogAllFailures),
      pos: r.pos,
    };
    const tunnel = r.tunnel ?? (r.lvsMethod ? undefined : v.tunnel);
    if (tunnel !== undefined) rs.tunnel = tunnel;
    if (r.notifyUp !== undefined) rs.notifyUp = r.notifyUp;
    if (r.notifyDown !== undefined) rs.notifyDown = r.notifyDown;
    if (r.virtualhost !== undefined) rs.virtualhost = r.virtualhost;
    if (ports === undefined) kept.set(r.address, rsPort);
    else if (Array.isArray(ports)) ports.push(rsPort);
    else kept.set(r.address, [ports, rsPort]);
    realServers.push(rs);
  }
  // Quorum bounds keepalived enforces (check_data.c): quorum ≤ total weight, hysteresis < quorum.
  const totalWeight = realServers.reduce((sum, r) => sum + r.weight, 0);
  let quorum = v.quorum;
  if (quorum > totalWeight) {
    ctx.warn(
      end,
      'quorum-too-high',
      `Warning - quorum ${quorum} for ${describe(v)} exceeds total weight of real servers ${totalWeight}, reducing quorum to ${totalWeight}`,
    );
    quorum = totalWeight;
  }
  let hysteresis = v.hysteresis;
  if (quorum > 0 && hysteresis >= quorum) {
    ctx.warn(
      end,
      'hysteresis-too-high',
      `Virtual server ${describe(v)}: hysteresis ${hysteresis} >= quorum ${quorum}; setting hysteresis to ${quorum - 1}`,
    );
    hysteresis = quorum - 1;
  }
  let sorryServer = v.sorryServer;
  if (sorryServer && vsFamily !== undefined && sorryServer.family !== vsFamily) {
    ctx.error(
      sorryServer.pos,
      'family-mismatch',
      `Address family of virtual server and sorry server ${sorryServer.address} don't match - skipping sorry server.`,
    );
    sorryServer = undefined;
  }
  return {
    key: v.key,
    protocol,
    lvsSched: v.lvsSched ?? IPVS_DEF_SCHED,
    lvsMethod: vsMethod,
    ...defined({
      tunnel: v.tunnel,
      persistenceTimeout: v.persistenceTimeout,
      persistenceGranularity: v.persistenceGranularity,
      persistenceEngine: v.persistenceEngine,
    }),
    timing: vsTiming,
    inhibitOnFailure: v.inhibitOnFailure,
    ...defined({ sorryServer }),
    sorryServerInhibit: v.sorryServerInhibit,
    quorum,
    hysteresis,
    ...defined({ quorumUp: v.quorumUp, quorumDown: v.quorumDown }),
    omega: v.omega,
    haSuspend: v.haSuspend,
    ...defined({ virtualhost: v.virtualhost, smtpAlert: v.smtpAlert, ipFamily: v.ipFamily }),
    ops: v.ops,
    schedFlags: v.schedFlags,
    weight: v.weight,
    realServers,
    pos: v.pos,
  };
}

// ---------------------------------------------------------------------------------------------
// SSL

const SSL_KEYWORDS = new KeywordTable<SslContext>(
  (['password', 'ca', 'certificate', 'key'] as const).map(
    (k): [string, KeywordSpec<SslContext>] => [
      k,
      line<SslContext>((s, c, ctx) => {
        const v = stringArg(ctx, s);
        if (v !== undefined) c[k] = v;
      }),
    ],
  ),
);

export function buildSsl(ctx: BuildContext, s: Statement): SslContext {
  const c: SslContext = { pos: s.pos };
  applyBlock(ctx, s.block?.statements ?? [], SSL_KEYWORDS, c);
  return c;
}
