// virtual_routes / virtual_rules (and static_routes / static_rules) as the runtime installs them:
// the config model's `ip route` / `ip rule` lines become rtnetlink specs (route.ts) plus their
// canonical `ip route` / `ip rule` text, which is both what the log says and the identity a
// reload compares. NetlinkRouteManager installs them, idempotently as keepalived needs it:
// adding a present route or rule and removing an absent one report "nothing changed".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule, Route } from '../config/model.js';
import { KtsError } from '../errors.js';
import { ifNameToIndex } from '../net/native.js';
import {
  FR_ACT_BLACKHOLE,
  FR_ACT_GOTO,
  FR_ACT_NOP,
  FR_ACT_PROHIBIT,
  FR_ACT_TO_TBL,
  FR_ACT_UNREACHABLE,
  RTN_BLACKHOLE,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTPROT_BOOT,
  RTPROT_KEEPALIVED,
  RTPROT_STATIC,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_SITE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_DEFAULT,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTPROT_KERNEL,
} from '../netlink/constants.js';
import type { RouteSpec, RuleSpec } from '../netlink/route.js';
import type { Rtnetlink } from '../netlink/rtnetlink.js';
import { changed } from './vip-addresses.js';

/** A route as the runtime holds it: interfaces by name, resolved to indexes when installed. */
export interface VirtualRouteSpec {
  /** `ip route` form, e.g. "10.20.0.0/16 via 192.168.0.1 dev eth0 table 100 proto keepalived". */
  text: string;
  route: Omit<RouteSpec, 'ifindex' | 'nexthops'>;
  dev?: string;
  nexthops: Array<{ gateway?: string; dev?: string; weight?: number; onlink: boolean }>;
}

/** A policy rule as the runtime holds it (interfaces are names in a rule already). */
export interface VirtualRuleSpec {
  /** `ip rule` form, e.g. "priority 100 from 192.168.0.38 lookup 100". */
  text: string;
  rule: RuleSpec;
}

/** Installs and removes routes and rules; resolves whether anything changed. */
export interface RouteManager {
  addRoute(route: VirtualRouteSpec): Promise<boolean>;
  delRoute(route: VirtualRouteSpec): Promise<boolean>;
  addRule(rule: VirtualRuleSpec): Promise<boolean>;
  delRule(rule: VirtualRuleSpec): Promise<boolean>;
}

const ROUTE_TYPES: Record<Route['type'], number> = {
  unicast: RTN_UNICAST,
  blackhole: RTN_BLACKHOLE,
  unreachable: RTN_UNREACHABLE,
  prohibit: RTN_PROHIBIT,
  throw: RTN_THROW,
};

/** Routing table and route protocol names, as iproute2's rt_tables and rt_protos give them. */
export interface RouteNames {
  tables: Readonly<Record<string, number>>;
  protocols: Readonly<Record<string, number>>;
}

/** The names every system has (numbers work everywhere). */
export const BUILTIN_ROUTE_NAMES: RouteNames = {
  tables: { main: RT_TABLE_MAIN, local: RT_TABLE_LOCAL, default: RT_TABLE_DEFAULT },
  protocols: {
    kernel: RTPROT_KERNEL,
    boot: RTPROT_BOOT,
    static: RTPROT_STATIC,
    keepalived: RTPROT_KEEPALIVED,
  },
};

