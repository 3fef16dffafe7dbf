// Sends gratuitous ARPs and unsolicited NAs for VIPs on a link (what keepalived does on becoming
// master). One send-only AF_PACKET socket; burst timing (vrrp_garp_master_delay, _repeat, ...)
// belongs to the VRRP instance, which calls announce() as often as it decides.
//
//   const a = Announcer.open({ netns? });
//   a.announce(ifindex, mac, ['192.168.0.38', 'fd00::38']);   // one frame per address
//   a.close();
import { isIPv4 } from 'node:net';
import { buildGratuitousArp } from './garp.js';
import { buildUnsolicitedNa } from './ndp.js';
import { PacketSocket } from './packet-socket.js';
import { parseMac } from './sockaddr.js';

export class Announcer {
  private readonly sock: PacketSocket;

  private constructor(netns: string | undefined) {
    // Protocol 0: this socket receives nothing; it only sends.
    this.sock = PacketSocket.open(0, { netns });
  }

  static open(opts: { netns?: string } = {}): Announcer {
    return new Announcer(opts.netns);
  }

  /** Sends one GARP per IPv4 and one unsolicited NA per IPv6 address, from `mac`. */
  announce(ifindex: number, mac: string | Uint8Array, addresses: string[]): void {
    const hw = typeof mac === 'string' ? parseMac(mac) : mac;
    for (const a of addresses) {
      const frame = isIPv4(a) ? buildGratuitousArp(hw, a) : buildUnsolicitedNa(hw, a);
      this.sock.send(frame, ifindex);
    }
  }

  close(): void {
    this.sock.close();
  }
}
