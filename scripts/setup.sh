#!/usr/bin/env bash
# Installs everything keepalived-ts needs on Debian 12, idempotently, then builds the project.
#   Debian packages: iproute2 (namespaces), keepalived (the interop peer and baseline), ipvsadm,
#   tcpdump, openssl (test certificates), build tools for the native addon.
# The kernel VM's own packages (qemu, the Debian kernel) are installed by scripts/vm-run on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(iproute2 procps psmisc keepalived ipvsadm tcpdump openssl python3 make g++ xz-utils util-linux)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  # Installing keepalived must not start Debian's keepalived service on this host: block
  # service starts for the duration of the install (policy-rc.d exit 101 = "action forbidden").
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  trap '[[ $created_policy == 1 ]] && rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Never leave a stray system keepalived running (it would speak VRRP on this host).
pkill -x keepalived 2>/dev/null || true

if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