/** An iproute2 id/name file: "254<TAB>main" lines, `#` comments, decimal or 0x ids. */
function parseIproute2Names(text: string): Record<string, number> {
  const names: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(0x[0-9a-f]+|\d+)\s+(\S+)/i.exec(line.replace(/#.*/, ''));
    if (m) names[m[2]] = Number(m[1]);
  }
  return names;
}

/** Every id/name file of one kind: DIR/BASE, then DIR/BASE.d/*.conf, later ones winning. */
function readNames(dir: string, base: string): Record<string, number> {
  const files = [join(dir, base)];
  try {
    const extra = readdirSync(join(dir, `${base}.d`)).filter((f) => f.endsWith('.conf'));
    files.push(...extra.sort().map((f) => join(dir, `${base}.d`, f)));
  } catch {
    // no BASE.d directory
  }
  const names: Record<string, number> = {};
  for (const file of files) {
    try {
      Object.assign(names, parseIproute2Names(readFileSync(file, 'utf8')));
    } catch {
      // an unreadable file names nothing, as with iproute2
    }
  }
  return names;
}

/** The host's names (keepalived reads the same files: lib/rttables.c), over the built-ins. */
export function systemRouteNames(dir = '/etc/iproute2'): RouteNames {
  return {
    tables: { ...BUILTIN_ROUTE_NAMES.tables, ...readNames(dir, 'rt_tables') },
    protocols: { ...BUILTIN_ROUTE_NAMES.protocols, ...readNames(dir, 'rt_protos') },
  };
}

/** `scope` words (iproute2's rt_scopes) and `ip rule` action words besides goto and lookup. */
const SCOPES: Record<string, number> = {
  global: RT_SCOPE_UNIVERSE,
  universe: RT_SCOPE_UNIVERSE,
  site: RT_SCOPE_SITE,
  link: RT_SCOPE_LINK,
  host: RT_SCOPE_HOST,
  nowhere: RT_SCOPE_NOWHERE,
};
const RULE_ACTIONS: Record<string, number> = {
  nop: FR_ACT_NOP,
  blackhole: FR_ACT_BLACKHOLE,
  unreachable: FR_ACT_UNREACHABLE,
  prohibit: FR_ACT_PROHIBIT,
};

/** A number as `ip` reads one (decimal or 0x hex), or the value `names` gives the word. */
function numberOrName(what: string, word: string, names: Readonly<Record<string, number>>): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(word) ? Number(word) : names[word];
  if (n === undefined) {
    throw new KtsError('VRRP_ROUTE_UNSUPPORTED', `unknown ${what} "${word}"`);
  }
  return n;
}

const prefixText = (p: { address: string; prefixLength: number }) =>
  `${p.address}/${p.prefixLength}`;

export function virtualRouteOf(r: Route, names = BUILTIN_ROUTE_NAMES): VirtualRouteSpec {
  const route: VirtualRouteSpec['route'] = {
    destination: r.to.address,
    prefixLength: r.to.prefixLength,
    type: ROUTE_TYPES[r.type],
    // keepalived adds with scope universe unless the line says otherwise (vrrp_iproute.c
    // netlink_route), where `ip route` would pick link for a direct route.
    scope: RT_SCOPE_UNIVERSE,
    // keepalived marks what it installs as "proto keepalived" unless the line says otherwise.
    protocol:
      r.protocol === undefined
        ? RTPROT_KEEPALIVED
        : numberOrName('protocol', r.protocol, names.protocols),
  };
  const words: string[] = r.type === 'unicast' ? [] : [r.type];
  words.push(prefixText(r.to));
  if (r.via !== undefined) {
    route.gateway = r.via;
    words.push('via', r.via);
  }
  if (r.dev !== undefined) words.push('dev', r.dev);
  if (r.src !== undefined) {
    route.source = r.src;
    words.push('src', r.src);
  }
  if (r.table !== undefined) {
    route.table = numberOrName('routing table', r.table, names.tables);
    words.push('table', r.table);
  }
  if (r.metric !== undefined) {
    route.metric = r.metric;
    words.push('metric', String(r.metric));
  }
  if (r.scope !== undefined) {
    route.scope = numberOrName('scope', r.scope, SCOPES);
    words.push('scope', r.scope);
  }
  if (r.protocol !== undefined) words.push('proto', r.protocol);
  if (r.onlink) {
    route.onlink = true;
    words.push('onlink');
  }
  const nexthops = r.nexthops.map((h) => {
    words.push('nexthop');
    const hop: VirtualRouteSpec['nexthops'][number] = { onlink: h.onlink };
    if (h.via !== undefined) {
      hop.gateway = h.via;
      words.push('via', h.via);
    }
    if (h.dev !== undefined) {
      hop.dev = h.dev;
      words.push('dev', h.dev);
    }
    if (h.weight !== undefined) {
      hop.weight = h.weight;
      words.push('weight', String(h.weight));
    }
    if (h.onlink) words.push('onlink');
    return hop;
  });
  const spec: VirtualRouteSpec = { text: words.join(' '), route, nexthops };
  if (r.dev !== undefined) spec.dev = r.dev;
  return spec;
}

