#!/usr/bin/env bash
# Builds an ext4 filesystem image holding the same tree as the initrd (the
# osbuilder AGENT_INIT=yes layout: kadapter-init at /sbin/init), for
# hypervisors booted from a disk instead of an initrd. It is a bare
# filesystem (root=/dev/vda), not osbuilder's partitioned image with a DAX
# header. Reproducible: fixed UUID, hash seed, creation time and file times.
#
# Usage: build-ext4.sh OUT INITRD
set -euo pipefail

out=$1
initrd=$(realpath "$2")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/root"
(cd "$tmp/root" && gzip -dc "$initrd" | cpio --quiet -id --no-absolute-filenames --preserve-modification-time)
find "$tmp/root" -exec touch -h -d @0 {} +

# Room for the files plus a quarter, in 1 MiB steps (ext4 with 4 KiB blocks).
mib=$(( ($(du -s --block-size=1M "$tmp/root" | cut -f1) * 5 / 4) + 16 ))
uuid=6b616461-7074-6572-2d72-6f6f74667321 # fixed: "kadapter-rootfs!"
E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -L kadapter-rootfs -U "$uuid" -E "hash_seed=$uuid,root_owner=0:0" \
  -T default -b 4096 -I 256 -O ^has_journal -d "$tmp/root" "$out.tmp" "${mib}M" >/dev/null
# mke2fs copies each file's change time, which unpacking set to now: zero
# every inode's times (and the root's) in one debugfs pass.
(cd "$tmp/root" && find . -mindepth 1 | LC_ALL=C sort | cut -c2- |
  while read -r f; do printf 'sif "%s" %s 0\n' "$f" ctime "$f" atime "$f" mtime "$f" crtime; done
  printf 'sif / %s 0\n' ctime atime mtime crtime) > "$tmp/times.debugfs"
E2FSPROGS_FAKE_TIME=1 debugfs -w -f "$tmp/times.debugfs" "$out.tmp" >/dev/null 2>&1
mv "$out.tmp" "$out"
