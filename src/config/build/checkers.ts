// Health checker blocks inside real_server (keepalived/check/check_*.c). A checker's timing is
// only known once its virtual server block has ended (VS keywords may follow the real servers), so
// builders return a draft that is finished with the resolved timing.
import type { SourcePos, Statement } from '../ast.js';
import type {
  Checker,
  CheckerConnection,
  CheckerTiming,
  DnsCheck,
  HttpCheck,
  HttpUrl,
  ScriptCommand,
  TimingDefaults,
  UdpCheck,
} from '../model.js';
import { parseIp } from './address.js';
import {
  type BuildContext,
  type KeywordSpec,
  KeywordTable,
  MAX_TIMER_SECONDS,
  applyBlock,
  arg,
  block,
  choiceArg,
  defined,
  deprecated,
  field,
  flagArg,
  intArg,
  line,
  readInt,
  registerBlock,
  secondsArg,
  stringArg,
} from './context.js';
import { buildScript } from './script.js';

export interface CheckerDraft {
  /** Timing given inside the checker block. */
  own: Partial<CheckerTiming>;
  /** The type's default `retry` (1; MISC_CHECK 0; DNS_CHECK 3). */
  defaultRetry: number;
  /** The type's default `delay_before_retry`; undefined = the delay loop (DNS_CHECK). */
  defaultDelayBeforeRetry: number | undefined;
  finish(timing: CheckerTiming): Checker;
}

/** keepalived's check_data.c: checker value, else the real server's (itself defaulted from the VS), else the type's. */
function resolveTiming(
  draft: CheckerDraft,
  rs: TimingDefaults,
  logAllFailures: boolean,
): CheckerTiming {
  const delayLoop = draft.own.delayLoop ?? rs.delayLoop;
  return {
    delayLoop,
    connectTimeout: draft.own.connectTimeout ?? rs.connectTimeout,
    retry: draft.own.retry ?? rs.retry ?? draft.defaultRetry,
    delayBeforeRetry:
      draft.own.delayBeforeRetry ??
      rs.delayBeforeRetry ??
      draft.defaultDelayBeforeRetry ??
      delayLoop,
    warmup: draft.own.warmup ?? rs.warmup ?? delayLoop,
    alpha: draft.own.alpha ?? rs.alpha,
    logAllFailures: draft.own.logAllFailures ?? logAllFailures,
  };
}

function finishChecker(draft: CheckerDraft, rs: TimingDefaults, logAllFailures: boolean): Checker {
  return draft.finish(resolveTiming(draft, rs, logAllFailures));
}

/**
 * A real server's checkers finished with its timing. An array literal for the usual single
 * checker: V8 tracks literal sites and, seeing their arrays outlive the young generation (they
 * are kept in the model), can allocate them in the old generation directly (measured: a tenth
 * off building 10,000 real servers, against an exact-size `new Array` filled in a loop).
 */
export function finishCheckers(
  drafts: CheckerDraft[],
  rs: TimingDefaults,
  logAllFailures: boolean,
): Checker[] {
  if (drafts.length === 1) return [finishChecker(drafts[0], rs, logAllFailures)];
  return drafts.map((d) => finishChecker(d, rs, logAllFailures));
}

/** Fields every checker builder target has. */
interface TimedTarget {
  own: Partial<CheckerTiming>;
}

interface ConnectedTarget extends TimedTarget {
  connection: CheckerConnection;
}

function timingKeywords<T extends TimedTarget>(): Array<[string, KeywordSpec<T>]> {
  const seconds = (field: 'delayLoop' | 'delayBeforeRetry' | 'warmup', min: number) =>
    line<T>((s, t, ctx) => {
      const v = secondsArg(ctx, s, min, MAX_TIMER_SECONDS);
      if (v !== undefined) t.own[field] = v;
    });
  return [
    [
      'retry',
      line<T>((s, t, ctx) => {
        const v = intArg(ctx, s, 0, 0xffffffff);
        if (v !== undefined) t.own.retry = v;
      }),
    ],
    ['delay_before_retry', seconds('delayBeforeRetry', 0)],
    ['warmup', seconds('warmup', 0)],
    ['delay_loop', seconds('delayLoop', 0.000001)],
    [
      'alpha',
      line<T>((s, t, ctx) => {
        const v = flagArg(ctx, s);
        if (v !== undefined) t.own.alpha = v;
      }),
    ],
    [
      'log_all_failures',
      line<T>((s, t, ctx) => {
        const v = flagArg(ctx, s);
        if (v !== undefined) t.own.logAllFailures = v;
      }),
    ],
  ];
}

