// Addresses, prefixes, and the `ip addr` / `ip route` / `ip rule` line syntaxes keepalived accepts
// in virtual_ipaddress, static_ipaddress, *_routes and *_rules blocks.
import { isIPv4, isIPv6 } from 'node:net';
import { addressBytes, formatAddress } from '../../net/inet.js';
import type { Statement, Word } from '../ast.js';
import type { Family, IpAddress, Prefix, Route, Rule } from '../model.js';
import { type BuildContext, readInt } from './context.js';

export interface ParsedIp {
  address: string;
  family: Family;
}

/** Parses an IPv4 or IPv6 address (IPv6 is returned compressed, lower case, RFC 5952). */
export function parseIp(text: string): ParsedIp | undefined {
  if (isIPv4(text)) return { address: text, family: 4 };
  if (isIPv6(text)) return { address: formatAddress(addressBytes(text)), family: 6 };
  return undefined;
}

/** `ADDR[/LEN]`; without a length the prefix is a host route (/32, /128). */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefixLength: max };
  const lenText = text.slice(slash + 1);
  if (!/^\d+$/.test(lenText) || Number(lenText) > max) return undefined;
  return { ...ip, prefixLength: Number(lenText) };
}

/** `default`, `any` or a prefix, for routes and rules. */
function parseDestination(text: string, family: Family | undefined): Prefix | undefined {
  if (text === 'default' || text === 'any' || text === 'all') {
    return family === 6
      ? { address: '::', prefixLength: 0, family: 6 }
      : { address: '0.0.0.0', prefixLength: 0, family: 4 };
  }
  return parsePrefix(text);
}

const IPV6_SCOPES = new Set(['site', 'link', 'host', 'nowhere', 'global']);

/**
 * The track groups a static_* line may name: those defined above it, as keepalived looks the name
 * up while it reads the line. Absent for VIPs and virtual routes / rules, where keepalived does not
 * know the `track_group` word.
 */
export type TrackGroupNames = ReadonlySet<string>;

/** What readTrackGroup returns for a second `track_group`: the rest of the line is not read. */
const STOP_LINE = Symbol('stop reading the line');

/**
 * `track_group NAME` on a static line: the group when it is defined (above), else an error. A
 * second `track_group` after one that resolved is reported and ends the line, as keepalived
 * stops reading there (`break` in its address, route and rule parsers).
 */
function readTrackGroup(
  ctx: BuildContext,
  w: Word | undefined,
  current: string | undefined,
  groups: TrackGroupNames,
): string | undefined | typeof STOP_LINE {
  if (!w) return current;
  if (current !== undefined) {
    ctx.error(w.pos, 'duplicate-keyword', `track_group ${w.text} is a duplicate`);
    return STOP_LINE;
  }
  if (groups.has(w.text)) return w.text;
  ctx.error(w.pos, 'unknown-reference', `track_group ${w.text} not found`);
  return undefined;
}

/**
 * One address line: `ADDR[/len] [dev IF] [brd X] [scope S] [label L] [peer P] [home] [-nodad] ...`
 * Returns undefined (after an error) when the address itself is bad or a keyword lacks its
 * value, as keepalived then skips the address.
 */
