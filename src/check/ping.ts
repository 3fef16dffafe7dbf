// PING_CHECK (check_ping.c): one ICMP / ICMPv6 echo request; an echo reply from the real server
// within connect_timeout passes.
//
// Node has no ICMP sockets, so this goes through the project's native addon (src/net/native.ts).
// It first opens an unprivileged "ping socket" (SOCK_DGRAM + IPPROTO_ICMP, as keepalived does: the
// kernel picks the echo id and hands each socket only its own replies). That needs our gid inside
// net.ipv4.ping_group_range; keepalived widens that sysctl, we do not touch it and fall back to a
// raw socket (root / CAP_NET_RAW), where replies are matched by id, sequence and source ourselves.

import { randomInt } from 'node:crypto';
import { NativeSocket, type Received } from '../net/native.js';
import { AF_INET, AF_INET6, IPPROTO_ICMPV6, SOCK_DGRAM, SOCK_RAW } from '../net/constants.js';
import { decodeSockaddrInet, encodeSockaddrInet } from '../net/sockaddr.js';
import { internetChecksum } from '../net/inet.js';
import { errorReason, failed, passed } from './connect.js';
import type { PingProbe, ProbeResult } from './plan.js';

/** linux/in.h. */
const IPPROTO_ICMP = 1;
/** linux/icmp.h and linux/icmpv6.h message types. */
const ICMP_ECHO = 8;
const ICMP_ECHOREPLY = 0;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;
const ICMP_HEADER_LENGTH = 8;
const PING_PAYLOAD = Buffer.from('keepalived-ts PING_CHECK');

/** An echo request; the checksum is ours for ICMP, the kernel's for ICMPv6. */
export function encodeEchoRequest(family: 4 | 6, id: number, seq: number): Buffer {
  const msg = Buffer.alloc(ICMP_HEADER_LENGTH + PING_PAYLOAD.length);
  msg[0] = family === 4 ? ICMP_ECHO : ICMPV6_ECHO_REQUEST;
  msg.writeUInt16BE(id, 4);
  msg.writeUInt16BE(seq, 6);
  PING_PAYLOAD.copy(msg, ICMP_HEADER_LENGTH);
  if (family === 4) msg.writeUInt16BE(internetChecksum(msg), 2);
  return msg;
}

/**
 * Whether `data` (as read from the socket) is the reply to our request. Raw IPv4 sockets deliver
 * the IP header too; `id` is undefined on ping sockets, where the kernel already matched it.
 */
export function isEchoReply(
  family: 4 | 6,
  data: Buffer,
  rawIpv4: boolean,
  id: number | undefined,
  seq: number,
): boolean {
  const icmp = rawIpv4 && data.length > 0 ? data.subarray((data[0]! & 0x0f) * 4) : data;
  if (icmp.length < ICMP_HEADER_LENGTH) return false;
  if (icmp[0] !== (family === 4 ? ICMP_ECHOREPLY : ICMPV6_ECHO_REPLY)) return false;
  if (id !== undefined && icmp.readUInt16BE(4) !== id) return false;
  return icmp.readUInt16BE(6) === seq;
}

function openSocket(family: 4 | 6): { socket: NativeSocket; raw: boolean } {
  const domain = family === 4 ? AF_INET : AF_INET6;
  const protocol = family === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
  try {
    return { socket: new NativeSocket(domain, SOCK_DGRAM, protocol), raw: false };
  } catch (err) {
    const code = errorReason(err);
    if (code !== 'EACCES' && code !== 'EPERM') throw err;
    return { socket: new NativeSocket(domain, SOCK_RAW, protocol), raw: true };
  }
}

export function runPingCheck(spec: PingProbe): Promise<ProbeResult> {
  const startedAt = performance.now();
  const ep = spec.endpoint;
  let opened: { socket: NativeSocket; raw: boolean };
  try {
    opened = openSocket(ep.family);
  } catch (err) {
    return Promise.resolve(failed(`cannot open ICMP socket: ${errorReason(err)}`, startedAt));
  }
  const { socket, raw } = opened;
  const id = randomInt(0, 0x10000);
  const seq = randomInt(0, 0x10000);
  return new Promise((resolve) => {
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(
      () => finish(failed(`no echo reply after ${ep.timeoutMs} ms`, startedAt)),
      ep.timeoutMs,
    );
    const onPacket = (r: Received) => {
      if (raw && decodeSockaddrInet(r.from).address !== ep.address) return;
      if (isEchoReply(ep.family, r.data, raw && ep.family === 4, raw ? id : undefined, seq)) {
        finish(passed('echo reply', startedAt));
      }
    };
    try {
      if (ep.bindTo) socket.bind(encodeSockaddrInet(ep.bindTo));
      socket.startReading(onPacket, (err) => finish(failed(errorReason(err), startedAt)));
      socket.sendTo(encodeEchoRequest(ep.family, id, seq), encodeSockaddrInet(ep.address));
    } catch (err) {
      finish(failed(errorReason(err), startedAt));
    }
  });
}
