// Unsolicited Neighbour Advertisements (RFC 4861 §7.2.6), byte-identical to keepalived's
// (vectors/unsolicited-na-ipv6.pcap): from the VIP to ff02::1, hop limit 255, ICMPv6 type 136
// with only the Override flag, the VIP as target and a target link-layer address option.
// Pure; send with PacketSocket (see src/net/announce.ts). 86 bytes.
import { addressBytes, internetChecksum } from './inet.js';
import { ETH_ALEN, ETH_HLEN, ETH_P_IPV6, IPPROTO_ICMPV6 } from './constants.js';

/** ND_NEIGHBOR_ADVERT (netinet/icmp6.h). */
export const ND_NEIGHBOR_ADVERT = 136;
/** ND_NA_FLAG_OVERRIDE, as the first byte of the 32-bit flags word. */
export const ND_NA_FLAG_OVERRIDE = 0x20;
/** ND_OPT_TARGET_LINKADDR. */
export const ND_OPT_TARGET_LINKADDR = 2;

const ALL_NODES = addressBytes('ff02::1');
/** 33:33 + the low 32 bits of ff02::1 (RFC 2464 §7). */
const ALL_NODES_MAC = Buffer.from([0x33, 0x33, 0, 0, 0, 1]);
const IPV6_HLEN = 40;
const NA_LEN = 24 + 8; // header + target, then one 8-byte option

/** The frame announcing `vip` at `mac`; the IPv6 source is the VIP itself, as keepalived sends. */
export function buildUnsolicitedNa(mac: Uint8Array, vip: string, source: string = vip): Buffer {
  const target = addressBytes(vip);
  const src = addressBytes(source);
  const f = Buffer.alloc(ETH_HLEN + IPV6_HLEN + NA_LEN);
  ALL_NODES_MAC.copy(f, 0);
  f.set(mac, 6);
  f.writeUInt16BE(ETH_P_IPV6, 12);

  const ip = f.subarray(ETH_HLEN, ETH_HLEN + IPV6_HLEN);
  ip.writeUInt32BE(0x60000000, 0); // version 6, traffic class 0, flow label 0
  ip.writeUInt16BE(NA_LEN, 4);
  ip[6] = IPPROTO_ICMPV6;
  ip[7] = 255; // RFC 4861: hop limit 255, or receivers discard it
  src.copy(ip, 8);
  ALL_NODES.copy(ip, 24);

  const na = f.subarray(ETH_HLEN + IPV6_HLEN);
  na[0] = ND_NEIGHBOR_ADVERT;
  na[4] = ND_NA_FLAG_OVERRIDE;
  target.copy(na, 8);
  na[24] = ND_OPT_TARGET_LINKADDR;
  na[25] = 1; // option length in units of 8 bytes
  na.set(mac.subarray(0, ETH_ALEN), 26);

  // RFC 8200 §8.1 pseudo-header: source, destination, upper-layer length, zeros, next header.
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  ALL_NODES.copy(pseudo, 16);
  pseudo.writeUInt32BE(NA_LEN, 32);
  pseudo[39] = IPPROTO_ICMPV6;
  na.writeUInt16BE(internetChecksum(pseudo, na), 2);
  return f;
}
