// keepalived's per-checker loop and the real-server verdict it feeds (keepalived.md §3.9;
// tcp_epilog in check_tcp.c, update_svr_checker_state and set_checker_state in ipwrapper.c).
// Pure: the caller owns time and I/O, this only says what a result means and when to look next.

import type { CheckerTimingMs, WeightAdjust } from './plan.js';

/** linux/ip_vs.h allows destination weights 0..INT32_MAX; keepalived's IPVS_WEIGHT_MAX. */
export const IPVS_WEIGHT_MAX = 2147483647;

export interface CheckerState {
  /** keepalived's is_up: this checker currently passes. */
  up: boolean;
  /** At least one verdict was reached (keepalived's has_run). */
  hasRun: boolean;
  /** Failures seen since the last verdict while up (keepalived's retry_it). */
  retryIt: number;
  /** This checker's contribution to its real server's weight (keepalived's cur_weight). */
  weightOffset: number;
}

/**
 * At start a checker without alpha is up, but its retry counter is already exhausted so its first
 * failure takes it down at once; with alpha it starts down and needs one success.
 */
export function initialCheckerState(timing: CheckerTimingMs): CheckerState {
  return { up: !timing.alpha, hasRun: false, retryIt: timing.retry, weightOffset: 0 };
}

export interface CheckerStep {
  state: CheckerState;
  /** When to run the checker next, from the end of this run. */
  delayMs: number;
  /** The checker's verdict changed. */
  transition?: 'up' | 'down';
  /**
   * The first run confirmed an alpha checker's initial "down": keepalived runs the real server's
   * notify_down then, although nothing changed.
   */
  confirmedDown: boolean;
}

/** One probe result through keepalived's retry loop; `configuredWeight` is the RS's iweight. */
export function stepChecker(
  state: CheckerState,
  timing: CheckerTimingMs,
  ok: boolean,
  weight: WeightAdjust | undefined,
  configuredWeight: number,
): CheckerStep {
  let { up, retryIt, weightOffset } = state;
  let delayMs = timing.delayLoopMs;
  let transition: CheckerStep['transition'];
  let confirmedDown = false;

  if (ok) {
    // misc_dynamic and FILE_CHECK move the weight on every success, not only on transitions.
    if (weight)
      weightOffset = weight.kind === 'set' ? weight.weight - configuredWeight : weight.offset;
  }
  if (ok || ((up || !state.hasRun) && retryIt >= timing.retry)) {
    retryIt = 0;
    if (ok && !up) {
      up = true;
      transition = 'up';
    } else if (!ok && (up || !state.hasRun)) {
      if (up) transition = 'down';
      else confirmedDown = true;
      up = false;
      weightOffset = 0;
    }
  } else if (up) {
    delayMs = timing.delayBeforeRetryMs;
    retryIt += 1;
  }
  return { state: { up, hasRun: true, retryIt, weightOffset }, delayMs, transition, confirmedDown };
}

/** keepalived's real_weight(): the IPVS weight an effective weight stands for. */
export function ipvsWeight(effectiveWeight: number): number {
  return Math.min(Math.max(effectiveWeight, 0), IPVS_WEIGHT_MAX);
}

export interface RealServerState {
  /** Every checker passes (keepalived's num_failed_checkers == 0). */
  alive: boolean;
  /** Configured weight plus the checkers' dynamic offsets, clamped to IPVS's range. */
  weight: number;
}

export function realServerState(
  configuredWeight: number,
  checkers: readonly CheckerState[],
): RealServerState {
  let offset = 0;
  let alive = true;
  for (const c of checkers) {
    offset += c.weightOffset;
    if (!c.up) alive = false;
  }
  return { alive, weight: ipvsWeight(configuredWeight + offset) };
}

/**
 * The weight a real server should have in the IPVS table, or undefined when it should be absent:
 * alive → its weight; down with inhibit_on_failure → kept with weight 0; otherwise removed.
 */
export function tableWeight(rs: RealServerState, inhibitOnFailure: boolean): number | undefined {
  if (rs.alive) return rs.weight;
  return inhibitOnFailure ? 0 : undefined;
}
