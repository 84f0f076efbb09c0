// Checks a kernel configuration against what BPF-LSM enforcement needs and
// reports each option that is missing or wrong, with the reason it matters.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "kernel_config.hpp"
#include "requirements.hpp"

namespace kadapter::kernelcheck {

struct CheckOptions {
    // The kernel command line the guest boots with (Kata's kernel_params):
    // an lsm= there replaces CONFIG_LSM as the list of active LSMs.
    std::string kernel_params;
};

struct Finding {
    Requirement requirement;
    std::optional<std::string> actual; // nullopt: not set
    std::string problem;               // "is not set", "is m, want y", ...
};

struct Report {
    size_t checked = 0;
    std::vector<Finding> findings;
    bool ok() const { return findings.empty(); }
};

Report check(const KernelConfig& config, const std::vector<Requirement>& requirements,
             const CheckOptions& options = {});

// One line per finding: "CONFIG_X <problem>: <reason>", then a summary.
void print_report(std::ostream& out, const Report& report);

} // namespace kadapter::kernelcheck
