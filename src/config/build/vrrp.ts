// VRRP blocks (keepalived/vrrp/vrrp_parser.c): vrrp_script, track_file, vrrp_track_process,
// vrrp_sync_group, vrrp_instance and the static address/route/rule blocks. Cross-references
// (track_script names, sync group members) are resolved later, in validate.ts, because keepalived
// accepts the referenced block anywhere in the file.
import { formatMac } from '../../net/sockaddr.js';
import { IFNAMSIZ } from '../../netlink/constants.js';
import type { SourcePos, Statement, Word } from '../ast.js';
import type {
  GarpGroup,
  GlobalDefs,
  InterfaceUpDownDelay,
  IpAddress,
  LinkbeatInterface,
  Route,
  Rule,
  TrackFile,
  TrackGroup,
  TrackInterface,
  TrackProcess,
  TrackRef,
  Tracking,
  UnicastPeer,
  UseIpvlan,
  UseVmac,
  VrrpInstance,
  VrrpNotify,
  VrrpScript,
  VrrpSyncGroup,
} from '../model.js';
import {
  type TrackGroupNames,
  buildIpAddress,
  buildRoute,
  buildRule,
  parseIp,
  parsePrefix,
} from './address.js';
import {
  type BuildContext,
  type KeywordSpec,
  KeywordTable,
  MAX_TIMER_SECONDS,
  applyBlock,
  arg,
  block,
  blockWords,
  children,
  choiceArg,
  deprecated,
  field,
  flagArg,
  limitArgs,
  intArg,
  line,
  readInt,
  readSeconds,
  recorded,
  registerBlock,
  secondsArg,
  stringArg,
  valueBlock,
} from './context.js';
import { buildScript } from './script.js';

/** Largest tracker weight; ±254 is accepted by keepalived but clamped with an error. */
const MAX_TRACK_WEIGHT = 253;
/** VRRP_PRIO_OWNER and VRRP_PRIO_DFL (vrrp.h). */
const VRRP_PRIO_OWNER = 255;
const VRRP_PRIO_DFL = 100;
/** TIMER_MAX_SEC: keepalived's limit for preempt_delay. */
const TIMER_MAX_SEC = 1000;

/** `weight N [reverse|noreverse]` at `words[i]`; reports problems under `owner`. */
function readWeight(
  ctx: BuildContext,
  words: Word[],
  i: number,
  owner: string,
): { weight?: number; reverse?: boolean } | undefined {
  const kw = words[i];
  if (!kw) return {};
  if (kw.text !== 'weight') {
    ctx.error(kw.pos, 'unknown-option', `(${owner}) unknown track option ${kw.text} - ignoring`);
    return undefined;
  }
  const value = words[i + 1];
  if (!value) {
    ctx.error(kw.pos, 'missing-parameter', `(${owner}) weight without value specified - ignoring`);
    return undefined;
  }
  let weight = readInt(ctx, value, -MAX_TRACK_WEIGHT - 1, MAX_TRACK_WEIGHT + 1);
  if (weight === undefined) return undefined;
  if (Math.abs(weight) > MAX_TRACK_WEIGHT) {
    ctx.error(value.pos, 'out-of-range', `(${owner}) weight cannot be +/-254. Setting to +/-253`);
    weight = Math.sign(weight) * MAX_TRACK_WEIGHT;
  }
  const rev = words[i + 2];
  if (!rev) return { weight };
  if (rev.text === 'reverse') return { weight, reverse: true };
  if (rev.text === 'noreverse') return { weight, reverse: false };
  ctx.error(rev.pos, 'unknown-option', `(${owner}) unknown weight option ${rev.text} - ignoring`);
  return { weight };
}

function trackRefs(ctx: BuildContext, s: Statement, owner: string): TrackRef[] {
  const refs: TrackRef[] = [];
  for (const entry of s.block?.statements ?? []) {
    const w = readWeight(ctx, entry.args, 0, owner);
    if (!w) continue;
    const ref: TrackRef = { name: entry.keyword.text, pos: entry.keyword.pos };
    if (w.weight !== undefined) ref.weight = w.weight;
    if (w.reverse !== undefined) ref.reverse = w.reverse;
    refs.push(ref);
  }
  return refs;
}

function trackInterfaces(ctx: BuildContext, s: Statement, owner: string): TrackInterface[] {
  const out: TrackInterface[] = [];
  for (const entry of s.block?.statements ?? []) {
    const name = entry.keyword.text;
    if (out.some((t) => t.name === name)) {
      ctx.error(
        entry.keyword.pos,
        'duplicate-track',
        `(${owner}) duplicate track_interface ${name} - ignoring`,
      );
      continue;
    }
    const w = readWeight(ctx, entry.args, 0, owner);
    if (!w) continue;
    const t: TrackInterface = { name, reverse: w.reverse ?? false, pos: entry.keyword.pos };
    if (w.weight !== undefined) t.weight = w.weight;
    out.push(t);
  }
  return out;
}

function emptyTracking(): Tracking {
  return { interfaces: [], scripts: [], files: [], processes: [], bfds: [] };
}

interface HasTracking {
  name: string;
  tracking: Tracking;
}

function trackingKeywords<T extends HasTracking>(): Array<[string, KeywordSpec<T>]> {
  return [
    [
      'track_interface',
      valueBlock<T>((s, t, ctx) => t.tracking.interfaces.push(...trackInterfaces(ctx, s, t.name))),
    ],
    [
      'track_script',
      valueBlock<T>((s, t, ctx) => t.tracking.scripts.push(...trackRefs(ctx, s, t.name))),
    ],
    [
      'track_file',
      valueBlock<T>((s, t, ctx) => t.tracking.files.push(...trackRefs(ctx, s, t.name))),
    ],
    [
      'track_process',
      valueBlock<T>((s, t, ctx) => t.tracking.processes.push(...trackRefs(ctx, s, t.name))),
    ],
    ['track_bfd', valueBlock<T>((s, t, ctx) => t.tracking.bfds.push(...trackRefs(ctx, s, t.name)))],
  ];
}

interface HasNotify {
  name: string;
  notify: VrrpNotify;
}

function notifyKeyword<T extends HasNotify>(
  field: Exclude<keyof VrrpNotify, 'deleted'>,
): KeywordSpec<T> {
  return line<T>((s, t, ctx) => {
    if (t.notify[field]) {
      ctx.error(
        s.pos,
        'duplicate-keyword',
        `(${t.name}) ${s.keyword.text} script already specified - ignoring ${s.args[0]?.text ?? ''}`,
      );
      return;
    }
    const script = buildScript(ctx, s);
    if (script) t.notify[field] = script;
  });
}

