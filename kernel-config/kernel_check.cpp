#include "kernel_check.hpp"

#include <sstream>

namespace kadapter::kernelcheck {
namespace {

constexpr const char* kBpfLsm = "bpf";

std::vector<std::string> split(const std::string& s, char sep)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, sep);)
        if (!item.empty())
            out.push_back(item);
    return out;
}

bool lists(const std::string& lsm_list, const std::string& name)
{
    for (const auto& n : split(lsm_list, ','))
        if (n == name)
            return true;
    return false;
}

// The value of the last `key=` on a command line, as the kernel takes it.
std::optional<std::string> param(const std::string& cmdline, const std::string& key)
{
    std::optional<std::string> value;
    for (const auto& word : split(cmdline, ' '))
        if (word.starts_with(key + "="))
            value = word.substr(key.size() + 1);
    return value;
}

// CONFIG_LSM is the default list of active LSMs: what matters is that "bpf"
// is in it, or in the lsm= that overrides it, not the rest of the list.
std::optional<Finding> check_lsm_list(const KernelConfig& config, const Requirement& r, const CheckOptions& o)
{
    if (auto lsm = param(o.kernel_params, "lsm")) {
        if (lists(*lsm, kBpfLsm))
            return std::nullopt;
        return Finding{r, "lsm=" + *lsm,
                       "is overridden by lsm=" + *lsm + " on the kernel command line, which lacks \"bpf\""};
    }
    auto actual = config.get_string(r.option);
    if (!actual)
        return Finding{r, std::nullopt, "is not set (want a list with \"bpf\", or boot with lsm=...,bpf)"};
    if (lists(*actual, kBpfLsm))
        return std::nullopt;
    return Finding{r, *actual, "is \"" + *actual + "\", which lacks \"bpf\" (add it, or boot with lsm=...,bpf)"};
}

std::optional<Finding> check_value(const KernelConfig& config, const Requirement& r)
{
    auto actual = config.get(r.option);
    if (actual == r.value)
        return std::nullopt;
    if (!actual)
        return Finding{r, std::nullopt, "is not set, want " + r.value};
    if (*actual == "m" && r.value == "y")
        return Finding{r, actual, "is a module (m), want built in (y)"};
    return Finding{r, actual, "is " + *actual + ", want " + r.value};
}

} // namespace

Report check(const KernelConfig& config, const std::vector<Requirement>& requirements, const CheckOptions& options)
{
    Report report;
    for (const auto& r : requirements) {
        if (!r.checked)
            continue;
        ++report.checked;
        auto finding = r.option == "CONFIG_LSM" ? check_lsm_list(config, r, options) : check_value(config, r);
        if (finding)
            report.findings.push_back(std::move(*finding));
    }
    return report;
}

void print_report(std::ostream& out, const Report& report)
{
    for (const auto& f : report.findings)
        out << f.requirement.option << ' ' << f.problem << ": " << f.requirement.reason << '\n';
    if (report.ok())
        out << "OK: all " << report.checked << " options BPF-LSM enforcement needs are set\n";
    else
        out << "FAIL: " << report.findings.size() << " of " << report.checked
            << " options BPF-LSM enforcement needs are missing or wrong\n";
}

} // namespace kadapter::kernelcheck