export function buildIpAddress(
  ctx: BuildContext,
  s: Statement,
  what: string,
  trackGroups?: TrackGroupNames,
): IpAddress | undefined {
  const words = [s.keyword, ...s.args];
  const prefix = parsePrefix(words[0].text);
  if (!prefix) {
    ctx.error(
      words[0].pos,
      'invalid-address',
      `${what}: invalid IP address '${words[0].text}' - skipping`,
    );
    return undefined;
  }
  const addr: IpAddress = {
    address: prefix.address,
    prefixLength: prefix.prefixLength,
    family: prefix.family,
    home: false,
    noDad: false,
    mngtmpaddr: false,
    noPrefixRoute: false,
    autojoin: false,
    noTrack: false,
    pos: s.pos,
  };
  let missing = false;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    const value = (): Word | undefined => {
      const v = words[i + 1];
      if (!v) {
        missing = true;
        ctx.error(
          w.pos,
          'missing-parameter',
          `${what}: No ${w.text} parameter specified for ${words[0].text}`,
        );
      }
      i++;
      return v;
    };
    switch (w.text) {
      case 'dev': {
        const v = value();
        if (v) addr.dev = v.text;
        break;
      }
      case 'brd':
      case 'broadcast': {
        const v = value();
        if (v) addr.brd = v.text;
        break;
      }
      case 'scope': {
        const v = value();
        if (!v) break;
        if (addr.family === 6)
          ctx.error(v.pos, 'invalid-option', `${what}: cannot set scope on an IPv6 address`);
        else if (IPV6_SCOPES.has(v.text) || /^\d+$/.test(v.text)) addr.scope = v.text;
        else ctx.error(v.pos, 'invalid-value', `${what}: invalid scope '${v.text}'`);
        break;
      }
      case 'label': {
        const v = value();
        if (!v) break;
        if (addr.family === 6)
          ctx.error(v.pos, 'invalid-option', `${what}: cannot set a label on an IPv6 address`);
        else addr.label = v.text;
        break;
      }
      case 'peer': {
        const v = value();
        if (!v) break;
        const p = parsePrefix(v.text);
        if (!p || p.family !== addr.family)
          ctx.error(v.pos, 'invalid-address', `${what}: invalid peer address '${v.text}'`);
        else addr.peer = v.text;
        break;
      }
      case 'preferred_lft': {
        const v = value();
        if (!v) break;
        if (v.text === 'forever') addr.preferredLft = 'forever';
        else {
          const n = readInt(ctx, v, 0, 0xffffffff);
          if (n !== undefined) addr.preferredLft = n;
        }
        break;
      }
      case 'track_group': {
        if (!trackGroups) {
          unknownAddressOption(ctx, w, what);
          break;
        }
        const group = readTrackGroup(ctx, value(), addr.trackGroup, trackGroups);
        if (group === STOP_LINE) i = words.length;
        else if (group !== undefined) addr.trackGroup = group;
        break;
      }
      case 'home':
        addr.home = true;
        break;
      case '-nodad':
        addr.noDad = true;
        break;
      case 'mngtmpaddr':
        addr.mngtmpaddr = true;
        break;
      case 'noprefixroute':
        addr.noPrefixRoute = true;
        break;
      case 'autojoin':
        addr.autojoin = true;
        break;
      case 'no_track':
        addr.noTrack = true;
        break;
      default:
        unknownAddressOption(ctx, w, what);
    }
  }
  return missing ? undefined : addr;
}

function unknownAddressOption(ctx: BuildContext, w: Word, what: string): void {
  ctx.error(w.pos, 'unknown-option', `${what}: unknown option '${w.text}' - ignoring`);
}

/** Route words that take one value and are kept as written in `options`. */
const ROUTE_VALUE_OPTIONS = new Set([
  'tos',
  'mtu',
  'advmss',
  'rtt',
  'rttvar',
  'reordering',
  'window',
  'cwnd',
  'ssthresh',
  'realms',
  'rto_min',
  'initcwnd',
  'initrwnd',
  'hoplimit',
  'features',
  'congctl',
  'expires',
  'pref',
  'encap',
  'vrf',
  'quickack',
  'fastopen_no_cookie',
  'ttl-propagate',
]);
const ROUTE_FLAG_OPTIONS = new Set(['lock', 'append', 'prepend']);
const ROUTE_TYPES = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw']);

