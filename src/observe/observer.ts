// The one reporting API of the daemon. The VRRP runtime and the IPVS reconciler call these methods
// to say what happened; each writes the documented event line (synchronously, before returning),
// updates the Prometheus metrics and the live status. Pure modules return actions, and the shell
// that carries an action out reports it here, so the log, /metrics and /status never disagree.
// Health checks are the exception: the checker worker logs its own events and counts its own runs,
// which /metrics and /status read from it (Metrics.setCheckSeries, StatusBoard.setCheckResults).
import { emit, type EventFields } from './events.js';
import type { Logger } from './log.js';
import type { Metrics, VrrpStateName } from './metrics.js';
import type { StatusBoard } from './status.js';

export class Observer {
  /** Drops not yet reported, by reason: reported in bulk by `flushDrops()`. */
  private readonly pendingDrops = new Map<
    string,
    { count: number; instance?: string; source?: string }
  >();

  /** Told when a VIP is added or removed (the checker side's ha_suspend follows them). */
  private readonly vipListeners: Array<(address: string, present: boolean) => void> = [];

  constructor(
    readonly log: Logger,
    readonly metrics: Metrics,
    readonly status: StatusBoard,
  ) {}

  // ------------------------------------------------------------------------------ VRRP

  vrrpState(
    instance: string,
    from: VrrpStateName,
    to: VrrpStateName,
    reason: string,
    priority: number,
  ): void {
    emit(this.log, 'vrrp.state', { instance, from, to, reason, priority }, `${instance} is ${to}`);
    this.metrics.vrrpTransition(instance, from, to, priority);
    this.status.instanceState(instance, to, priority);
  }

  vrrpPriority(instance: string, from: number, to: number): void {
    emit(this.log, 'vrrp.priority', { instance, from, to });
    this.metrics.vrrpPriorityChanged(instance, to);
  }

  /** Who is master now (ours while MASTER, the advertiser while BACKUP); status only. */
  vrrpMaster(instance: string, address: string | undefined): void {
    this.status.instanceMaster(instance, address);
  }

  /** `address` with its prefix length, "10.0.0.100/32". */
  vipAdded(instance: string, address: string, dev?: string): void {
    emit(this.log, 'vip.add', dev ? { instance, address, dev } : { instance, address });
    this.vipChanged(address, true);
  }

  vipRemoved(instance: string, address: string, dev?: string): void {
    emit(this.log, 'vip.del', dev ? { instance, address, dev } : { instance, address });
    this.vipChanged(address, false);
  }

  /** Calls `listener` with each VIP (without its prefix length) as it is added or removed. */
  onVipChange(listener: (address: string, present: boolean) => void): void {
    this.vipListeners.push(listener);
  }

  private vipChanged(addressWithPrefix: string, present: boolean): void {
    const address = addressWithPrefix.replace(/\/\d+$/, '');
    for (const listener of this.vipListeners) listener(address, present);
  }

  garpSent(instance: string, reason: EventFields<'garp.sent'>['reason'], count: number): void {
    emit(this.log, 'garp.sent', { instance, reason, count });
  }

  /** Hot path: counted, not logged. */
  advertSent(instance: string): void {
    this.metrics.advertSent(instance);
  }

  advertReceived(instance: string): void {
    this.metrics.advertReceived(instance);
  }

  /** Counted at once; logged in bulk by `flushDrops()` so a flood cannot flood the log. */
  packetDropped(reason: string, instance?: string, source?: string): void {
    this.metrics.packetDropped(reason);
    const entry = this.pendingDrops.get(reason) ?? { count: 0 };
    entry.count += 1;
    if (instance !== undefined) entry.instance = instance;
    if (source !== undefined) entry.source = source;
    this.pendingDrops.set(reason, entry);
  }

  /** Writes one packet.dropped line per reason seen since the last flush. */
  flushDrops(): void {
    for (const [reason, { count, instance, source }] of this.pendingDrops) {
      const fields: EventFields<'packet.dropped'> = { reason, count };
      if (instance !== undefined) fields.instance = instance;
      if (source !== undefined) fields.source = source;
      emit(this.log, 'packet.dropped', fields, `${count} VRRP packet(s) dropped: ${reason}`);
    }
    this.pendingDrops.clear();
  }

  splitBrain(instance: string, peer: string, priority: number, peerPriority: number): void {
    emit(
      this.log,
      'split_brain',
      { instance, peer, priority, peerPriority },
      `${instance}: two masters`,
    );
    this.metrics.splitBrainSeen(instance);
  }

  // ------------------------------------------------------------------------------ IPVS

  ipvsDrift(operations: number): void {
    emit(
      this.log,
      'ipvs.drift',
      { operations },
      `IPVS table drifted; ${operations} operation(s) to repair`,
    );
  }

  // ------------------------------------------------------------------------------ other

  notifyRun(fields: EventFields<'notify.run'>): void {
    emit(this.log, 'notify.run', fields);
    this.metrics.notify('started');
  }

  notifyFailed(fields: EventFields<'notify.failed'>): void {
    emit(this.log, 'notify.failed', fields);
    this.metrics.notify('failed');
  }
}
