#!/usr/bin/env bash
# Installs the built tree into PREFIX, emptied first so that nothing from an
# earlier install can stand in for what this one misses.
# Usage: install.sh BUILD_DIR PREFIX
set -euo pipefail
build=$1 prefix=$2
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix"
