// Socket-layer constants, named and valued as in the Linux uapi and glibc headers
// (linux/socket.h, linux/in.h, linux/in6.h, linux/if_packet.h, linux/if_ether.h, asm/socket.h).
// Values are Linux x86/arm (asm-generic); keepalived-ts runs on Linux only.

// ---- address families (linux/socket.h) ----
export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const AF_NETLINK = 16;
export const AF_PACKET = 17;

// ---- socket types (linux/net.h) ----
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;

// ---- levels ----
export const SOL_SOCKET = 1;
export const IPPROTO_IP = 0;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ICMPV6 = 58;
/** IANA protocol number of VRRP (netinet/in.h). */
export const IPPROTO_VRRP = 112;
export const SOL_PACKET = 263;

// ---- SOL_SOCKET options (asm-generic/socket.h) ----
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_BINDTODEVICE = 25;
export const SO_RCVBUFFORCE = 33;

// ---- IPPROTO_IP options (linux/in.h) ----
export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_PKTINFO = 8;
export const IP_RECVTTL = 12;
export const IP_MULTICAST_IF = 32;
export const IP_MULTICAST_TTL = 33;
export const IP_MULTICAST_LOOP = 34;
export const IP_ADD_MEMBERSHIP = 35;
export const IP_DROP_MEMBERSHIP = 36;

// ---- IPPROTO_IPV6 options (linux/in6.h) ----
export const IPV6_CHECKSUM = 7;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MULTICAST_IF = 17;
export const IPV6_MULTICAST_HOPS = 18;
export const IPV6_MULTICAST_LOOP = 19;
export const IPV6_ADD_MEMBERSHIP = 20;
export const IPV6_DROP_MEMBERSHIP = 21;
export const IPV6_V6ONLY = 26;
export const IPV6_RECVPKTINFO = 49;
export const IPV6_RECVHOPLIMIT = 51;
export const IPV6_TCLASS = 67;

// ---- Ethernet (linux/if_ether.h) ----
export const ETH_ALEN = 6;
export const ETH_HLEN = 14;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_ALL = 0x0003;

// ---- AF_PACKET (linux/if_packet.h) ----
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;
