#include "validate.hpp"

#include <algorithm>
#include <set>

#include "kadapter/capability.hpp"
#include "paths.hpp"
#include "pattern.hpp"
#include "utf8.hpp"
#include "vocabulary.hpp"

namespace kadapter::policy {
namespace {

constexpr size_t kMaxPathLength = 200;  // CRD maxLength of MatchPathType
constexpr size_t kMaxAllowedArgs = 20;  // CRD maxItems
constexpr size_t kMaxArgLength = 104;   // KubeArmor's argument buffer
constexpr size_t kMaxDomainLength = 63; // KubeArmor's kernel truncates QNAMEs here

bool control_chars(const std::string& s)
{
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

size_t longest_label(const std::string& domain)
{
    size_t longest = 0;
    for (size_t b = 0, e = 0; b <= domain.size(); b = e + 1) {
        e = domain.find('.', b);
        if (e == std::string::npos)
            e = domain.size();
        longest = std::max(longest, e - b);
    }
    return longest;
}

// DNS-1123 subdomain (metadata.name) or label (metadata.namespace).
bool dns1123(const std::string& s, bool subdomain)
{
    if (s.empty() || s.size() > (subdomain ? 253u : 63u))
        return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back()))
        return false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (alnum(c) || c == '-')
            continue;
        if (c == '.' && subdomain && alnum(s[i - 1]) && alnum(s[i + 1]))
            continue;
        return false;
    }
    return true;
}

void no_wildcards(Reporter& r, const std::string& field, const std::string& v, const char* use)
{
    if (v.find('*') != std::string::npos)
        r.error(field, "'" + v + "' contains '*', which KubeArmor matches literally, not as a wildcard; " + use);
}

void canonical(Reporter& r, const std::string& field, const std::string& v)
{
    std::string c = canonical_path(v);
    if (c != v)
        r.warning(field, "'" + v +
                             "' is not a canonical path, so KubeArmor never matches it (the kernel reports "
                             "canonical paths); kadapter matches '" +
                             c + "'");
}

// MatchPathType: ^\/+.*[^\/]$, at most 200 characters.
bool check_file_path(Reporter& r, const std::string& field, const std::string& v, bool required = true)
{
    if (v.empty()) {
        if (required)
            r.error(field, "is required");
        return false;
    }
    if (control_chars(v)) {
        r.error(field, "contains a control character");
        return false;
    }
    if (!crd_file_path(v)) {
        r.error(field, "'" + v + "' is not an absolute file path (it must start with '/' and not end with '/')");
        return false;
    }
    if (utf8_length(v) > kMaxPathLength) {
        r.error(field, "is " + std::to_string(utf8_length(v)) + " characters long; the CRD allows at most " +
                           std::to_string(kMaxPathLength));
        return false;
    }
    return true;
}

// MatchDirectoryType: ^\/$|^\/.*\/$
bool check_dir(Reporter& r, const std::string& field, const std::string& v)
{
    if (v.empty()) {
        r.error(field, "is required");
        return false;
    }
    if (control_chars(v)) {
        r.error(field, "contains a control character");
        return false;
    }
    if (!crd_directory(v)) {
        std::string hint = v.front() == '/' ? " (write '" + v + "/')" : "";
        r.error(field, "'" + v + "' is not a directory (it must start and end with '/')" + hint);
        return false;
    }
    return true;
}

void check_sources(Reporter& r, const std::string& field, const std::vector<FromSource>& sources)
{
    for (size_t i = 0; i < sources.size(); ++i) {
        const auto f = indexed(field, i);
        const FromSource& s = sources[i];
        if (!s.path.empty() && !s.dir.empty()) {
            r.error(f, "has both path and dir; give one");
        } else if (!s.dir.empty()) {
            // The CRD sets no pattern here (syscalls only, which kadapter
            // does not enforce): an absolute path is enough.
            if (s.dir.front() != '/' || control_chars(s.dir))
                r.error(f + ".dir", "'" + s.dir + "' is not an absolute directory");
        } else if (check_file_path(r, f + ".path", s.path)) {
            no_wildcards(r, f + ".path", s.path, "name the executable");
            canonical(r, f + ".path", s.path);
        }
    }
}

