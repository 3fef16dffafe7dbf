#!/bin/sh
# LVS-DR real server set-up: run on each real server (as root).
# With direct routing the director forwards the client's packet unchanged (destination = the VIP)
# to the real server's MAC; the real server must accept packets for the VIP, so it holds the VIP
# on lo, and must never answer ARP for it, or clients would bypass the director:
#   arp_ignore=1    answer ARP only for addresses on the interface the request came in on
#   arp_announce=2  use the best local address (not the VIP) as ARP source
# The replies go from the real server straight to the client, with the VIP as source.
#
#   realserver.sh start|stop [VIP]
set -eu
VIP="${2:-192.168.0.38}"

case "${1:-}" in
start)
    sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
    sysctl -qw net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
    ip addr replace "$VIP/32" dev lo
    ;;
stop)
    ip addr del "$VIP/32" dev lo 2>/dev/null || true
    sysctl -qw net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.all.arp_announce=0
    sysctl -qw net.ipv4.conf.lo.arp_ignore=0 net.ipv4.conf.lo.arp_announce=0
    ;;
*)
    echo "usage: $0 start|stop [VIP]" >&2
    exit 2
    ;;
esac