function address(ctx: BuildContext, s: Statement): string | undefined {
  const w = arg(ctx, s);
  if (!w) return undefined;
  const ip = parseIp(w.text);
  if (!ip)
    ctx.error(w.pos, 'invalid-address', `invalid ${s.keyword.text} address '${w.text}' - ignoring`);
  return ip?.address;
}

function connectionKeywords<T extends ConnectedTarget>(): Array<[string, KeywordSpec<T>]> {
  return [
    [
      'connect_ip',
      line<T>((s, t, ctx) => {
        t.connection.connectIp = address(ctx, s);
      }),
    ],
    [
      'connect_port',
      line<T>((s, t, ctx) => {
        t.connection.connectPort = intArg(ctx, s, 1, 65535);
      }),
    ],
    [
      'bindto',
      line<T>((s, t, ctx) => {
        t.connection.bindTo = address(ctx, s);
      }),
    ],
    [
      'bind_port',
      line<T>((s, t, ctx) => {
        t.connection.bindPort = intArg(ctx, s, 1, 65535);
      }),
    ],
    [
      'bind_if',
      line<T>((s, t, ctx) => {
        t.connection.bindIf = stringArg(ctx, s);
      }),
    ],
    [
      'connect_timeout',
      line<T>((s, t, ctx) => {
        const v = secondsArg(ctx, s, 0.000001, MAX_TIMER_SECONDS);
        if (v !== undefined) t.own.connectTimeout = v;
      }),
    ],
    [
      'fwmark',
      line<T>((s, t, ctx) => {
        t.connection.fwmark = intArg(ctx, s, 0, 0xffffffff);
      }),
    ],
  ];
}

// ---------------------------------------------------------------------------------------------
// Per-type builders

interface NetTarget extends ConnectedTarget {
  pos: SourcePos;
}

function networkChecker<X extends NetTarget>(
  s: Statement,
  ctx: BuildContext,
  table: KeywordTable<X>,
  target: X,
): X {
  applyBlock(ctx, s.block?.statements ?? [], table, target);
  return target;
}

function simpleTable<T extends ConnectedTarget>(): KeywordTable<T> {
  return new KeywordTable<T>([...connectionKeywords<T>(), ...timingKeywords<T>()]);
}

const TCP_TABLE = simpleTable<NetTarget>();

function buildPlain(
  ctx: BuildContext,
  s: Statement,
  type: 'TCP_CHECK' | 'PING_CHECK',
): CheckerDraft {
  const t = networkChecker(s, ctx, TCP_TABLE, { own: {}, connection: {}, pos: s.pos });
  return {
    own: t.own,
    defaultRetry: 1,
    defaultDelayBeforeRetry: 1,
    finish: (timing) => ({ type, connection: defined(t.connection), timing, pos: t.pos }),
  };
}

// HTTP_GET / SSL_GET -------------------------------------------------------------------------

type HttpTarget = NetTarget & Omit<HttpCheck, 'type' | 'timing' | 'connection' | 'pos'>;

/** `status_code 200 300-399 ...` into inclusive ranges. */
function statusCodes(ctx: BuildContext, s: Statement): Array<[number, number]> | undefined {
  const ranges: Array<[number, number]> = [];
  for (const w of s.args) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(w.text);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 100 || hi > 599 || hi < lo) {
      ctx.error(
        w.pos,
        'invalid-value',
        `Invalid HTTP_GET status code range '${w.text}' - skipping`,
      );
      return undefined;
    }
    ranges.push([lo, hi]);
  }
  return ranges;
}

type UrlDraft = Omit<HttpUrl, 'path' | 'statusCodes'> & {
  path?: string;
  statusCodes?: Array<[number, number]>;
};

const URL_TABLE = new KeywordTable<UrlDraft>([
  [
    'path',
    line<UrlDraft>((s, u, ctx) => {
      u.path = stringArg(ctx, s);
    }),
  ],
  [
    'digest',
    line<UrlDraft>((s, u, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      if (!/^[0-9a-fA-F]{32}$/.test(w.text))
        ctx.error(w.pos, 'invalid-value', `digest '${w.text}' is not an MD5 hex digest - ignoring`);
      else u.digest = w.text.toLowerCase();
    }),
  ],
  [
    'status_code',
    line<UrlDraft>((s, u, ctx) => {
      const r = statusCodes(ctx, s);
      if (r) u.statusCodes = [...(u.statusCodes ?? []), ...r];
    }),
  ],
  [
    'virtualhost',
    line<UrlDraft>((s, u, ctx) => {
      u.virtualhost = stringArg(ctx, s);
    }),
  ],
  [
    'regex',
    line<UrlDraft>((s, u, ctx) => {
      u.regex = stringArg(ctx, s);
    }),
  ],
  [
    'regex_no_match',
    line<UrlDraft>((_s, u) => {
      u.regexNoMatch = true;
    }),
  ],
  ...['regex_options', 'regex_stack', 'regex_min_offset', 'regex_max_offset', 'tls_compliant'].map(
    (k): [string, KeywordSpec<UrlDraft>] => [k, line<UrlDraft>(() => undefined)],
  ),
]);

