// Builds the typed model from a syntax tree: dispatches each root block to its builder, applying
// keepalived's defaults. Block-local problems become diagnostics here; references between blocks
// are checked by validate.ts.
import type { ConfigTree, Statement } from '../ast.js';
import type { Diagnostic } from '../diagnostic.js';
import { type KeepalivedConfig, type VirtualServerGroup, interfaceGarpPacing } from '../model.js';
import { FIRST_ASSIGNED_RULE_PREFERENCE, type TrackGroupNames } from './address.js';
import {
  BuildContext,
  type KeywordSpec,
  KeywordTable,
  applyBlock,
  block,
  deprecated,
  line,
  recorded,
  registerBlock,
  stringArg,
  valueBlock,
} from './context.js';
import { buildBfdInstance } from './bfd.js';
import { buildGlobalDefs, defaultGlobalDefs } from './global.js';
import { buildSsl, buildVirtualServer, buildVirtualServerGroup } from './virtual-server.js';
import {
  buildGarpGroup,
  buildInterfaceUpDownDelays,
  buildLinkbeatInterfaces,
  buildStaticAddresses,
  buildStaticRoutes,
  buildStaticRules,
  buildSyncGroup,
  buildTrackFile,
  buildTrackGroup,
  buildTrackProcess,
  buildVrrpInstance,
  buildVrrpScript,
} from './vrrp.js';

export interface BuildResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

/** Root state while building: the config so far plus the statements whose builders need it all. */
interface RootState {
  config: KeepalivedConfig;
  /** virtual_server blocks are built last: they look up groups that may be defined after them. */
  virtualServers: Statement[];
  nextRulePreference: () => number;
  /** Names taken so far per kind of named block, so duplicates are found without a scan. */
  names: Map<string, Set<string>>;
}

/** Records `name` as a `what`; false when one of that name was already defined. */
function claimName(r: RootState, what: string, name: string): boolean {
  let taken = r.names.get(what);
  if (!taken) r.names.set(what, (taken = new Set()));
  if (taken.has(name)) return false;
  taken.add(name);
  return true;
}

const TRACK_GROUP = 'track_group';

/** The track_group names defined so far: static lines may name only these. */
function trackGroupNames(r: RootState): TrackGroupNames {
  return r.names.get(TRACK_GROUP) ?? new Set();
}

/** Adds per-interface entries; a later entry for the same interface replaces the earlier one. */
function replaceByName<T extends { name: string }>(list: T[], entries: T[]): void {
  for (const e of entries) {
    const i = list.findIndex((x) => x.name === e.name);
    if (i >= 0) list.splice(i, 1);
    list.push(e);
  }
}

function named<T extends { name: string }>(
  list: (r: RootState) => T[],
  build: (ctx: BuildContext, s: Statement) => T | undefined,
  what: string,
): KeywordSpec<RootState> {
  return block<RootState>((s, r, ctx) => {
    const item = build(ctx, s);
    if (!item) return;
    if (!claimName(r, what, item.name)) {
      ctx.error(
        s.args[0]?.pos ?? s.pos,
        'duplicate-name',
        `${what} ${item.name} already defined - ignoring`,
      );
      return;
    }
    list(r).push(item);
  });
}

