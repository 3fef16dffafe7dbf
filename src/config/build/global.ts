// global_defs (keepalived/core/global_parser.c): defaults for VRRP, LVS, notification and scripts.
import type { Statement } from '../ast.js';
import type { GlobalDefs, NotifyFifo } from '../model.js';
import { parseIp } from './address.js';
import {
  type BuildContext,
  KeywordTable,
  MAX_TIMER_SECONDS,
  applyBlock,
  arg,
  block,
  blockWords,
  deprecated,
  flagArg,
  intArg,
  line,
  recorded,
  registerBlock,
  secondsArg,
  stringArg,
} from './context.js';
import { buildScript } from './script.js';

export function defaultGlobalDefs(): GlobalDefs {
  return {
    notificationEmail: [],
    smtpConnectTimeout: 30,
    enableScriptSecurity: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    dynamicInterfaces: false,
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpGarpMasterDelay: 5,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpMinGarp: false,
    vrrpDownTimerAdverts: 3,
    vrrpLowerPrioNoAdvert: false,
    vrrpHigherPrioSendAdvert: false,
    v3ChecksumAsV2: false,
    vrrpCheckUnicastSrc: false,
    vrrpNotifyPriorityChanges: false,
    vrrpStartupDelay: 0,
    vrrpOwnerIgnoreAdverts: false,
    defaultInterface: 'eth0',
    lvsFlush: false,
    checkerLogAllFailures: false,
    reloadCheckConfig: false,
    unmodelled: [],
  };
}

type G = GlobalDefs;
type FieldsOf<V> = { [K in keyof G]-?: NonNullable<G[K]> extends V ? K : never }[keyof G];

/** A boolean flag keyword setting `field`. */
function flag(field: FieldsOf<boolean>) {
  return line<G>((s, g, ctx) => {
    const v = flagArg(ctx, s);
    if (v !== undefined) (g[field] as boolean | undefined) = v;
  });
}

/** A non-negative integer keyword setting `field`. */
function count(field: FieldsOf<number>, min: number, max: number) {
  return line<G>((s, g, ctx) => {
    const v = intArg(ctx, s, min, max);
    if (v !== undefined) (g[field] as number | undefined) = v;
  });
}

/** SCHED_RR's priority range on Linux (sched_get_priority_min / _max). */
const MIN_RT_PRIORITY = 1;
const MAX_RT_PRIORITY = 99;

/**
 * `vrrp_rt_priority` / `checker_rt_priority`: keepalived clamps a value outside 1..99 to the
 * range, reporting it (get_realtime_priority).
 */
function realtimePriority(field: 'vrrpRtPriority' | 'checkerRtPriority', process: string) {
  return line<G>((s, g, ctx) => {
    const w = s.args[0];
    if (!w) {
      ctx.error(
        s.keyword.pos,
        'missing-argument',
        `No ${process} process real-time priority specified`,
      );
      return;
    }
    if (!/^[+-]?\d+$/.test(w.text)) {
      ctx.error(
        w.pos,
        'invalid-number',
        `${process} process real-time priority '${w.text}' invalid`,
      );
      return;
    }
    const n = Number(w.text);
    if (n < MIN_RT_PRIORITY || n > MAX_RT_PRIORITY) {
      const [bound, which] =
        n < MIN_RT_PRIORITY ? [MIN_RT_PRIORITY, 'minimum'] : [MAX_RT_PRIORITY, 'maximum'];
      ctx.error(
        w.pos,
        'out-of-range',
        `${process} process real-time priority ${n} ${which === 'minimum' ? 'less' : 'greater'} than ${which} ${bound} - setting to ${which}`,
      );
      g[field] = bound;
      return;
    }
    g[field] = n;
  });
}

/** `vrrp_rlimit_rttime` / `checker_rlimit_rttime`: microseconds, at least 2 (1 is taken as 2). */
function realtimeLimit(field: 'vrrpRlimitRttime' | 'checkerRlimitRttime', process: string) {
  return line<G>((s, g, ctx) => {
    const w = s.args[0];
    if (!w || !/^\d+$/.test(w.text) || Number(w.text) < 1 || Number(w.text) > 0xffffffff) {
      ctx.error(
        w?.pos ?? s.keyword.pos,
        'invalid-number',
        `Invalid ${process} real-time limit - ${w?.text ?? ''}`,
      );
      return;
    }
    // keepalived halves it for the soft limit, which must not be 0.
    g[field] = Math.max(2, Number(w.text));
  });
}

/** A seconds keyword setting `field`. */
function seconds(field: FieldsOf<number>, min: number) {
  return line<G>((s, g, ctx) => {
    const v = secondsArg(ctx, s, min, MAX_TIMER_SECONDS);
    if (v !== undefined) (g[field] as number | undefined) = v;
  });
}

