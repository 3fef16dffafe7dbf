// Gratuitous ARP / unsolicited NA bursts for VIPs, from the MAC of the interface each VIP lives
// on (looked up at send time: an interface can be re-created with another MAC while we run).
// keepalived's garp_group, else vrrp_garp_interval / vrrp_gna_interval, pace the frames on one
// interface (switches that rate-limit ARP drop back-to-back bursts); at 0 (the default) a burst
// goes out at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Announcer } from '../net/announce.js';
import type { Rtnetlink } from '../netlink/rtnetlink.js';
import type { VipAnnouncer } from './instance.js';
import type { VipSpec } from './spec.js';

export interface AnnouncePacing {
  /** Milliseconds between two gratuitous ARPs on one interface. */
  garpIntervalMs: number;
  /** Milliseconds between two unsolicited neighbour advertisements on one interface. */
  gnaIntervalMs: number;
}

/** The pacing of each interface, by name. */
export type PacingOf = (dev: string) => AnnouncePacing;

export class LinkAnnouncer implements VipAnnouncer {
  constructor(
    private readonly frames: Announcer,
    private readonly rt: Rtnetlink,
    private pacingOf: PacingOf,
  ) {}

  /** Pacing from a reloaded configuration; a burst under way finishes at the old one. */
  setPacing(pacingOf: PacingOf): void {
    this.pacingOf = pacingOf;
  }

  async announce(vips: readonly VipSpec[], count: number): Promise<void> {
    const byDev = new Map<string, VipSpec[]>();
    for (const v of vips) byDev.set(v.dev, [...(byDev.get(v.dev) ?? []), v]);
    await Promise.all([...byDev].map(([dev, list]) => this.burst(dev, list, count)));
  }

  private async burst(dev: string, vips: VipSpec[], count: number): Promise<void> {
    const link = await this.rt.getLink(dev);
    const { garpIntervalMs, gnaIntervalMs } = this.pacingOf(dev);
    if (garpIntervalMs === 0 && gnaIntervalMs === 0) {
      const addresses = vips.map((v) => v.address);
      for (let i = 0; i < count; i++) this.frames.announce(link.ifindex, link.mac, addresses);
      return;
    }
    for (let i = 0; i < count; i++) {
      for (const v of vips) {
        this.frames.announce(link.ifindex, link.mac, [v.address]);
        const gap = v.family === 4 ? garpIntervalMs : gnaIntervalMs;
        if (gap > 0) await sleep(gap);
      }
    }
  }
}