void check_path_section(Reporter& r, const std::string& field, const PathSection& s, bool process)
{
    for (const auto& mp : s.paths) {
        if (process && !mp.path.empty() && !mp.execname.empty()) {
            r.error(mp.field, "has both path and execname; give one");
        } else if (process && mp.path.empty() && mp.execname.empty()) {
            r.error(mp.field, "needs a path or an execname");
        } else if (!mp.execname.empty()) {
            if (mp.execname.find('/') != std::string::npos || control_chars(mp.execname))
                r.error(mp.field + ".execname", "'" + mp.execname + "' must be a file name without '/'");
            no_wildcards(r, mp.field + ".execname", mp.execname, "use matchPatterns for globs");
            if (!mp.from_source.empty())
                r.warning(mp.field, "KubeArmor never matches an execname rule that has fromSource; kadapter does");
        } else if (check_file_path(r, mp.field + ".path", mp.path)) {
            no_wildcards(r, mp.field + ".path", mp.path, "use matchPatterns for globs");
            canonical(r, mp.field + ".path", mp.path);
        }
        if (mp.allowed_args.size() > kMaxAllowedArgs)
            r.error(mp.field + ".allowedArgs", "has " + std::to_string(mp.allowed_args.size()) +
                                                   " arguments; the CRD allows at most " +
                                                   std::to_string(kMaxAllowedArgs));
        for (size_t i = 0; i < mp.allowed_args.size(); ++i)
            if (mp.allowed_args[i].size() > kMaxArgLength)
                r.warning(indexed(mp.field + ".allowedArgs", i),
                          "is longer than " + std::to_string(kMaxArgLength) + " bytes; KubeArmor never matches it");
        check_sources(r, mp.field + ".fromSource", mp.from_source);
    }
    for (const auto& md : s.directories) {
        if (check_dir(r, md.field + ".dir", md.dir)) {
            no_wildcards(r, md.field + ".dir", md.dir, "use matchPatterns for globs");
            canonical(r, md.field + ".dir", md.dir);
        }
        check_sources(r, md.field + ".fromSource", md.from_source);
    }
    for (const auto& mp : s.patterns) {
        const auto f = mp.field + ".pattern";
        if (mp.pattern.empty()) {
            r.error(f, "is required");
        } else if (control_chars(mp.pattern)) {
            r.error(f, "contains a control character");
        } else if (auto why = pattern_error(mp.pattern)) {
            r.error(f, "'" + mp.pattern + "' " + *why);
        } else if (!mp.pattern.starts_with('/') && !mp.pattern.starts_with("**")) {
            r.warning(f, "'" + mp.pattern + "' can never match: paths are absolute, so a pattern must start with '/'");
        } else if (!has_wildcard(mp.pattern)) {
            r.note(f, "'" + mp.pattern + "' has no wildcard and matches that one path");
        }
    }
    if (s.paths.empty() && s.directories.empty() && s.patterns.empty())
        r.warning(field, "has no rules");
}

