// Path forms of the policy language: the CRD's patterns and lexical
// normalisation (the kernel reports canonical paths, so "/etc//x" or
// "/a/../b" could never match as written).
#pragma once

#include <string>

namespace kadapter::policy {

bool crd_file_path(const std::string& s); // ^\/+.*[^\/]$
bool crd_directory(const std::string& s); // ^\/$|^\/.*\/$
// Lexically normalised: no "//", "/./" or "/../"; a directory keeps its
// trailing '/'. `s` must start with '/'.
std::string canonical_path(const std::string& s);

} // namespace kadapter::policy
