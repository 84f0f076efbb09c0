// A kernel configuration as Kconfig writes it (.config): option names to
// their values, with "# CONFIG_X is not set" read as absent.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace kadapter::kernelcheck {

class KernelConfig {
public:
    // Parses .config text; throws kadapter::Error(InvalidArgument) if the
    // text has no CONFIG_ line at all (not a kernel config).
    static KernelConfig parse(std::string_view text);

    // The value as written ("y", "m", "\"a,b\"", "240"), or nullopt if unset.
    std::optional<std::string> get(const std::string& name) const;
    // A string option's value without its quotes (and escapes).
    std::optional<std::string> get_string(const std::string& name) const;
    size_t size() const { return options_.size(); }

private:
    std::map<std::string, std::string> options_;
};

} // namespace kadapter::kernelcheck