void check_network(Reporter& r, const NetworkSection& s)
{
    for (const auto& mp : s.protocols) {
        const auto f = mp.field + ".protocol";
        if (mp.protocols.empty())
            r.error(f, "is required");
        std::set<std::string> seen;
        for (const auto& name : mp.protocols) {
            if (name.empty()) {
                r.error(f, "has an empty item in its comma-separated list");
            } else if (auto p = protocol_name(name)) {
                if (!crd_accepts_protocol(name))
                    r.warning(f, "KubeArmor's CRD rejects '" + name +
                                     "' (it accepts only all-lowercase or "
                                     "all-uppercase names); kadapter reads it as '" +
                                     *p + "'");
                if (!seen.insert(*p).second)
                    r.warning(f, "lists '" + *p + "' twice");
            } else {
                r.error(f, "'" + name + "' is not a protocol (" + protocol_names() + ")");
            }
        }
        check_sources(r, mp.field + ".fromSource", mp.from_source);
    }
    for (const auto& q : s.dns_queries) {
        const auto f = q.field + ".domain";
        if (q.domains.empty())
            r.error(f, "is required");
        for (const auto& d : q.domains) {
            std::string name = trim(d, ".");
            if (name.empty())
                r.error(f, "'" + d + "' is not a domain name");
            else if (control_chars(name) || name.find_first_of(" /") != std::string::npos)
                r.error(f, "'" + d + "' contains characters a domain name cannot have");
            else if (name.find('*') != std::string::npos)
                r.error(f, "'" + d + "': wildcards never match; a rule for a domain covers the names below it");
            else if (name.find("..") != std::string::npos)
                r.error(f, "'" + d + "' has an empty label and never matches");
            else if (longest_label(name) > 63)
                r.error(f, "'" + d + "' has a label longer than 63 characters and never matches");
            else if (name.size() > kMaxDomainLength)
                r.warning(f, "'" + d + "' is longer than " + std::to_string(kMaxDomainLength) +
                                 " characters; KubeArmor never matches it");
        }
        check_sources(r, q.field + ".fromSource", q.from_source);
    }
    if (s.protocols.empty() && s.dns_queries.empty())
        r.warning("spec.network", "has no rules");
}

void check_capabilities(Reporter& r, const CapabilitiesSection& s)
{
    for (const auto& mc : s.capabilities) {
        const auto f = mc.field + ".capability";
        if (mc.capabilities.empty())
            r.error(f, "is required");
        for (const auto& name : mc.capabilities) {
            auto n = capability_number(name);
            if (name.empty())
                r.error(f, "has an empty item in its comma-separated list");
            else if (!n)
                r.error(f, "'" + name + "' is not a Linux capability");
            else if (*n > kLastCrdCapability)
                r.warning(f, "KubeArmor's CRD does not list '" + name +
                                 "' (it stops at mac_admin); kadapter "
                                 "accepts it");
            else if (!crd_accepts_capability(name))
                r.warning(f, "KubeArmor's CRD rejects '" + name +
                                 "' (it accepts lowercase names); kadapter reads it "
                                 "as " +
                                 capability_name(*n));
        }
        check_sources(r, mc.field + ".fromSource", mc.from_source);
    }
    if (s.capabilities.empty())
        r.warning("spec.capabilities", "has no rules");
}

void check_syscalls(Reporter& r, const SyscallsSection& s)
{
    auto check = [&](const MatchSyscall& ms, bool paths) {
        for (size_t i = 0; i < ms.syscalls.size(); ++i)
            if (!is_syscall_name(ms.syscalls[i]))
                r.error(indexed(ms.field + ".syscall", i), "'" + ms.syscalls[i] + "' is not an x86-64 system call");
        if (paths) {
            const auto f = ms.field + ".path";
            if (ms.path.empty())
                r.error(f, "is required");
            else if (control_chars(ms.path) || (!crd_file_path(ms.path) && !crd_directory(ms.path)))
                r.error(f, "'" + ms.path + "' is neither an absolute file path nor a directory ending in '/'");
            else if (crd_file_path(ms.path) && utf8_length(ms.path) > kMaxPathLength)
                r.error(f, "is longer than " + std::to_string(kMaxPathLength) + " characters");
        }
        check_sources(r, ms.field + ".fromSource", ms.from_source);
    };
    for (const auto& ms : s.match_syscalls)
        check(ms, false);
    for (const auto& ms : s.match_paths)
        check(ms, true);
    r.warning("spec.syscalls", "syscalls rules are audit-only in KubeArmor, and kadapter does not monitor system "
                               "calls: they have no effect");
}

void check_presets(Reporter& r, const std::vector<Preset>& presets)
{
    std::set<std::string> seen;
    for (const auto& p : presets) {
        if (p.name.empty())
            r.error(p.field + ".name", "is required");
        else if (!is_preset_name(p.name))
            r.error(p.field + ".name", "'" + p.name + "' is not a KubeArmor preset (" + preset_names() + ")");
        else if (!seen.insert(p.name).second)
            r.error(p.field + ".name", "preset '" + p.name + "' is given twice");
    }
}