function notifyKeywords<T extends HasNotify>(): Array<[string, KeywordSpec<T>]> {
  return [
    ['notify_master', notifyKeyword<T>('master')],
    ['notify_backup', notifyKeyword<T>('backup')],
    ['notify_fault', notifyKeyword<T>('fault')],
    ['notify_stop', notifyKeyword<T>('stop')],
    ['notify', notifyKeyword<T>('generic')],
  ];
}

/** The name after a root keyword (`vrrp_instance VI_1 {`), or an error naming the block kind. */
function blockName(ctx: BuildContext, s: Statement): string | undefined {
  const w = s.args[0];
  if (!w) ctx.error(s.keyword.pos, 'missing-name', `${s.keyword.text} must have a name`);
  return w?.text;
}

// ---------------------------------------------------------------------------------------------
// vrrp_script

type ScriptDraft = Omit<VrrpScript, 'script' | 'timeout'> & {
  script?: VrrpScript['script'];
  timeout?: number;
};

const SCRIPT_KEYWORDS = new KeywordTable<ScriptDraft>([
  [
    'script',
    line<ScriptDraft>((s, d, ctx) => {
      d.script = buildScript(ctx, s);
    }),
  ],
  ['interval', field('interval', (ctx, s) => secondsArg(ctx, s, 0.001, MAX_TIMER_SECONDS))],
  ['timeout', field('timeout', (ctx, s) => secondsArg(ctx, s, 0.001, MAX_TIMER_SECONDS))],
  [
    'weight',
    line<ScriptDraft>((s, d, ctx) => {
      const w = readWeight(ctx, [s.keyword, ...s.args], 0, d.name);
      if (w?.weight !== undefined) d.weight = w.weight;
      if (w?.reverse !== undefined) d.weightReverse = w.reverse;
    }),
  ],
  ['rise', field('rise', (ctx, s) => intArg(ctx, s, 1, 0x7fffffff))],
  ['fall', field('fall', (ctx, s) => intArg(ctx, s, 1, 0x7fffffff))],
  [
    'user',
    line<ScriptDraft>((s, d, ctx) => {
      const user = stringArg(ctx, s);
      if (user !== undefined) d.user = user;
      if (s.args[1]) d.group = s.args[1].text;
    }),
  ],
  [
    'init_fail',
    line<ScriptDraft>((_s, d) => {
      d.initFail = true;
    }),
  ],
]);

export function buildVrrpScript(ctx: BuildContext, s: Statement): VrrpScript | undefined {
  const name = blockName(ctx, s);
  if (name === undefined) return undefined;
  const d: ScriptDraft = {
    name,
    interval: 1,
    weight: 0,
    weightReverse: false,
    rise: 1,
    fall: 1,
    initFail: false,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], SCRIPT_KEYWORDS, d);
  if (!d.script) {
    ctx.error(
      s.block?.close ?? s.pos,
      'script-missing',
      `No script set for vrrp_script ${name} - removing`,
    );
    return undefined;
  }
  const { timeout, script, ...rest } = d;
  return { ...rest, script, timeout: timeout ?? d.interval };
}

// ---------------------------------------------------------------------------------------------
// track_file

type FileDraft = Omit<TrackFile, 'path'> & { path?: string };

const TRACK_FILE_KEYWORDS = new KeywordTable<FileDraft>([
  [
    'file',
    line<FileDraft>((s, d, ctx) => {
      d.path = stringArg(ctx, s);
    }),
  ],
  [
    'weight',
    line<FileDraft>((s, d, ctx) => {
      const v = intArg(ctx, s, -254, 254);
      if (v !== undefined) d.weight = v;
      const rev = s.args[1]?.text;
      if (rev === 'reverse') d.weightReverse = true;
      else if (rev !== undefined && rev !== 'noreverse') {
        ctx.error(
          s.args[1].pos,
          'unknown-option',
          `track file ${d.name} unknown weight option ${rev}`,
        );
      }
    }),
  ],
  [
    'init_file',
    line<FileDraft>((s, d, ctx) => {
      let value = 0;
      let overwrite = false;
      for (const w of s.args) {
        if (w.text === 'overwrite') overwrite = true;
        else {
          const v = readInt(ctx, w, -0x80000000, 0x7fffffff);
          if (v !== undefined) value = v;
        }
      }
      d.initFile = { value, overwrite };
    }),
  ],
]);

export function buildTrackFile(ctx: BuildContext, s: Statement): TrackFile | undefined {
  const name = blockName(ctx, s);
  if (name === undefined) return undefined;
  const d: FileDraft = { name, weight: 1, weightReverse: false, pos: s.pos };
  applyBlock(ctx, s.block?.statements ?? [], TRACK_FILE_KEYWORDS, d);
  if (d.path === undefined) {
    ctx.error(
      s.block?.close ?? s.pos,
      'file-missing',
      `No file set for track_file ${name} - removing`,
    );
    return undefined;
  }
  return { ...d, path: d.path };
}

// ---------------------------------------------------------------------------------------------
// vrrp_track_process

type ProcessDraft = Omit<TrackProcess, 'process'> & { process?: string };

/** The longest process delay keepalived accepts (vrrp_parser.c: 3600 * TIMER_HZ). */
const MAX_PROCESS_DELAY = 3600;

/**
 * `delay` sets both delays, `terminate_delay` / `fork_delay` one each; each line overwrites what
 * earlier ones set, so the last one wins.
 */
function processDelay(
  sets: ReadonlyArray<'terminateDelay' | 'forkDelay'>,
): KeywordSpec<ProcessDraft> {
  return line<ProcessDraft>((s, d, ctx) => {
    const v = secondsArg(ctx, s, 0.000001, MAX_PROCESS_DELAY);
    if (v === undefined) {
      const w = s.args[0];
      if (w)
        ctx.error(
          w.pos,
          'invalid-value',
          `${s.keyword.text} (${w.text}) for vrrp_track_process ${d.name} must be between [0.000001..${MAX_PROCESS_DELAY}] inclusive. Ignoring...`,
        );
      return;
    }
    for (const field of sets) d[field] = v;
  });
}

const TRACK_PROCESS_KEYWORDS = new KeywordTable<ProcessDraft>([
  [
    'process',
    line<ProcessDraft>((s, d, ctx) => {
      const p = stringArg(ctx, s);
      if (p === undefined) return;
      d.process = p;
      d.params = s.args.slice(1).map((w) => w.text);
    }),
  ],
  [
    'param_match',
    line<ProcessDraft>((s, d, ctx) => {
      const v = choiceArg(ctx, s, ['initial', 'partial'] as const);
      if (v) d.paramMatch = v;
    }),
  ],
  [
    'weight',
    line<ProcessDraft>((s, d, ctx) => {
      const v = intArg(ctx, s, -254, 254);
      if (v !== undefined) d.weight = v;
      if (s.args[1]?.text === 'reverse') d.weightReverse = true;
    }),
  ],
  ['quorum', field('quorum', (ctx, s) => intArg(ctx, s, 1, 0xffffffff))],
  ['quorum_max', field('quorumMax', (ctx, s) => intArg(ctx, s, 0, 0xffffffff))],
  ['delay', processDelay(['terminateDelay', 'forkDelay'])],
  ['terminate_delay', processDelay(['terminateDelay'])],
  ['fork_delay', processDelay(['forkDelay'])],
  [
    'full_command',
    line<ProcessDraft>((_s, d) => {
      d.fullCommand = true;
    }),
  ],
]);