/** One `ip route`-style line. */
export function buildRoute(
  ctx: BuildContext,
  s: Statement,
  what: string,
  trackGroups?: TrackGroupNames,
): Route | undefined {
  const words = [s.keyword, ...s.args];
  let family: Family | undefined;
  let type: Route['type'] = 'unicast';
  let to: Prefix | undefined;
  /** The destination as written, which keepalived's messages quote. */
  let toText = '';
  const route: Omit<Route, 'to' | 'family' | 'type'> = {
    onlink: false,
    nexthops: [],
    options: {},
    noTrack: false,
    pos: s.pos,
  };
  const bad = (w: Word, message: string) => {
    ctx.error(w.pos, 'invalid-route', `${what}: ${message}`);
  };
  const address = (w: Word | undefined): string | undefined => {
    if (!w) return undefined;
    const ip = parseIp(w.text);
    if (!ip) {
      bad(w, `invalid address '${w.text}'`);
      return undefined;
    }
    family ??= ip.family;
    return ip.address;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = (): Word | undefined => {
      const v = words[i + 1];
      if (!v) bad(w, `'${w.text}' needs a value`);
      i++;
      return v;
    };
    switch (w.text) {
      case 'inet6':
        family = 6;
        break;
      case 'to': {
        const v = next();
        if (!v) break;
        to = parseDestination(v.text, family);
        toText = v.text;
        if (!to) bad(v, `invalid destination '${v.text}'`);
        break;
      }
      case 'src':
        route.src = address(next());
        break;
      case 'gw':
        ctx.warn(
          w.pos,
          'deprecated-keyword',
          `${what}: "gw" for routes is deprecated. Please use "via"`,
        );
        route.via = address(next());
        break;
      case 'via': {
        let v = next();
        if (v && (v.text === 'inet' || v.text === 'inet6')) v = next();
        route.via = address(v);
        break;
      }
      case 'dev':
      case 'oif':
        route.dev = next()?.text;
        break;
      case 'table':
        route.table = next()?.text;
        break;
      case 'metric':
      case 'priority':
      case 'preference': {
        const n = readInt(ctx, next(), 0, 0xffffffff);
        if (n !== undefined) route.metric = n;
        break;
      }
      case 'scope':
        route.scope = next()?.text;
        break;
      case 'protocol':
      case 'proto':
        route.protocol = next()?.text;
        break;
      case 'onlink':
        route.onlink = true;
        break;
      case 'no_track':
        route.noTrack = true;
        break;
      case 'track_group': {
        if (!trackGroups) {
          bad(w, `unknown route option '${w.text}'`);
          break;
        }
        const group = readTrackGroup(ctx, next(), route.trackGroup, trackGroups);
        if (group === STOP_LINE) {
          // keepalived stops at the repeated group's name and then refuses the route for it.
          ctx.error(
            words[i].pos,
            'invalid-route',
            `Route has trailing nonsense - ${words[i].text}`,
          );
          return undefined;
        }
        if (group !== undefined) route.trackGroup = group;
        break;
      }
      case 'or': {
        // Old multipath form `via A or B`: both gateways become nexthops.
        ctx.warn(
          w.pos,
          'deprecated-keyword',
          `${what}: "or" for routes is deprecated. Please use "nexthop"`,
        );
        const alternative = address(next());
        if (alternative === undefined) break;
        if (route.via !== undefined) route.nexthops.push({ via: route.via, onlink: false });
        delete route.via;
        route.nexthops.push({ via: alternative, onlink: false });
        break;
      }
      case 'nexthop': {
        const hop: Route['nexthops'][number] = { onlink: false };
        while (
          i + 1 < words.length &&
          ['via', 'dev', 'weight', 'onlink'].includes(words[i + 1].text)
        ) {
          const k = words[++i];
          if (k.text === 'onlink') hop.onlink = true;
          else if (k.text === 'via') hop.via = address(words[++i]);
          else if (k.text === 'dev') hop.dev = words[++i]?.text;
          else hop.weight = readInt(ctx, words[++i], 1, 256);
        }
        route.nexthops.push(hop);
        break;
      }
      default:
        if (ROUTE_TYPES.has(w.text) && i === 0) type = w.text as Route['type'];
        else if (ROUTE_VALUE_OPTIONS.has(w.text)) {
          const v = next();
          if (v) route.options[w.text] = v.text;
        } else if (ROUTE_FLAG_OPTIONS.has(w.text)) route.options[w.text] = 'true';
        else if (!to) {
          // A leading destination without `to`, as in `ip route add 10.0.0.0/8 via ...`.
          to = parseDestination(w.text, family);
          toText = w.text;
          if (!to) bad(w, `invalid destination '${w.text}'`);
        } else bad(w, `unknown route option '${w.text}'`);
    }
  }
  if (!to) {
    ctx.error(s.pos, 'invalid-route', `${what}: no destination specified - skipping`);
    return undefined;
  }
  untrackedWithoutInterface(ctx, s, route, toText);
  if (route.trackGroup !== undefined && route.dev === undefined) {
    ctx.error(
      s.pos,
      'track-group-without-interface',
      'Static route cannot have track group if no oif specified',
    );
    delete route.trackGroup;
  }
  return { type, to, family: family ?? to.family, ...route };
}

/**
 * keepalived watches a route it has not been told `no_track` for, to fault the instance when
 * someone removes it; without its interface it cannot, and stops tracking it (vrrp_iproute.c).
 * keepalived counts that as a config error (`-t` exits 5) yet runs; here it is a warning, as an
 * error would stop the daemon from starting on a config keepalived runs.
 */
function untrackedWithoutInterface(
  ctx: BuildContext,
  s: Statement,
  route: Pick<Route, 'dev' | 'noTrack'>,
  toText: string,
): void {
  if (route.noTrack || route.dev !== undefined) return;
  ctx.warn(
    s.pos,
    'route-untracked',
    `Warning - cannot track route ${toText} with no interface specified, not tracking`,
  );
  route.noTrack = true;
}

