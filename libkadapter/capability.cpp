#include "kadapter/capability.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kadapter {
namespace {

constexpr std::array<const char*, kLastCapability + 1> kNames = {"chown",
                                                                 "dac_override",
                                                                 "dac_read_search",
                                                                 "fowner",
                                                                 "fsetid",
                                                                 "kill",
                                                                 "setgid",
                                                                 "setuid",
                                                                 "setpcap",
                                                                 "linux_immutable",
                                                                 "net_bind_service",
                                                                 "net_broadcast",
                                                                 "net_admin",
                                                                 "net_raw",
                                                                 "ipc_lock",
                                                                 "ipc_owner",
                                                                 "sys_module",
                                                                 "sys_rawio",
                                                                 "sys_chroot",
                                                                 "sys_ptrace",
                                                                 "sys_pacct",
                                                                 "sys_admin",
                                                                 "sys_boot",
                                                                 "sys_nice",
                                                                 "sys_resource",
                                                                 "sys_time",
                                                                 "sys_tty_config",
                                                                 "mknod",
                                                                 "lease",
                                                                 "audit_write",
                                                                 "audit_control",
                                                                 "setfcap",
                                                                 "mac_override",
                                                                 "mac_admin",
                                                                 "syslog",
                                                                 "wake_alarm",
                                                                 "block_suspend",
                                                                 "audit_read",
                                                                 "perfmon",
                                                                 "bpf",
                                                                 "checkpoint_restore"};

} // namespace

std::optional<int> capability_number(std::string_view name)
{
    std::string s(name);
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s.starts_with("cap_"))
        s = s.substr(4);
    for (size_t i = 0; i < kNames.size(); ++i)
        if (s == kNames[i])
            return static_cast<int>(i);
    return std::nullopt;
}

std::string capability_name(int number)
{
    if (number < 0 || number > kLastCapability)
        return "CAP_" + std::to_string(number);
    std::string s = std::string("CAP_") + kNames[number];
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

} // namespace kadapter