const HTTP_TABLE = new KeywordTable<HttpTarget>([
  ...connectionKeywords<HttpTarget>(),
  ...timingKeywords<HttpTarget>(),
  [
    'url',
    block<HttpTarget>((s, t, ctx) => {
      const u: UrlDraft = { regexNoMatch: false, pos: s.pos };
      applyBlock(ctx, s.block?.statements ?? [], URL_TABLE, u);
      if (u.path === undefined) {
        ctx.error(
          s.block?.close ?? s.pos,
          'missing-parameter',
          'url block without path - ignoring',
        );
        return;
      }
      t.urls.push({ ...u, path: u.path, statusCodes: u.statusCodes ?? [[200, 299]] });
    }),
  ],
  [
    'http_protocol',
    line<HttpTarget>((s, t, ctx) => {
      const v = choiceArg(ctx, s, ['1.0', '1.0C', '1.1'] as const);
      if (v) t.httpProtocol = v;
    }),
  ],
  [
    'virtualhost',
    line<HttpTarget>((s, t, ctx) => {
      t.virtualhost = stringArg(ctx, s);
    }),
  ],
  ['fast_recovery', field<HttpTarget, 'fastRecovery'>('fastRecovery', flagArg)],
  ['enable_sni', field<HttpTarget, 'enableSni'>('enableSni', flagArg)],
  ['tls_compliant', field<HttpTarget, 'tlsCompliant'>('tlsCompliant', flagArg)],
  ['sni_name', line<HttpTarget>(() => undefined)],
]);
HTTP_TABLE.set('nb_get_retry', deprecated('retry', HTTP_TABLE.get('retry')!));

function buildHttp(ctx: BuildContext, s: Statement, type: 'HTTP_GET' | 'SSL_GET'): CheckerDraft {
  const t = networkChecker<HttpTarget>(s, ctx, HTTP_TABLE, {
    own: {},
    connection: {},
    urls: [],
    fastRecovery: false,
    enableSni: false,
    tlsCompliant: false,
    pos: s.pos,
  });
  if (t.urls.length === 0)
    ctx.error(s.block?.close ?? s.pos, 'missing-url', `${type} has no url - it will always fail`);
  return {
    own: t.own,
    defaultRetry: 1,
    defaultDelayBeforeRetry: 3,
    finish: (timing) => {
      const { own: _own, connection, ...rest } = t;
      return { type, ...rest, connection: defined(connection), timing };
    },
  };
}

// MISC_CHECK ----------------------------------------------------------------------------------

interface MiscTarget extends TimedTarget {
  script?: ScriptCommand;
  timeout?: number;
  dynamic: boolean;
  user?: { user: string; group?: string };
}

const MISC_TABLE = new KeywordTable<MiscTarget>([
  ...timingKeywords<MiscTarget>(),
  [
    'misc_path',
    line<MiscTarget>((s, t, ctx) => {
      t.script = buildScript(ctx, s);
    }),
  ],
  [
    'misc_timeout',
    line<MiscTarget>((s, t, ctx) => {
      t.timeout = secondsArg(ctx, s, 0.000001, MAX_TIMER_SECONDS);
    }),
  ],
  [
    'misc_dynamic',
    line<MiscTarget>((_s, t) => {
      t.dynamic = true;
    }),
  ],
  [
    'user',
    line<MiscTarget>((s, t, ctx) => {
      const user = stringArg(ctx, s);
      if (user !== undefined) t.user = s.args[1] ? { user, group: s.args[1].text } : { user };
    }),
  ],
]);

function buildMisc(ctx: BuildContext, s: Statement): CheckerDraft | undefined {
  const t: MiscTarget = { own: {}, dynamic: false };
  applyBlock(ctx, s.block?.statements ?? [], MISC_TABLE, t);
  const script = t.script;
  if (!script) {
    ctx.error(s.block?.close ?? s.pos, 'script-missing', 'MISC_CHECK with no misc_path - ignoring');
    return undefined;
  }
  if (t.user) {
    script.user = t.user.user;
    if (t.user.group) script.group = t.user.group;
  }
  return {
    own: t.own,
    defaultRetry: 0,
    defaultDelayBeforeRetry: 1,
    finish: (timing) => ({
      type: 'MISC_CHECK',
      script,
      timeout: t.timeout ?? timing.delayLoop,
      dynamic: t.dynamic,
      timing,
      pos: s.pos,
    }),
  };
}

