#!/bin/sh
# LVS-NAT real server set-up: run on each real server (as root). The director rewrites the
# destination of client packets to the real server, and must see the replies to rewrite their
# source back to the VIP: so the real server's default route points at the directors' internal
# VIP (10.0.0.254, held by whichever director is master). Nothing else is needed: no VIP on lo and
# no ARP settings, unlike LVS-DR.
#
#   realserver.sh start|stop [GATEWAY]
set -eu
GATEWAY="${2:-10.0.0.254}"

case "${1:-}" in
start) ip route replace default via "$GATEWAY" ;;
stop) ip route del default via "$GATEWAY" 2>/dev/null || true ;;
*)
    echo "usage: $0 start|stop [GATEWAY]" >&2
    exit 2
    ;;
esac