export function buildTrackProcess(ctx: BuildContext, s: Statement): TrackProcess | undefined {
  const name = blockName(ctx, s);
  if (name === undefined) return undefined;
  const d: ProcessDraft = {
    name,
    params: [],
    weight: 0,
    weightReverse: false,
    quorum: 1,
    fullCommand: false,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], TRACK_PROCESS_KEYWORDS, d);
  if (d.process === undefined) {
    ctx.error(
      s.block?.close ?? s.pos,
      'process-missing',
      `track process '${name}' process name not specified`,
    );
    return undefined;
  }
  if (d.params.length > 0) d.paramMatch ??= 'exact';
  return { ...d, process: d.process };
}

// ---------------------------------------------------------------------------------------------
// vrrp_sync_group

/**
 * The `group { VI ... }` list of a sync group or track group: given once (keepalived reports a
 * second list with its sync-group wording for both), and warned about when empty at `emptyAt`.
 */
function memberList<T extends { name: string; members: string[] }>(
  kind: 'sync group' | 'track group',
  emptyAt: (s: Statement) => SourcePos,
): KeywordSpec<T> {
  return block<T>((s, g, ctx) => {
    if (g.members.length > 0) {
      ctx.error(
        s.keyword.pos,
        'duplicate-keyword',
        `Group list already specified for sync group ${g.name}`,
      );
      return;
    }
    g.members.push(...blockWords(s.block).map((w) => w.text));
    if (g.members.length === 0)
      ctx.error(emptyAt(s), 'empty-group', `Warning - ${kind} ${g.name} has empty group block`);
  });
}

const SYNC_GROUP_KEYWORDS = new KeywordTable<VrrpSyncGroup>([
  ['group', memberList<VrrpSyncGroup>('sync group', (s) => s.pos)],
  ...trackingKeywords<VrrpSyncGroup>(),
  ...notifyKeywords<VrrpSyncGroup>(),
  ['smtp_alert', field('smtpAlert', (ctx, s) => flagArg(ctx, s))],
  ['notify_priority_changes', field('notifyPriorityChanges', (ctx, s) => flagArg(ctx, s))],
  [
    'sync_group_tracking_weight',
    line<VrrpSyncGroup>((_s, g) => {
      g.syncGroupTrackingWeight = true;
    }),
  ],
  [
    'global_tracking',
    line<VrrpSyncGroup>((s, g, ctx) => {
      ctx.warn(
        s.keyword.pos,
        'deprecated-keyword',
        `(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`,
      );
    }),
  ],
]);

export function buildSyncGroup(ctx: BuildContext, s: Statement): VrrpSyncGroup | undefined {
  const name = blockName(ctx, s);
  if (name === undefined) return undefined;
  const g: VrrpSyncGroup = {
    name,
    members: [],
    tracking: emptyTracking(),
    notify: {},
    smtpAlert: false,
    notifyPriorityChanges: false,
    syncGroupTrackingWeight: false,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], SYNC_GROUP_KEYWORDS, g);
  return g;
}

// ---------------------------------------------------------------------------------------------
// vrrp_instance

/** An instance while its block is read: values the user did not give are still unknown. */
interface InstanceDraft extends Omit<
  VrrpInstance,
  | 'state'
  | 'virtualRouterId'
  | 'priority'
  | 'version'
  | 'family'
  | 'accept'
  | 'garp'
  | 'downTimerAdverts'
  | 'strictMode'
  | 'skipCheckAdvAddr'
  | 'lowerPrioNoAdvert'
  | 'higherPrioSendAdvert'
  | 'ownerIgnoreAdverts'
  | 'v3ChecksumAsV2'
  | 'checkUnicastSrc'
  | 'notifyPriorityChanges'
> {
  state?: VrrpInstance['state'];
  virtualRouterId?: number;
  priority?: number;
  version?: 2 | 3;
  accept?: boolean;
  downTimerAdverts?: number;
  strictMode?: boolean;
  skipCheckAdvAddr?: boolean;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  ownerIgnoreAdverts?: boolean;
  v3ChecksumAsV2?: boolean;
  checkUnicastSrc?: boolean;
  notifyPriorityChanges?: boolean;
  garp: Partial<VrrpInstance['garp']>;
  /** Shared count-down for rules without a preference (across the whole config). */
  nextRulePreference: () => number;
}

type I = InstanceDraft;
type OptionalBoolField = {
  [K in keyof I]-?: NonNullable<I[K]> extends boolean ? K : never;
}[keyof I];

function instanceFlag(field: OptionalBoolField, value?: boolean): KeywordSpec<I> {
  return line<I>((s, d, ctx) => {
    const v = value ?? flagArg(ctx, s);
    if (v !== undefined) (d[field] as boolean | undefined) = v;
  });
}

function garpValue(field: keyof VrrpInstance['garp'], min: number, max: number): KeywordSpec<I> {
  return line<I>((s, d, ctx) => {
    const v = intArg(ctx, s, min, max);
    if (v !== undefined) (d.garp[field] as number | undefined) = v;
  });
}

function addressList(field: 'virtualIpaddresses' | 'virtualIpaddressesExcluded'): KeywordSpec<I> {
  return valueBlock<I>((s, d, ctx) => {
    // Both lists, as keys, so a block of thousands of addresses is not scanned quadratically.
    const keyOf = (a: IpAddress): string =>
      `${a.address}/${a.prefixLength}${a.dev === undefined ? '' : ` dev ${a.dev}`}`;
    const seen = new Set([...d.virtualIpaddresses, ...d.virtualIpaddressesExcluded].map(keyOf));
    for (const entry of s.block?.statements ?? []) {
      const addr = buildIpAddress(ctx, entry, `(${d.name}) ${s.keyword.text}`);
      if (!addr) continue;
      const key = keyOf(addr);
      if (seen.has(key)) {
        ctx.error(
          entry.pos,
          'duplicate-address',
          `(${d.name}) duplicate VIP ${addr.address}/${addr.prefixLength} - removing`,
        );
        continue;
      }
      seen.add(key);
      d[field].push(addr);
    }
  });
}

