#!/usr/bin/env bash
# One-step set-up for a Debian 12 machine (run as root):
#   - installs every Debian package the build, the demo and the tests need;
#   - fetches Debian's guest kernel and its modules with `apt-get download`
#     and unpacks them into the build tree (never installed on the host).
# Idempotent and quiet when everything is already present.
#
# Usage: scripts/setup.sh [BUILD_DIR]   (default: build)
set -euo pipefail

build_dir=${1:-build}
kernel_dir="$build_dir/guest-kernel"

packages=(
  cmake ninja-build g++ clang llvm clang-format pkg-config file
  libbpf-dev bpftool libelf-dev zlib1g-dev liblzma-dev libzstd-dev
  libprotobuf-dev protobuf-compiler libnl-3-dev libnl-route-3-dev
  libspdlog-dev libfmt-dev catch2 libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libclang-rt-14-dev golang-go
  qemu-system-x86 busybox-static cpio kmod xz-utils gzip
)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

apt_updated=no
apt_update() {
  [ "$apt_updated" = yes ] && return
  log "updating the package lists"
  as_root apt-get update -qq >/dev/null
  apt_updated=yes
}

if [ ${#missing[@]} -gt 0 ]; then
  apt_update
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The guest kernel: whatever linux-image-amd64 currently points at.
if [ -s "$kernel_dir/VERSION" ] && [ -f "$kernel_dir/vmlinuz" ] && [ -f "$kernel_dir/vmlinux" ]; then
  exit 0
fi

resolve_kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(resolve_kernel_package)
if [ -z "$pkg" ]; then
  apt_update
  pkg=$(resolve_kernel_package)
fi
[ -n "$pkg" ] || { echo "setup: cannot resolve the linux-image-amd64 package" >&2; exit 1; }
version=${pkg#linux-image-}

log "fetching guest kernel $pkg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
  { apt_update; (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); }
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/root"

rm -rf "$kernel_dir"
mkdir -p "$kernel_dir/lib/modules"
mv "$tmp/root/boot/vmlinuz-$version" "$kernel_dir/vmlinuz"
mv "$tmp/root/boot/config-$version" "$kernel_dir/config"
mv "$tmp/root/lib/modules/$version" "$kernel_dir/lib/modules/"
depmod -b "$kernel_dir" "$version"

# Extract the uncompressed vmlinux from the xz-compressed bzImage: its BTF
# is what vmlinux.h (and so every CO-RE relocation) is generated from.
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$kernel_dir/vmlinuz" | head -n1 | cut -d: -f1)
[ -n "$offset" ] || { echo "setup: no xz payload in $kernel_dir/vmlinuz" >&2; exit 1; }
tail -c +$((offset + 1)) "$kernel_dir/vmlinuz" | xz -dcq > "$kernel_dir/vmlinux" 2>/dev/null || true
file -b "$kernel_dir/vmlinux" | grep -q '^ELF 64-bit' ||
  { echo "setup: failed to extract vmlinux from $kernel_dir/vmlinuz" >&2; exit 1; }

echo "$version" > "$kernel_dir/VERSION"
log "guest kernel $version ready in $kernel_dir"
