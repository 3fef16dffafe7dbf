// Timing of VRRP adverts captured on the wire (a pcap file from tcpdump), for the benchmarks that
// ask how regularly a daemon advertises: each advert's interval from the one before, its error
// against advert_int and its lateness, and the rate achieved against the configured one. Pure:
// it takes the capture's records, so the figures are tested exactly (test/unit/bench).
import type { PcapRecord } from '../../test/helpers/pcap.js';
import { ETH_P_IP, etherType } from '../../test/helpers/pcap.js';
import { summarize, type Summary } from './stats.js';

/** IPPROTO_VRRP (netinet/in.h). */
export const IPPROTO_VRRP = 112;
/** ETH_HLEN (linux/if_ether.h): the Ethernet header in front of the IP packet. */
const ETH_HLEN = 14;
/** Offsets in the IPv4 header (RFC 791). */
const IPV4_PROTOCOL = 9;
const IPV4_SOURCE = 12;

/** One IPv4 VRRP packet seen on the wire. */
export interface WireAdvert {
  /** Capture time, µs since the epoch. */
  timeUs: number;
  /** The sender's IPv4 address, dotted. */
  source: string;
  vrid: number;
  priority: number;
}

/**
 * The IPv4 VRRP packets of a capture, in capture order. Other frames (ARP, IPv6) are skipped.
 * VRRP header (RFC 5798 §5.1, RFC 3768 §5.1): version/type, VRID, priority.
 */
export function vrrpAdverts(records: readonly PcapRecord[]): WireAdvert[] {
  const adverts: WireAdvert[] = [];
  for (const { timeUs, frame } of records) {
    if (frame.length < ETH_HLEN + 20 || etherType(frame) !== ETH_P_IP) continue;
    const ip = frame.subarray(ETH_HLEN);
    if (ip[IPV4_PROTOCOL] !== IPPROTO_VRRP) continue;
    const ihl = (ip[0] & 0x0f) * 4;
    if (ip.length < ihl + 3) continue;
    adverts.push({
      timeUs,
      source: ip.subarray(IPV4_SOURCE, IPV4_SOURCE + 4).join('.'),
      vrid: ip[ihl + 1],
      priority: ip[ihl + 2],
    });
  }
  return adverts;
}

/**
 * Capture times (µs since the epoch) of the IPv4 VRRP packets from `source` for `vrid`, in
 * capture order.
 */
export function advertTimesUs(
  records: readonly PcapRecord[],
  source: string,
  vrid: number,
): number[] {
  return vrrpAdverts(records)
    .filter((a) => a.source === source && a.vrid === vrid)
    .map((a) => a.timeUs);
}

export interface AdvertTiming {
  adverts: number;
  /** From the first advert to the last. */
  spanMs: number;
  configuredPerSec: number;
  /** (adverts - 1) / span: the rate actually sustained. */
  achievedPerSec: number;
  /** interval - advert_int per pair of consecutive adverts, ms; negative when early. */
  latenessMs: Summary;
  /** |interval - advert_int|, ms. */
  intervalErrorMs: Summary;
  /** Intervals of at least twice advert_int: an advert the schedule skipped or sent very late. */
  missed: number;
  /**
   * Intervals under half advert_int: an advert sent off its schedule, as a MASTER does at once
   * when it hears a lower-priority advert (a peer that wrongly took over). They count in the rate.
   */
  early: number;
}

/** Figures of advert times (µs, ascending) sent every `advertIntMs`; needs at least two. */
export function advertTiming(timesUs: readonly number[], advertIntMs: number): AdvertTiming {
  if (timesUs.length < 2) throw new RangeError(`advert timing of ${timesUs.length} advert(s)`);
  const lateness: number[] = [];
  for (let i = 1; i < timesUs.length; i++) {
    lateness.push((timesUs[i] - timesUs[i - 1]) / 1000 - advertIntMs);
  }
  const spanMs = (timesUs[timesUs.length - 1] - timesUs[0]) / 1000;
  return {
    adverts: timesUs.length,
    spanMs,
    configuredPerSec: 1000 / advertIntMs,
    achievedPerSec: ((timesUs.length - 1) / spanMs) * 1000,
    latenessMs: summarize(lateness),
    intervalErrorMs: summarize(lateness.map(Math.abs)),
    missed: lateness.filter((l) => l + advertIntMs >= 2 * advertIntMs).length,
    early: lateness.filter((l) => l + advertIntMs < advertIntMs / 2).length,
  };
}