/** A single-word keyword setting `field`. */
function text(
  field:
    | 'routerId'
    | 'notificationEmailFrom'
    | 'smtpHeloName'
    | 'defaultInterface'
    | 'stateDumpFile'
    | 'statsDumpFile'
    | 'jsonDumpFile',
) {
  return line<G>((s, g, ctx) => {
    const v = stringArg(ctx, s);
    if (v !== undefined) g[field] = v;
  });
}

function multicastGroup(field: 'vrrpMcastGroup4' | 'vrrpMcastGroup6', family: 4 | 6) {
  return line<G>((s, g, ctx) => {
    const w = arg(ctx, s);
    if (!w) return;
    const ip = parseIp(w.text);
    if (!ip || ip.family !== family) {
      ctx.error(
        w.pos,
        'invalid-address',
        `${s.keyword.text} '${w.text}' is not a valid IPv${family} address - ignoring`,
      );
      return;
    }
    g[field] = ip.address;
  });
}

function fifo(field: 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo') {
  return line<G>((s, g, ctx) => {
    const path = stringArg(ctx, s);
    if (path === undefined) return;
    const f: NotifyFifo = { path, ...g[field] };
    f.path = path;
    if (s.args[1]) f.user = s.args[1].text;
    if (s.args[2]) f.group = s.args[2].text;
    g[field] = f;
  });
}

function fifoScript(field: 'notifyFifo' | 'vrrpNotifyFifo' | 'lvsNotifyFifo') {
  return line<G>((s, g, ctx) => {
    const script = buildScript(ctx, s);
    if (!script) return;
    if (!g[field]) {
      ctx.error(
        s.keyword.pos,
        'fifo-script-without-fifo',
        `${s.keyword.text} specified without a FIFO - ignoring`,
      );
      return;
    }
    g[field].script = script;
  });
}

/** Keywords keepalived accepts that keepalived-ts records without acting on them. */
const RECORDED_ONLY = [
  'process_names',
  'process_name',
  'vrrp_process_name',
  'checker_process_name',
  'bfd_process_name',
  'use_symlink_paths',
  'set_supplementary_groups',
  'startup_script_timeout',
  'shutdown_script_timeout',
  'no_email_faults',
  'disable_local_igmp',
  'vrrp_iptables',
  'vrrp_ipsets',
  'nftables',
  'nftables_priority',
  'nftables_ifindex',
  'nftables_ipvs',
  'nftables_ipvs_priority',
  'nftables_ipvs_start_fwmark',
  'nftables_counters',
  'fifo_write_vrrp_states_on_reload',
  'snmp_socket',
  'enable_traps',
  'enable_snmp_vrrp',
  'enable_snmp_rfc',
  'enable_snmp_rfcv2',
  'enable_snmp_rfcv3',
  'enable_snmp_checker',
  'snmp_vs_stats_update_interval',
  'snmp_rs_stats_update_interval',
  'enable_dbus',
  'dbus_service_name',
  'dbus_no_interface_name',
  'rs_init_notifies',
  'no_checker_emails',
  'vrrp_rx_bufs_policy',
  'vrrp_rx_bufs_multiplier',
  'vrrp_delay_after_boot',
  'log_unknown_vrids',
  'vmac_prefix',
  'vmac_addr_prefix',
  'umask',
  'random_seed',
  'reload_time_file',
  'reload_repeat',
  'reload_file',
  'include_check',
  'config_save_dir',
  'tmp_config_directory',
  'data_use_instance',
  'json_version',
  'iproute_usr_dir',
  'iproute_etc_dir',
  'vrrp_garp_extra_if',
  'bfd_priority',
  'bfd_rt_priority',
  'bfd_rlimit_rttime',
  ...['vrrp', 'checker', 'bfd'].flatMap((p) => [`${p}_no_swap`, `${p}_cpu_affinity`]),
  ...[
    'vrrp_netlink_cmd',
    'vrrp_netlink_monitor',
    'process_monitor',
    'lvs_netlink_cmd',
    'lvs_netlink_monitor',
  ].flatMap((p) => [`${p}_rcv_bufs`, `${p}_rcv_bufs_force`]),
];

