#!/usr/bin/env bash
# Builds an image twice from the same inputs, a second apart, and checks
# that both have the same hash.
#
# Usage: test-reproducible.sh BUILD_SCRIPT ARGS...
#   runs BUILD_SCRIPT OUT ARGS... for two temporary OUTs
set -euo pipefail

build=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$build" "$tmp/first" "$@"
sleep 1 # a later clock must not show in the image
"$build" "$tmp/second" "$@"

first=$(sha256sum "$tmp/first" | cut -d' ' -f1)
second=$(sha256sum "$tmp/second" | cut -d' ' -f1)
echo "first build:  $first ($(stat -c %s "$tmp/first") bytes)"
echo "second build: $second ($(stat -c %s "$tmp/second") bytes)"
if [ "$first" != "$second" ]; then
  echo "the two builds differ" >&2
  cmp "$tmp/first" "$tmp/second" | head -n 5 >&2 || true
  exit 1
fi
echo "reproducible"
