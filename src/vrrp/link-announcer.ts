// Gratuitous ARP / unsolicited NA bursts for VIPs, from the MAC of the interface each VIP lives
// on (looked up at send time: an interface can be re-created with another MAC while we run).
import type { Announcer } from '../net/announce.js';
import type { Rtnetlink } from '../netlink/rtnetlink.js';
import type { VipAnnouncer } from './instance.js';
import type { VipSpec } from './spec.js';

export class LinkAnnouncer implements VipAnnouncer {
  constructor(
    private readonly frames: Announcer,
    private readonly rt: Rtnetlink,
  ) {}

  async announce(vips: readonly VipSpec[], count: number): Promise<void> {
    const byDev = new Map<string, string[]>();
    for (const v of vips) byDev.set(v.dev, [...(byDev.get(v.dev) ?? []), v.address]);
    for (const [dev, addresses] of byDev) {
      const link = await this.rt.getLink(dev);
      for (let i = 0; i < count; i++) this.frames.announce(link.ifindex, link.mac, addresses);
    }
  }
}