void check_selector(Reporter& r, const Policy& p)
{
    const bool cluster = p.kind == "KubeArmorClusterPolicy";
    const Selector& s = p.selector;
    bool has_in[2] = {false, false}, has_notin[2] = {false, false}; // [label, namespace]
    for (const auto& e : s.match_expressions) {
        bool key_ok = e.key == "label" || (cluster && e.key == "namespace");
        if (e.key.empty())
            r.error(e.field + ".key", "is required");
        else if (!key_ok)
            r.error(e.field + ".key", "'" + e.key + "' is not " + (cluster ? "'label' or 'namespace'" : "'label'"));
        if (e.op.empty())
            r.error(e.field + ".operator", "is required");
        else if (e.op != "In" && e.op != "NotIn")
            r.error(e.field + ".operator", "'" + e.op + "' is not In or NotIn");
        if (!key_ok || (e.op != "In" && e.op != "NotIn"))
            continue;
        const int k = e.key == "namespace";
        (e.op == "In" ? has_in : has_notin)[k] = true;
        if (e.op == "In" && e.values.empty())
            r.warning(e.field + ".values", "is empty, so the policy selects nothing");
        for (size_t i = 0; i < e.values.size(); ++i) {
            if (e.key == "label" && e.values[i].find('=') == std::string::npos)
                r.warning(indexed(e.field + ".values", i),
                          "'" + e.values[i] + "' never matches: label values are written key=value");
        }
    }
    for (int k = 0; k < 2; ++k)
        if (has_in[k] && has_notin[k])
            r.warning("spec.selector.matchExpressions", std::string("NotIn expressions on ") +
                                                            (k ? "namespace" : "label") +
                                                            " are ignored because an In expression is given "
                                                            "(KubeArmor's rule)");
    if (!s.present && !cluster && p.namespace_.empty())
        r.note("spec", "no selector: the policy applies to every pod of its namespace");
}

bool has_rules(const Policy& p)
{
    auto path_rules = [](const PathSection& s) {
        return !s.paths.empty() || !s.directories.empty() || !s.patterns.empty();
    };
    return path_rules(p.process) || path_rules(p.file) || !p.network.protocols.empty() ||
           !p.network.dns_queries.empty() || !p.capabilities.capabilities.empty() || !p.presets.empty() ||
           !p.syscalls.match_syscalls.empty() || !p.syscalls.match_paths.empty();
}

} // namespace

void check_policy(const Policy& p, Reporter& r)
{
    if (p.name.empty())
        r.error("metadata.name", "is required");
    else if (!dns1123(p.name, true))
        r.error("metadata.name", "'" + p.name +
                                     "' is not a valid Kubernetes name (lowercase letters, digits, '-' "
                                     "and '.', at most 253 characters)");
    if (!p.namespace_.empty() && p.kind == "KubeArmorClusterPolicy")
        r.warning("metadata.namespace", "a KubeArmorClusterPolicy is cluster-scoped; its namespace is ignored");
    else if (!p.namespace_.empty() && !dns1123(p.namespace_, false))
        r.error("metadata.namespace", "'" + p.namespace_ + "' is not a valid namespace name");

    check_selector(r, p);
    if (p.process.present)
        check_path_section(r, "spec.process", p.process, true);
    if (p.file.present)
        check_path_section(r, "spec.file", p.file, false);
    if (p.network.present)
        check_network(r, p.network);
    if (p.capabilities.present)
        check_capabilities(r, p.capabilities);
    if (p.syscalls.present)
        check_syscalls(r, p.syscalls);
    check_presets(r, p.presets);
    if (!p.apparmor.empty())
        r.warning("spec.apparmor", "raw AppArmor profiles are ignored by BPF-LSM enforcement");
    if (!has_rules(p))
        r.warning("spec", "the policy has no rules and changes nothing");
}

std::vector<Diagnostic> validate(const Policy& policy, std::string_view input)
{
    std::vector<Diagnostic> out;
    Reporter r(std::string(input), out);
    check_policy(policy, r);
    return out;
}

} // namespace kadapter::policy
