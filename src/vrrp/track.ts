// Tracked objects and the effective priority (keepalived.md §3.6):
//   effective = base + Σ weights of the trackers currently applying a weight, clamped to 1..254;
//   255 (address owner) is never changed; a failing weight-0 tracker puts the instance in FAULT.
// Plus the pure rise/fall logic of a vrrp_script; script-runner.ts runs the script itself.
import { VRRP_PRIO_OWNER } from './packet.js';

export const VRRP_PRIO_MIN_EFFECTIVE = 1;
export const VRRP_PRIO_MAX_EFFECTIVE = 254;

export interface TrackerStatus {
  /** A name unique per instance, e.g. "script:chk_nginx" or "interface:eth1" (the fault source). */
  name: string;
  up: boolean;
  /** -253..253 (track_process: -254..254); 0 means "FAULT when failing". */
  weight: number;
  /** keepalived's `reverse`: the tracker counts as failing while it is up, and vice versa. */
  reverse: boolean;
}

export interface TrackedPriority {
  priority: number;
  /** Names of weight-0 trackers that are failing: each one is a fault source. */
  faults: string[];
}

/**
 * A positive weight is added while the tracker is up, a negative one while it is down (the
 * keepalived convention: `weight -20` on a health script lowers the priority when it fails).
 */
export function trackedPriority(base: number, trackers: readonly TrackerStatus[]): TrackedPriority {
  let sum = 0;
  const faults: string[] = [];
  for (const t of trackers) {
    const up = t.up !== t.reverse;
    if (t.weight === 0) {
      if (!up) faults.push(t.name);
    } else if (t.weight > 0 ? up : !up) {
      sum += t.weight;
    }
  }
  if (base === VRRP_PRIO_OWNER) return { priority: base, faults };
  const priority = Math.min(VRRP_PRIO_MAX_EFFECTIVE, Math.max(VRRP_PRIO_MIN_EFFECTIVE, base + sum));
  return { priority, faults };
}

export interface ScriptPolicy {
  /** Consecutive successes that turn a failed script OK. */
  rise: number;
  /** Consecutive failures that turn an OK script failed. */
  fall: number;
  /** keepalived's init_fail: start failed instead of OK. */
  initFail: boolean;
}

export interface ScriptState {
  up: boolean;
  /** Length of the current run of equal results that has not changed `up` yet. */
  streak: number;
}

export function initialScriptState(p: ScriptPolicy): ScriptState {
  return { up: !p.initFail, streak: 0 };
}

/** Fold one run's outcome (a timeout is a failure) into the state; `changed` when `up` flipped. */
export function scriptOutcome(
  p: ScriptPolicy,
  prev: ScriptState,
  ok: boolean,
): { state: ScriptState; changed: boolean } {
  if (ok === prev.up) return { state: { up: prev.up, streak: 0 }, changed: false };
  const streak = prev.streak + 1;
  if (streak >= (ok ? p.rise : p.fall)) return { state: { up: ok, streak: 0 }, changed: true };
  return { state: { up: prev.up, streak }, changed: false };
}
