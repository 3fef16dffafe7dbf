// The VRRP state machine of one virtual router as a pure step function:
//   step(config, state, event, now) -> { state, actions }
// RFC 5798 §6.4 (Initialize / Backup / Master) plus keepalived's rules: FAULT, preempt_delay,
// nopreempt, priority 0 on shutdown, GARP repeat/refresh, v2 interval check, lower-priority
// re-advertisement. Times are milliseconds on a clock the caller injects (monotonic in the shell,
// scripted in tests). The machine never touches a socket or a timer: it returns what to do, and
// the shell (instance.ts) does it. Timers are deadlines held in the state; a timer event whose
// deadline is not set, or not yet reached, is stale and does nothing.
import { compareAddresses } from './address.js';
import { VRRP_PRIO_OWNER, VRRP_PRIO_STOP, type VrrpVersion } from './packet.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
export type TimerName = 'masterDown' | 'advert' | 'preempt' | 'garpRepeat' | 'garpRefresh';

/** The per-instance settings the machine depends on (mapped from the config by from-config.ts). */
export interface FsmConfig {
  version: VrrpVersion;
  /** Configured priority 1..255; 255 = address owner. Trackers change the effective priority. */
  priority: number;
  /** Our Advertisement_Interval in centiseconds (v2: a multiple of 100). */
  advertIntCs: number;
  /** The address our adverts come from: the equal-priority tie-break compares it. */
  primaryAddress: string;
  /** keepalived's `state`: only an owner with MASTER starts as master at once. */
  initialState: 'MASTER' | 'BACKUP';
  preempt: boolean;
  preemptDelayMs: number;
  /** keepalived's down_timer_adverts: Master_Down_Interval = this × interval + skew (RFC: 3). */
  downTimerAdverts: number;
  /** Accept_Mode: a non-owner master accepts packets sent to the VIPs. */
  accept: boolean;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpMasterRefreshMs: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioRepeat: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
}

export interface FsmState {
  state: VrrpState;
  effectivePriority: number;
  /** Master_Adver_Interval in centiseconds: ours, or (v3) the one the master advertises. */
  masterAdverIntCs: number;
  /** Sorted set of active fault sources; FAULT while non-empty. */
  faults: string[];
  /** Deadlines of the armed timers. */
  timers: Partial<Record<TimerName, number>>;
}

/** Prefix of fault sources a sync group imposes (see sync-group.ts). */
export const SYNC_FAULT_PREFIX = 'sync-group:';
/** Fault source of the instance's own interface going down. */
export const INTERFACE_FAULT = 'interface';

export type FsmEvent =
  | { type: 'startup' }
  | { type: 'shutdown' }
  | { type: 'advert'; priority: number; source: string; intervalCs: number }
  | { type: 'timer'; timer: TimerName }
  /** The effective priority computed by the trackers (track.ts). */
  | { type: 'priority'; priority: number }
  | { type: 'interface'; up: boolean }
  | { type: 'fault'; source: string }
  | { type: 'unfault'; source: string }
  /** A sync-group peer changed state; follow it. */
  | { type: 'sync'; to: 'MASTER' | 'BACKUP'; reason: string };

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';
export type GarpReason = 'takeover' | 'repeat' | 'refresh' | 'lower-priority';

export type FsmAction =
  | { type: 'transition'; from: VrrpState; to: VrrpState; reason: string }
  | { type: 'sendAdvert'; priority: number }
  | { type: 'addVips'; accept: boolean }
  | { type: 'delVips' }
  | { type: 'garp'; reason: GarpReason; count: number }
  | { type: 'setTimer'; timer: TimerName; at: number }
  | { type: 'cancelTimer'; timer: TimerName }
  | { type: 'notify'; state: NotifyState; priority: number }
  /**
   * An advert that was valid on the wire but that the rules ignore: `interval` (v2 mismatch,
   * counted as a dropped packet), `priority` (lower priority, or equal from a lower address) or
   * `state` (not BACKUP or MASTER).
   */
  | { type: 'discard'; kind: DiscardKind; reason: string };

