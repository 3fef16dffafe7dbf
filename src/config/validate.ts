// Checks that need the whole configuration or the host: references between blocks (tracked
// scripts, sync group members, groups), duplicate VRIDs, interfaces that must exist, and script
// security. Like keepalived, a dangling reference is reported and dropped, and the result is a
// config the daemon can run. The host is reached only through ValidationEnv, so tests supply it.
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { SourcePos } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import type {
  Checker,
  KeepalivedConfig,
  ScriptCommand,
  TrackRef,
  Tracking,
  VrrpInstance,
  VrrpSyncGroup,
} from './model.js';
import { BuildContext } from './build/context.js';
import { suggest } from './suggest.js';

export interface ValidationEnv {
  /** Names of the network interfaces on this host; undefined when they cannot be listed. */
  listInterfaces(): string[] | undefined;
  /**
   * Where a script's command is: the path itself (when it contains '/') or the first executable
   * of that name on PATH; undefined when it cannot be found.
   */
  findCommand(command: string): string | undefined;
}

/** The real host: /sys/class/net and $PATH. */
export function systemEnv(path = process.env.PATH ?? ''): ValidationEnv {
  return {
    listInterfaces() {
      try {
        return readdirSync('/sys/class/net');
      } catch {
        return undefined;
      }
    },
    findCommand(command) {
      if (command.includes('/')) return isFile(command) ? command : undefined;
      for (const dir of path.split(delimiter).filter(Boolean)) {
        const candidate = join(dir, command);
        if (isFile(candidate) && isExecutable(candidate)) return candidate;
      }
      return undefined;
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface ValidationResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
}

function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const near = suggest(name, candidates);
  return near ? `did you mean '${near}'?` : undefined;
}

/** Keeps the references whose target exists (and the first of duplicates), reporting the rest. */
function resolveRefs(
  f: BuildContext,
  refs: TrackRef[],
  known: ReadonlySet<string>,
  owner: string,
  what: string,
): TrackRef[] {
  const kept: TrackRef[] = [];
  const keptNames = new Set<string>();
  for (const ref of refs) {
    if (!known.has(ref.name)) {
      f.error(
        ref.pos,
        'unknown-reference',
        `(${owner}) ${what} ${ref.name} not found, ignoring...`,
        didYouMean(ref.name, known),
      );
    } else if (keptNames.has(ref.name)) {
      f.error(
        ref.pos,
        'duplicate-track',
        `(${owner}) duplicate ${what.replace(' ', '_')} ${ref.name} - ignoring`,
      );
    } else {
      kept.push(ref);
      keptNames.add(ref.name);
    }
  }
  return kept;
}

interface Known {
  scripts: ReadonlySet<string>;
  files: ReadonlySet<string>;
  processes: ReadonlySet<string>;
  bfds: ReadonlySet<string>;
}

function resolveTracking(f: BuildContext, t: Tracking, owner: string, known: Known): Tracking {
  return {
    interfaces: t.interfaces,
    scripts: resolveRefs(f, t.scripts, known.scripts, owner, 'track script'),
    files: resolveRefs(f, t.files, known.files, owner, 'track file'),
    processes: resolveRefs(f, t.processes, known.processes, owner, 'track process'),
    bfds: resolveRefs(f, t.bfds, known.bfds, owner, 'track bfd'),
  };
}

type ScriptKind = 'system' | 'found' | 'missing';

/** keepalived's check_script_secure, reduced to what -t needs: is this a script that will run? */
function classify(script: ScriptCommand, env: ValidationEnv): ScriptKind {
  // `</dev/tcp/...` only tests that a file can be opened: run by the shell, not a script.
  if (/^<\s*\//.test(script.argv[0])) return 'system';
  return env.findCommand(script.argv[0]) ? 'found' : 'missing';
}

function notifyScripts(n: VrrpInstance['notify'] | VrrpSyncGroup['notify']): ScriptCommand[] {
  return Object.values(n).filter((s): s is ScriptCommand => typeof s === 'object');
}

export function validateConfig(input: KeepalivedConfig, env: ValidationEnv): ValidationResult {
  const f = new BuildContext();
  const config: KeepalivedConfig = { ...input };
  const g = config.globalDefs;

  // Tracked scripts whose command is not on PATH are disabled, as are references to them. A
  // missing absolute path does not fail `keepalived -t` (observed: conditional_conf with -i high
  // names scripts that do not exist and passes), so it is only a warning here.
  const securityVrrp = new Set<ScriptKind>();
  const scripts = config.vrrpScripts.filter((s) => {
    const kind = classify(s.script, env);
    securityVrrp.add(kind);
    if (kind !== 'missing' || config.vrrpInstances.length === 0) return true;
    if (s.script.argv[0].includes('/')) {
      f.warn(
        s.script.pos,
        'script-not-found',
        `vrrp_script ${s.name}: ${s.script.argv[0]} does not exist; it will fail until it does`,
      );
      return true;
    }
    f.error(
      s.script.pos,
      'script-not-found',
      `Disabling track script ${s.name} since not found/accessible`,
    );
    return false;
  });
  const known: Known = {
    scripts: new Set(scripts.map((s) => s.name)),
    files: new Set(config.trackFiles.map((t) => t.name)),
    processes: new Set(config.trackProcesses.map((t) => t.name)),
    bfds: new Set(config.bfdInstances.map((b) => b.name)),
  };

  // Sync groups: members must exist and belong to one group only.
  const instanceNames = new Set(config.vrrpInstances.map((i) => i.name));
  const memberOf = new Map<string, string>();
  config.vrrpSyncGroups = config.vrrpSyncGroups.flatMap((sg) => {
    const members = sg.members.filter((m) => {
      if (!instanceNames.has(m)) {
        f.error(
          sg.pos,
          'unknown-reference',
          `Virtual router ${m} specified in sync group ${sg.name} doesn't exist - ignoring`,
          didYouMean(m, instanceNames),
        );
        return false;
      }
      if (memberOf.has(m)) {
        f.error(
          sg.pos,
          'duplicate-member',
          `Virtual router ${m} cannot exist in more than one sync group; ignoring ${sg.name}`,
        );
        return false;
      }
      memberOf.set(m, sg.name);
      return true;
    });
    if (members.length === 0) {
      f.error(sg.pos, 'empty-group', `Sync group ${sg.name} has no members - removing`);
      return [];
    }
    return [{ ...sg, members, tracking: resolveTracking(f, sg.tracking, sg.name, known) }];
  });

  config.vrrpScripts = scripts;
  const groupsByName = new Map(config.vrrpSyncGroups.map((sg) => [sg.name, sg]));
  config.vrrpInstances = config.vrrpInstances.map((inst) => {
    const syncGroup = memberOf.get(inst.name);
    const tracking = resolveTracking(f, inst.tracking, inst.name, known);
    const resolved = {
      ...inst,
      tracking: dropIgnoredWeights(f, inst, tracking, groupsByName.get(syncGroup ?? ''), config),
    };
    return syncGroup ? { ...resolved, syncGroup } : resolved;
  });

  checkDuplicateVrids(f, config);
  const listed = env.listInterfaces();
  const hostInterfaces = listed && new Set(listed);
  checkVirtualInterfaceNames(f, config, hostInterfaces);
  checkLvsReferences(f, config);
  resolveTrackGroups(f, config);
  checkInterfaces(f, config, hostInterfaces);
  reportNotActedOn(f, config);

  // Script security (vrrp.c check_vrrp_script_security, check_data.c check_check_script_security).
  if (!g.enableScriptSecurity) {
    const vrrpScripts = [
      ...config.vrrpInstances.flatMap((i) => notifyScripts(i.notify)),
      ...config.vrrpSyncGroups.flatMap((s) => notifyScripts(s.notify)),
      ...[g.notifyFifo?.script, g.vrrpNotifyFifo?.script].filter(
        (s): s is ScriptCommand => s !== undefined,
      ),
    ];
    for (const s of vrrpScripts) securityVrrp.add(classify(s, env));
    if (config.vrrpInstances.length > 0 && securityVrrp.has('found')) {
      f.error(
        undefined,
        'script-security',
        'SECURITY VIOLATION - scripts are being executed but script_security not enabled.',
      );
    }
    if (
      config.virtualServers.length > 0 &&
      checkerScripts(config).some((s) => classify(s, env) === 'found')
    ) {
      f.error(
        undefined,
        'script-security',
        'SECURITY VIOLATION - check scripts are being executed but script_security not enabled.',
      );
    }
    const startStop = [g.startupScript, g.shutdownScript].filter(
      (s): s is ScriptCommand => s !== undefined,
    );
    if (startStop.some((s) => classify(s, env) === 'found')) {
      f.error(
        undefined,
        'script-security',
        'SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.',
      );
    }
  }
  return { config, diagnostics: f.diagnostics };
}

/** The scripts the checker process runs: quorum and notify scripts, MISC_CHECKs, the fifos. */
function checkerScripts(config: KeepalivedConfig): ScriptCommand[] {
  const g = config.globalDefs;
  const scripts: ScriptCommand[] = [];
  const add = (s: ScriptCommand | undefined): void => {
    if (s !== undefined) scripts.push(s);
  };
  // Loops, not flatMap, and only the scripts given kept: a config can have tens of thousands of
  // real servers, and most have none.
  for (const vs of config.virtualServers) {
    add(vs.quorumUp);
    add(vs.quorumDown);
    for (const rs of vs.realServers) {
      add(rs.notifyUp);
      add(rs.notifyDown);
      for (const c of rs.checkers) if (c.type === 'MISC_CHECK') scripts.push(c.script);
    }
  }
  add(g.notifyFifo?.script);
  add(g.lvsNotifyFifo?.script);
  return scripts;
}

/**
 * Weighted trackers cannot move the priority of a sync group member (unless the group sets
 * sync_group_tracking_weight) or of the address owner (priority 255): keepalived ignores them
 * (vrrp.c vrrp_complete_instance). Interfaces and files fall back to fault-only tracking.
 */
function dropIgnoredWeights(
  f: BuildContext,
  inst: VrrpInstance,
  t: Tracking,
  group: VrrpSyncGroup | undefined,
  config: KeepalivedConfig,
): Tracking {
  const bySync = group !== undefined && !group.syncGroupTrackingWeight;
  if (!bySync && inst.priority !== 255) return t;
  const why = bySync ? 'SYNC group' : 'address owner';
  const weightOf = <T extends { name: string; weight: number }>(ref: TrackRef, all: T[]) =>
    ref.weight ?? all.find((x) => x.name === ref.name)?.weight ?? 0;
  const interfaces = t.interfaces.flatMap((ti) => {
    if (!ti.weight) return [ti];
    f.error(
      ti.pos,
      'tracker-weight-ignored',
      `(${inst.name}) ignoring ${ti.name} tracked interface ${bySync ? 'weight ' : ''}due to ${why}`,
    );
    if (!bySync) return [];
    const { weight: _dropped, ...faultOnly } = ti;
    return [faultOnly];
  });
  const scripts = t.scripts.filter((ref) => {
    if (!weightOf(ref, config.vrrpScripts)) return true;
    f.error(
      ref.pos,
      'tracker-weight-ignored',
      `(${inst.name}) ignoring tracked script ${ref.name} with weights due to ${why}`,
    );
    return false;
  });
  const files = t.files.flatMap((ref) => {
    const weight = weightOf(ref, config.trackFiles);
    if (weight === 0) return [ref];
    if (weight === 1) {
      // 1 is track_file's default weight: treated as "not weighted" rather than dropped.
      f.error(
        ref.pos,
        'tracker-weight-ignored',
        `(${inst.name}) ignoring weight from tracked file ${ref.name} due to ${why}. specify weight 0`,
      );
      return [{ ...ref, weight: 0 }];
    }
    f.error(
      ref.pos,
      'tracker-weight-ignored',
      `(${inst.name}) ignoring tracked file ${ref.name} with weight ${weight} due to ${why}`,
    );
    return [];
  });
  const bfds = t.bfds.filter((ref) => {
    const weight = weightOf(ref, config.bfdInstances);
    if (!weight) return true;
    f.error(
      ref.pos,
      'tracker-weight-ignored',
      `(${inst.name}) ignoring tracked bfd ${ref.name} with weight ${weight} due to ${why}`,
    );
    return false;
  });
  return { interfaces, scripts, files, processes: t.processes, bfds };
}

/** The interface use_vmac / use_ipvlan create, in the words keepalived refuses a name with. */
const VIRTUAL_INTERFACE = {
  useVmac: { kind: 'a private macvlan', word: 'vmac' },
  useIpvlan: { kind: 'an l2 ipvlan', word: 'ipvlan' },
} as const;

/**
 * A use_vmac / use_ipvlan interface name belongs to one instance and must not name an interface
 * the host already has (keepalived accepts an existing one of its own kind, which -t on a host
 * without keepalived running does not meet). A refused name leaves the default, vrrp.VRID.
 */
function checkVirtualInterfaceNames(
  f: BuildContext,
  config: KeepalivedConfig,
  present: ReadonlySet<string> | undefined,
): void {
  const owner = new Map<string, string>();
  config.vrrpInstances = config.vrrpInstances.map((inst) => {
    let out = inst;
    for (const key of ['useVmac', 'useIpvlan'] as const) {
      const v = out[key];
      if (v?.name === undefined) continue;
      const other = owner.get(v.name);
      if (other !== undefined)
        f.error(
          v.pos,
          'duplicate-name',
          `(${inst.name}) VRRP instance ${other} is already using ${v.name} - ignoring name`,
        );
      else if (present?.has(v.name))
        f.error(
          v.pos,
          'interface-exists',
          `(${inst.name}) interface ${v.name} already exists and is not ${VIRTUAL_INTERFACE[key].kind}; ignoring ${VIRTUAL_INTERFACE[key].word} if_name`,
        );
      else {
        owner.set(v.name, inst.name);
        continue;
      }
      const { name: _refused, ...unnamed } = v;
      out = { ...out, [key]: unnamed };
    }
    return out;
  });
}

/**
 * track_group members must be instances; a group left with none is removed, and the static
 * entries naming it are not tracked. keepalived says this as its VRRP process starts
 * (vrrp_static_track.c static_track_group_init), not under -t: warnings here.
 */
function resolveTrackGroups(f: BuildContext, config: KeepalivedConfig): void {
  const instances = new Set(config.vrrpInstances.map((i) => i.name));
  const kept = new Set<string>();
  config.trackGroups = config.trackGroups.flatMap((tg) => {
    if (tg.members.length === 0) {
      f.warn(tg.pos, 'empty-group', `Static track group ${tg.name} has no virtual router(s)`);
    } else {
      const members = tg.members.filter((m) => {
        if (instances.has(m)) return true;
        f.warn(
          tg.pos,
          'unknown-reference',
          `vrrp instance ${m} specified in track group ${tg.name} doesn't exist - ignoring`,
          didYouMean(m, instances),
        );
        return false;
      });
      if (members.length > 0) {
        kept.add(tg.name);
        return [{ ...tg, members }];
      }
      f.warn(tg.pos, 'empty-group', `Static track group ${tg.name} has no VRRP instance(s)`);
    }
    f.warn(tg.pos, 'empty-group', `Static track group ${tg.name} init fails - removing`);
    return [];
  });
  const tracked = <T extends { trackGroup?: string; noTrack: boolean; pos: SourcePos }>(
    entries: T[],
    what: string,
  ): T[] =>
    entries.map((e) => {
      if (e.trackGroup === undefined) return e;
      if (e.noTrack)
        f.warn(
          e.pos,
          'track-group-no-track',
          `Static ${what} has both track_group and no_track set - not tracking`,
        );
      else if (kept.has(e.trackGroup)) return e;
      const { trackGroup: _untracked, ...rest } = e;
      return rest as T;
    });
  config.staticAddresses = tracked(config.staticAddresses, 'address');
  config.staticRoutes = tracked(config.staticRoutes, 'route');
  config.staticRules = tracked(config.staticRules, 'rule');
}

/**
 * What keepalived-ts reads into the model but does not act on: one warning per feature, so the
 * daemon's config.loaded event says it at start, and `-t` shows it.
 */
function reportNotActedOn(f: BuildContext, config: KeepalivedConfig): void {
  const say = (pos: SourcePos | undefined, what: string, consequence: string) =>
    f.warn(pos, 'not-acted-on', `${what} is not acted on by keepalived-ts: ${consequence}`);
  const [linkbeat] = config.linkbeatInterfaces;
  if (linkbeat)
    say(linkbeat.pos, 'linkbeat_interfaces', 'link state comes from rtnetlink events only');
  const [delay] = config.interfaceUpDownDelays;
  if (delay) say(delay.pos, 'interface_up_down_delays', 'link changes take effect at once');
  const tracked = [...config.staticAddresses, ...config.staticRoutes, ...config.staticRules].find(
    (e) => e.trackGroup !== undefined,
  );
  if (tracked)
    say(tracked.pos, 'track_group', 'static addresses, routes and rules do not fault instances');
  for (const [key, keyword, consequence] of [
    ['useVmac', 'use_vmac', 'VIPs go on the interface itself and adverts carry its MAC'],
    ['useIpvlan', 'use_ipvlan', 'VIPs go on the interface itself'],
  ] as const) {
    const users = config.vrrpInstances.filter((i) => i[key] !== undefined);
    if (users.length > 0)
      say(users[0][key]?.pos, `${keyword} (${users.map((i) => i.name).join(', ')})`, consequence);
  }
}

/** Two multicast instances may not share a VRID on one interface and family (vrrp.c). */
function checkDuplicateVrids(f: BuildContext, config: KeepalivedConfig): void {
  const seen = new Map<string, VrrpInstance>();
  for (const inst of config.vrrpInstances) {
    if (inst.unicastPeers.length > 0) continue;
    const key = `${inst.interface}/${inst.family}/${inst.virtualRouterId}`;
    const other = seen.get(key);
    if (other) {
      f.error(
        inst.pos,
        'duplicate-vrid',
        `${other.name} and ${inst.name} both use VRID ${inst.virtualRouterId} with IPv${inst.family} on interface ${inst.interface}`,
      );
    } else seen.set(key, inst);
  }
  // Unicast instances conflict when they share a VRID, interface and a peer. Grouped by VRID,
  // interface and family first, so only instances that could conflict are compared.
  const unicast = new Map<string, Array<{ inst: VrrpInstance; peers: Set<string> }>>();
  for (const a of config.vrrpInstances) {
    if (a.unicastPeers.length === 0) continue;
    const key = `${a.interface}/${a.family}/${a.virtualRouterId}`;
    let earlier = unicast.get(key);
    if (!earlier) unicast.set(key, (earlier = []));
    for (const b of earlier) {
      if (a.unicastPeers.some((p) => b.peers.has(p.address))) {
        f.error(
          a.pos,
          'duplicate-vrid',
          `(${a.name}) duplicate VRID conflict with ${b.inst.name} VRID ${a.virtualRouterId}`,
        );
      }
    }
    earlier.push({ inst: a, peers: new Set(a.unicastPeers.map((p) => p.address)) });
  }
}

/** FILE_CHECK and BFD_CHECK follow a track_file / bfd_instance, which may not be defined. */
function followsTarget(c: Checker): boolean {
  return c.type === 'FILE_CHECK' || c.type === 'BFD_CHECK';
}

function checkLvsReferences(f: BuildContext, config: KeepalivedConfig): void {
  const groups = new Set(config.virtualServerGroups.map((g) => g.name));
  const files = new Set(config.trackFiles.map((t) => t.name));
  const bfds = new Set(config.bfdInstances.map((b) => b.name));
  config.virtualServers = config.virtualServers.filter((vs) => {
    if (vs.key.kind === 'group' && !groups.has(vs.key.group)) {
      f.error(
        vs.pos,
        'unknown-reference',
        `Virtual server group ${vs.key.group} not found - ignoring virtual server`,
        didYouMean(vs.key.group, groups),
      );
      return false;
    }
    return true;
  });
  const checkerTargetExists = (c: Checker): boolean => {
    if (c.type === 'FILE_CHECK' && !files.has(c.trackFile)) {
      f.error(
        c.pos,
        'unknown-reference',
        `FILE_CHECK track_file ${c.trackFile} not found - ignoring`,
        didYouMean(c.trackFile, files),
      );
      return false;
    }
    if (c.type === 'BFD_CHECK' && !bfds.has(c.name)) {
      f.error(
        c.pos,
        'unknown-reference',
        `BFD_CHECK bfd_instance ${c.name} not found - ignoring`,
        didYouMean(c.name, bfds),
      );
      return false;
    }
    return true;
  };
  // Copies only what loses a checker: the input stays untouched, and a large config with nothing
  // to drop is not copied server by server (nor filtered: a new checker list per real server).
  config.virtualServers = config.virtualServers.map((vs) => {
    let changed = false;
    const realServers = vs.realServers.map((rs) => {
      if (!rs.checkers.some(followsTarget)) return rs;
      const checkers = rs.checkers.filter(checkerTargetExists);
      if (checkers.length === rs.checkers.length) return rs;
      changed = true;
      return { ...rs, checkers };
    });
    return changed ? { ...vs, realServers } : vs;
  });
  const sync = config.globalDefs.lvsSyncDaemon;
  if (sync && !config.vrrpInstances.some((i) => i.name === sync.vrrpInstance)) {
    f.error(
      sync.pos,
      'unknown-reference',
      `lvs_sync_daemon vrrp instance ${sync.vrrpInstance} not found`,
    );
  }
}

/**
 * keepalived refuses (exit 5) a config naming interfaces the host does not have (`present`,
 * undefined when the host cannot list them: nothing is checked). Entries of garp_group,
 * linkbeat_interfaces and interface_up_down_delays for a missing interface are dropped, as
 * keepalived skips them.
 */
function checkInterfaces(
  f: BuildContext,
  config: KeepalivedConfig,
  present: ReadonlySet<string> | undefined,
): void {
  // With dynamic_interfaces keepalived accepts any interface name ("will use if created").
  if (config.globalDefs.dynamicInterfaces || !present) return;
  let missing = false;
  const exists = (name: string, pos: SourcePos, message: string): boolean => {
    if (present.has(name)) return true;
    f.error(pos, 'interface-missing', message, didYouMean(name, present));
    return false;
  };
  const require = (name: string | undefined, pos: SourcePos, message: string) => {
    if (name === undefined || exists(name, pos, message)) return;
    missing = true;
  };
  config.garpGroups = config.garpGroups.map((g) => {
    const interfaces = g.interfaces.filter((i) =>
      exists(i.name, i.pos, `WARNING - interface ${i.name} specified for garp_group doesn't exist`),
    );
    if (interfaces.length === g.interfaces.length) return g;
    missing = true;
    return { ...g, interfaces };
  });
  config.linkbeatInterfaces = config.linkbeatInterfaces.filter((l) =>
    exists(l.name, l.pos, `unknown interface ${l.name} specified for linkbeat interface`),
  );
  config.interfaceUpDownDelays = config.interfaceUpDownDelays.filter((d) =>
    exists(d.name, d.pos, `unknown interface ${d.name} specified for up/down delay`),
  );
  for (const inst of config.vrrpInstances) {
    require(inst.interface, inst.pos, `WARNING - interface ${inst.interface} for vrrp_instance ${inst.name} doesn't exist`);
    for (const t of inst.tracking.interfaces) {
      require(t.name, t.pos, `(${inst.name}) tracked interface ${t.name} doesn't exist`);
    }
    for (const a of [...inst.virtualIpaddresses, ...inst.virtualIpaddressesExcluded]) {
      require(a.dev, a.pos, `WARNING - interface ${a.dev} for ip address ${a.address} doesn't exist`);
    }
  }
  for (const sg of config.vrrpSyncGroups) {
    for (const t of sg.tracking.interfaces)
      require(t.name, t.pos, `(${sg.name}) tracked interface ${t.name} doesn't exist`);
  }
  for (const a of config.staticAddresses) {
    require(a.dev, a.pos, `WARNING - interface ${a.dev} for ip address ${a.address} doesn't exist`);
  }
  if (missing)
    f.error(undefined, 'interface-missing', 'Non-existent interface specified in configuration');
}