export const GLOBAL_KEYWORDS = new KeywordTable<G>([
  ['router_id', text('routerId')],
  [
    'notification_email',
    block<G>((s, g) => {
      g.notificationEmail.push(...blockWords(s.block).map((w) => w.text));
    }),
  ],
  ['notification_email_from', text('notificationEmailFrom')],
  [
    'smtp_server',
    line<G>((s, g, ctx) => {
      const w = arg(ctx, s);
      if (!w) return;
      const ip = parseIp(w.text);
      if (!ip) {
        ctx.error(w.pos, 'invalid-address', `Invalid smtp server ${w.text}`);
        return;
      }
      const port = s.args[1] ? intArg(ctx, s, 1, 65535, 1) : 25;
      if (port !== undefined) g.smtpServer = { address: ip.address, family: ip.family, port };
    }),
  ],
  ['smtp_connect_timeout', count('smtpConnectTimeout', 0, 4294)],
  ['smtp_helo_name', text('smtpHeloName')],
  ['smtp_alert', flag('smtpAlert')],
  ['smtp_alert_vrrp', flag('smtpAlertVrrp')],
  ['smtp_alert_checker', flag('smtpAlertChecker')],
  ['enable_script_security', flag('enableScriptSecurity')],
  [
    'script_user',
    line<G>((s, g, ctx) => {
      const user = stringArg(ctx, s);
      if (user === undefined) return;
      g.scriptUser = s.args[1] ? { user, group: s.args[1].text } : { user };
    }),
  ],
  ['vrrp_skip_check_adv_addr', flag('vrrpSkipCheckAdvAddr')],
  ['vrrp_strict', flag('vrrpStrict')],
  [
    'dynamic_interfaces',
    line<G>((s, g, ctx) => {
      // The only option, allow_if_changes, concerns interfaces whose index changes; we follow
      // interfaces by name in any case.
      const option = s.args[0];
      if (option && option.text !== 'allow_if_changes') {
        ctx.warn(option.pos, 'unknown-option', `Unknown dynamic_interfaces option ${option.text}`);
      }
      g.dynamicInterfaces = true;
    }),
  ],
  [
    'vrrp_version',
    line<G>((s, g, ctx) => {
      const v = intArg(ctx, s, 2, 3);
      if (v !== undefined) g.vrrpVersion = v as 2 | 3;
    }),
  ],
  ['vrrp_mcast_group4', multicastGroup('vrrpMcastGroup4', 4)],
  ['vrrp_mcast_group6', multicastGroup('vrrpMcastGroup6', 6)],
  // 0 is rejected: the range starts at one microsecond (observed).
  ['vrrp_garp_interval', seconds('vrrpGarpInterval', 0.000001)],
  ['vrrp_gna_interval', seconds('vrrpGnaInterval', 0.000001)],
  ['vrrp_garp_master_delay', count('vrrpGarpMasterDelay', 0, 4294)],
  ['vrrp_garp_master_repeat', count('vrrpGarpMasterRepeat', 0, 0xffffffff)],
  ['vrrp_garp_master_refresh', count('vrrpGarpMasterRefresh', 0, 0xffffffff)],
  ['vrrp_garp_master_refresh_repeat', count('vrrpGarpMasterRefreshRepeat', 0, 0xffffffff)],
  ['vrrp_garp_lower_prio_delay', count('vrrpGarpLowerPrioDelay', 0, 4294)],
  ['vrrp_garp_lower_prio_repeat', count('vrrpGarpLowerPrioRepeat', 0, 0x7fffffff)],
  ['vrrp_min_garp', flag('vrrpMinGarp')],
  ['vrrp_down_timer_adverts', count('vrrpDownTimerAdverts', 1, 100)],
  ['vrrp_lower_prio_no_advert', flag('vrrpLowerPrioNoAdvert')],
  ['vrrp_higher_prio_send_advert', flag('vrrpHigherPrioSendAdvert')],
  ['v3_checksum_as_v2', flag('v3ChecksumAsV2')],
  ['vrrp_check_unicast_src', flag('vrrpCheckUnicastSrc')],
  ['vrrp_notify_priority_changes', flag('vrrpNotifyPriorityChanges')],
  ['vrrp_startup_delay', seconds('vrrpStartupDelay', 0.001)],
  ['vrrp_owner_ignore_adverts', flag('vrrpOwnerIgnoreAdverts')],
  ['default_interface', text('defaultInterface')],
  ['lvs_flush', flag('lvsFlush')],
  [
    'lvs_flush_on_stop',
    line<G>((s, g) => {
      g.lvsFlushOnStop = s.args[0]?.text === 'VS' ? 'vs' : 'all';
    }),
  ],
  [
    'lvs_timeouts',
    line<G>((s, g, ctx) => {
      const t: NonNullable<G['lvsTimeouts']> = {};
      for (let i = 0; i < s.args.length; i += 2) {
        const k = s.args[i].text;
        if (k !== 'tcp' && k !== 'tcpfin' && k !== 'udp') {
          ctx.error(
            s.args[i].pos,
            'invalid-value',
            `Unknown option ${k} specified for lvs_timeouts`,
          );
          return;
        }
        const v = intArg(ctx, s, 0, 86400 * 31, i + 1);
        if (v === undefined) return;
        t[k] = v;
      }
      g.lvsTimeouts = t;
    }),
  ],
  [
    'lvs_sync_daemon',
    line<G>((s, g, ctx) => {
      const iface = stringArg(ctx, s, 0);
      const instance = stringArg(ctx, s, 1);
      if (iface === undefined || instance === undefined) return;
      const d: NonNullable<G['lvsSyncDaemon']> = {
        interface: iface,
        vrrpInstance: instance,
        pos: s.pos,
      };
      for (let i = 2; i < s.args.length; i += 2) {
        const k = s.args[i].text;
        if (k === 'id') d.syncId = intArg(ctx, s, 0, 255, i + 1);
        else if (k === 'maxlen') d.maxlen = intArg(ctx, s, 1, 65535 - 20 - 8, i + 1);
        else if (k === 'port') d.port = intArg(ctx, s, 1, 65535, i + 1);
        else if (k === 'ttl') d.ttl = intArg(ctx, s, 1, 255, i + 1);
        else if (k === 'group') d.group = stringArg(ctx, s, i + 1);
        else
          ctx.error(
            s.args[i].pos,
            'invalid-value',
            `Unknown option ${k} specified for lvs_sync_daemon`,
          );
      }
      g.lvsSyncDaemon = d;
    }),
  ],
  ['notify_fifo', fifo('notifyFifo')],
  ['notify_fifo_script', fifoScript('notifyFifo')],
  ['vrrp_notify_fifo', fifo('vrrpNotifyFifo')],
  ['vrrp_notify_fifo_script', fifoScript('vrrpNotifyFifo')],
  ['lvs_notify_fifo', fifo('lvsNotifyFifo')],
  ['lvs_notify_fifo_script', fifoScript('lvsNotifyFifo')],
  ['checker_log_all_failures', flag('checkerLogAllFailures')],
  [
    'startup_script',
    line<G>((s, g, ctx) => {
      g.startupScript = buildScript(ctx, s);
    }),
  ],
  [
    'shutdown_script',
    line<G>((s, g, ctx) => {
      g.shutdownScript = buildScript(ctx, s);
    }),
  ],
  ['reload_check_config', line<G>((_s, g) => void (g.reloadCheckConfig = true))],
  ['state_dump_file', text('stateDumpFile')],
  ['stats_dump_file', text('statsDumpFile')],
  ['json_dump_file', text('jsonDumpFile')],
  [
    'max_auto_priority',
    line<G>((s, g, ctx) => {
      // Without a value: the highest realtime priority (sched_get_priority_max(SCHED_RR)).
      const v = s.args.length === 0 ? MAX_RT_PRIORITY : intArg(ctx, s, -1, MAX_RT_PRIORITY);
      if (v !== undefined) g.maxAutoPriority = v;
    }),
  ],
  ['min_auto_priority_delay', count('minAutoPriorityDelay', 1, 10_000_000)],
  ['vrrp_rt_priority', realtimePriority('vrrpRtPriority', 'vrrp')],
  ['checker_rt_priority', realtimePriority('checkerRtPriority', 'checker')],
  ['vrrp_rlimit_rttime', realtimeLimit('vrrpRlimitRttime', 'vrrp')],
  ['checker_rlimit_rttime', realtimeLimit('checkerRlimitRttime', 'checker')],
  // Nice values, as keepalived's get_priority() reads them.
  ['vrrp_priority', count('vrrpPriority', -20, 19)],
  ['checker_priority', count('checkerPriority', -20, 19)],
  ...RECORDED_ONLY.map((k): [string, ReturnType<typeof line<G>>] => [
    k,
    recorded<G>((g) => g.unmodelled),
  ]),
]);