export type DiscardKind = 'interval' | 'priority' | 'state';

export interface StepResult {
  state: FsmState;
  actions: FsmAction[];
}

export function initialState(cfg: FsmConfig): FsmState {
  return {
    state: 'INIT',
    effectivePriority: cfg.priority,
    masterAdverIntCs: cfg.advertIntCs,
    faults: [],
    timers: {},
  };
}

/** Skew_Time in ms: v3 scales the master's interval, v2 (and keepalived's v2) uses 1 s. */
export function skewTimeMs(
  version: VrrpVersion,
  priority: number,
  masterAdverIntCs: number,
): number {
  const intervalMs = version === 3 ? masterAdverIntCs * 10 : 1000;
  return ((256 - priority) * intervalMs) / 256;
}

/** Master_Down_Interval in ms. */
export function masterDownIntervalMs(cfg: FsmConfig, st: FsmState): number {
  return (
    cfg.downTimerAdverts * st.masterAdverIntCs * 10 +
    skewTimeMs(cfg.version, st.effectivePriority, st.masterAdverIntCs)
  );
}

/** Mutable working copy for one step; every helper appends the actions it implies. */
class Step {
  readonly st: FsmState;
  readonly actions: FsmAction[] = [];
  constructor(
    readonly cfg: FsmConfig,
    prev: FsmState,
    readonly now: number,
  ) {
    this.st = { ...prev, faults: [...prev.faults], timers: { ...prev.timers } };
  }

  set(timer: TimerName, afterMs: number): void {
    const at = this.now + afterMs;
    this.st.timers[timer] = at;
    this.actions.push({ type: 'setTimer', timer, at });
  }

  cancel(...timers: TimerName[]): void {
    for (const timer of timers) {
      if (this.st.timers[timer] === undefined) continue;
      delete this.st.timers[timer];
      this.actions.push({ type: 'cancelTimer', timer });
    }
  }

  transition(to: VrrpState, reason: string): void {
    this.actions.push({ type: 'transition', from: this.st.state, to, reason });
    this.st.state = to;
  }

  notify(state: NotifyState): void {
    this.actions.push({ type: 'notify', state, priority: this.st.effectivePriority });
  }

  advert(priority = this.st.effectivePriority): void {
    this.actions.push({ type: 'sendAdvert', priority });
  }

  garp(reason: GarpReason, count: number): void {
    if (count > 0) this.actions.push({ type: 'garp', reason, count });
  }

  armMasterDown(): void {
    this.set('masterDown', masterDownIntervalMs(this.cfg, this.st));
  }

  isOwnerMaster(): boolean {
    return this.st.effectivePriority === VRRP_PRIO_OWNER && this.cfg.initialState === 'MASTER';
  }

  /** keepalived's become_master order: advert first (the old master yields), VIPs, GARPs, notify. */
  becomeMaster(reason: string): void {
    this.cancel('masterDown', 'preempt');
    this.transition('MASTER', reason);
    this.advert();
    this.actions.push({
      type: 'addVips',
      accept: this.cfg.accept || this.st.effectivePriority === VRRP_PRIO_OWNER,
    });
    this.garp('takeover', this.cfg.garpMasterRepeat);
    if (this.cfg.garpMasterDelayMs > 0 && this.cfg.garpMasterRepeat > 0) {
      this.set('garpRepeat', this.cfg.garpMasterDelayMs);
    }
    if (this.cfg.garpMasterRefreshMs > 0) this.set('garpRefresh', this.cfg.garpMasterRefreshMs);
    this.set('advert', this.cfg.advertIntCs * 10);
    this.notify('MASTER');
  }

