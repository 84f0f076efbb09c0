// kadapter's glob syntax for matchPatterns (docs/policy-semantics.md):
//   *     any run of characters except '/'
//   **    any run of characters, '/' included
//   ?     one character except '/'
//   [set] one character of a set, never '/': "a-z" ranges, "!" or "^" negates
//   \c    the character c itself
// AppArmor's {a,b} alternation is not supported: a brace must be escaped.
#pragma once

#include <optional>
#include <string>

namespace kadapter::policy {

// Why `pattern` is not a valid glob, or nullopt.
std::optional<std::string> pattern_error(const std::string& pattern);
bool has_wildcard(const std::string& pattern);
// Whether the glob matches `path` (a reference matcher for tests and
// `kadapter explain`; the kernel uses automata built from the same syntax).
bool pattern_matches(const std::string& pattern, const std::string& path);

} // namespace kadapter::policy
