// The words of the policy language: actions, protocols, capabilities,
// presets and system call names, with both kadapter's reading and what
// KubeArmor's CRD would accept (for warnings about portability).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kadapter/ruleset.hpp"

namespace kadapter::policy {

// "Allow" | "Audit" | "Block", as the CRD spells them (case-sensitive).
std::optional<Action> parse_action(const std::string& s);

// Any case; "all" is accepted here and expanded by the compiler.
std::optional<std::string> protocol_name(const std::string& s); // lowercase
std::string protocol_names();
// "tcp" -> {Tcp}; "all" -> the seven socket types (KubeArmor's expansion).
std::vector<Protocol> expand_protocol(const std::string& lowercase_name);
bool crd_accepts_protocol(const std::string& s); // the CRD's end-anchored pattern

// With or without "cap_", any case. Returns the Linux number.
std::optional<int> capability_number(const std::string& s);
bool crd_accepts_capability(const std::string& s);
constexpr int kLastCrdCapability = 33; // mac_admin

// filelessExec, anonymousMapExec, protectEnv, exec, protectProc.
bool is_preset_name(const std::string& s);
std::string preset_names();
inline constexpr const char* kFilelessExec = "filelessExec";
inline constexpr const char* kProtectEnv = "protectEnv";
inline constexpr const char* kExecPreset = "exec";

bool is_syscall_name(std::string_view name);

std::string trim(const std::string& s, const char* chars = " \t\r\n");
std::string lowercase(std::string s);
std::vector<std::string> split_commas(const std::string& s); // trimmed items, empty ones kept

} // namespace kadapter::policy
