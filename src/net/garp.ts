// Gratuitous ARP frames, byte-identical to keepalived's (vectors/garp-takeover-burst.pcap): an ARP
// *request* broadcast with sender IP = target IP = the VIP and target MAC ff:ff:ff:ff:ff:ff.
// Pure; send with PacketSocket (see src/net/announce.ts). 42 bytes: veth does not pad.
import { addressBytes } from './inet.js';
import { ETH_ALEN, ETH_P_ARP, ETH_P_IP } from './constants.js';

/** ARPHRD_ETHER (linux/if_arp.h). */
export const ARPHRD_ETHER = 1;
/** ARPOP_REQUEST (linux/if_arp.h). */
export const ARPOP_REQUEST = 1;

const BROADCAST = Buffer.alloc(ETH_ALEN, 0xff);

/** The Ethernet frame announcing `vip` at `mac` (6 bytes). */
export function buildGratuitousArp(mac: Uint8Array, vip: string): Buffer {
  const ip = addressBytes(vip);
  const f = Buffer.alloc(42);
  BROADCAST.copy(f, 0); // Ethernet destination
  f.set(mac, 6); // Ethernet source
  f.writeUInt16BE(ETH_P_ARP, 12);
  f.writeUInt16BE(ARPHRD_ETHER, 14);
  f.writeUInt16BE(ETH_P_IP, 16);
  f[18] = ETH_ALEN;
  f[19] = 4;
  f.writeUInt16BE(ARPOP_REQUEST, 20);
  f.set(mac, 22); // sender hardware address
  ip.copy(f, 28); // sender protocol address
  BROADCAST.copy(f, 32); // target hardware address: keepalived sends ff:ff:.. (not zeros)
  ip.copy(f, 38); // target protocol address
  return f;
}
