// A minimal reader for classic libpcap files (the captures in ../shared/vectors): global
// header, then per-record headers. Only what the tests need: Ethernet frames with timestamps.
import { readFileSync } from 'node:fs';

export interface PcapRecord {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  frame: Buffer;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const LINKTYPE_ETHERNET = 1;

export function readPcap(path: string): PcapRecord[] {
  const buf = readFileSync(path);
  const le = buf.readUInt32LE(0) === PCAP_MAGIC_US;
  if (!le && buf.readUInt32BE(0) !== PCAP_MAGIC_US) throw new Error(`${path}: not a pcap file`);
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${u32(20)}`);
  const records: PcapRecord[] = [];
  for (let at = 24; at + 16 <= buf.length;) {
    const captured = u32(at + 8);
    records.push({
      timeUs: u32(at) * 1e6 + u32(at + 4),
      frame: buf.subarray(at + 16, at + 16 + captured),
    });
    at += 16 + captured;
  }
  return records;
}

/** EtherType values (linux/if_ether.h) the tests dispatch on. */
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;

export function etherType(frame: Buffer): number {
  return frame.readUInt16BE(12);
}