/** `fwmark N[/MASK]` as `ip rule` reads it. */
function fwmarkOf(text: string): { fwmark: number; fwmask?: number } {
  const [mark, mask] = text.split('/');
  const out: { fwmark: number; fwmask?: number } = { fwmark: numberOrName('fwmark', mark, {}) };
  if (mask !== undefined) out.fwmask = numberOrName('fwmark mask', mask, {});
  return out;
}

export function virtualRuleOf(r: Rule, names = BUILTIN_ROUTE_NAMES): VirtualRuleSpec {
  // keepalived marks its rules "proto keepalived" too (observed with 2.2.7: `ip rule`).
  const rule: RuleSpec = { family: r.family, priority: r.preference, protocol: RTPROT_KEEPALIVED };
  const words = ['priority', String(r.preference)];
  // "from all" / "to all" select everything: the kernel wants no FRA_SRC / FRA_DST for that.
  if (r.from && r.from.prefixLength > 0) {
    rule.from = { address: r.from.address, prefixLength: r.from.prefixLength };
    words.push('from', prefixText(r.from));
  }
  if (r.to && r.to.prefixLength > 0) {
    rule.to = { address: r.to.address, prefixLength: r.to.prefixLength };
    words.push('to', prefixText(r.to));
  }
  if (r.iif !== undefined) {
    rule.iifname = r.iif;
    words.push('iif', r.iif);
  }
  if (r.oif !== undefined) {
    rule.oifname = r.oif;
    words.push('oif', r.oif);
  }
  if (r.fwmark !== undefined) {
    Object.assign(rule, fwmarkOf(r.fwmark));
    words.push('fwmark', r.fwmark);
  }
  if (r.tos !== undefined) {
    rule.tos = numberOrName('tos', r.tos, {});
    words.push('tos', r.tos);
  }
  const goto = /^goto (\d+)$/.exec(r.action ?? '');
  if (goto) {
    rule.action = FR_ACT_GOTO;
    rule.goto = Number(goto[1]);
    rule.table = 0;
    words.push('goto', goto[1]);
  } else if (r.action !== undefined) {
    rule.action = numberOrName('rule action', r.action, RULE_ACTIONS);
    rule.table = 0;
    words.push(r.action);
  } else {
    rule.action = FR_ACT_TO_TBL;
    rule.table = numberOrName('routing table', r.table ?? 'main', names.tables);
    words.push('lookup', r.table ?? 'main');
  }
  return { text: words.join(' '), rule };
}

export function routeSpecOf(v: VirtualRouteSpec, ifindexOf: (dev: string) => number): RouteSpec {
  const spec: RouteSpec = { ...v.route };
  if (v.dev !== undefined) spec.ifindex = ifindexOf(v.dev);
  if (v.nexthops.length > 0) {
    spec.nexthops = v.nexthops.map((h) => {
      const hop: NonNullable<RouteSpec['nexthops']>[number] = { onlink: h.onlink };
      if (h.gateway !== undefined) hop.gateway = h.gateway;
      if (h.dev !== undefined) hop.ifindex = ifindexOf(h.dev);
      if (h.weight !== undefined) hop.weight = h.weight;
      return hop;
    });
  }
  return spec;
}

export class NetlinkRouteManager implements RouteManager {
  constructor(private readonly rt: Rtnetlink) {}

  addRoute(v: VirtualRouteSpec): Promise<boolean> {
    return changed(() => this.rt.addRoute(routeSpecOf(v, ifNameToIndex)), 'EEXIST');
  }

  delRoute(v: VirtualRouteSpec): Promise<boolean> {
    return changed(() => this.rt.deleteRoute(routeSpecOf(v, ifNameToIndex)), 'ESRCH', true);
  }

  addRule(v: VirtualRuleSpec): Promise<boolean> {
    return changed(() => this.rt.addRule(v.rule), 'EEXIST');
  }

  delRule(v: VirtualRuleSpec): Promise<boolean> {
    return changed(() => this.rt.deleteRule(v.rule), 'ENOENT', true);
  }
}
