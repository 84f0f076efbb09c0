#include "paths.hpp"

#include <string_view>
#include <vector>

namespace kadapter::policy {

// Hand-written rather than std::regex, whose matcher recurses once per
// character and so cannot take hostile input of any length.
bool crd_file_path(const std::string& s)
{
    // ^\/+.*[^\/]$ where '.' excludes '\n' (Go's RE2, as the API server uses)
    if (s.size() < 2 || s.front() != '/' || s.back() == '/')
        return false;
    size_t nl = s.find('\n');
    return nl == std::string::npos || nl == s.size() - 1;
}

bool crd_directory(const std::string& s)
{
    // ^\/$|^\/.*\/$
    return s == "/" || (s.size() >= 2 && s.front() == '/' && s.back() == '/' && s.find('\n') == std::string::npos);
}

std::string canonical_path(const std::string& path)
{
    std::vector<std::string_view> parts;
    std::string_view rest(path);
    while (!rest.empty()) {
        size_t slash = rest.find('/');
        std::string_view part = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (part.empty() || part == ".")
            continue;
        if (part == "..") {
            if (!parts.empty())
                parts.pop_back();
            continue;
        }
        parts.push_back(part);
    }
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    bool dir = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if (out.empty() || dir)
        out += '/';
    return out;
}

} // namespace kadapter::policy
