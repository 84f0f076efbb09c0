#!/usr/bin/env bash
# Builds one consumer program against an installed libkadapter, as a project
# outside this tree builds it: it sees the install prefix and its own folder
# here, nothing else of this tree. The one exception is oneshot_init.h, the
# test harness that boots a program as the guest's init (no part of
# kadapter), copied next to the build.
#
# Usage: build.sh c|cpp|go PREFIX LIBDIR HARNESS_HEADER WORK_DIR shared|static-only
#   -> WORK_DIR/bin/kadapter-consumer-{c,cpp,cpp-static,go}
#   c    pkg-config --static, linked statically from libkadapter.a
#   cpp  find_package(kadapter CONFIG): kadapter::kadapter (libkadapter.so),
#        and kadapter::kadapter_static linked statically (cpp-static)
#   go   cgo with `#cgo pkg-config: kadapter` (libkadapter.so); $KADAPTER_GO
# In a static-only build (KADAPTER_SHARED=OFF) kadapter::kadapter and
# pkg-config give libkadapter.a: the cpp and go programs must not load a
# libkadapter.so then.
set -euo pipefail
kind=$1 prefix=$(cd "$2" && pwd) harness_header=$4 work=$(mkdir -p "$5" && cd "$5" && pwd) variant=$6
libdir=$prefix/$3
here=$(cd "$(dirname "$0")" && pwd)
out=$work/bin/kadapter-consumer-$kind
harness=$work/harness
mkdir -p "$work/bin" "$harness"
cp "$harness_header" "$harness/"
rm -f "$out" "$out-static"
export PKG_CONFIG_PATH=$libdir/pkgconfig

is_static() {
  file "$1" | grep -q "statically linked" || { echo "build.sh: $1 is not static" >&2; exit 1; }
}

# The library variant the installed package's default target gives.
links_default_variant() {
  if readelf -d "$1" | grep -q "(NEEDED).*\[libkadapter.so.[0-9]*\]"; then
    [ "$variant" = shared ] || { echo "build.sh: $1 loads libkadapter.so in a static-only build" >&2; exit 1; }
  else
    [ "$variant" = static-only ] || { echo "build.sh: $1 does not load libkadapter.so" >&2; exit 1; }
  fi
}

case $kind in
  c)
    flags=$(pkg-config --static --cflags --libs kadapter)
    echo "build.sh: cc -static consumer.c $flags"
    # shellcheck disable=SC2086 # the flags are words
    cc -std=c11 -Wall -Wextra -Werror -O2 -static -I"$harness" -o "$out" "$here/c/consumer.c" $flags
    is_static "$out"
    ;;
  cpp)
    rm -rf "$work/cpp"
    cmake -S "$here/cpp" -B "$work/cpp" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
      -DKADAPTER_HARNESS_DIR="$harness"
    found=$(sed -n 's/^kadapter_DIR:PATH=//p' "$work/cpp/CMakeCache.txt")
    [ "$found" = "$libdir/cmake/kadapter" ] || { echo "build.sh: found kadapter in '$found', not the prefix" >&2; exit 1; }
    cmake --build "$work/cpp"
    cp "$work/cpp/kadapter-consumer-cpp" "$out"
    cp "$work/cpp/kadapter-consumer-cpp-static" "$out-static"
    links_default_variant "$out"
    is_static "$out-static"
    ;;
  go)
    : "${KADAPTER_GO:?KADAPTER_GO names the go command}"
    # A cache of its own, no toolchain download, no module proxy: the
    # program needs nothing but the standard library and libkadapter.
    export GOCACHE=$work/go/cache GOPATH=$work/go/path GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-buildvcs=false
    export CGO_ENABLED=1 CGO_CFLAGS="-O2 -g -Wall -Werror -I$harness"
    (cd "$here/go" && "$KADAPTER_GO" vet . && "$KADAPTER_GO" build -trimpath -o "$out" .)
    links_default_variant "$out"
    ;;
  *)
    echo "usage: build.sh c|cpp|go PREFIX LIBDIR HARNESS_HEADER WORK_DIR shared|static-only" >&2
    exit 2
    ;;
esac
echo "build.sh: built $out"
