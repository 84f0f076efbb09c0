#!/usr/bin/env bash
# The consumer tests' guest image: the consumer programs, each booted as the
# guest's init in a run of its own, and the shared libraries they load
# (libkadapter.so from the install prefix, its dependencies and the C
# library from this machine) in the default library directory, as a
# distribution installs them. No kadapter-init, no kernel modules: the
# programs own the guest.
#
# Usage: make-initrd.sh OUT LIBDIR PROGRAM...   (LIBDIR: the prefix's, for ldd)
set -euo pipefail
out=$1 libdir=$(cd "$2" && pwd)
shift 2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{dev,proc,sys,tmp,etc,usr/bin,lib/x86_64-linux-gnu,lib64}

for program in "$@"; do
  cp "$program" "$stage/usr/bin/"
done
# ldd prints "name => /path (addr)" per library and the loader as
# "/lib64/ld-linux-x86-64.so.2 (addr)"; a static program has none. A
# library ldd cannot find would fail the program's boot: an error here.
libraries=$stage/libraries.txt
for program in "$@"; do
  if ! file "$program" | grep -q "statically linked"; then
    deps=$(LD_LIBRARY_PATH=$libdir ldd "$program")
    if grep -q "not found" <<< "$deps"; then
      echo "make-initrd.sh: $program: $(grep "not found" <<< "$deps" | tr -s ' \t\n' ' ')" >&2
      exit 1
    fi
    awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<< "$deps"
  fi
done | sort -u > "$libraries"
while read -r lib; do
  case $lib in
    */ld-linux-x86-64.so.2) cp -L "$lib" "$stage/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ;;
    *) cp -L "$lib" "$stage/lib/x86_64-linux-gnu/$(basename "$lib")" ;;
  esac
done < "$libraries"
rm "$libraries"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$stage/lib64/ld-linux-x86-64.so.2"

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
programs=("$stage"/usr/bin/*) libs=("$stage"/lib/x86_64-linux-gnu/*)
echo "make-initrd.sh: $out: ${#programs[@]} programs, ${#libs[@]} shared libraries"
