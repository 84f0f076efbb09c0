// Guest-init settings from the kernel command line (agent.* keys, as the
// kata-agent reads them) and the kadapter.* keys of our own.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace guest_init {

struct Config {
    // agent.server_addr: comma-separated; default vsock://-1:1024 plus the
    // virtio-serial port agent.channel.0 when the VM has one.
    std::vector<std::string> server_addrs;
    bool server_addrs_given = false;
    std::string log_level = "info"; // agent.log
    uint32_t log_vport = 0;         // agent.log_vport: vsock port for the log channel (Kata: 1025)
    bool debug_console = false;     // agent.debug_console
    uint32_t debug_console_vport = 0;
    bool devmode = false;                       // agent.devmode
    uint32_t max_alerts_per_sec = 10;           // kadapter.max_alerts_per_sec
    uint32_t throttle_sec = 30;                 // kadapter.throttle_sec
    std::map<std::string, std::string> ignored; // recognised as agent.* but not used

    // Every agent.*/kadapter.* key with a value we could not use, and why.
    std::vector<std::string> warnings;
};

// Parses the kernel command line (the contents of /proc/cmdline).
Config parse_cmdline(const std::string& cmdline);

} // namespace guest_init