function parsedAddress(
  ctx: BuildContext,
  w: Word | undefined,
  owner: string,
  what: string,
): string | undefined {
  if (!w) return undefined;
  const ip = parseIp(w.text);
  if (!ip)
    ctx.error(
      w.pos,
      'invalid-address',
      `(${owner}) ${what} '${w.text}' is not a valid address - ignoring`,
    );
  return ip?.address;
}

/** keepalived's dev_name_valid: a name the kernel would take for a new interface. */
function validDevName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length < IFNAMSIZ &&
    name !== '.' &&
    name !== '..' &&
    !/[/:\s]/.test(name)
  );
}

/** The RFC 5798 virtual router MACs 00:00:5e:00:01:XX (IPv4) and 00:00:5e:00:02:XX (IPv6). */
const VRRP_MAC_PREFIX = [0x00, 0x00, 0x5e, 0x00];

/**
 * A use_vmac MAC as keepalived reads it: six octets, or five (the VRID completes it), each one or
 * two hex digits. Returns the octets, or a reason it is refused.
 */
function vmacOctets(text: string): number[] | 'invalid' {
  const parts = text.replace(/:$/, '').split(':');
  if (parts.length !== 5 && parts.length !== 6) return 'invalid';
  if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return 'invalid';
  return parts.map((p) => parseInt(p, 16));
}

/** `use_vmac [NAME] [MAC]`: a word with ':' is the MAC; a second use_vmac adds to the first. */
function buildUseVmac(ctx: BuildContext, s: Statement, earlier: UseVmac | undefined): UseVmac {
  const vmac: UseVmac = earlier ?? { pos: s.pos };
  // keepalived reads two words; limitArgs warns about the rest.
  for (const w of s.args.slice(0, 2)) {
    if (!w.text.includes(':')) {
      if (vmac.name !== undefined)
        ctx.error(w.pos, 'duplicate-keyword', 'VMAC interface name already specified');
      else if (!validDevName(w.text))
        ctx.error(
          w.pos,
          'invalid-value',
          `VMAC interface name '${w.text}' too long or invalid characters - ignoring`,
        );
      else vmac.name = w.text;
      continue;
    }
    if (vmac.mac !== undefined) {
      ctx.error(w.pos, 'duplicate-keyword', 'VMAC interface address already specified');
      continue;
    }
    if (!/^[0-9a-fA-F:]+$/.test(w.text)) {
      ctx.error(w.pos, 'invalid-value', `VMAC invalid MAC address ${w.text}`);
      continue;
    }
    const octets = vmacOctets(w.text);
    if (octets === 'invalid')
      ctx.error(w.pos, 'invalid-value', `VMAC invalid MAC address ${w.text} - ignored`);
    else if (octets[0] & 0x01)
      ctx.error(w.pos, 'invalid-value', `VMAC MAC address is multicast ${w.text} - ignoring`);
    else if (
      VRRP_MAC_PREFIX.every((o, i) => octets[i] === o) &&
      (octets[4] === 1 || octets[4] === 2)
    )
      ctx.error(
        w.pos,
        'invalid-value',
        `VMAC MAC address not allowed to be RFC5798 address (${w.text}) - ignoring`,
      );
    else vmac.mac = formatMac(Uint8Array.from(octets));
  }
  return vmac;
}

const IPVLAN_MODES = new Set<UseIpvlan['mode']>(['bridge', 'private', 'vepa']);

/** `use_ipvlan [NAME] [ADDR[/LEN]] [bridge|private|vepa]`, words in any order; only once. */
function useIpvlan(ctx: BuildContext, s: Statement, d: InstanceDraft): void {
  if (d.useIpvlan) {
    ctx.error(s.keyword.pos, 'duplicate-keyword', `(${d.name}) use_ipvlan already specified`);
    return;
  }
  const ipvlan: UseIpvlan = { mode: 'bridge', pos: s.pos };
  let modeGiven = false;
  for (const w of s.args) {
    if (IPVLAN_MODES.has(w.text as UseIpvlan['mode'])) {
      if (modeGiven)
        ctx.error(
          w.pos,
          'duplicate-keyword',
          `(${d.name}) ipvlan type already specified - ignoring '${w.text}'`,
        );
      else ipvlan.mode = w.text as UseIpvlan['mode'];
      modeGiven = true;
      continue;
    }
    const prefix = parsePrefix(w.text);
    if (prefix) {
      if (ipvlan.address)
        ctx.error(
          w.pos,
          'duplicate-keyword',
          `(${d.name}) ipvlan address already specified - ignoring '${w.text}'`,
        );
      else ipvlan.address = prefix;
      continue;
    }
    if (ipvlan.name !== undefined)
      ctx.error(
        w.pos,
        'duplicate-keyword',
        `(${d.name}) IPVLAN interface already specified - ignoring '${w.text}'`,
      );
    else if (w.text.length >= IFNAMSIZ)
      ctx.error(
        w.pos,
        'invalid-value',
        `(${d.name}) IPVLAN interface name '${w.text}' too long - ignoring`,
      );
    else ipvlan.name = w.text;
  }
  d.useIpvlan = ipvlan;
}

interface AuthDraft {
  owner: string;
  type?: 'PASS' | 'AH';
  password?: string;
  pos: SourcePos;
}

const AUTH_KEYWORDS = new KeywordTable<AuthDraft>([
  [
    'auth_type',
    line<AuthDraft>((s, a, ctx) => {
      const v = choiceArg(ctx, s, ['PASS', 'AH'] as const);
      if (v) a.type = v;
      a.pos = s.pos;
    }),
  ],
  [
    'auth_pass',
    line<AuthDraft>((s, a, ctx) => {
      const password = stringArg(ctx, s);
      if (password === undefined) return;
      // The VRRPv2 authentication data field holds 8 octets.
      if (password.length > 8)
        ctx.warn(
          s.args[0].pos,
          'auth-pass-truncated',
          `(${a.owner}) Truncating auth_pass to 8 characters`,
        );
      a.password = password.slice(0, 8);
    }),
  ],
]);

/** An instance keyword accepted and recorded in the instance's `unmodelled`, not acted on. */
const recordedInInstance = recorded<I>((d) => d.unmodelled);

