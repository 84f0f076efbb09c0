#include "config.hpp"

#include <sstream>

namespace guest_init {
namespace {

bool parse_uint(const std::string& s, uint32_t& out)
{
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
        return false;
    unsigned long v = std::stoul(s);
    if (v > 0xffffffffu)
        return false;
    out = static_cast<uint32_t>(v);
    return true;
}

bool parse_bool(const std::string& s, bool& out)
{
    if (s.empty() || s == "1" || s == "true" || s == "yes" || s == "on") {
        out = true;
        return true;
    }
    if (s == "0" || s == "false" || s == "no" || s == "off") {
        out = false;
        return true;
    }
    return false;
}

} // namespace

Config parse_cmdline(const std::string& cmdline)
{
    Config c;
    std::istringstream in(cmdline);
    for (std::string word; in >> word;) {
        size_t eq = word.find('=');
        std::string key = word.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : word.substr(eq + 1);
        if (!key.starts_with("agent.") && !key.starts_with("kadapter."))
            continue;
        auto bad = [&] { c.warnings.push_back(key + "=" + value + ": invalid value, ignored"); };

        if (key == "agent.server_addr") {
            c.server_addrs.clear();
            std::stringstream ss(value);
            for (std::string a; std::getline(ss, a, ',');)
                if (!a.empty())
                    c.server_addrs.push_back(a);
            c.server_addrs_given = !c.server_addrs.empty();
            if (!c.server_addrs_given)
                bad();
        } else if (key == "agent.log") {
            static const char* levels[] = {"trace", "debug", "info", "warn", "warning", "error", "critical"};
            bool ok = false;
            for (const char* l : levels)
                ok = ok || value == l;
            if (ok)
                c.log_level = value == "warning" ? "warn" : value;
            else
                bad();
        } else if (key == "agent.log_vport") {
            if (!parse_uint(value, c.log_vport))
                bad();
        } else if (key == "agent.debug_console") {
            if (!parse_bool(value, c.debug_console))
                bad();
        } else if (key == "agent.debug_console_vport") {
            if (!parse_uint(value, c.debug_console_vport))
                bad();
        } else if (key == "agent.devmode") {
            if (!parse_bool(value, c.devmode))
                bad();
        } else if (key == "kadapter.max_alerts_per_sec") {
            if (!parse_uint(value, c.max_alerts_per_sec))
                bad();
        } else if (key == "kadapter.throttle_sec") {
            if (!parse_uint(value, c.throttle_sec))
                bad();
        } else {
            c.ignored[key] = value;
        }
    }
    return c;
}

} // namespace guest_init
