#include "kadapter/ruleset.hpp"

#include <algorithm>

namespace kadapter {

const char* to_string(Action a)
{
    switch (a) {
    case Action::Allow:
        return "Allow";
    case Action::Audit:
        return "Audit";
    case Action::Block:
        return "Block";
    }
    return "?";
}

const char* to_string(Posture p)
{
    return p == Posture::Block ? "block" : "audit";
}

const char* to_string(Category c)
{
    switch (c) {
    case Category::Process:
        return "process";
    case Category::File:
        return "file";
    case Category::Network:
        return "network";
    case Category::Capabilities:
        return "capabilities";
    }
    return "?";
}

namespace {

template <typename Rules> bool allows(const Rules& rules)
{
    return std::any_of(rules.begin(), rules.end(), [](const auto& r) { return r.action == Action::Allow; });
}

} // namespace

bool RuleSet::dns_allow_list() const
{
    return allows(dns);
}

bool RuleSet::allow_list(Category c) const
{
    switch (c) {
    case Category::Process:
        return allows(process);
    case Category::File:
        return allows(file);
    case Category::Network:
        return allows(network);
    case Category::Capabilities:
        return allows(capabilities);
    }
    return false;
}

Posture RuleSet::posture(Category c) const
{
    switch (c) {
    case Category::Process: // KubeArmor keys the process posture off the file posture
    case Category::File:
        return file_posture;
    case Category::Network:
        return network_posture;
    case Category::Capabilities:
        return capabilities_posture;
    }
    return Posture::Audit;
}

} // namespace kadapter