const INSTANCE_KEYWORDS = new KeywordTable<I>([
  [
    'state',
    line<I>((s, d, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      if (w.text === 'MASTER' || w.text === 'BACKUP') d.state = w.text;
      else {
        ctx.error(
          w.pos,
          'invalid-value',
          `(${d.name}) unknown state '${w.text}', defaulting to BACKUP`,
          w.text.toUpperCase() === 'MASTER' || w.text.toUpperCase() === 'BACKUP'
            ? `did you mean '${w.text.toUpperCase()}'?`
            : undefined,
        );
        d.state = 'BACKUP';
      }
    }),
  ],
  [
    'interface',
    line<I>((s, d, ctx) => {
      const name = stringArg(ctx, s);
      if (name === undefined) return;
      if (name === 'lo') {
        ctx.error(
          s.args[0].pos,
          'loopback-interface',
          `(${d.name}) cannot use a loopback interface (${name}) for vrrp - ignoring`,
        );
        return;
      }
      d.interface = name;
    }),
  ],
  ['virtual_router_id', field('virtualRouterId', (ctx, s) => intArg(ctx, s, 1, 255))],
  [
    'priority',
    line<I>((s, d, ctx) => {
      // keepalived falls back to the default priority after a bad value.
      d.priority = intArg(ctx, s, 1, VRRP_PRIO_OWNER) ?? VRRP_PRIO_DFL;
    }),
  ],
  ['advert_int', field('advertInt', (ctx, s) => secondsArg(ctx, s, 0.01, 255))],
  [
    'version',
    line<I>((s, d, ctx) => {
      const v = intArg(ctx, s, 2, 3);
      if (v !== undefined) d.version = v as 2 | 3;
    }),
  ],
  [
    'authentication',
    block<I>((s, d, ctx) => {
      const auth: AuthDraft = { owner: d.name, pos: s.pos };
      applyBlock(ctx, s.block?.statements ?? [], AUTH_KEYWORDS, auth);
      if (auth.type && auth.password !== undefined)
        d.authentication = { type: auth.type, password: auth.password, pos: auth.pos };
      else if (auth.type)
        ctx.error(
          s.pos,
          'missing-parameter',
          `(${d.name}) Authentication specified but no password given. Ignoring`,
        );
    }),
  ],
  ['virtual_ipaddress', addressList('virtualIpaddresses')],
  ['virtual_ipaddress_excluded', addressList('virtualIpaddressesExcluded')],
  ['no_virtual_ipaddress', instanceFlag('noVirtualIpaddress', true)],
  [
    'virtual_routes',
    valueBlock<I>((s, d, ctx) => {
      for (const e of s.block?.statements ?? []) {
        const r = buildRoute(ctx, e, `(${d.name}) virtual_routes`);
        if (r) d.virtualRoutes.push(r);
      }
    }),
  ],
  [
    'virtual_rules',
    valueBlock<I>((s, d, ctx) => {
      for (const e of s.block?.statements ?? []) {
        const r = buildRule(ctx, e, `(${d.name}) virtual_rules`, d.nextRulePreference);
        if (r) d.virtualRules.push(r);
      }
    }),
  ],
  [
    'unicast_src_ip',
    line<I>((s, d, ctx) => {
      d.unicastSrcIp = parsedAddress(ctx, arg(ctx, s), d.name, 'unicast_src_ip');
    }),
  ],
  [
    'mcast_src_ip',
    line<I>((s, d, ctx) => {
      d.mcastSrcIp = parsedAddress(ctx, arg(ctx, s), d.name, 'mcast_src_ip');
    }),
  ],
  [
    'mcast_dst_ip',
    line<I>((s, d, ctx) => {
      d.mcastDstIp = parsedAddress(ctx, arg(ctx, s), d.name, 'mcast_dst_ip');
    }),
  ],
  [
    'unicast_peer',
    valueBlock<I>((s, d, ctx) => {
      const entries = s.block?.statements ?? [];
      if (entries.length === 0) {
        ctx.warn(
          s.pos,
          'empty-unicast-peer',
          `(${d.name}) empty unicast_peer block - using multicast. This is deprecated`,
        );
      }
      for (const e of entries) {
        const ip = parseIp(e.keyword.text);
        if (!ip) {
          ctx.error(
            e.keyword.pos,
            'invalid-address',
            `(${d.name}) VRRP is trying to assign invalid unicast peer ${e.keyword.text} - skipping`,
          );
          continue;
        }
        const peer: UnicastPeer = { address: ip.address, family: ip.family, pos: e.pos };
        for (let i = 0; i < e.args.length; i += 2) {
          const k = e.args[i].text;
          if (k !== 'min_ttl' && k !== 'max_ttl') {
            ctx.error(
              e.args[i].pos,
              'unknown-option',
              `(${d.name}) unknown unicast peer option ${k}`,
            );
            break;
          }
          const v = readInt(ctx, e.args[i + 1], 0, 255);
          if (v !== undefined) peer[k === 'min_ttl' ? 'minTtl' : 'maxTtl'] = v;
        }
        d.unicastPeers.push(peer);
      }
    }),
  ],
  ['unicast_fault_no_peer', instanceFlag('unicastFaultNoPeer', true)],
  ['unicast_ttl', field('unicastTtl', (ctx, s) => intArg(ctx, s, 0, 255))],
  ['check_unicast_src', instanceFlag('checkUnicastSrc', true)],
  ['track_src_ip', instanceFlag('trackSrcIp', true)],
  [
    'vrf',
    line<I>((s, d, ctx) => {
      d.vrf = stringArg(ctx, s);
    }),
  ],
  ['nopreempt', instanceFlag('preempt', false)],
  ['preempt', instanceFlag('preempt', true)],
  ['preempt_delay', field('preemptDelay', (ctx, s) => secondsArg(ctx, s, 0, TIMER_MAX_SEC))],
  ...trackingKeywords<I>(),
  ['dont_track_primary', instanceFlag('dontTrackPrimary', true)],
  ...notifyKeywords<I>(),
  [
    'notify_deleted',
    line<I>((s, d, ctx) => {
      d.notify.deleted = s.args.length > 0 ? buildScript(ctx, s) : true;
    }),
  ],
  ['notify_master_rx_lower_pri', notifyKeyword<I>('masterRxLowerPri')],
  ['notify_priority_changes', instanceFlag('notifyPriorityChanges')],
  ['smtp_alert', instanceFlag('smtpAlert')],
  ['accept', instanceFlag('accept', true)],
  ['no_accept', instanceFlag('accept', false)],
  ['garp_master_delay', garpValue('masterDelay', 0, 4294)],
  ['garp_master_repeat', garpValue('masterRepeat', 1, 0x7fffffff)],
  ['garp_master_refresh', garpValue('masterRefresh', 0, 4294)],
  ['garp_master_refresh_repeat', garpValue('masterRefreshRepeat', 1, 0x7fffffff)],
  ['garp_lower_prio_delay', garpValue('lowerPrioDelay', 0, 4294)],
  ['garp_lower_prio_repeat', garpValue('lowerPrioRepeat', 0, 0x7fffffff)],
  ['down_timer_adverts', field('downTimerAdverts', (ctx, s) => intArg(ctx, s, 1, 100))],
  ['lower_prio_no_advert', instanceFlag('lowerPrioNoAdvert')],
  ['higher_prio_send_advert', instanceFlag('higherPrioSendAdvert')],
  ['owner_ignore_adverts', instanceFlag('ownerIgnoreAdverts')],
  ['use_vmac', line<I>((s, d, ctx) => void (d.useVmac = buildUseVmac(ctx, s, d.useVmac)))],
  ['use_ipvlan', line<I>((s, d, ctx) => useIpvlan(ctx, s, d))],
  ['vmac_xmit_base', instanceFlag('vmacXmitBase', true)],
  ['strict_mode', instanceFlag('strictMode')],
  ['skip_check_adv_addr', instanceFlag('skipCheckAdvAddr')],
  ['promote_secondaries', instanceFlag('promoteSecondaries', true)],
  ['v3_checksum_as_v2', instanceFlag('v3ChecksumAsV2')],
  ...[
    'use_vmac_addr',
    'old_unicast_checksum',
    'kernel_rx_buf_size',
    'debug',
    'auth_hmac',
    'garp_extra_if',
    'timer_expired_backup',
  ].map((k): [string, KeywordSpec<I>] => [k, recordedInInstance]),
]);

