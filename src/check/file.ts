// FILE_CHECK (check_file.c, track_file.c): the real server follows an integer in a tracked file.
// Without a weight (or weight 0) any non-zero value fails; with one, value × weight (negated by
// `reverse`) is added to the real server's weight, and a result at or below IPVS_WEIGHT_FAULT
// fails. A missing or empty file reads as 0; a number keepalived would reject (beyond the 32-bit
// range) leaves the previous verdict alone, which here means the check reports an error.

import { readFile } from 'node:fs/promises';
import { failed, passed } from './connect.js';
import type { FileProbe, ProbeResult } from './plan.js';
import { IPVS_WEIGHT_MAX } from './verdict.js';

/** keepalived's IPVS_WEIGHT_FAULT: a tracked value this low means the checker failed. */
export const IPVS_WEIGHT_FAULT = -IPVS_WEIGHT_MAX - 1;

/** strtol(buf, NULL, 0) on the file's text: decimal, 0x hex or 0 octal, leading junk → 0. */
export function parseTrackedValue(text: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (!m) return 0;
  const digits = m[2]!;
  const magnitude = /^0[xX]/.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits.startsWith('0')
      ? parseInt(digits, 8)
      : Number(digits);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** The verdict of a tracked value under `weight` / `reverse`. */
export function judgeTrackedValue(
  value: number,
  weight: number,
  reverse: boolean,
): { ok: boolean; offset: number } {
  if (weight === 0) {
    const failing = reverse ? value === 0 : value !== 0;
    return { ok: !failing, offset: 0 };
  }
  const status = Math.max(value * weight * (reverse ? -1 : 1), IPVS_WEIGHT_FAULT);
  if (status <= IPVS_WEIGHT_FAULT) return { ok: false, offset: 0 };
  return { ok: true, offset: Math.min(status, IPVS_WEIGHT_MAX) };
}

export async function runFileCheck(spec: FileProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  let text = '';
  try {
    text = await readFile(spec.path, 'latin1');
  } catch {
    // keepalived reads an unreadable file as 0.
  }
  const value = parseTrackedValue(text);
  if (value < IPVS_WEIGHT_FAULT || value > IPVS_WEIGHT_MAX + 1) {
    return failed(`invalid number ${value} in ${spec.path}`, startedAt);
  }
  const j = judgeTrackedValue(value, spec.weight, spec.reverse);
  if (!j.ok) return failed(`value ${value}`, startedAt);
  return { ...passed(`value ${value}`, startedAt), weight: { kind: 'add', offset: j.offset } };
}