// SMTP_CHECK ----------------------------------------------------------------------------------

interface SmtpTarget extends NetTarget {
  heloName?: string;
  hosts: Array<CheckerConnection & { pos: SourcePos }>;
}

const HOST_TABLE = simpleTable<ConnectedTarget>();

const SMTP_TABLE = new KeywordTable<SmtpTarget>([
  ...connectionKeywords<SmtpTarget>(),
  ...timingKeywords<SmtpTarget>(),
  [
    'helo_name',
    line<SmtpTarget>((s, t, ctx) => {
      t.heloName = stringArg(ctx, s);
    }),
  ],
  [
    'host',
    block<SmtpTarget>((s, t, ctx) => {
      if (t.hosts.length === 0) {
        ctx.warn(
          s.keyword.pos,
          'deprecated-keyword',
          'The SMTP_CHECK host block is deprecated. Please define additional checkers.',
        );
      }
      const h: ConnectedTarget = { own: {}, connection: {} };
      applyBlock(ctx, s.block?.statements ?? [], HOST_TABLE, h);
      t.hosts.push({ ...defined(h.connection), pos: s.pos });
    }),
  ],
]);

function buildSmtp(ctx: BuildContext, s: Statement, routerId: string | undefined): CheckerDraft {
  const t = networkChecker<SmtpTarget>(s, ctx, SMTP_TABLE, {
    own: {},
    connection: {},
    hosts: [],
    pos: s.pos,
  });
  return {
    own: t.own,
    defaultRetry: 1,
    defaultDelayBeforeRetry: 1,
    finish: (timing) => ({
      type: 'SMTP_CHECK',
      connection: defined(t.connection),
      // keepalived's default HELO name is the router_id (itself defaulting to the host name).
      heloName: t.heloName ?? routerId ?? 'localhost',
      hosts: t.hosts,
      timing,
      pos: s.pos,
    }),
  };
}

// DNS_CHECK -----------------------------------------------------------------------------------

interface DnsTarget extends NetTarget {
  queryType: DnsCheck['queryType'];
  name: string;
}

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;

const DNS_TABLE = new KeywordTable<DnsTarget>([
  ...connectionKeywords<DnsTarget>(),
  ...timingKeywords<DnsTarget>(),
  [
    'type',
    line<DnsTarget>((s, t, ctx) => {
      const v = choiceArg(ctx, s, DNS_TYPES);
      if (v) t.queryType = v;
    }),
  ],
  ['name', field('name', (ctx, s) => stringArg(ctx, s))],
]);

function buildDns(ctx: BuildContext, s: Statement): CheckerDraft {
  const t = networkChecker<DnsTarget>(s, ctx, DNS_TABLE, {
    own: {},
    connection: {},
    queryType: 'SOA',
    name: '.',
    pos: s.pos,
  });
  return {
    own: t.own,
    defaultRetry: 3,
    defaultDelayBeforeRetry: undefined,
    finish: (timing) => ({
      type: 'DNS_CHECK',
      connection: defined(t.connection),
      queryType: t.queryType,
      name: t.name,
      timing,
      pos: s.pos,
    }),
  };
}

// UDP_CHECK -----------------------------------------------------------------------------------

type UdpTarget = NetTarget & Omit<UdpCheck, 'type' | 'timing' | 'connection' | 'pos'>;

function hexArg(ctx: BuildContext, s: Statement, wildcard: boolean): string | undefined {
  const text = s.args.map((w) => w.text).join('');
  const valid = wildcard ? /^([0-9a-fA-FxX]{2})+$/ : /^([0-9a-fA-F]{2})+$/;
  if (!valid.test(text)) {
    ctx.error(
      s.args[0]?.pos ?? s.keyword.pos,
      'invalid-value',
      `${s.keyword.text} '${text}' is not a valid hex string - ignoring`,
    );
    return undefined;
  }
  return text.toLowerCase();
}

