#!/usr/bin/env bash
# Hook mutation testing: for every LSM hook kadapter attaches, boot the guest
# suite with that one hook left unattached and check that some test fails.
# A hook whose absence no test notices is reported as a surviving mutant.
# Needs a build with -DKADAPTER_HOOK_MUTATION=ON (this script makes one in
# build-mutation/). Slow (one suite run per hook, stopping at the first
# failure): run it when hooks or tests change, not in CI.
#   tests/mutation/hooks.sh [HOOK...]
set -uo pipefail
cd "$(dirname "$0")/../.."
build=build-mutation
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKADAPTER_HOOK_MUTATION=ON \
  -DKADAPTER_GUEST_KERNEL_DIR="$PWD/build/guest-kernel" >/dev/null || exit 1
cmake --build "$build" --target kadapter-guest-tests initrd >/dev/null || exit 1

hooks=("$@")
if ((${#hooks[@]} == 0)); then
  mapfile -t hooks < <(grep -ho 'SEC("lsm/[a-z_]*")' bpf/*.bpf.c | sed 's/SEC("lsm\/\(.*\)")/\1/' | sort -u)
fi

survivors=()
for hook in "${hooks[@]}"; do
  log="$build/mutation-$hook.log"
  start=$SECONDS
  if KADAPTER_GUEST_CMDLINE="KADAPTER_MUTATE_HOOK=$hook" "$build/tests/kadapter-guest-tests" --abort \
      --reporter compact >"$log" 2>&1; then
    echo "SURVIVED  $hook: every test passed without it ($((SECONDS - start)) s, $log)"
    survivors+=("$hook")
  elif grep -q "MUTATION TESTING: lsm/$hook left unattached" "$log"; then
    failed=$(grep -m1 -oE "^[^:]*\.cpp:[0-9]+: failed" "$log" || true)
    echo "killed    $hook: ${failed:-a test failed} ($((SECONDS - start)) s)"
  else
    echo "ERROR     $hook: the suite failed before the mutant was in place ($log)"
    survivors+=("$hook")
  fi
done
echo "${#hooks[@]} hooks, ${#survivors[@]} not caught: ${survivors[*]:-none}"
((${#survivors[@]} == 0))
