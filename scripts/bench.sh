#!/usr/bin/env bash
# The benchmark: set up, build, boot a guest with kadapter-bench as its init
# and print the cost of open, exec, socket and capable() against a baseline
# with no programs, at 1, 100 and 10000 rules per category.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
exec build/bench/kadapter-bench-run
