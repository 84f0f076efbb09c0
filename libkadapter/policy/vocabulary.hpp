// The words of the policy language: actions, protocols, capabilities.
#pragma once

#include <optional>
#include <string>

#include "kadapter/ruleset.hpp"

namespace kadapter::policy {

// "Allow" | "Audit" | "Block", as the CRD spells them (case-sensitive).
std::optional<Action> parse_action(const std::string& s);

// Any case; "all" is accepted here and expanded by the compiler.
std::optional<std::string> parse_protocol_name(const std::string& s);
std::string protocol_names();
std::optional<Protocol> protocol_of(const std::string& lowercase_name);

// With or without "cap_", any case. Returns the Linux number.
std::optional<int> capability_number(const std::string& s);
std::string canonical_capability(const std::string& s); // lowercase, no cap_
std::string capability_name(int number);                // "CAP_NET_RAW"

std::string trim(const std::string& s);
std::string lowercase(std::string s);

} // namespace kadapter::policy
