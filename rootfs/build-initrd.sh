#!/usr/bin/env bash
# Builds the guest initrd: a gzip'd newc cpio in the layout of Kata's
# osbuilder with AGENT_INIT=yes (the agent at /sbin/init, /init pointing to
# it), the kernel modules the guest needs, and a busybox rootfs the tests
# run containers from. Reproducible: sorted entries, fixed times and owners.
#
# Usage: build-initrd.sh OUT INIT KERNEL_DIR MODULES_TXT [EXTRA_BIN...]
#   KERNEL_DIR: VERSION and lib/modules/VERSION/ (scripts/setup.sh's
#   guest-kernel/, or build-kernel.sh's output, which has no modules)
#   EXTRA_BIN: static programs installed into /opt/kadapter/bin (test tools)
set -euo pipefail

out=$1 init=$2 kernel_dir=$3 modules_txt=$4
shift 4
version=$(cat "$kernel_dir/VERSION")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{sbin,proc,sys,dev,run,tmp,etc,lib/modules}
strip -o "$stage/sbin/init" "$init"
ln -s sbin/init "$stage/init"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
# A shell for agent.debug_console: the test rootfs's busybox.
mkdir -p "$stage/bin"
ln -s /opt/kadapter/rootfs/busybox/bin/busybox "$stage/bin/sh"
printf 'root:x:0:\n' > "$stage/etc/group"

# Modules, with their dependencies, in load order. A kernel with the drivers
# built in (kernel-config/build-kernel.sh) has no modules directory: then
# the initrd carries none and kadapter-init loads none.
moddir="$stage/lib/modules/$version"
if [ -d "$kernel_dir/lib/modules/$version" ]; then
  mkdir -p "$moddir"
  : > "$moddir/kadapter.modules"
  grep -v '^\s*#' "$modules_txt" | awk '{print $1}' | grep -v '^$' | while read -r m; do
    modprobe -d "$kernel_dir" -S "$version" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r ko; do
    rel=${ko#"$kernel_dir/lib/modules/$version/"}
    mkdir -p "$moddir/$(dirname "$rel")"
    cp "$ko" "$moddir/$rel"
    echo "$rel" >> "$moddir/kadapter.modules"
  done
fi

# A busybox container rootfs for tests: applets as symlinks, plus distinct
# copies under /usr/local/bin so process rules can tell programs apart.
rootfs="$stage/opt/kadapter/rootfs/busybox"
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,tmp,run,root,var/log}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list-full); do
  [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
done
for tool in sleep-copy cat-copy sh-copy; do
  cp /bin/busybox "$rootfs/usr/local/bin/$tool"
done
ln "$rootfs/usr/local/bin/sleep-copy" "$rootfs/usr/local/bin/sleep-alias" # a second link, already in the image
for tool in "$@"; do
  strip -o "$rootfs/usr/bin/$(basename "$tool")" "$tool"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$rootfs/etc/passwd"
# Files the policy tests name: nested directories, direct children.
mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/var/log" "$rootfs/var/lib/app/deep"
printf 'busybox\n' > "$rootfs/etc/hostname"
mkdir -p "$rootfs/opt"
ln "$rootfs/etc/hostname" "$rootfs/opt/hostname-alias" # a second link, already in the image
printf 'test certificate\n' > "$rootfs/etc/ssl/certs/ca.pem"
printf 'marker\n' > "$rootfs/var/marker"
printf 'log line\n' > "$rootfs/var/log/app.log"
printf 'deep\n' > "$rootfs/var/lib/app/deep/file"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"

# A service account token, as Kubernetes mounts it into pods.
sa="$stage/opt/kadapter/testdata/serviceaccount"
mkdir -p "$sa"
printf 'eyJhbGciOiJSUzI1NiJ9.kadapter-test-token\n' > "$sa/token"
printf 'default\n' > "$sa/namespace"

# Reproducible archive: fixed times and owners, sorted names.
find "$stage" -exec touch -h -d @0 {} +
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
  cpio --quiet -o -H newc --reproducible -R 0:0) | gzip -9 -n > "$out.tmp"
mv "$out.tmp" "$out"
