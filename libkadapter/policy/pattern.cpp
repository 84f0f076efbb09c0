#include "pattern.hpp"

#include <string_view>

namespace kadapter::policy {
namespace {

// Length of the [set] starting at p[i] ('['), or 0 when unterminated.
size_t set_length(const std::string& p, size_t i)
{
    size_t j = i + 1;
    if (j < p.size() && (p[j] == '!' || p[j] == '^'))
        ++j;
    if (j < p.size() && p[j] == ']') // a leading ']' is a member
        ++j;
    for (; j < p.size(); ++j) {
        if (p[j] == '\\')
            ++j;
        else if (p[j] == ']')
            return j - i + 1;
    }
    return 0;
}

bool set_contains(const std::string& set, unsigned char c)
{
    std::string_view body(set);
    body = body.substr(1, body.size() - 2); // without the brackets
    bool negate = false;
    if (!body.empty() && (body[0] == '!' || body[0] == '^')) {
        negate = true;
        body.remove_prefix(1);
    }
    auto next = [&](size_t& j) {
        if (body[j] == '\\' && j + 1 < body.size())
            ++j;
        return static_cast<unsigned char>(body[j++]);
    };
    bool found = false;
    for (size_t j = 0; j < body.size();) {
        unsigned char lo = next(j), hi = lo;
        if (j + 1 < body.size() && body[j] == '-') {
            ++j;
            hi = next(j);
        }
        found = found || (c >= lo && c <= hi);
    }
    return c != '/' && found != negate;
}

bool match(const std::string& p, size_t i, const std::string& s, size_t k, int& budget)
{
    // The budget bounds the work on hostile patterns ("*a*a*a*a...b").
    while (i < p.size()) {
        if (--budget < 0)
            return false;
        char c = p[i];
        if (c == '*') {
            bool any = i + 1 < p.size() && p[i + 1] == '*';
            size_t next = i + (any ? 2 : 1);
            for (size_t end = k;; ++end) {
                if (match(p, next, s, end, budget))
                    return true;
                if (end >= s.size() || (!any && s[end] == '/'))
                    return false;
            }
        }
        if (k >= s.size())
            return false;
        if (c == '?') {
            if (s[k] == '/')
                return false;
        } else if (c == '[') {
            size_t n = set_length(p, i);
            if (!set_contains(p.substr(i, n), static_cast<unsigned char>(s[k])))
                return false;
            i += n;
            ++k;
            continue;
        } else {
            if (c == '\\')
                c = p[++i];
            if (s[k] != c)
                return false;
        }
        ++i;
        ++k;
    }
    return k == s.size();
}

} // namespace

std::optional<std::string> pattern_error(const std::string& p)
{
    if (p.empty())
        return "is empty";
    for (size_t i = 0; i < p.size(); ++i) {
        char c = p[i];
        if (c == '\0')
            return "contains a NUL character";
        if (c == '\\') {
            if (i + 1 == p.size())
                return "ends in an unfinished escape '\\'";
            ++i;
        } else if (c == '[') {
            size_t n = set_length(p, i);
            if (n == 0)
                return "has a '[' at offset " + std::to_string(i) + " without its closing ']'";
            i += n - 1;
        } else if (c == '{' || c == '}') {
            return "uses '" + std::string(1, c) +
                   "': {a,b} alternation is not supported; write one pattern per alternative, or escape the brace";
        } else if (c == '*' && i + 2 < p.size() && p[i + 1] == '*' && p[i + 2] == '*') {
            return "has '***' at offset " + std::to_string(i) + "; use '*' or '**'";
        }
    }
    return std::nullopt;
}

bool has_wildcard(const std::string& p)
{
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\\')
            ++i;
        else if (p[i] == '*' || p[i] == '?' || p[i] == '[')
            return true;
    }
    return false;
}

bool pattern_matches(const std::string& pattern, const std::string& path)
{
    if (pattern_error(pattern))
        return false;
    int budget = 1 << 20;
    return match(pattern, 0, path, 0, budget);
}

} // namespace kadapter::policy