const UDP_TABLE = new KeywordTable<UdpTarget>([
  ...connectionKeywords<UdpTarget>(),
  ...timingKeywords<UdpTarget>(),
  [
    'payload',
    line<UdpTarget>((s, t, ctx) => {
      t.payload = hexArg(ctx, s, false);
    }),
  ],
  [
    'require_reply',
    line<UdpTarget>((s, t, ctx) => {
      t.requireReply = hexArg(ctx, s, true);
    }),
  ],
  ['min_reply_length', field('minReplyLength', (ctx, s) => intArg(ctx, s, 0, 65535))],
  ['max_reply_length', field('maxReplyLength', (ctx, s) => intArg(ctx, s, 0, 65535))],
]);

function buildUdp(ctx: BuildContext, s: Statement): CheckerDraft {
  const t = networkChecker<UdpTarget>(s, ctx, UDP_TABLE, {
    own: {},
    connection: {},
    minReplyLength: 0,
    maxReplyLength: 255,
    pos: s.pos,
  });
  return {
    own: t.own,
    defaultRetry: 1,
    defaultDelayBeforeRetry: 1,
    finish: (timing) => {
      const { own: _own, connection, ...rest } = t;
      return defined({
        type: 'UDP_CHECK' as const,
        ...rest,
        connection: defined(connection),
        timing,
      });
    },
  };
}

// FILE_CHECK / BFD_CHECK (no timing: driven by the tracked file / BFD session) -----------------

function buildFile(ctx: BuildContext, s: Statement): CheckerDraft | undefined {
  let trackFile: string | undefined;
  let weight: number | undefined;
  let reverse = false;
  for (const e of s.block?.statements ?? []) {
    if (e.keyword.text === 'track_file') trackFile = stringArg(ctx, e);
    else if (e.keyword.text === 'weight') {
      weight = readInt(ctx, e.args[0], -254, 254);
      reverse = e.args[1]?.text === 'reverse';
    } else ctx.error(e.keyword.pos, 'unknown-keyword', `Unknown keyword '${e.keyword.text}'`);
  }
  if (trackFile === undefined) {
    ctx.error(
      s.block?.close ?? s.pos,
      'missing-parameter',
      'FILE_CHECK has no track_file - ignoring',
    );
    return undefined;
  }
  const file = trackFile;
  return {
    own: {},
    defaultRetry: 0,
    defaultDelayBeforeRetry: 0,
    finish: () =>
      defined({ type: 'FILE_CHECK' as const, trackFile: file, weight, reverse, pos: s.pos }),
  };
}

function buildBfd(ctx: BuildContext, s: Statement): CheckerDraft | undefined {
  let name: string | undefined;
  let alpha = false;
  for (const e of s.block?.statements ?? []) {
    if (e.keyword.text === 'name') name = stringArg(ctx, e);
    else if (e.keyword.text === 'alpha') alpha = flagArg(ctx, e) ?? alpha;
    else ctx.error(e.keyword.pos, 'unknown-keyword', `Unknown keyword '${e.keyword.text}'`);
  }
  if (name === undefined) {
    ctx.error(s.block?.close ?? s.pos, 'missing-parameter', 'BFD_CHECK has no name - ignoring');
    return undefined;
  }
  const bfd = name;
  return {
    own: {},
    defaultRetry: 0,
    defaultDelayBeforeRetry: 0,
    finish: () => ({ type: 'BFD_CHECK', name: bfd, alpha, pos: s.pos }),
  };
}

registerBlock('HTTP_GET or SSL_GET', HTTP_TABLE.keys());
registerBlock('url', URL_TABLE.keys());
registerBlock('MISC_CHECK', MISC_TABLE.keys());

/** Checker keywords valid in a real_server block, and how to build each. */
export const CHECKER_BUILDERS: Record<
  string,
  (ctx: BuildContext, s: Statement, routerId: string | undefined) => CheckerDraft | undefined
> = {
  TCP_CHECK: (ctx, s) => buildPlain(ctx, s, 'TCP_CHECK'),
  PING_CHECK: (ctx, s) => buildPlain(ctx, s, 'PING_CHECK'),
  HTTP_GET: (ctx, s) => buildHttp(ctx, s, 'HTTP_GET'),
  SSL_GET: (ctx, s) => buildHttp(ctx, s, 'SSL_GET'),
  MISC_CHECK: (ctx, s) => buildMisc(ctx, s),
  SMTP_CHECK: (ctx, s, routerId) => buildSmtp(ctx, s, routerId),
  DNS_CHECK: (ctx, s) => buildDns(ctx, s),
  UDP_CHECK: (ctx, s) => buildUdp(ctx, s),
  FILE_CHECK: (ctx, s) => buildFile(ctx, s),
  BFD_CHECK: (ctx, s) => buildBfd(ctx, s),
};
