// What a guest kernel needs for BPF-LSM enforcement, read from our Kconfig
// fragment (fragments/build-type/bpf-lsm/), which is compiled in: the
// fragment that builds the kernel and the list that checks it are one file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kadapter::kernelcheck {

struct Requirement {
    std::string option;  // CONFIG_BPF_LSM
    std::string value;   // as the fragment sets it: y, or "a,b,bpf" for CONFIG_LSM
    std::string reason;  // the comment line above it
    bool checked = true; // false for "build:" options (how to build, not what to have)
};

// Parses a Kata-style fragment: "CONFIG_X=v" lines, each reason the comment
// line directly above. Throws kadapter::Error(InvalidArgument) for an option
// without a reason or a line that is neither.
std::vector<Requirement> parse_fragment(std::string_view text);

// The compiled-in fragment, and its parsed requirements.
std::string_view bpf_lsm_fragment();
const std::vector<Requirement>& bpf_lsm_requirements();

} // namespace kadapter::kernelcheck