limitArgs(INSTANCE_KEYWORDS, {
  state: 1,
  interface: 1,
  virtual_router_id: 1,
  priority: 1,
  advert_int: 1,
  version: 1,
  nopreempt: 0,
  preempt: 0,
  preempt_delay: 1,
  unicast_src_ip: 1,
  mcast_src_ip: 1,
  unicast_ttl: 1,
  accept: 1,
  no_accept: 0,
  garp_master_delay: 1,
  garp_master_repeat: 1,
  garp_master_refresh: 1,
  garp_master_refresh_repeat: 1,
  down_timer_adverts: 1,
  dont_track_primary: 0,
  use_vmac: 2,
});
limitArgs(SCRIPT_KEYWORDS, {
  interval: 1,
  timeout: 1,
  weight: 2,
  rise: 1,
  fall: 1,
  user: 2,
  init_fail: 0,
});

// Old spellings (keepalived.md §2.10).
INSTANCE_KEYWORDS.set('vmac_garp_intvl', deprecated('garp_extra_if', recordedInInstance));
INSTANCE_KEYWORDS.set(
  'thread_timer_expired',
  deprecated('timer_expired_backup', recordedInInstance),
);
INSTANCE_KEYWORDS.set(
  'native_ipv6',
  deprecated(
    '(automatic from the VIPs)',
    line<I>(() => undefined),
  ),
);
// keepalived still polls the instance's interface, but counts the keyword as a config error.
INSTANCE_KEYWORDS.set('linkbeat_use_polling', {
  shape: 'line',
  handle: (s, d, ctx) => {
    ctx.error(
      s.keyword.pos,
      'deprecated-keyword',
      `(${d.name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block`,
    );
    recordedInInstance.handle(s, d, ctx);
  },
});
INSTANCE_KEYWORDS.set(
  'lvs_sync_daemon_interface',
  deprecated('lvs_sync_daemon (global_defs)', recordedInInstance),
);

registerBlock('vrrp_instance', INSTANCE_KEYWORDS.keys());
registerBlock('vrrp_script', SCRIPT_KEYWORDS.keys());
registerBlock('track_file', TRACK_FILE_KEYWORDS.keys());
registerBlock('vrrp_track_process', TRACK_PROCESS_KEYWORDS.keys());
registerBlock('vrrp_sync_group', SYNC_GROUP_KEYWORDS.keys());

export function buildVrrpInstance(
  ctx: BuildContext,
  s: Statement,
  globals: GlobalDefs,
  nextRulePreference: () => number,
): VrrpInstance | undefined {
  const name = blockName(ctx, s);
  if (name === undefined) return undefined;
  const d: InstanceDraft = {
    name,
    advertInt: 1,
    virtualIpaddresses: [],
    virtualIpaddressesExcluded: [],
    noVirtualIpaddress: false,
    virtualRoutes: [],
    virtualRules: [],
    unicastPeers: [],
    unicastFaultNoPeer: false,
    unicastTtl: 255,
    preempt: true,
    preemptDelay: 0,
    tracking: emptyTracking(),
    dontTrackPrimary: false,
    trackSrcIp: false,
    notify: {},
    smtpAlert: false,
    garp: {},
    vmacXmitBase: false,
    promoteSecondaries: false,
    unmodelled: [],
    nextRulePreference,
    pos: s.pos,
  };
  applyBlock(ctx, s.block?.statements ?? [], INSTANCE_KEYWORDS, d);
  return finishInstance(ctx, d, s, globals);
}

