#!/usr/bin/env bash
# Every test: set up, build everything, then the unit tests on the host and
# the guest suite in a QEMU guest (ctest labels: unit, guest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
exec ctest --test-dir build --output-on-failure "$@"
