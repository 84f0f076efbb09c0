#!/usr/bin/env bash
# The launcher's accelerator choice and its boot failures, as a user meets
# them, with fake QEMUs in front of the real one (fake-qemu.in):
#   1. auto, KVM aborts:   falls back to TCG in one line; the demo passes
#   2. kvm, KVM aborts:    a clear error naming QEMU's message, from the cache
#   3. auto, KVM hangs:    the probe gives up in seconds; guest cases pass
#   4. no QEMU on PATH:    a clear error
#   5. a guest that never serves (init missing): QEMU's exit and the console
# None may end in std::terminate.
#   accel_test.sh FAKES_DIR DEMO GUEST_TESTS
set -uo pipefail
fakes=$1 demo=$2 guest_tests=$3
work=$(mktemp -d /tmp/kadapter-accel-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# expect NAME FILE PATTERN...: each extended regex occurs in FILE.
expect() {
  local name=$1 file=$2
  shift 2
  for pattern in "$@"; do
    grep -Eq -- "$pattern" "$file" || fail "$name: no '$pattern' in its output (below)"
  done
  if grep -q "terminate called" "$file"; then fail "$name: std::terminate"; fi
}
show() { sed 's/^/    | /' "$1" | tail -n 40; }
# run NAME EXPECTED_STATUS CMD...: runs CMD, output in $work/NAME.out.
run() {
  local name=$1 want=$2
  shift 2
  local start=$SECONDS
  "$@" >"$work/$name.out" 2>&1
  local status=$?
  echo "$name: exit $status in $((SECONDS - start)) s"
  if [ "$want" = 0 ] && [ "$status" != 0 ]; then fail "$name: exit $status, wanted 0"; fi
  if [ "$want" = fail ] && [ "$status" = 0 ]; then fail "$name: exit 0, wanted a failure"; fi
}

# 1. auto with a KVM that aborts at the first MSR write.
cache=$work/cache-abort
run auto-abort 0 env PATH="$fakes/kvm-abort:$PATH" KADAPTER_ACCEL_CACHE="$cache" KADAPTER_ACCEL= "$demo"
expect auto-abort "$work/auto-abort.out" \
  'kadapter: guests run under TCG \(software emulation\): KVM cannot boot a guest here: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' \
  'probed now' 'Demo passed\.'
[ "$(grep -c 'guests run under' "$work/auto-abort.out")" = 1 ] || fail "auto-abort: the choice was not printed exactly once"
[ "$(head -n1 "$cache"/* 2>/dev/null)" = tcg ] || fail "auto-abort: no cached TCG verdict in $cache"
show "$work/auto-abort.out"

# 2. Forced KVM, same machine: the cached verdict, as an error.
run forced-kvm fail env PATH="$fakes/kvm-abort:$PATH" KADAPTER_ACCEL_CACHE="$cache" KADAPTER_ACCEL=kvm "$demo"
expect forced-kvm "$work/forced-kvm.out" \
  'KADAPTER_ACCEL=kvm, but KVM cannot boot a guest on this machine: qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' \
  'cached in'
show "$work/forced-kvm.out"
# ... and with no cache: probed, then the same error.
run forced-kvm-probe fail env PATH="$fakes/kvm-abort:$PATH" KADAPTER_ACCEL_CACHE="$work/cache-forced" KADAPTER_ACCEL=kvm "$demo"
expect forced-kvm-probe "$work/forced-kvm-probe.out" 'KADAPTER_ACCEL=kvm, but KVM cannot boot.*failed to set MSR 0x10a' 'probed now'

# 3. auto with a KVM guest that hangs after "Probing EDD": the probe gives
# up, the fallback guest serves the suite's first cases.
run auto-hang 0 env PATH="$fakes/kvm-hang:$PATH" KADAPTER_ACCEL_CACHE="$work/cache-hang" KADAPTER_ACCEL= \
  KADAPTER_FAKE_QEMU_PIDS="$work/hung-pids" \
  "$guest_tests" "the agent answers Health and reports BPF-LSM enforcement,the poster's policy denies the service account token in the app=nginx pod"
expect auto-hang "$work/auto-hang.out" \
  'guests run under TCG.*no sign of life under KVM within 10 s; its console ends: Probing EDD' \
  'All tests passed \([0-9]+ assertions in 2 test cases\)'
show "$work/auto-hang.out"
[ -s "$work/hung-pids" ] || fail "auto-hang: the hanging fake QEMU never ran"
for pid in $(cat "$work/hung-pids" 2>/dev/null); do
  if kill -0 "$pid" 2>/dev/null; then fail "auto-hang: the hung probe QEMU ($pid) was left running"; fi
done

# 4. No QEMU at all.
run no-qemu fail env PATH=/nonexistent KADAPTER_ACCEL= "$demo"
expect no-qemu "$work/no-qemu.out" 'qemu-system-x86_64 is not on PATH'

# 5. A guest that cannot come up: its init is missing, the kernel panics
# and QEMU exits (panic=-1, -no-reboot) long before the boot timeout.
run no-init fail env KADAPTER_ACCEL=tcg KADAPTER_GUEST_CMDLINE="rdinit=/no/such/init init=/no/such/init" "$demo"
expect no-init "$work/no-init.out" 'QEMU exited with status 0 before the agent answered' 'Kernel panic' \
  'guests run under TCG \(software emulation\): KADAPTER_ACCEL=tcg'
show "$work/no-init.out"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "every accelerator and boot-failure check passed"