/** Applies keepalived's defaults and the checks it makes at the end of a vrrp_instance block. */
function finishInstance(
  ctx: BuildContext,
  d: InstanceDraft,
  s: Statement,
  g: GlobalDefs,
): VrrpInstance | undefined {
  const end = s.block?.close ?? s.pos;
  if (d.virtualRouterId === undefined) {
    ctx.error(
      end,
      'missing-vrid',
      `(${d.name}) the virtual router id must be set - removing instance`,
    );
    return undefined;
  }
  const family = d.virtualIpaddresses[0]?.family ?? 4;
  for (const vip of d.virtualIpaddresses) {
    if (vip.family !== family) {
      ctx.error(
        vip.pos,
        'mixed-family',
        `(${d.name}) address family must match VRRP instance - ignoring ${vip.address}`,
      );
    }
  }
  const vips = d.virtualIpaddresses.filter((v) => v.family === family);
  const strictMode = d.strictMode ?? g.vrrpStrict;
  // Priority and initial state default from each other (vrrp.c vrrp_complete_instance).
  const priority = d.priority ?? (d.state === 'MASTER' ? VRRP_PRIO_OWNER : VRRP_PRIO_DFL);
  let state = d.state ?? (priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP');
  if (strictMode && (state === 'MASTER') !== (priority === VRRP_PRIO_OWNER)) {
    ctx.error(end, 'strict-mode', `(${d.name}) State MASTER must match being address owner`);
    state = priority === VRRP_PRIO_OWNER ? 'MASTER' : 'BACKUP';
  }
  let version = d.version ?? g.vrrpVersion;
  if (family === 6 && version === 2) {
    if (d.version === 2)
      ctx.error(
        end,
        'version-conflict',
        `(${d.name}) cannot use VRRP version 2 with IPv6 - using version 3`,
      );
    version = 3;
  }
  if (version === 2 && !Number.isInteger(d.advertInt)) {
    const rounded = Math.max(1, Math.round(d.advertInt));
    ctx.warn(
      end,
      'advert-int-rounded',
      `(${d.name}) VRRPv2 advert_int ${d.advertInt} is not a whole number of seconds - using ${rounded}`,
    );
    d.advertInt = rounded;
  }
  if (version === 3 && d.advertInt > 40.95) {
    ctx.error(
      end,
      'out-of-range',
      `(${d.name}) VRRPv3 advert_int ${d.advertInt} exceeds 40.95 seconds - using 40.95`,
    );
    d.advertInt = 40.95;
  }
  if (d.authentication && strictMode) {
    ctx.error(
      d.authentication.pos,
      'strict-mode',
      `(${d.name}) Strict mode does not support authentication. Ignoring.`,
    );
    delete d.authentication;
  } else if (d.authentication && version === 3) {
    ctx.error(
      d.authentication.pos,
      'auth-with-v3',
      `(${d.name}) VRRP version 3 does not support authentication. Ignoring.`,
    );
    delete d.authentication;
  } else if (d.authentication?.type === 'AH' && family === 6) {
    ctx.error(
      d.authentication.pos,
      'auth-ah-ipv6',
      `(${d.name}) Cannot use AH authentication with IPv6. Ignoring.`,
    );
    delete d.authentication;
  }
  if (d.authentication?.type === 'AH' && state === 'MASTER' && priority !== VRRP_PRIO_OWNER) {
    // An AH backup must hear an advert (for the sequence number) before it may take over.
    ctx.error(
      end,
      'auth-ah-master',
      `(${d.name}) Initial state master is incompatible with AH authentication - clearing`,
    );
    state = 'BACKUP';
  }
  if (strictMode) strictChecks(ctx, d, end);
  if (priority === VRRP_PRIO_OWNER && !d.preempt) {
    ctx.warn(
      end,
      'nopreempt-owner',
      `(${d.name}) nopreempt is incompatible with priority 255. resetting nopreempt`,
    );
    d.preempt = true;
  }
  if (state === 'MASTER' && !d.preempt) {
    ctx.warn(
      end,
      'nopreempt-master',
      `(${d.name}) Warning - nopreempt will not work with initial state MASTER - clearing`,
    );
    d.preempt = true;
  }
  if (state === 'MASTER' && d.preemptDelay > 0) {
    ctx.warn(
      end,
      'preempt-delay-master',
      `(${d.name}) Warning - preempt delay will not work with initial state MASTER - clearing`,
    );
    d.preemptDelay = 0;
  }
  if (vips.length === 0 && !(d.noVirtualIpaddress && !strictMode)) {
    if (version === 3 || strictMode) {
      ctx.error(end, 'no-vips', `(${d.name}) No VIP specified; at least one is required`);
      return undefined;
    }
    ctx.warn(end, 'no-vips', `(${d.name}) No VIP specified; at least one is sensible`);
  }
  if (d.interface === undefined && d.unicastPeers.length > 0 && (d.useVmac || d.useIpvlan)) {
    ctx.error(
      end,
      'vmac-without-interface',
      `(${d.name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac`,
    );
    delete d.useVmac;
    delete d.useIpvlan;
  }
  const ipvlan = d.useIpvlan;
  if (ipvlan?.address && vips.length > 0 && ipvlan.address.family !== family) {
    ctx.error(
      ipvlan.pos,
      'mixed-family',
      `(${d.name}) ipvlan address[${ipvlan.address.address}] MUST match vrrp instance family !!! Skipping...`,
    );
    delete ipvlan.address;
  }
  if (ipvlan && family === 4 && !ipvlan.address) {
    // The ipvlan has no address of its own to send IPv4 adverts from (vrrp.c).
    ctx.error(
      ipvlan.pos,
      'ipvlan-without-address',
      `(${d.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`,
    );
  }
  if (d.interface === undefined && d.unicastPeers.length === 0) {
    d.interface = g.defaultInterface;
  }
  const { nextRulePreference: _unused, garp, ...rest } = d;
  return {
    ...rest,
    state,
    interface: d.interface,
    virtualRouterId: d.virtualRouterId,
    priority,
    version,
    family,
    virtualIpaddresses: vips,
    accept: d.accept ?? (priority === VRRP_PRIO_OWNER || !strictMode),
    garp: {
      masterDelay: garp.masterDelay ?? g.vrrpGarpMasterDelay,
      masterRepeat: garp.masterRepeat ?? g.vrrpGarpMasterRepeat,
      masterRefresh: garp.masterRefresh ?? g.vrrpGarpMasterRefresh,
      masterRefreshRepeat: garp.masterRefreshRepeat ?? g.vrrpGarpMasterRefreshRepeat,
      ...optional('lowerPrioDelay', garp.lowerPrioDelay ?? g.vrrpGarpLowerPrioDelay),
      ...optional('lowerPrioRepeat', garp.lowerPrioRepeat ?? g.vrrpGarpLowerPrioRepeat),
      interval: g.vrrpGarpInterval,
      gnaInterval: g.vrrpGnaInterval,
      minGarp: g.vrrpMinGarp,
    },
    downTimerAdverts: d.downTimerAdverts ?? g.vrrpDownTimerAdverts,
    strictMode,
    skipCheckAdvAddr: d.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
    lowerPrioNoAdvert: d.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert,
    higherPrioSendAdvert: d.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert,
    ownerIgnoreAdverts: d.ownerIgnoreAdverts ?? g.vrrpOwnerIgnoreAdverts,
    v3ChecksumAsV2: d.v3ChecksumAsV2 ?? g.v3ChecksumAsV2,
    checkUnicastSrc: d.checkUnicastSrc ?? g.vrrpCheckUnicastSrc,
    notifyPriorityChanges: d.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** vrrp_strict: RFC compliance keepalived enforces by refusing the non-compliant settings. */
function strictChecks(ctx: BuildContext, d: InstanceDraft, end: SourcePos): void {
  if (d.unicastPeers.length > 0)
    ctx.error(end, 'strict-mode', `(${d.name}) Unicast peers are not supported in strict mode`);
  if (d.preemptDelay > 0) {
    ctx.error(
      end,
      'strict-mode',
      `(${d.name}) preempt_delay is incompatible with strict mode - resetting`,
    );
    d.preemptDelay = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// static_ipaddress / static_routes / static_rules

// `trackGroups`: the track_group names defined so far (a static line may name only those).

export function buildStaticAddresses(
  ctx: BuildContext,
  s: Statement,
  trackGroups: TrackGroupNames,
): IpAddress[] {
  return (s.block?.statements ?? []).flatMap(
    (e) => buildIpAddress(ctx, e, 'static_ipaddress', trackGroups) ?? [],
  );
}

export function buildStaticRoutes(
  ctx: BuildContext,
  s: Statement,
  trackGroups: TrackGroupNames,
): Route[] {
  return (s.block?.statements ?? []).flatMap(
    (e) => buildRoute(ctx, e, 'static_routes', trackGroups) ?? [],
  );
}

export function buildStaticRules(
  ctx: BuildContext,
  s: Statement,
  nextPreference: () => number,
  trackGroups: TrackGroupNames,
): Rule[] {
  return (s.block?.statements ?? []).flatMap(
    (e) => buildRule(ctx, e, 'static_rules', nextPreference, trackGroups) ?? [],
  );
}

// ---------------------------------------------------------------------------------------------
// track_group

const TRACK_GROUP_KEYWORDS = new KeywordTable<TrackGroup>([
  // keepalived's wording says "sync group" for a repeated list here too.
  ['group', memberList<TrackGroup>('track group', (s) => s.block?.close ?? s.pos)],
]);
registerBlock('track_group', TRACK_GROUP_KEYWORDS.keys());

/** `track_group NAME { group { VI ... } }`: exactly one name, else the block is skipped. */
export function buildTrackGroup(ctx: BuildContext, s: Statement): TrackGroup | undefined {
  if (s.args.length !== 1) {
    ctx.error(s.keyword.pos, 'missing-name', 'track_group must have a name - skipping');
    return undefined;
  }
  const g: TrackGroup = { name: s.args[0].text, members: [], pos: s.pos };
  applyBlock(ctx, children(s), TRACK_GROUP_KEYWORDS, g);
  return g;
}

// ---------------------------------------------------------------------------------------------
// garp_group

/** A garp_group while its block is read, with the groups before it (for numbers and overlaps). */
interface GarpGroupDraft {
  group: GarpGroup;
  earlier: readonly GarpGroup[];
}

/** garp_interval / gna_interval: 0..INT_MAX microseconds. */
const MAX_GARP_GROUP_INTERVAL = 2147.483647;

function garpGroupInterval(field: 'garpInterval' | 'gnaInterval'): KeywordSpec<GarpGroupDraft> {
  return line<GarpGroupDraft>((s, d, ctx) => {
    const v = secondsArg(ctx, s, 0, MAX_GARP_GROUP_INTERVAL);
    if (v !== undefined) d.group[field] = v;
    else if (s.args[0])
      ctx.error(
        s.args[0].pos,
        'invalid-value',
        `garp_group ${s.keyword.text} '${s.args[0].text}' invalid`,
      );
  });
}

/** Adds an interface to the group unless an earlier line or group has it. */
function addGarpInterface(ctx: BuildContext, d: GarpGroupDraft, w: Word): void {
  const has = (g: GarpGroup) => g.interfaces.some((i) => i.name === w.text);
  if (has(d.group) || d.earlier.some(has)) {
    ctx.error(
      w.pos,
      'duplicate-interface',
      `garp_group already specified for ${w.text} - ignoring`,
    );
    return;
  }
  d.group.interfaces.push({ name: w.text, pos: w.pos });
}

const GARP_GROUP_KEYWORDS = new KeywordTable<GarpGroupDraft>([
  ['garp_interval', garpGroupInterval('garpInterval')],
  ['gna_interval', garpGroupInterval('gnaInterval')],
  [
    'interface',
    line<GarpGroupDraft>((s, d, ctx) => {
      const w = arg(ctx, s);
      if (w) addGarpInterface(ctx, d, w);
    }),
  ],
  [
    'interfaces',
    block<GarpGroupDraft>((s, d, ctx) => {
      const words = blockWords(s.block);
      if (words.length === 0) {
        ctx.error(
          s.block?.close ?? s.pos,
          'empty-group',
          'Warning - empty garp_group interfaces block',
        );
        return;
      }
      // keepalived numbers the groups that have an interfaces block, in order.
      d.group.number = 1 + d.earlier.filter((g) => g.number > 0).length;
      for (const w of words) addGarpInterface(ctx, d, w);
    }),
  ],
]);
registerBlock('garp_group', GARP_GROUP_KEYWORDS.keys());

/**
 * `garp_group { garp_interval; gna_interval; interface IF | interfaces { ... } }`. A group that
 * sets neither interval is removed, as keepalived does.
 */
export function buildGarpGroup(
  ctx: BuildContext,
  s: Statement,
  earlier: readonly GarpGroup[],
): GarpGroup | undefined {
  const d: GarpGroupDraft = { group: { number: 0, interfaces: [], pos: s.pos }, earlier };
  applyBlock(ctx, children(s), GARP_GROUP_KEYWORDS, d);
  const { group } = d;
  if (group.garpInterval === undefined && group.gnaInterval === undefined) {
    ctx.error(
      s.block?.close ?? s.pos,
      'garp-group-no-delay',
      `garp group ${group.number} does not have any delay set - removing`,
    );
    return undefined;
  }
  return group;
}

// ---------------------------------------------------------------------------------------------
// linkbeat_interfaces, interface_up_down_delays

const LINKBEAT_METHODS = new Set<string>(['MII', 'ETHTOOL', 'IOCTL']);

/** `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`: one interface per line. */
export function buildLinkbeatInterfaces(ctx: BuildContext, s: Statement): LinkbeatInterface[] {
  return children(s).map((e) => {
    const entry: LinkbeatInterface = { name: e.keyword.text, pos: e.pos };
    const [method] = e.args;
    if (method && LINKBEAT_METHODS.has(method.text))
      entry.method = method.text as NonNullable<LinkbeatInterface['method']>;
    // keepalived names the second word whatever is wrong (a bad method or a third word).
    if (method && (!entry.method || e.args.length > 1))
      ctx.error(
        method.pos,
        'invalid-value',
        `extra characters ${method.text} in linkbeat interface`,
      );
    return entry;
  });
}

/** The longest up / down delay (255 s). */
const MAX_UP_DOWN_DELAY = 255;

/** `interface_up_down_delays { IF DOWN [UP] }`: seconds; a line without delays is skipped. */
export function buildInterfaceUpDownDelays(
  ctx: BuildContext,
  s: Statement,
): InterfaceUpDownDelay[] {
  return children(s).flatMap((e) => {
    const name = e.keyword.text;
    const [down, up] = e.args;
    if (!down) {
      ctx.warn(e.pos, 'missing-parameter', `No timeouts specified for ${name} up/down delays`);
      return [];
    }
    if (e.args.length > 2)
      ctx.warn(e.args[2].pos, 'extra-parameters', `Too many parameters for ${name} up/down delays`);
    const downDelay = readSeconds(ctx, down, 0, MAX_UP_DOWN_DELAY);
    if (downDelay === undefined) {
      ctx.warn(down.pos, 'invalid-value', `Invalid down delay ${down.text} for ${name}`);
      return [];
    }
    const upDelay = up ? readSeconds(ctx, up, 0, MAX_UP_DOWN_DELAY) : 0;
    if (upDelay === undefined) {
      ctx.warn(up.pos, 'invalid-value', `Invalid up delay ${up.text} for ${name}`);
      return [];
    }
    return [{ name, downDelay, upDelay, pos: e.pos }];
  });
}