const RULE_VALUE_OPTIONS = new Set([
  'realms',
  'uidrange',
  'protocol',
  'ip_proto',
  'ipproto',
  'sport',
  'dport',
  'suppress_prefixlength',
  'suppress_ifgroup',
  'tunnel-id',
  'l3mdev',
]);

/** The preference keepalived assigns to the first rule without one; each further one gets one less. */
export const FIRST_ASSIGNED_RULE_PREFERENCE = 16384;

/**
 * One `ip rule`-style line. `nextPreference` supplies keepalived's count-down preference for rules
 * that name none (it warns, since such rules are rarely what the user wants).
 */
export function buildRule(
  ctx: BuildContext,
  s: Statement,
  what: string,
  nextPreference: () => number,
  trackGroups?: TrackGroupNames,
): Rule | undefined {
  const words = [s.keyword, ...s.args];
  const rule: Omit<Rule, 'preference' | 'preferenceAssigned' | 'family'> = {
    options: {},
    noTrack: false,
    pos: s.pos,
  };
  let family: Family | undefined;
  let preference: number | undefined;
  let valid = true;
  const unknownRuleOption = (w: Word) => {
    ctx.error(w.pos, 'invalid-rule', `${what}: unknown rule option '${w.text}'`);
    valid = false;
  };
  const invalidAddress = (w: Word, direction: 'from' | 'to') => {
    ctx.error(w.pos, 'invalid-address', `VRRP parsed invalid IP ${w.text}. skipping IP...`);
    ctx.error(w.pos, 'invalid-rule', `Invalid rule ${direction} address ${w.text}`);
    valid = false;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const next = (): Word | undefined => {
      const v = words[i + 1];
      if (!v) {
        ctx.error(w.pos, 'invalid-rule', `${what}: '${w.text}' needs a value`);
        valid = false;
      }
      i++;
      return v;
    };
    switch (w.text) {
      case 'inet6':
        family = 6;
        break;
      case 'from':
      case 'to': {
        const v = next();
        if (!v) break;
        const p = parseDestination(v.text, family);
        if (!p) invalidAddress(v, w.text);
        else {
          family ??= p.family;
          rule[w.text] = p;
        }
        break;
      }
      case 'table':
      case 'lookup':
        rule.table = next()?.text;
        break;
      case 'preference':
      case 'priority':
      case 'order':
      case 'pref':
        preference = readInt(ctx, next(), 0, 0xffffffff);
        break;
      case 'iif':
      case 'dev':
        rule.iif = next()?.text;
        break;
      case 'oif':
        rule.oif = next()?.text;
        break;
      case 'fwmark':
        rule.fwmark = next()?.text;
        break;
      case 'tos':
      case 'dsfield':
        rule.tos = next()?.text;
        break;
      case 'goto': {
        const v = next();
        if (v) rule.action = `goto ${v.text}`;
        break;
      }
      case 'nop':
      case 'blackhole':
      case 'unreachable':
      case 'prohibit':
        rule.action = w.text;
        break;
      case 'type': {
        const v = next();
        if (v) rule.action = v.text;
        break;
      }
      case 'no_track':
        rule.noTrack = true;
        break;
      case 'track_group': {
        if (!trackGroups) {
          unknownRuleOption(w);
          break;
        }
        const group = readTrackGroup(ctx, next(), rule.trackGroup, trackGroups);
        if (group === STOP_LINE) i = words.length;
        else if (group !== undefined) rule.trackGroup = group;
        break;
      }
      default:
        if (RULE_VALUE_OPTIONS.has(w.text)) {
          const v = next();
          if (v) rule.options[w.text] = v.text;
        } else unknownRuleOption(w);
    }
  }
  if (!valid) return undefined;
  if (rule.trackGroup !== undefined && rule.iif === undefined) {
    ctx.error(
      s.pos,
      'track-group-without-interface',
      'Static rule cannot have track_group if dev/iif not specified',
    );
    delete rule.trackGroup;
  }
  if (preference === undefined) {
    const assigned = nextPreference();
    ctx.warn(
      s.pos,
      'rule-no-preference',
      `Rule has no preference specified - setting to ${assigned}. This is probably not what you want.`,
    );
    return { preference: assigned, preferenceAssigned: true, family: family ?? 4, ...rule };
  }
  return { preference, preferenceAssigned: false, family: family ?? 4, ...rule };
}