  /** Stop acting as master: timers off, VIPs away (after a priority-0 advert when `resign`). */
  leaveMaster(resign: boolean): void {
    this.cancel('advert', 'garpRepeat', 'garpRefresh');
    if (resign) this.advert(VRRP_PRIO_STOP);
    this.actions.push({ type: 'delVips' });
  }

  enterBackup(reason: string): void {
    this.transition('BACKUP', reason);
    this.armMasterDown();
    this.notify('BACKUP');
  }

  /** Where an instance goes when it (re)starts or its last fault clears. */
  enterRunning(reason: string): void {
    if (this.isOwnerMaster()) {
      this.becomeMaster(`${reason}, address owner`);
    } else {
      this.st.masterAdverIntCs = this.cfg.advertIntCs;
      this.enterBackup(reason);
    }
  }

  enterFault(reason: string): void {
    if (this.st.state === 'MASTER') this.leaveMaster(true);
    this.cancel('masterDown', 'preempt');
    this.transition('FAULT', reason);
    this.notify('FAULT');
  }

  addFault(source: string): void {
    if (this.st.faults.includes(source)) return;
    this.st.faults = [...this.st.faults, source].sort();
    if (this.st.faults.length === 1 && (this.st.state === 'MASTER' || this.st.state === 'BACKUP')) {
      this.enterFault(`fault: ${source}`);
    }
  }

  clearFault(source: string): void {
    if (!this.st.faults.includes(source)) return;
    this.st.faults = this.st.faults.filter((f) => f !== source);
    if (this.st.faults.length === 0 && this.st.state === 'FAULT') {
      this.enterRunning(`fault cleared: ${source}`);
    }
  }
}

/** Advance the machine by one event at time `now`. Never throws, never mutates `prev`. */
export function step(cfg: FsmConfig, prev: FsmState, ev: FsmEvent, now: number): StepResult {
  const s = new Step(cfg, prev, now);
  const st = s.st;
  switch (ev.type) {
    case 'startup':
      if (st.state !== 'INIT') break;
      if (st.faults.length > 0) {
        s.actions.push({ type: 'delVips' });
        s.transition('FAULT', `startup with fault: ${st.faults.join(', ')}`);
        s.notify('FAULT');
      } else if (s.isOwnerMaster()) {
        s.becomeMaster('startup, address owner');
      } else {
        // keepalived removes any of its VIPs left behind (by a crash) when it starts as backup.
        s.actions.push({ type: 'delVips' });
        s.enterRunning('startup');
      }
      break;
    case 'shutdown':
      if (st.state === 'STOP') break;
      if (st.state === 'MASTER') s.leaveMaster(true);
      s.cancel('masterDown', 'preempt');
      {
        const started = st.state !== 'INIT';
        s.transition('STOP', 'shutdown');
        if (started) s.notify('STOP');
      }
      break;
    case 'advert':
      onAdvert(s, ev);
      break;
    case 'timer':
      onTimer(s, ev.timer);
      break;
    case 'priority':
      // 255 is never changed by trackers (track.ts guarantees it); the next advert carries the
      // new value and a backup's master-down interval uses it from its next re-arm.
      st.effectivePriority = ev.priority;
      break;
    case 'interface':
      if (ev.up) s.clearFault(INTERFACE_FAULT);
      else s.addFault(INTERFACE_FAULT);
      break;
    case 'fault':
      s.addFault(ev.source);
      break;
    case 'unfault':
      s.clearFault(ev.source);
      break;
    case 'sync':
      if (ev.to === 'MASTER' && st.state === 'BACKUP') {
        s.becomeMaster(ev.reason);
      } else if (ev.to === 'BACKUP' && st.state === 'MASTER') {
        s.leaveMaster(false);
        s.enterBackup(ev.reason);
      }
      break;
  }
  return { state: st, actions: s.actions };
}

