// The textual forms the kata-agent's network messages carry: IP addresses
// with or without a prefix length, prefix lengths as decimal strings, MAC
// addresses, interface names. Pure, so host unit tests cover them; each
// parser is strict and says what is wrong, for INVALID_ARGUMENT answers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace guest_init::net {

struct IpAddress {
    int family = 0; // AF_INET or AF_INET6
    std::array<uint8_t, 16> bytes{};

    size_t size() const;        // 4 or 16
    int max_prefix() const;     // 32 or 128
    bool is_link_local() const; // fe80::/10
    std::string str() const;    // inet_ntop's form
    bool operator==(const IpAddress&) const = default;
};

struct IpPrefix {
    IpAddress address;
    int length = 0;
    std::string str() const; // "address/length"
};

using Mac = std::array<uint8_t, 6>;

// Each throws std::invalid_argument naming `field` (as "interface.hwAddr").

// A bare IPv4 or IPv6 address; no zone, no prefix.
IpAddress parse_ip(std::string_view text, const std::string& field);
// A prefix length as a decimal string (the IPAddress.mask field), 0 up to
// the family's maximum.
int parse_prefix_length(std::string_view text, int family, const std::string& field);
// "address/length", or a bare address meaning a host prefix (/32, /128).
IpPrefix parse_prefix(std::string_view text, const std::string& field);
// Six hex octets separated by ':'.
Mac parse_mac(std::string_view text, const std::string& field);
std::string format_mac(const uint8_t* bytes, size_t len); // lower case, as Go's net.HardwareAddr
// What the kernel accepts as a link name (dev_valid_name()).
void check_link_name(std::string_view name, const std::string& field);

} // namespace guest_init::net