// Old spellings (keepalived.md §2.10).
GLOBAL_KEYWORDS.set('lvs_flush_onstop', GLOBAL_KEYWORDS.get('lvs_flush_on_stop')!);
GLOBAL_KEYWORDS.set('enable_snmp_keepalived', GLOBAL_KEYWORDS.get('enable_snmp_vrrp')!);
GLOBAL_KEYWORDS.set(
  'vrrp_vmac_garp_intvl',
  deprecated('vrrp_garp_extra_if', GLOBAL_KEYWORDS.get('vrrp_garp_extra_if')!),
);
GLOBAL_KEYWORDS.set(
  'lvs_process_name',
  deprecated('checker_process_name', GLOBAL_KEYWORDS.get('checker_process_name')!),
);
for (const p of ['vrrp', 'checker', 'bfd']) {
  GLOBAL_KEYWORDS.set(
    `${p}_rlimit_rtime`,
    deprecated(`${p}_rlimit_rttime`, GLOBAL_KEYWORDS.get(`${p}_rlimit_rttime`)!),
  );
}

registerBlock('global_defs', GLOBAL_KEYWORDS.keys());

export function buildGlobalDefs(ctx: BuildContext, s: Statement, g: GlobalDefs): void {
  g.pos ??= s.pos;
  applyBlock(ctx, s.block?.statements ?? [], GLOBAL_KEYWORDS, g);
}
