// The textual forms of the network RPCs' addresses (guest-init/net_text.hpp).
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <functional>

#include "net_text.hpp"

using namespace guest_init::net;

namespace {

std::string error_of(const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("IP addresses and prefixes parse strictly and print canonically")
{
    CHECK(parse_ip("10.0.2.15", "f").family == AF_INET);
    CHECK(parse_ip("10.0.2.15", "f").str() == "10.0.2.15");
    CHECK(parse_ip("FD00:6B61:0::15", "f").str() == "fd00:6b61::15");
    CHECK(parse_ip("fe80::1", "f").is_link_local());
    CHECK_FALSE(parse_ip("fd00::1", "f").is_link_local());
    for (const char* bad : {"", "10.0.2", "10.0.2.300", " 10.0.2.15", "10.0.2.15/24", "fe80::1%eth0", "eth0"})
        CHECK(error_of([&] { parse_ip(bad, "x.address"); }).find("x.address") != std::string::npos);

    CHECK(parse_prefix_length("24", AF_INET, "m") == 24);
    CHECK(parse_prefix_length("0", AF_INET, "m") == 0);
    CHECK(parse_prefix_length("128", AF_INET6, "m") == 128);
    CHECK(error_of([] { parse_prefix_length("33", AF_INET, "IPAddresses[0].mask"); }) ==
          "IPAddresses[0].mask '33' is not a prefix length for IPv4 (0-32)");
    for (const char* bad : {"", "-1", "+8", "2 4", "0x10", "1000", "129"})
        CHECK_FALSE(error_of([&] { parse_prefix_length(bad, AF_INET6, "m"); }).empty());

    auto p = parse_prefix("10.0.2.0/24", "d");
    CHECK(p.str() == "10.0.2.0/24");
    CHECK(parse_prefix("10.0.2.2", "d").length == 32);
    CHECK(parse_prefix("::/0", "d").str() == "::/0");
    CHECK(error_of([] { parse_prefix("10.0.2.0/40", "Routes[0].dest"); }).find("Routes[0].dest") != std::string::npos);
}

TEST_CASE("MAC addresses and interface names")
{
    Mac m = parse_mac("52:54:00:6B:61:64", "hwAddr");
    CHECK(format_mac(m.data(), m.size()) == "52:54:00:6b:61:64");
    CHECK(format_mac(parse_mac("2:0:0:0:0:a", "h").data(), 6) == "02:00:00:00:00:0a");
    for (const char* bad : {"", "52:54:00:6b:61", "52:54:00:6b:61:64:00", "52:54:00:6b:61:zz", "525400:6b:61:64",
                            "52-54-00-6b-61-64", "52:54:00:6b:61:", "152:54:00:6b:61:64"})
        CHECK(error_of([&] { parse_mac(bad, "interface.hwAddr"); }).find("interface.hwAddr") != std::string::npos);

    CHECK_NOTHROW(check_link_name("eth0", "n"));
    CHECK_NOTHROW(check_link_name("a23456789012345", "n")); // 15 characters
    for (const char* bad : {"", ".", "..", "a234567890123456", "eth/0", "eth:0", "eth 0", "eth%d", "eth%x"})
        CHECK(error_of([&] { check_link_name(bad, "interface.name"); }).find("interface.name") != std::string::npos);
}
