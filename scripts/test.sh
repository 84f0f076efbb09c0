#!/usr/bin/env bash
# Every test: set up, build everything, then the unit tests on the host and
# the guest suite in a QEMU guest (ctest labels: unit, cli, guest), after a
# short smoke run of each fuzz target (label fuzz), built with clang and
# libFuzzer in build-fuzz (only the policy library and the fuzzers), and
# the agent's state raced on real threads under ThreadSanitizer (label
# tsan), built with clang in build-tsan (only that state and its test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
cmake -S . -B build-fuzz -G Ninja -DKADAPTER_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz
ctest --test-dir build-fuzz --output-on-failure
cmake -S . -B build-tsan -G Ninja -DKADAPTER_TSAN=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-tsan
ctest --test-dir build-tsan --output-on-failure
exec ctest --test-dir build --output-on-failure "$@"
