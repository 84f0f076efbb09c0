#!/usr/bin/env bash
# Checks an installed libkadapter as its users meet it: the files are
# there, the shared library has its soname and exports the public API and
# nothing else, every public header compiles on its own from the prefix,
# pkg-config and the CMake package name this version, and no file points
# back into the tree it was built from.
# Usage: check-package.sh PREFIX LIBDIR VERSION SOURCE_DIR BUILD_DIR shared|static-only
set -euo pipefail
prefix=$1 libdir=$prefix/$2 version=$3 source_dir=$4 build_dir=$5 variant=$6
major=${version%%.*}
failures=0
fail() { echo "check-package: FAILED: $*"; failures=$((failures + 1)); }

# The soname and the exports: the C API and the kadapter:: C++ API only,
# and every function the C headers declare.
check_shared_library() {
  local so=$libdir/libkadapter.so.$version
  [ -f "$so" ] || { fail "missing $so"; return; }
  [ "$(readlink "$libdir/libkadapter.so.$major")" = "libkadapter.so.$version" ] ||
    fail "libkadapter.so.$major -> '$(readlink "$libdir/libkadapter.so.$major")'"
  [ "$(readlink "$libdir/libkadapter.so")" = "libkadapter.so.$major" ] ||
    fail "libkadapter.so -> '$(readlink "$libdir/libkadapter.so")'"
  local soname
  soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ "$soname" = "libkadapter.so.$major" ] || fail "SONAME is '$soname', not libkadapter.so.$major"

  exports=$(nm -D --defined-only "$so" | awk '$2 != "A" {print $3}' | sed 's/@.*//')
  [ -n "$exports" ] || fail "libkadapter.so exports nothing"
  local sym demangled fn
  while read -r sym; do
    case $sym in
      kadapter_*) ;;
      _Z*)
        demangled=$(echo "$sym" | c++filt)
        case $demangled in
          kadapter::* | "typeinfo for kadapter::"* | "typeinfo name for kadapter::"* | "vtable for kadapter::"*) ;;
          *) fail "libkadapter.so exports $demangled" ;;
        esac ;;
      *) fail "libkadapter.so exports $sym" ;;
    esac
  done <<< "$exports"
  for fn in $(cat "$prefix/include/kadapter/kadapter.h" "$prefix/include/kadapter/version.h" |
              grep -o '\bkadapter_[a-z_]*(' | tr -d '(' | sort -u); do
    grep -qx "$fn" <<< "$exports" || fail "libkadapter.so does not export $fn"
  done
}

for f in "$libdir/libkadapter.a" "$libdir/pkgconfig/kadapter.pc" \
  "$libdir/cmake/kadapter/kadapterConfig.cmake" "$libdir/cmake/kadapter/kadapterConfigVersion.cmake" \
  "$libdir/cmake/kadapter/kadapterTargets.cmake" "$prefix/include/kadapter/kadapter.h" \
  "$prefix/include/kadapter/version.h" "$prefix/include/kadapter/kubearmor_alert.hpp"; do
  [ -f "$f" ] || fail "missing $f"
done
exports=
if [ "$variant" = shared ]; then
  check_shared_library
else
  if compgen -G "$libdir/libkadapter.so*" >/dev/null; then fail "a static-only build installed libkadapter.so"; fi
  grep -q '^Libs:.*-lyaml-cpp' "$libdir/pkgconfig/kadapter.pc" || fail "kadapter.pc's Libs lack the dependencies"
fi

# Every header on its own, from the prefix alone: C++20, and the C headers as C too.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for h in "$prefix"/include/kadapter/*; do
  name=kadapter/$(basename "$h")
  printf '#include <%s>\n' "$name" > "$scratch/one.cpp"
  c++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" "$scratch/one.cpp" ||
    fail "$name does not compile on its own (C++)"
  case $h in
    *.h)
      printf '#include <%s>\n' "$name" > "$scratch/one.c"
      cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" "$scratch/one.c" ||
        fail "$name does not compile on its own (C)" ;;
  esac
done

got=$(PKG_CONFIG_PATH=$libdir/pkgconfig pkg-config --modversion kadapter)
[ "$got" = "$version" ] || fail "pkg-config says version '$got'"
grep -q "PACKAGE_VERSION \"$version\"" "$libdir/cmake/kadapter/kadapterConfigVersion.cmake" ||
  fail "the CMake package does not say version $version"

# Relocatable: nothing names the source or build tree.
if grep -rlF -e "$source_dir" -e "$build_dir" "$prefix/include" "$libdir/pkgconfig" "$libdir/cmake"; then
  fail "the files above name the source or build tree"
fi

if [ "$failures" -ne 0 ]; then
  echo "check-package: $failures failed"
  exit 1
fi
if [ "$variant" = shared ]; then
  echo "check-package: $prefix holds libkadapter $version: $(wc -l <<< "$exports") exported symbols, headers self-contained"
else
  echo "check-package: $prefix holds libkadapter $version (static only), headers self-contained"
fi
