#include "vocabulary.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "kadapter/capability.hpp"

namespace kadapter::policy {
namespace {

constexpr std::array<const char*, 13> kProtocols = {"tcp",   "udp", "icmp",      "icmpv6", "sctp",   "raw", "stream",
                                                    "dgram", "rdm", "seqpacket", "dccp",   "packet", "all"};

} // namespace

std::string trim(const std::string& s)
{
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return "";
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::string lowercase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::optional<Action> parse_action(const std::string& s)
{
    if (s == "Allow")
        return Action::Allow;
    if (s == "Audit")
        return Action::Audit;
    if (s == "Block")
        return Action::Block;
    return std::nullopt;
}

std::optional<std::string> parse_protocol_name(const std::string& s)
{
    std::string l = lowercase(s);
    for (const char* p : kProtocols)
        if (l == p)
            return l;
    return std::nullopt;
}

std::string protocol_names()
{
    std::string out;
    for (const char* p : kProtocols)
        out += (out.empty() ? "" : ", ") + std::string(p);
    return out;
}

std::optional<Protocol> protocol_of(const std::string& n)
{
    static const std::pair<const char*, Protocol> table[] = {
        {"tcp", Protocol::Tcp},       {"udp", Protocol::Udp},
        {"icmp", Protocol::Icmp},     {"icmpv6", Protocol::Icmpv6},
        {"sctp", Protocol::Sctp},     {"raw", Protocol::Raw},
        {"stream", Protocol::Stream}, {"dgram", Protocol::Dgram},
        {"rdm", Protocol::Rdm},       {"seqpacket", Protocol::Seqpacket},
        {"dccp", Protocol::Dccp},     {"packet", Protocol::Packet}};
    for (const auto& [name, p] : table)
        if (n == name)
            return p;
    return std::nullopt;
}

std::string canonical_capability(const std::string& s)
{
    std::string l = lowercase(trim(s));
    if (l.starts_with("cap_"))
        l = l.substr(4);
    return l;
}

std::optional<int> capability_number(const std::string& s)
{
    return kadapter::capability_number(trim(s));
}

std::string capability_name(int number)
{
    return kadapter::capability_name(number);
}

} // namespace kadapter::policy
