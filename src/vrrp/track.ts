// Tracked objects and the effective priority (keepalived.md §3.6), as keepalived 2.2.7 computes
// them (vrrp_track.c, trackers/track_file.c):
//   effective = base + Σ contributions of the trackers, clamped to 1..254;
//   255 (address owner) is never changed; a failing weight-0 tracker puts the instance in FAULT.
// A binary tracker (script, interface, process) contributes weight × multiplier (multiplier -1
// with `reverse`) while up for a positive weight, while down for a negative one. A track_file
// contributes its value × weight × multiplier, each clamped to -254..253, -254 being FAULT.
// A vrrp_script that has not reported yet has no effect either way. Plus the pure rise/fall
// logic of a vrrp_script; script-runner.ts runs the script itself.
import { VRRP_PRIO_OWNER } from './packet.js';

export const VRRP_PRIO_MIN_EFFECTIVE = 1;
export const VRRP_PRIO_MAX_EFFECTIVE = 254;
/** A track_file status at or below this is FAULT (keepalived's -254). */
export const TRACK_FILE_STATUS_FAULT = -254;
/** The largest contribution one track_file makes. */
export const TRACK_FILE_STATUS_MAX = 253;

export interface TrackerStatus {
  /** A name unique per instance, e.g. "script:chk_nginx" or "interface:eth1" (the fault source). */
  name: string;
  /** undefined: a vrrp_script that has not reported yet, which has no effect (keepalived). */
  up: boolean | undefined;
  /** -253..253 (track_process: -254..254); 0 means "FAULT when failing". */
  weight: number;
  /** keepalived's `reverse` (weight multiplier -1); with weight 0: FAULT while up. */
  reverse: boolean;
}

/** A track_file as an instance tracks it: the number last read from the file. */
export interface FileTrackerStatus {
  /** e.g. "file:tf1" (the fault source). */
  name: string;
  value: number;
  /** -254..254; 0 means "FAULT while the value is non-zero" (zero with `reverse`). */
  weight: number;
  reverse: boolean;
}

export interface TrackedPriority {
  priority: number;
  /** Names of trackers that put the instance in FAULT: each one is a fault source. */
  faults: string[];
  /**
   * Weight-0 trackers with no state yet (a vrrp_script before its first result): keepalived
   * keeps the instance, and its sync group, in INIT until they report.
   */
  pending: string[];
}

/** What one binary tracker does to its instance: FAULT, or a priority contribution. */
function binaryEffect(t: TrackerStatus): { fault: boolean; delta: number } {
  if (t.up === undefined) return { fault: false, delta: 0 };
  if (t.weight === 0) return { fault: t.up === t.reverse, delta: 0 };
  const applies = t.weight > 0 ? t.up : !t.up;
  return { fault: false, delta: applies ? t.weight * (t.reverse ? -1 : 1) : 0 };
}

/** What one track_file does to its instance (track_file.c update_track_file_status). */
export function fileEffect(f: FileTrackerStatus): { fault: boolean; delta: number } {
  if (f.weight === 0) return { fault: (f.value !== 0) !== f.reverse, delta: 0 };
  const status = Math.min(
    TRACK_FILE_STATUS_MAX,
    Math.max(TRACK_FILE_STATUS_FAULT, f.value * f.weight * (f.reverse ? -1 : 1)),
  );
  if (status === TRACK_FILE_STATUS_FAULT) return { fault: true, delta: 0 };
  return { fault: false, delta: status };
}

export function trackedPriority(
  base: number,
  trackers: readonly TrackerStatus[],
  files: readonly FileTrackerStatus[] = [],
): TrackedPriority {
  let sum = 0;
  const faults: string[] = [];
  const pending = trackers.filter((t) => t.weight === 0 && t.up === undefined).map((t) => t.name);
  const effects = [
    ...trackers.map((t) => ({ name: t.name, ...binaryEffect(t) })),
    ...files.map((f) => ({ name: f.name, ...fileEffect(f) })),
  ];
  for (const e of effects) {
    if (e.fault) faults.push(e.name);
    sum += e.delta;
  }
  if (base === VRRP_PRIO_OWNER) return { priority: base, faults, pending };
  const priority = Math.min(VRRP_PRIO_MAX_EFFECTIVE, Math.max(VRRP_PRIO_MIN_EFFECTIVE, base + sum));
  return { priority, faults, pending };
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
  /** undefined until the first run ends (keepalived's SCRIPT_INIT_STATE_INIT). */
  up: boolean | undefined;
  /** Length of the current run of equal results that has not changed `up` yet. */
  streak: number;
}

/**
 * keepalived's start: a script has no state until its first run ends, and that first result
 * counts at once whatever rise and fall say; with init_fail it starts failed and needs `rise`
 * successes like any failed script (vrrp_scheduler.c vrrp_init_script / vrrp_script_child_thread).
 */
export function initialScriptState(p: ScriptPolicy): ScriptState {
  return { up: p.initFail ? false : undefined, streak: 0 };
}

/** Fold one run's outcome (a timeout is a failure) into the state; `changed` when `up` flipped. */
export function scriptOutcome(
  p: ScriptPolicy,
  prev: ScriptState,
  ok: boolean,
): { state: ScriptState & { up: boolean }; changed: boolean } {
  if (prev.up === undefined) return { state: { up: ok, streak: 0 }, changed: true };
  if (ok === prev.up) return { state: { up: prev.up, streak: 0 }, changed: false };
  const streak = prev.streak + 1;
  if (streak >= (ok ? p.rise : p.fall)) return { state: { up: ok, streak: 0 }, changed: true };
  return { state: { up: prev.up, streak }, changed: false };
}

/** keepalived reads at most this many bytes of a track file (a 128-byte buffer, NUL-terminated). */
export const TRACK_FILE_READ_MAX = 127;
const INT32_MIN = -0x80000000;
/** keepalived accepts one past INT32_MAX (its range check is `> INT32_MAX + 1`). */
const TRACK_FILE_VALUE_MAX = 0x80000000;

/**
 * The number a track file holds, read as keepalived reads it: C strtol(buf, NULL, 0) on the first
 * 127 bytes (leading white space, a sign, 0x hex, 0 octal, trailing text ignored, no digits = 0).
 * Undefined for a number out of range: keepalived logs it and keeps the previous value.
 */
export function parseTrackFileValue(text: string): number | undefined {
  const s = text.slice(0, TRACK_FILE_READ_MAX);
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  let sign = 1;
  if (s[i] === '+' || s[i] === '-') {
    if (s[i] === '-') sign = -1;
    i++;
  }
  let radix = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-f]/i.test(s[i + 2] ?? '')) {
    radix = 16;
    i += 2;
  } else if (s[i] === '0') {
    radix = 8;
  }
  let magnitude = 0;
  for (; i < s.length; i++) {
    const digit = parseInt(s[i], radix);
    if (Number.isNaN(digit)) break;
    magnitude = magnitude * radix + digit;
    // Past the accepted range already; stop before the sum loses precision.
    if (magnitude > TRACK_FILE_VALUE_MAX - INT32_MIN) return undefined;
  }
  const value = sign * magnitude;
  if (value < INT32_MIN || value > TRACK_FILE_VALUE_MAX) return undefined;
  return value === 0 ? 0 : value;
}
