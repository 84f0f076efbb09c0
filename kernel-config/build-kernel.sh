#!/usr/bin/env bash
# Builds a guest kernel with BPF-LSM enforcement from Debian's kernel source
# package: Kconfig's allnoconfig, plus a minimal Kata-like base
# (base/x86_64-kata-minimal.conf), plus our fragment
# (fragments/build-type/bpf-lsm/), merged with the kernel's merge_config.sh as
# Kata's build-kernel.sh merges its fragments. Like Kata's, it fails if an
# option we ask for does not reach the final .config. Not run in CI: it takes
# tens of minutes.
#
# Usage: kernel-config/build-kernel.sh OUT_DIR
#   OUT_DIR gets src/ (the kernel tree), vmlinuz, config, VERSION and
#   build-info: the same layout as scripts/setup.sh's guest-kernel/ (minus
#   modules, of which this kernel has none), so rootfs/build-initrd.sh and
#   KADAPTER_GUEST_KERNEL=OUT_DIR/vmlinuz take it as it is.
# Environment: JOBS (default: nproc), KERNEL_SOURCE_PACKAGE (default
#   linux-source-6.1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-kernel.sh OUT_DIR}
jobs=${JOBS:-$(nproc)}
source_pkg=${KERNEL_SOURCE_PACKAGE:-linux-source-6.1}
fragments=("$here/base/x86_64-kata-minimal.conf" "$here"/fragments/build-type/bpf-lsm/*.conf)

log() { printf 'build-kernel: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# What building a 6.1 kernel with BTF needs; pahole (dwarves) makes the BTF.
packages=("$source_pkg" bc bison flex libssl-dev libelf-dev dwarves zstd xz-utils make gcc)
missing=()
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
src="$out/src"
tarball=$(dpkg -L "$source_pkg" | grep -E '/usr/src/linux-source-.*\.tar\.xz$' | head -n1)
if [ ! -f "$src/Makefile" ]; then
  log "unpacking $tarball"
  rm -rf "$src.tmp" && mkdir -p "$src.tmp"
  tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
  mv "$src.tmp" "$src"
fi

log "merging $(printf '%s ' "${fragments[@]#"$here/"}")"
merge_log="$out/merge.log"
(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -r -n "${fragments[@]}") > "$merge_log" 2>&1 ||
  { cat "$merge_log" >&2; exit 1; }
if grep -q 'not in final' "$merge_log"; then
  log "options that did not reach the final .config:" >&2
  grep -B1 -A2 'not in final' "$merge_log" >&2
  exit 1
fi

# Fixed build stamps: the same source and fragments give the same image.
export KBUILD_BUILD_TIMESTAMP="1970-01-01" KBUILD_BUILD_USER=kadapter KBUILD_BUILD_HOST=kadapter
log "building bzImage with $jobs jobs (log: $out/build.log)"
start=$(date +%s)
(cd "$src" && nice -n 19 make ARCH=x86_64 -j"$jobs" bzImage) > "$out/build.log" 2>&1 ||
  { tail -n 40 "$out/build.log" >&2; exit 1; }
seconds=$(($(date +%s) - start))

cp "$src/arch/x86/boot/bzImage" "$out/vmlinuz"
cp "$src/.config" "$out/config"
(cd "$src" && make -s ARCH=x86_64 kernelrelease) > "$out/VERSION"
rm -rf "$out/lib" # no modules: everything the guest needs is built in
size=$(stat -c %s "$out/vmlinuz")
printf 'version %s\nsource %s %s\nbzImage %s bytes\nbuild %s s with %s jobs on %s cores\n' \
  "$(cat "$out/VERSION")" "$source_pkg" "$(dpkg-query -W -f='${Version}' "$source_pkg")" \
  "$size" "$seconds" "$jobs" "$(nproc)" > "$out/build-info"
log "$(tr '\n' ';' < "$out/build-info")"
log "kernel in $out/vmlinuz"
