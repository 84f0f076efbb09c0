#include "vocabulary.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include "kadapter/capability.hpp"
#include "kadapter/policy.hpp"

namespace kadapter::policy {
namespace {

struct ProtocolWord {
    const char* name;
    std::vector<Protocol> protocols;
};

const std::vector<ProtocolWord>& protocol_words()
{
    static const std::vector<ProtocolWord> words = {
        {"tcp", {Protocol::Tcp}},
        {"udp", {Protocol::Udp}},
        {"icmp", {Protocol::Icmp}},
        {"icmpv6", {Protocol::Icmpv6}},
        {"sctp", {Protocol::Sctp}},
        {"raw", {Protocol::Raw}},
        {"stream", {Protocol::Stream}},
        {"dgram", {Protocol::Dgram}},
        {"rdm", {Protocol::Rdm}},
        {"seqpacket", {Protocol::Seqpacket}},
        {"dccp", {Protocol::Dccp}},
        {"packet", {Protocol::Packet}},
        // KubeArmor (rulesHelper.go) expands "all" to every socket type.
        {"all",
         {Protocol::Stream, Protocol::Dgram, Protocol::Raw, Protocol::Rdm, Protocol::Seqpacket, Protocol::Dccp,
          Protocol::Packet}},
    };
    return words;
}

constexpr std::array<const char*, 5> kPresets = {"filelessExec", "anonymousMapExec", "protectEnv", "exec",
                                                 "protectProc"};

} // namespace

std::string trim(const std::string& s, const char* chars)
{
    size_t b = s.find_first_not_of(chars);
    if (b == std::string::npos)
        return "";
    size_t e = s.find_last_not_of(chars);
    return s.substr(b, e - b + 1);
}

std::string lowercase(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::vector<std::string> split_commas(const std::string& s)
{
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        out.push_back(trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos)
            return out;
        start = comma + 1;
    }
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

std::optional<std::string> protocol_name(const std::string& s)
{
    std::string l = lowercase(s);
    for (const auto& w : protocol_words())
        if (l == w.name)
            return l;
    return std::nullopt;
}

std::string protocol_names()
{
    std::string out;
    for (const auto& w : protocol_words())
        out += (out.empty() ? "" : ", ") + std::string(w.name);
    return out;
}

const char* protocol_word(Protocol p)
{
    for (const auto& w : protocol_words())
        if (w.protocols.size() == 1 && w.protocols[0] == p)
            return w.name;
    return "?";
}

std::vector<Protocol> expand_protocol(const std::string& n)
{
    for (const auto& w : protocol_words())
        if (n == w.name)
            return w.protocols;
    return {};
}

bool crd_accepts_protocol(const std::string& s)
{
    if (s.size() > 64) // std::regex recurses per character
        return false;
    static const std::regex re(
        "(tcp|TCP|udp|UDP|raw|RAW|icmp|ICMP|icmpv6|ICMPV6|sctp|SCTP|stream|STREAM|dgram|DGRAM|rdm|RDM|seqpacket|"
        "SEQPACKET|dccp|DCCP|packet|PACKET|all|ALL)$");
    return std::regex_search(s, re);
}

std::optional<int> capability_number(const std::string& s)
{
    return kadapter::capability_number(s);
}

bool crd_accepts_capability(const std::string& s)
{
    if (s.size() > 64)
        return false;
    static const std::regex re(
        "(chown|dac_override|dac_read_search|fowner|fsetid|kill|setgid|setuid|setpcap|linux_immutable|"
        "net_bind_service|net_broadcast|net_admin|net_raw|ipc_lock|ipc_owner|sys_module|sys_rawio|sys_chroot|"
        "sys_ptrace|sys_pacct|sys_admin|sys_boot|sys_nice|sys_resource|sys_time|sys_tty_config|mknod|lease|"
        "audit_write|audit_control|setfcap|mac_override|mac_admin)$");
    return std::regex_search(s, re);
}

bool is_preset_name(const std::string& s)
{
    return std::find_if(kPresets.begin(), kPresets.end(), [&](const char* p) { return s == p; }) != kPresets.end();
}

std::string preset_names()
{
    std::string out;
    for (const char* p : kPresets)
        out += (out.empty() ? "" : ", ") + std::string(p);
    return out;
}

} // namespace kadapter::policy
