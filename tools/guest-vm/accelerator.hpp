// Which accelerator QEMU runs the project's guests with: KVM where it can
// really boot a guest, TCG (software emulation) otherwise.
//
// KADAPTER_ACCEL picks: `auto` (the default) probes KVM once with a short
// boot of the guest's own kernel to a marker and falls back to TCG; `kvm`
// insists on it (an error, with QEMU's own message, where it cannot boot);
// `tcg` never tries it. A /dev/kvm that exists is no proof: nested KVM can
// abort at the first vCPU MSR write, or hang early in the boot.
//
// The probe's verdict is cached per machine, QEMU binary and guest kernel
// under the build tree (KADAPTER_ACCEL_CACHE overrides the directory), so
// it costs one boot per machine, not one per guest.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace kadapter::vm {

enum class Accel { kvm, tcg };

struct AcceleratorChoice {
    Accel accel = Accel::tcg;
    std::string reason; // why, for the one line printed when it is chosen
};

// Any failure to boot a guest, with what QEMU and the guest said.
struct GuestVmError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The choice for guests of this kernel, decided once per process (and
// printed then, one line on stderr). Throws GuestVmError for a bad
// KADAPTER_ACCEL, a missing QEMU, or a forced KVM that cannot boot.
const AcceleratorChoice& choose_accelerator(const std::string& kernel, const std::string& initrd);

// QEMU's -machine and -cpu arguments for the accelerator.
std::vector<std::string> machine_args(Accel accel);

const char* accel_name(Accel accel);

// The QEMU binary on PATH ("" if there is none).
std::string find_qemu();

} // namespace kadapter::vm
