#!/usr/bin/env bash
# One-time preparation for scripts/vm-run, cached and idempotent (testbeds.md §B.3):
#   - qemu-system-x86 (no recommends) and ipvsadm installed with apt;
#   - busybox-static and Debian's kernel downloaded with `apt-get download` and unpacked with
#     `dpkg -x` under $KTS_VM_CACHE (never installed: the host keeps its own kernel);
#   - the kernel's modules pruned and indexed (busybox depmod), an uncompressed vmlinux extracted
#     (PVH entry: no SeaBIOS, no XZ decompression under TCG);
#   - base.cpio: busybox plus the modules a 9p root needs, for the per-run initramfs.
# Callers hold the cache lock (flock) so parallel runs never race. Old kernel ABIs leave the
# archive, so the version is whatever was downloaded first; delete the cache to update.
set -euo pipefail

cache=${KTS_VM_CACHE:?}
ready=$cache/ready

log() { echo "vm-run: $*" >&2; }

# Runs an apt command; on failure refreshes the package lists once and retries (an `apt-get
# update` costs a second, so it is only paid when the lists are stale).
apt_retry() {
  if ! "$@" >"$cache/apt.log" 2>&1; then
    apt-get update -qq >>"$cache/apt.log" 2>&1 || true
    "$@" >>"$cache/apt.log" 2>&1 || {
      tail -n 20 "$cache/apt.log" >&2
      return 1
    }
  fi
}

install_packages() {
  local missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  command -v ipvsadm >/dev/null || missing+=(ipvsadm)
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt_retry apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Downloads package $1 into directory $2 with `apt-get download` + `dpkg -x`.
unpack_package() {
  local pkg=$1 dest=$2 dl
  dl=$(mktemp -d "$cache/download.XXXXXX")
  (cd "$dl" && apt_retry apt-get download -qq "$pkg")
  mkdir -p "$dest"
  dpkg -x "$dl"/*.deb "$dest"
  rm -rf "$dl"
}

prepare_busybox() {
  [[ -x $cache/busybox/bin/busybox ]] && return 0
  log "downloading busybox-static"
  rm -rf "$cache/busybox.tmp"
  unpack_package busybox-static "$cache/busybox.tmp"
  mv "$cache/busybox.tmp" "$cache/busybox"
}

prepare_kernel() {
  [[ -f $cache/kernel/vmlinux ]] && return 0
  local pkg kdir kver off
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n 1)
  [[ -n $pkg ]] || { log "cannot resolve linux-image-amd64 to a kernel package"; return 1; }
  log "downloading $pkg"
  kdir=$cache/kernel.tmp
  rm -rf "$kdir"
  unpack_package "$pkg" "$kdir"
  kver=$(ls "$kdir/lib/modules")
  # Keep what a netlink/IPVS/namespace guest can use; the rest only slows depmod and 9p.
  local mods=$kdir/lib/modules/$kver/kernel
  rm -rf "$mods/sound" "$mods/drivers/net/ethernet" "$mods/drivers/net/wireless"
  find "$mods/drivers" -mindepth 1 -maxdepth 1 -type d \
    ! -name virtio ! -name char ! -name net ! -name block -exec rm -rf {} +
  "$cache/busybox/bin/busybox" depmod -b "$kdir" "$kver"
  # LC_ALL=C: in a UTF-8 locale grep -P reads \xfd as a character, not a byte.
  off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kdir/boot/vmlinuz-$kver" | head -n 1 | cut -d: -f1 || true)
  [[ -n $off ]] || { log "no XZ payload in vmlinuz-$kver"; return 1; }
  tail -c +$((off + 1)) "$kdir/boot/vmlinuz-$kver" | xz -dc --single-stream >"$kdir/vmlinux" 2>/dev/null || true
  [[ -s $kdir/vmlinux ]] || { log "could not extract vmlinux"; return 1; }
  echo "$kver" >"$kdir/version"
  mv "$kdir" "$cache/kernel"
}

# base.cpio: busybox with its applet links, the 9p-root modules and their dependencies with a
# filtered modules.dep, and modprobe options. scripts/vm/init is appended per run (the kernel
# accepts concatenated cpio archives), so the cached part never holds anything that changes.
prepare_base_cpio() {
  [[ -f $cache/base.cpio ]] && return 0
  local kver stage bb moddir
  kver=$(cat "$cache/kernel/version")
  bb=$cache/busybox/bin/busybox
  moddir=$cache/kernel/lib/modules/$kver
  stage=$(mktemp -d "$cache/stage.XXXXXX")
  mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,host,ovl,newroot,etc/modprobe.d,lib/modules/$kver}
  cp "$bb" "$stage/bin/busybox"
  local applet
  for applet in $("$bb" --list-full); do
    [[ $applet == bin/busybox ]] || ln -sf /bin/busybox "$stage/$applet"
  done
  echo 'options dummy numdummies=0' >"$stage/etc/modprobe.d/dummy.conf"
  # Walk modules.dep from the wanted modules to the closure of their dependencies.
  local -A want=()
  local queue=(virtio_pci virtio_console 9pnet_virtio 9p overlay) name line path dep
  while ((${#queue[@]})); do
    name=${queue[0]}
    queue=("${queue[@]:1}")
    line=$(grep -E "(^|/)${name//_/[-_]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || true)
    [[ -n $line ]] || continue # built into the kernel
    path=${line%%:*}
    [[ -n ${want[$path]:-} ]] && continue
    want[$path]=$line
    for dep in ${line#*:}; do
      dep=${dep##*/}
      queue+=("${dep%%.ko*}")
    done
  done
  for path in "${!want[@]}"; do
    mkdir -p "$stage/lib/modules/$kver/$(dirname "$path")"
    cp "$moddir/$path" "$stage/lib/modules/$kver/$path"
    echo "${want[$path]}" >>"$stage/lib/modules/$kver/modules.dep"
  done
  (cd "$stage" && find . -mindepth 1 | "$bb" cpio -o -H newc 2>/dev/null) >"$cache/base.cpio.tmp"
  mv "$cache/base.cpio.tmp" "$cache/base.cpio"
  rm -rf "$stage"
}

mkdir -p "$cache"
[[ -f $ready ]] && exit 0
install_packages
prepare_busybox
prepare_kernel
prepare_base_cpio
touch "$ready"
