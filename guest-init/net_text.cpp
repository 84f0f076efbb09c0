#include "net_text.hpp"

#include <arpa/inet.h>
#include <net/if.h>

#include <cctype>
#include <stdexcept>

namespace guest_init::net {
namespace {

std::string quoted(std::string_view s)
{
    return "'" + std::string(s) + "'";
}

} // namespace

size_t IpAddress::size() const
{
    return family == AF_INET6 ? 16 : 4;
}

int IpAddress::max_prefix() const
{
    return family == AF_INET6 ? 128 : 32;
}

bool IpAddress::is_link_local() const
{
    return family == AF_INET6 && bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

std::string IpAddress::str() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    ::inet_ntop(family, bytes.data(), buf, sizeof(buf));
    return buf;
}

std::string IpPrefix::str() const
{
    return address.str() + "/" + std::to_string(length);
}

IpAddress parse_ip(std::string_view text, const std::string& field)
{
    // inet_pton is strict (no spaces, no zone, no shorthand IPv4) but needs
    // a terminated string.
    std::string s(text);
    IpAddress a;
    if (!s.empty() && ::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (!s.empty() && ::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    throw std::invalid_argument(field + " " + quoted(text) + " is not an IPv4 or IPv6 address");
}

int parse_prefix_length(std::string_view text, int family, const std::string& field)
{
    const int max = family == AF_INET6 ? 128 : 32;
    const auto bad = [&] {
        return std::invalid_argument(field + " " + quoted(text) + " is not a prefix length for " +
                                     (family == AF_INET6 ? "IPv6 (0-128)" : "IPv4 (0-32)"));
    };
    if (text.empty() || text.size() > 3)
        throw bad();
    int n = 0;
    for (char c : text) {
        if (!std::isdigit(static_cast<unsigned char>(c)))
            throw bad();
        n = n * 10 + (c - '0');
    }
    if (n > max)
        throw bad();
    return n;
}

IpPrefix parse_prefix(std::string_view text, const std::string& field)
{
    IpPrefix p;
    auto slash = text.find('/');
    p.address = parse_ip(text.substr(0, slash), field);
    p.length = slash == std::string_view::npos
                   ? p.address.max_prefix()
                   : parse_prefix_length(text.substr(slash + 1), p.address.family, field + " prefix length");
    return p;
}

Mac parse_mac(std::string_view text, const std::string& field)
{
    Mac mac{};
    size_t pos = 0;
    for (size_t i = 0; i < mac.size(); ++i) {
        size_t end = i + 1 < mac.size() ? text.find(':', pos) : text.size();
        std::string_view octet = text.substr(pos, end == std::string_view::npos ? 0 : end - pos);
        if (end == std::string_view::npos || octet.empty() || octet.size() > 2 ||
            !std::isxdigit(static_cast<unsigned char>(octet[0])) ||
            (octet.size() == 2 && !std::isxdigit(static_cast<unsigned char>(octet[1]))))
            throw std::invalid_argument(field + " " + quoted(text) +
                                        " is not a MAC address (six hex octets: aa:bb:cc:dd:ee:ff)");
        mac[i] = static_cast<uint8_t>(std::stoul(std::string(octet), nullptr, 16));
        pos = end + 1;
    }
    return mac;
}

std::string format_mac(const uint8_t* bytes, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < len; ++i) {
        if (i)
            out += ':';
        out += hex[bytes[i] >> 4];
        out += hex[bytes[i] & 0xf];
    }
    return out;
}

void check_link_name(std::string_view name, const std::string& field)
{
    bool ok = !name.empty() && name.size() < IFNAMSIZ && name != "." && name != "..";
    for (char c : name)
        // '%' makes the kernel pick a name ("eth%d"), or fail after the
        // link was taken down for the rename.
        ok = ok && c != '/' && c != ':' && c != '%' && !std::isspace(static_cast<unsigned char>(c)) &&
             std::isprint(static_cast<unsigned char>(c));
    if (!ok)
        throw std::invalid_argument(field + " " + quoted(name) + " is not a valid interface name (1 to " +
                                    std::to_string(IFNAMSIZ - 1) + " printable characters, no '/', ':', '%' or space)");
}

} // namespace guest_init::net
