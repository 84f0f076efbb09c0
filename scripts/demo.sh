#!/usr/bin/env bash
# The main job: set up, build everything, boot the guest and show the
# poster's policy enforced in it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
exec build/tools/demo/kadapter-demo