function onAdvert(s: Step, ev: { priority: number; source: string; intervalCs: number }): void {
  const { cfg, st } = s;
  if (st.state !== 'MASTER' && st.state !== 'BACKUP') {
    s.actions.push({ type: 'discard', kind: 'state', reason: `advert in ${st.state}` });
    return;
  }
  // RFC 3768 §7.1: a v2 router must discard an advert whose interval differs from its own.
  if (cfg.version === 2 && ev.intervalCs !== cfg.advertIntCs) {
    s.actions.push({
      type: 'discard',
      kind: 'interval',
      reason: `interval mismatch: ours ${cfg.advertIntCs / 100}s, received ${ev.intervalCs / 100}s`,
    });
    return;
  }
  const ours = st.effectivePriority;
  if (st.state === 'BACKUP') {
    if (ev.priority === VRRP_PRIO_STOP) {
      s.cancel('preempt');
      s.set('masterDown', skewTimeMs(cfg.version, ours, st.masterAdverIntCs));
      return;
    }
    const lower = ev.priority < ours;
    if (!lower || !cfg.preempt) {
      s.cancel('preempt');
      if (cfg.version === 3) st.masterAdverIntCs = ev.intervalCs;
      s.armMasterDown();
      return;
    }
    if (cfg.preemptDelayMs > 0) {
      // Keep following the lower-priority master until preempt_delay has passed.
      if (st.timers.preempt === undefined) s.set('preempt', cfg.preemptDelayMs);
      s.armMasterDown();
      return;
    }
    // Discarded: the master-down timer keeps running and this backup preempts when it expires.
    s.actions.push({
      type: 'discard',
      kind: 'priority',
      reason: `lower priority ${ev.priority}, ours ${ours}`,
    });
    return;
  }
  // MASTER
  if (ev.priority === VRRP_PRIO_STOP) {
    s.advert();
    s.set('advert', cfg.advertIntCs * 10);
    return;
  }
  const equal = ev.priority === ours;
  const sourceHigher = compareAddresses(ev.source, cfg.primaryAddress) > 0;
  if (ev.priority > ours || (equal && sourceHigher)) {
    if (cfg.higherPrioSendAdvert) s.advert();
    s.leaveMaster(false);
    if (cfg.version === 3) st.masterAdverIntCs = ev.intervalCs;
    s.enterBackup(
      equal
        ? `equal priority ${ours} from higher address ${ev.source}`
        : `higher priority ${ev.priority} from ${ev.source}, ours ${ours}`,
    );
    return;
  }
  // Another master with a lower priority exists (split brain healing): assert ourselves again.
  s.actions.push({
    type: 'discard',
    kind: 'priority',
    reason: equal
      ? `equal priority ${ours} from lower address ${ev.source}`
      : `lower priority ${ev.priority}, ours ${ours}`,
  });
  if (!cfg.lowerPrioNoAdvert) s.advert();
  s.garp('lower-priority', cfg.garpLowerPrioRepeat);
}

function onTimer(s: Step, timer: TimerName): void {
  const { cfg, st } = s;
  const due = st.timers[timer];
  if (due === undefined || s.now < due) return; // stale: cancelled or re-armed since
  delete st.timers[timer];
  switch (timer) {
    case 'masterDown':
      if (st.state === 'BACKUP') s.becomeMaster('master-down timer expired');
      break;
    case 'preempt':
      if (st.state === 'BACKUP') s.becomeMaster('preempt delay expired');
      break;
    case 'advert':
      if (st.state !== 'MASTER') break;
      s.advert();
      s.set('advert', cfg.advertIntCs * 10);
      break;
    case 'garpRepeat':
      if (st.state === 'MASTER') s.garp('repeat', cfg.garpMasterRepeat);
      break;
    case 'garpRefresh':
      if (st.state !== 'MASTER') break;
      s.garp('refresh', cfg.garpMasterRefreshRepeat);
      s.set('garpRefresh', cfg.garpMasterRefreshMs);
      break;
  }
}
