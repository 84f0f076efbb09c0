#include "kernel_config.hpp"

#include "kadapter/error.hpp"

namespace kadapter::kernelcheck {

KernelConfig KernelConfig::parse(std::string_view text)
{
    KernelConfig config;
    bool seen_option = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.starts_with("CONFIG_")) {
            size_t eq = line.find('=');
            if (eq == std::string_view::npos)
                continue;
            config.options_[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
            seen_option = true;
        } else if (line.starts_with("# CONFIG_") && line.ends_with(" is not set")) {
            // Unset is the same as absent; a later line wins, as in Kconfig.
            config.options_.erase(std::string(line.substr(2, line.size() - 2 - 11)));
            seen_option = true;
        }
    }
    if (!seen_option)
        throw Error(Errc::InvalidArgument, "no CONFIG_ options found: this is not a kernel configuration");
    return config;
}

std::optional<std::string> KernelConfig::get(const std::string& name) const
{
    auto it = options_.find(name);
    if (it == options_.end())
        return std::nullopt;
    return it->second;
}

std::optional<std::string> KernelConfig::get_string(const std::string& name) const
{
    auto v = get(name);
    if (!v || v->size() < 2 || v->front() != '"' || v->back() != '"')
        return v;
    std::string out;
    for (size_t i = 1; i + 1 < v->size(); ++i) {
        if ((*v)[i] == '\\' && i + 2 < v->size())
            ++i;
        out += (*v)[i];
    }
    return out;
}

} // namespace kadapter::kernelcheck
