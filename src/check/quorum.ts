// Quorum of a virtual server and its sorry server (keepalived.md §3.9; weigh_live_realservers,
// set_quorum_states and update_quorum_state in ipwrapper.c). Pure.

import type { RealServerState } from './verdict.js';

/** Sum of the weights of the live real servers. */
export function liveWeight(realServers: Iterable<RealServerState>): number {
  let sum = 0;
  for (const rs of realServers) if (rs.alive) sum += rs.weight;
  return sum;
}

export interface QuorumSettings {
  quorum: number;
  hysteresis: number;
}

/** At start the quorum is up when the live weight reaches quorum + hysteresis. */
export function initialQuorumUp(live: number, q: QuorumSettings): boolean {
  return live >= q.quorum + q.hysteresis;
}

/** The threshold the live weight is compared against in the current state. */
export function quorumThreshold(up: boolean, q: QuorumSettings): number {
  return up ? q.quorum - q.hysteresis : q.quorum + q.hysteresis;
}

/**
 * Gains the quorum at live ≥ quorum + hysteresis; loses it at live < quorum − hysteresis, or when
 * no weight is left at all (a pool of weight-0 servers serves nobody).
 */
export function nextQuorumUp(up: boolean, live: number, q: QuorumSettings): boolean {
  const threshold = quorumThreshold(up, q);
  if (!up) return live >= threshold;
  return !(live === 0 || live < threshold);
}

/** The sorry server is in the pool exactly while a configured one stands in for a lost quorum. */
export function sorryActive(quorumUp: boolean, hasSorryServer: boolean): boolean {
  return hasSorryServer && !quorumUp;
}
