// A failover as the wire shows it: the old MASTER's last advert, then the new MASTER's first.
// The gap between them is what the VRRP bounds speak of: the skew time after a priority-0 advert
// (the old MASTER stopped cleanly), the master-down interval after a last ordinary advert (it
// died). Timing it from a capture leaves out the benchmark's own polling and process start-up,
// so the figure can be held against the bound to the millisecond. Pure: it takes the adverts.
import type { WireAdvert } from './advert-timing.js';

export interface WireFailover {
  /** The old MASTER's last advert before the takeover, µs since the epoch, and its priority. */
  lastOldUs: number;
  lastOldPriority: number;
  /** The new MASTER's first advert after `afterUs`, µs since the epoch. */
  firstNewUs: number;
  /** firstNewUs - lastOldUs, ms. */
  gapMs: number;
}

export interface FailoverRoles {
  vrid: number;
  oldMaster: string;
  newMaster: string;
  /** Only adverts of the new MASTER after this time (µs since the epoch) count as its takeover. */
  afterUs: number;
}

/** The takeover in `adverts` (capture order), or undefined if the capture does not hold one. */
export function wireFailover(
  adverts: readonly WireAdvert[],
  roles: FailoverRoles,
): WireFailover | undefined {
  const ofVrid = adverts.filter((a) => a.vrid === roles.vrid);
  const first = ofVrid.find((a) => a.source === roles.newMaster && a.timeUs > roles.afterUs);
  if (!first) return undefined;
  const last = ofVrid
    .filter((a) => a.source === roles.oldMaster && a.timeUs <= first.timeUs)
    .at(-1);
  if (!last) return undefined;
  return {
    lastOldUs: last.timeUs,
    lastOldPriority: last.priority,
    firstNewUs: first.timeUs,
    gapMs: (first.timeUs - last.timeUs) / 1000,
  };
}
