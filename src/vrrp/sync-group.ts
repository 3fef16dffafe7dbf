// vrrp_sync_group: member instances move together (keepalived.md §2.4, §3.6).
// Pure rules; the runtime feeds the returned events to the members' state machines.
//  - If any member has a fault of its own, every other member is held in FAULT too.
//  - A member that becomes MASTER or falls back from MASTER to BACKUP on its own (timer, advert)
//    pulls the others along; transitions caused by the group itself do not propagate again.
import { SYNC_FAULT_PREFIX, type FsmEvent, type FsmState, type StepResult } from './fsm.js';

export interface SyncMember {
  name: string;
  state: FsmState;
}

export interface SyncDirective {
  instance: string;
  event: FsmEvent;
}

export function syncFaultSource(group: string): string {
  return `${SYNC_FAULT_PREFIX}${group}`;
}

/** Faults not imposed by a sync group. */
export function ownFaults(state: FsmState): string[] {
  return state.faults.filter((f) => !f.startsWith(SYNC_FAULT_PREFIX));
}

/**
 * The events that bring every member's group fault in line with the others' own faults.
 * Returns only changes (fault/unfault events the members do not already reflect).
 */
export function syncFaults(group: string, members: readonly SyncMember[]): SyncDirective[] {
  const source = syncFaultSource(group);
  const out: SyncDirective[] = [];
  for (const m of members) {
    const othersFaulty = members.some((o) => o.name !== m.name && ownFaults(o.state).length > 0);
    const held = m.state.faults.includes(source);
    if (othersFaulty && !held) out.push({ instance: m.name, event: { type: 'fault', source } });
    if (!othersFaulty && held) out.push({ instance: m.name, event: { type: 'unfault', source } });
  }
  return out;
}

/** After `origin` stepped on a non-group event, the events that move the other members along. */
export function syncTransitions(
  group: string,
  origin: string,
  members: readonly SyncMember[],
  result: StepResult,
): SyncDirective[] {
  const change = result.actions.find((a) => a.type === 'transition');
  if (!change || change.type !== 'transition') return [];
  let to: 'MASTER' | 'BACKUP';
  if (change.to === 'MASTER') to = 'MASTER';
  else if (change.to === 'BACKUP' && change.from === 'MASTER') to = 'BACKUP';
  else return [];
  const reason = `sync group ${group}: ${origin} became ${to}`;
  return members
    .filter((m) => m.name !== origin)
    .map((m) => ({ instance: m.name, event: { type: 'sync', to, reason } }));
}