const ROOT_KEYWORDS = new KeywordTable<RootState>([
  // Applied in a first pass (see buildConfig); accepted here so it is not reported as unknown.
  ['global_defs', block<RootState>(() => undefined)],
  ['vrrp_script', named((r) => r.config.vrrpScripts, buildVrrpScript, 'vrrp_script')],
  ['track_file', named((r) => r.config.trackFiles, buildTrackFile, 'track_file')],
  [
    'vrrp_track_process',
    named((r) => r.config.trackProcesses, buildTrackProcess, 'vrrp_track_process'),
  ],
  ['bfd_instance', named((r) => r.config.bfdInstances, buildBfdInstance, 'bfd_instance')],
  ['vrrp_sync_group', named((r) => r.config.vrrpSyncGroups, buildSyncGroup, 'vrrp sync group')],
  [
    'vrrp_instance',
    block<RootState>((s, r, ctx) => {
      const inst = buildVrrpInstance(ctx, s, r.config.globalDefs, r.nextRulePreference);
      if (!inst) return;
      if (!claimName(r, 'vrrp instance', inst.name)) {
        ctx.error(
          s.args[0]?.pos ?? s.pos,
          'duplicate-name',
          `vrrp instance ${inst.name} already defined`,
        );
        return;
      }
      r.config.vrrpInstances.push(inst);
    }),
  ],
  [
    'static_ipaddress',
    valueBlock<RootState>(
      (s, r, ctx) =>
        void r.config.staticAddresses.push(...buildStaticAddresses(ctx, s, trackGroupNames(r))),
    ),
  ],
  [
    'static_routes',
    valueBlock<RootState>(
      (s, r, ctx) =>
        void r.config.staticRoutes.push(...buildStaticRoutes(ctx, s, trackGroupNames(r))),
    ),
  ],
  [
    'static_rules',
    valueBlock<RootState>(
      (s, r, ctx) =>
        void r.config.staticRules.push(
          ...buildStaticRules(ctx, s, r.nextRulePreference, trackGroupNames(r)),
        ),
    ),
  ],
  [
    TRACK_GROUP,
    block<RootState>((s, r, ctx) => {
      const group = buildTrackGroup(ctx, s);
      if (!group) return;
      if (!claimName(r, TRACK_GROUP, group.name)) {
        ctx.error(s.args[0].pos, 'duplicate-name', `track_group ${group.name} already defined`);
        return;
      }
      r.config.trackGroups.push(group);
    }),
  ],
  [
    'garp_group',
    block<RootState>((s, r, ctx) => {
      const group = buildGarpGroup(ctx, s, r.config.garpGroups);
      if (group) r.config.garpGroups.push(group);
    }),
  ],
  [
    'linkbeat_interfaces',
    valueBlock<RootState>(
      (s, r, ctx) =>
        void replaceByName(r.config.linkbeatInterfaces, buildLinkbeatInterfaces(ctx, s)),
    ),
  ],
  [
    'interface_up_down_delays',
    valueBlock<RootState>(
      (s, r, ctx) =>
        void replaceByName(r.config.interfaceUpDownDelays, buildInterfaceUpDownDelays(ctx, s)),
    ),
  ],
  [
    'virtual_server_group',
    named((r) => r.config.virtualServerGroups, buildVirtualServerGroup, 'virtual server group'),
  ],
  ['virtual_server', block<RootState>((s, r) => void r.virtualServers.push(s))],
  [
    'SSL',
    block<RootState>((s, r, ctx) => {
      if (r.config.ssl)
        ctx.error(s.pos, 'duplicate-keyword', 'SSL context already specified - replacing');
      r.config.ssl = buildSsl(ctx, s);
    }),
  ],
  [
    'net_namespace',
    line<RootState>((s, r, ctx) => {
      const v = stringArg(ctx, s);
      if (v !== undefined) r.config.netNamespace = v;
    }),
  ],
  [
    'instance',
    line<RootState>((s, r, ctx) => {
      const v = stringArg(ctx, s);
      if (v !== undefined) r.config.instance = v;
    }),
  ],
  ...[
    'net_namespace_ipvs',
    'namespace_with_ipsets',
    'use_pid_dir',
    'child_wait_time',
    'linkbeat_use_polling',
  ].map((k): [string, KeywordSpec<RootState>] => [
    k,
    recorded<RootState>((r) => r.config.unmodelled),
  ]),
]);
ROOT_KEYWORDS.set('vrrp_track_file', deprecated('track_file', ROOT_KEYWORDS.get('track_file')!));

registerBlock('the top level', ROOT_KEYWORDS.keys());

export interface BuildOptions {
  /** The config-id that selected `@ID` lines (recorded in the model). */
  configId: string;
}

export function buildConfig(tree: ConfigTree, opts: BuildOptions): BuildResult {
  const ctx = new BuildContext();
  let preference = FIRST_ASSIGNED_RULE_PREFERENCE;
  const state: RootState = {
    config: {
      files: tree.files,
      configId: opts.configId,
      globalDefs: defaultGlobalDefs(),
      vrrpScripts: [],
      trackFiles: [],
      trackProcesses: [],
      bfdInstances: [],
      vrrpSyncGroups: [],
      vrrpInstances: [],
      staticAddresses: [],
      staticRoutes: [],
      staticRules: [],
      garpGroups: [],
      trackGroups: [],
      linkbeatInterfaces: [],
      interfaceUpDownDelays: [],
      virtualServerGroups: [],
      virtualServers: [],
      unmodelled: [],
    },
    virtualServers: [],
    nextRulePreference: () => preference--,
    names: new Map(),
  };
  // keepalived applies global_defs wherever it appears before completing instances and servers.
  for (const s of tree.statements) {
    if (s.keyword.text === 'global_defs' && s.block)
      buildGlobalDefs(ctx, s, state.config.globalDefs);
  }
  applyBlock(ctx, tree.statements, ROOT_KEYWORDS, state);
  const { config } = state;
  // garp_group pacing belongs to an interface wherever the group is written.
  for (const inst of config.vrrpInstances) {
    if (inst.interface === undefined) continue;
    const pacing = interfaceGarpPacing(config.garpGroups, config.globalDefs, inst.interface);
    inst.garp.interval = pacing.garpInterval;
    inst.garp.gnaInterval = pacing.gnaInterval;
  }
  const groups = new Map<string, VirtualServerGroup>(
    config.virtualServerGroups.map((g) => [g.name, g]),
  );
  for (const s of state.virtualServers) {
    const vs = buildVirtualServer(ctx, s, config.globalDefs, groups);
    if (vs) config.virtualServers.push(vs);
  }
  return { config, diagnostics: sortDiagnostics(ctx.diagnostics, tree.files) };
}

/** Orders diagnostics as the text they point at is read: by file (reading order), line, column. */
export function sortDiagnostics(diagnostics: Diagnostic[], files: string[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.pos ? files.indexOf(d.pos.file) : Infinity);
  return [...diagnostics].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.pos?.line ?? 0) - (b.pos?.line ?? 0) ||
      (a.pos?.col ?? 0) - (b.pos?.col ?? 0),
  );
}
