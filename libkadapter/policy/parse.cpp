// KubeArmorPolicy YAML -> policy::Policy, validated against the CRD
// (deployments/CRD/KubeArmorPolicy.yaml) with every error located.
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>
#include <sstream>

#include "kadapter/policy.hpp"
#include "vocabulary.hpp"

namespace kadapter::policy {
namespace {

class Reader {
public:
    Reader(std::string_view input, std::vector<Diagnostic>& out) : input_(input), out_(out) {}

    void error(const YAML::Node& at, const std::string& field, const std::string& message)
    {
        report(Diagnostic::Level::Error, at, field, message);
        ++errors_;
    }
    void warning(const YAML::Node& at, const std::string& field, const std::string& message)
    {
        report(Diagnostic::Level::Warning, at, field, message);
    }
    void note(const YAML::Node& at, const std::string& field, const std::string& message)
    {
        report(Diagnostic::Level::Note, at, field, message);
    }
    int errors() const { return errors_; }
    const std::string& input() const { return input_; }

    // Each map may only hold the keys its schema knows.
    bool map(const YAML::Node& n, const std::string& field, std::initializer_list<const char*> known)
    {
        if (!n.IsMap()) {
            error(n, field, "must be a mapping");
            return false;
        }
        for (const auto& kv : n) {
            const std::string key = kv.first.Scalar();
            bool ok = false;
            for (const char* k : known)
                ok = ok || key == k;
            if (!ok)
                error(kv.first, field.empty() ? key : field + "." + key, "unknown field");
        }
        return true;
    }

    std::optional<std::string> string(const YAML::Node& n, const std::string& field)
    {
        if (!n.IsScalar()) {
            error(n, field, "must be a string");
            return std::nullopt;
        }
        return n.Scalar();
    }

    std::optional<bool> boolean(const YAML::Node& n, const std::string& field)
    {
        bool v = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
            error(n, field, "must be true or false");
            return std::nullopt;
        }
        return v;
    }

    std::optional<int> integer(const YAML::Node& n, const std::string& field)
    {
        int v = 0;
        if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) {
            error(n, field, "must be an integer");
            return std::nullopt;
        }
        return v;
    }

    bool sequence(const YAML::Node& n, const std::string& field)
    {
        if (!n.IsSequence()) {
            error(n, field, "must be a list");
            return false;
        }
        return true;
    }

private:
    void report(Diagnostic::Level level, const YAML::Node& at, const std::string& field, const std::string& message)
    {
        Diagnostic d;
        d.level = level;
        d.input = input_;
        YAML::Mark m = at.Mark();
        d.line = m.line >= 0 ? m.line + 1 : 0;
        d.column = m.column >= 0 ? m.column + 1 : 0;
        d.field = field;
        d.message = message;
        out_.push_back(std::move(d));
    }

    std::string input_;
    std::vector<Diagnostic>& out_;
    int errors_ = 0;
};

std::string at(const std::string& field, size_t i)
{
    return field + "[" + std::to_string(i) + "]";
}

const std::regex& path_re()
{
    static const std::regex re(R"(^/+.*[^/]$)");
    return re;
}
const std::regex& dir_re()
{
    static const std::regex re(R"(^/$|^/.*/$)");
    return re;
}

bool check_path(Reader& r, const YAML::Node& n, const std::string& field, const std::string& v)
{
    if (v.empty() || !std::regex_match(v, path_re())) {
        r.error(n, field, "'" + v + "' is not an absolute file path (it must start with '/' and not end with '/')");
        return false;
    }
    if (v.size() > 200) {
        r.error(n, field, "is " + std::to_string(v.size()) + " characters long; the CRD allows at most 200");
        return false;
    }
    if (v.find_first_of("*?[") != std::string::npos)
        r.warning(n, field,
                  "'" + v + "' contains glob characters, which a path matches literally; use matchPatterns for globs");
    return true;
}

bool check_dir(Reader& r, const YAML::Node& n, const std::string& field, const std::string& v)
{
    if (v.empty() || !std::regex_match(v, dir_re())) {
        r.error(n, field, "'" + v + "' is not a directory (it must start and end with '/')");
        return false;
    }
    return true;
}

void read_meta_key(Reader& r, const std::string& key, const YAML::Node& v, const std::string& field, Meta& meta,
                   bool allow_action)
{
    if (key == "severity") {
        if (auto s = r.integer(v, field)) {
            if (*s < 1 || *s > 10)
                r.error(v, field, "must be between 1 and 10");
            else
                meta.severity = *s;
        }
    } else if (key == "tags") {
        if (r.sequence(v, field))
            for (size_t i = 0; i < v.size(); ++i)
                if (auto t = r.string(v[i], at(field, i)))
                    meta.tags.push_back(*t);
    } else if (key == "message") {
        if (auto m = r.string(v, field))
            meta.message = *m;
    } else if (key == "action" && allow_action) {
        if (auto a = r.string(v, field)) {
            if (auto act = parse_action(*a))
                meta.action = act;
            else
                r.error(v, field, "'" + *a + "' is not one of Allow, Audit, Block");
        }
    }
}

bool is_meta_key(const std::string& key)
{
    return key == "severity" || key == "tags" || key == "message" || key == "action";
}

std::vector<FromSource> read_from_source(Reader& r, const YAML::Node& n, const std::string& field, bool dirs_allowed)
{
    std::vector<FromSource> out;
    if (!r.sequence(n, field))
        return out;
    for (size_t i = 0; i < n.size(); ++i) {
        const auto f = at(field, i);
        const YAML::Node& item = n[i];
        if (dirs_allowed ? !r.map(item, f, {"path", "dir", "recursive"}) : !r.map(item, f, {"path"}))
            continue;
        FromSource src;
        if (item["path"]) {
            if (auto p = r.string(item["path"], f + ".path"); p && check_path(r, item["path"], f + ".path", *p))
                src.path = *p;
        }
        if (dirs_allowed && item["dir"]) {
            if (auto d = r.string(item["dir"], f + ".dir"); d && check_dir(r, item["dir"], f + ".dir", *d))
                src.dir = *d;
            if (item["recursive"])
                src.recursive = r.boolean(item["recursive"], f + ".recursive").value_or(false);
        }
        if (!item["path"] && !(dirs_allowed && item["dir"])) {
            r.error(item, f, dirs_allowed ? "needs a path or a dir" : "needs a path");
            continue;
        }
        out.push_back(src);
    }
    return out;
}

void read_path_section(Reader& r, const YAML::Node& n, const std::string& field, bool process, PathSection& out)
{
    if (!r.map(n, field, {"matchPaths", "matchDirectories", "matchPatterns", "severity", "tags", "message", "action"}))
        return;
    out.present = true;
    for (const auto& kv : n) {
        const std::string key = kv.first.Scalar();
        if (is_meta_key(key))
            read_meta_key(r, key, kv.second, field + "." + key, out.meta, true);
    }

    if (const auto& paths = n["matchPaths"]; paths && r.sequence(paths, field + ".matchPaths")) {
        for (size_t i = 0; i < paths.size(); ++i) {
            const auto f = at(field + ".matchPaths", i);
            const YAML::Node& item = paths[i];
            bool ok = process ? r.map(item, f,
                                      {"path", "execname", "ownerOnly", "pts", "allowedArgs", "fromSource", "severity",
                                       "tags", "message", "action"})
                              : r.map(item, f,
                                      {"path", "ownerOnly", "readOnly", "pts", "fromSource", "severity", "tags",
                                       "message", "action"});
            if (!ok)
                continue;
            MatchPath mp;
            mp.field = f;
            int before = r.errors();
            for (const auto& kv : item) {
                const std::string key = kv.first.Scalar();
                const std::string kf = f + "." + key;
                if (key == "path") {
                    if (auto p = r.string(kv.second, kf); p && check_path(r, kv.second, kf, *p))
                        mp.path = *p;
                } else if (key == "execname") {
                    if (auto e = r.string(kv.second, kf)) {
                        if (e->empty() || e->find('/') != std::string::npos)
                            r.error(kv.second, kf, "'" + *e + "' must be a file name without '/'");
                        else
                            mp.execname = *e;
                    }
                } else if (key == "ownerOnly") {
                    mp.owner_only = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "readOnly") {
                    mp.read_only = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "pts") {
                    mp.pts = r.boolean(kv.second, kf);
                } else if (key == "allowedArgs") {
                    if (r.sequence(kv.second, kf)) {
                        if (kv.second.size() > 20)
                            r.error(kv.second, kf,
                                    "has " + std::to_string(kv.second.size()) +
                                        " arguments; the CRD allows at most 20");
                        for (size_t j = 0; j < kv.second.size(); ++j)
                            if (auto a = r.string(kv.second[j], at(kf, j)))
                                mp.allowed_args.push_back(*a);
                    }
                } else if (key == "fromSource") {
                    mp.from_source = read_from_source(r, kv.second, kf, false);
                } else {
                    read_meta_key(r, key, kv.second, kf, mp.meta, true);
                }
            }
            if (!item["path"] && !(process && item["execname"]))
                r.error(item, f, process ? "needs a path or an execname" : "needs a path");
            if (item["path"] && item["execname"])
                r.error(item, f, "has both path and execname; give one");
            if (r.errors() == before)
                out.paths.push_back(std::move(mp));
        }
    }

    if (const auto& dirs = n["matchDirectories"]; dirs && r.sequence(dirs, field + ".matchDirectories")) {
        for (size_t i = 0; i < dirs.size(); ++i) {
            const auto f = at(field + ".matchDirectories", i);
            const YAML::Node& item = dirs[i];
            bool ok = process ? r.map(item, f,
                                      {"dir", "recursive", "ownerOnly", "pts", "fromSource", "severity", "tags",
                                       "message", "action"})
                              : r.map(item, f,
                                      {"dir", "recursive", "ownerOnly", "readOnly", "pts", "fromSource", "severity",
                                       "tags", "message", "action"});
            if (!ok)
                continue;
            MatchDirectory md;
            md.field = f;
            int before = r.errors();
            for (const auto& kv : item) {
                const std::string key = kv.first.Scalar();
                const std::string kf = f + "." + key;
                if (key == "dir") {
                    if (auto d = r.string(kv.second, kf); d && check_dir(r, kv.second, kf, *d))
                        md.dir = *d;
                } else if (key == "recursive") {
                    md.recursive = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "ownerOnly") {
                    md.owner_only = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "readOnly") {
                    md.read_only = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "pts") {
                    md.pts = r.boolean(kv.second, kf);
                } else if (key == "fromSource") {
                    md.from_source = read_from_source(r, kv.second, kf, false);
                } else {
                    read_meta_key(r, key, kv.second, kf, md.meta, true);
                }
            }
            if (!item["dir"])
                r.error(item, f, "needs a dir");
            if (r.errors() == before)
                out.directories.push_back(std::move(md));
        }
    }

    if (const auto& pats = n["matchPatterns"]; pats && r.sequence(pats, field + ".matchPatterns")) {
        for (size_t i = 0; i < pats.size(); ++i) {
            const auto f = at(field + ".matchPatterns", i);
            const YAML::Node& item = pats[i];
            bool ok =
                process ? r.map(item, f, {"pattern", "ownerOnly", "severity", "tags", "message", "action"})
                        : r.map(item, f, {"pattern", "ownerOnly", "readOnly", "severity", "tags", "message", "action"});
            if (!ok)
                continue;
            MatchPattern mp;
            mp.field = f;
            int before = r.errors();
            for (const auto& kv : item) {
                const std::string key = kv.first.Scalar();
                const std::string kf = f + "." + key;
                if (key == "pattern") {
                    if (auto p = r.string(kv.second, kf)) {
                        if (p->empty())
                            r.error(kv.second, kf, "must not be empty");
                        mp.pattern = *p;
                    }
                } else if (key == "ownerOnly") {
                    mp.owner_only = r.boolean(kv.second, kf).value_or(false);
                } else if (key == "readOnly") {
                    mp.read_only = r.boolean(kv.second, kf).value_or(false);
                } else {
                    read_meta_key(r, key, kv.second, kf, mp.meta, true);
                }
            }
            if (!item["pattern"])
                r.error(item, f, "needs a pattern");
            if (r.errors() == before)
                out.patterns.push_back(std::move(mp));
        }
    }

    if (out.paths.empty() && out.directories.empty() && out.patterns.empty() && r.errors() == 0)
        r.error(n, field, "has no matchPaths, matchDirectories or matchPatterns");
}

void read_network(Reader& r, const YAML::Node& n, const std::string& field, NetworkSection& out)
{
    if (!r.map(n, field, {"matchProtocols", "matchDNSQueries", "severity", "tags", "message", "action"}))
        return;
    out.present = true;
    for (const auto& kv : n)
        if (is_meta_key(kv.first.Scalar()))
            read_meta_key(r, kv.first.Scalar(), kv.second, field + "." + kv.first.Scalar(), out.meta, true);

    if (const auto& protos = n["matchProtocols"]; protos && r.sequence(protos, field + ".matchProtocols")) {
        for (size_t i = 0; i < protos.size(); ++i) {
            const auto f = at(field + ".matchProtocols", i);
            const YAML::Node& item = protos[i];
            if (!r.map(item, f, {"protocol", "pts", "fromSource", "severity", "tags", "message", "action"}))
                continue;
            MatchProtocol base;
            base.field = f;
            std::vector<std::string> names;
            for (const auto& kv : item) {
                const std::string key = kv.first.Scalar();
                const std::string kf = f + "." + key;
                if (key == "protocol") {
                    if (auto p = r.string(kv.second, kf)) {
                        // KubeArmor expands "tcp,udp" into one rule per item.
                        std::stringstream ss(*p);
                        for (std::string name; std::getline(ss, name, ',');) {
                            name = trim(name);
                            if (!parse_protocol_name(name))
                                r.error(kv.second, kf, "'" + name + "' is not a protocol (" + protocol_names() + ")");
                            else
                                names.push_back(lowercase(name));
                        }
                    }
                } else if (key == "pts") {
                    base.pts = r.boolean(kv.second, kf);
                } else if (key == "fromSource") {
                    base.from_source = read_from_source(r, kv.second, kf, false);
                } else {
                    read_meta_key(r, key, kv.second, kf, base.meta, true);
                }
            }
            if (!item["protocol"])
                r.error(item, f, "needs a protocol");
            for (const auto& name : names) {
                MatchProtocol mp = base;
                mp.protocol = name;
                out.protocols.push_back(mp);
            }
        }
    }
    if (const auto& dns = n["matchDNSQueries"]; dns && r.sequence(dns, field + ".matchDNSQueries")) {
        for (size_t i = 0; i < dns.size(); ++i) {
            const auto f = at(field + ".matchDNSQueries", i);
            const YAML::Node& item = dns[i];
            if (!r.map(item, f, {"domain", "fromSource", "severity", "tags", "message", "action"}))
                continue;
            MatchDnsQuery q;
            q.field = f;
            for (const auto& kv : item) {
                const std::string key = kv.first.Scalar();
                const std::string kf = f + "." + key;
                if (key == "domain") {
                    if (auto d = r.string(kv.second, kf))
                        q.domain = *d;
                } else if (key == "fromSource") {
                    q.from_source = read_from_source(r, kv.second, kf, false);
                } else {
                    read_meta_key(r, key, kv.second, kf, q.meta, true);
                }
            }
            if (!item["domain"])
                r.error(item, f, "needs a domain");
            out.dns_queries.push_back(q);
        }
    }
}

void read_capabilities(Reader& r, const YAML::Node& n, const std::string& field, CapabilitiesSection& out)
{
    if (!r.map(n, field, {"matchCapabilities", "severity", "tags", "message", "action"}))
        return;
    out.present = true;
    for (const auto& kv : n)
        if (is_meta_key(kv.first.Scalar()))
            read_meta_key(r, kv.first.Scalar(), kv.second, field + "." + kv.first.Scalar(), out.meta, true);
    const auto& caps = n["matchCapabilities"];
    if (!caps) {
        r.error(n, field, "has no matchCapabilities");
        return;
    }
    if (!r.sequence(caps, field + ".matchCapabilities"))
        return;
    for (size_t i = 0; i < caps.size(); ++i) {
        const auto f = at(field + ".matchCapabilities", i);
        const YAML::Node& item = caps[i];
        if (!r.map(item, f, {"capability", "fromSource", "severity", "tags", "message", "action"}))
            continue;
        MatchCapability base;
        base.field = f;
        std::vector<std::string> names;
        for (const auto& kv : item) {
            const std::string key = kv.first.Scalar();
            const std::string kf = f + "." + key;
            if (key == "capability") {
                if (auto c = r.string(kv.second, kf)) {
                    std::stringstream ss(*c);
                    for (std::string name; std::getline(ss, name, ',');) {
                        name = trim(name);
                        if (!capability_number(name))
                            r.error(kv.second, kf, "'" + name + "' is not a Linux capability");
                        else
                            names.push_back(canonical_capability(name));
                    }
                }
            } else if (key == "fromSource") {
                base.from_source = read_from_source(r, kv.second, kf, false);
            } else {
                read_meta_key(r, key, kv.second, kf, base.meta, true);
            }
        }
        if (!item["capability"])
            r.error(item, f, "needs a capability");
        for (const auto& name : names) {
            MatchCapability mc = base;
            mc.capability = name;
            out.capabilities.push_back(mc);
        }
    }
}

void read_selector(Reader& r, const YAML::Node& n, const std::string& field, bool cluster, Selector& out)
{
    if (!r.map(n, field, {"matchLabels", "matchExpressions"}))
        return;
    if (const auto& labels = n["matchLabels"]) {
        if (cluster)
            r.error(labels, field + ".matchLabels", "is not part of a KubeArmorClusterPolicy selector");
        else if (!labels.IsMap())
            r.error(labels, field + ".matchLabels", "must be a mapping");
        else
            for (const auto& kv : labels) {
                const std::string key = kv.first.Scalar();
                auto v = r.string(kv.second, field + ".matchLabels." + key);
                if (!v)
                    continue;
                if (key == "kubearmor.io/container.name") {
                    // "[c1, c2]" or a single name
                    std::string s = trim(*v);
                    if (s.starts_with('[') && s.ends_with(']'))
                        s = s.substr(1, s.size() - 2);
                    std::stringstream ss(s);
                    for (std::string name; std::getline(ss, name, ',');)
                        if (!trim(name).empty())
                            out.container_names.push_back(trim(name));
                } else {
                    out.match_labels[key] = *v;
                }
            }
    }
    if (const auto& exprs = n["matchExpressions"]; exprs && r.sequence(exprs, field + ".matchExpressions")) {
        for (size_t i = 0; i < exprs.size(); ++i) {
            const auto f = at(field + ".matchExpressions", i);
            const YAML::Node& item = exprs[i];
            if (!r.map(item, f, {"key", "operator", "values"}))
                continue;
            MatchExpression e;
            e.key = item["key"] ? r.string(item["key"], f + ".key").value_or("") : "";
            e.op = item["operator"] ? r.string(item["operator"], f + ".operator").value_or("") : "";
            bool key_ok = e.key == "label" || (cluster && e.key == "namespace");
            if (!key_ok)
                r.error(item["key"] ? item["key"] : item, f + ".key",
                        cluster ? "must be 'label' or 'namespace'" : "must be 'label'");
            if (e.op != "In" && e.op != "NotIn")
                r.error(item["operator"] ? item["operator"] : item, f + ".operator", "must be In or NotIn");
            if (const auto& vals = item["values"]; vals && r.sequence(vals, f + ".values"))
                for (size_t j = 0; j < vals.size(); ++j)
                    if (auto v = r.string(vals[j], at(f + ".values", j)))
                        e.values.push_back(*v);
            out.match_expressions.push_back(e);
        }
    }
}

void read_spec(Reader& r, const YAML::Node& spec, bool cluster, Policy& p)
{
    if (!r.map(spec, "spec",
               {"selector", "process", "file", "network", "capabilities", "syscalls", "presets", "apparmor", "severity",
                "tags", "message", "action"}))
        return;
    for (const auto& kv : spec) {
        const std::string key = kv.first.Scalar();
        const std::string f = "spec." + key;
        if (key == "selector")
            read_selector(r, kv.second, f, cluster, p.selector);
        else if (key == "process")
            read_path_section(r, kv.second, f, true, p.process);
        else if (key == "file")
            read_path_section(r, kv.second, f, false, p.file);
        else if (key == "network")
            read_network(r, kv.second, f, p.network);
        else if (key == "capabilities")
            read_capabilities(r, kv.second, f, p.capabilities);
        else if (key == "syscalls") {
            p.syscalls.present = true;
            r.warning(kv.second, f, "syscalls rules are audit-only in KubeArmor and are not enforced by kadapter");
        } else if (key == "presets") {
            if (r.sequence(kv.second, f))
                for (size_t i = 0; i < kv.second.size(); ++i) {
                    const auto pf = at(f, i);
                    const YAML::Node& item = kv.second[i];
                    if (!r.map(item, pf, {"name", "action"}))
                        continue;
                    Preset preset;
                    preset.field = pf;
                    if (item["name"])
                        preset.name = r.string(item["name"], pf + ".name").value_or("");
                    else
                        r.error(item, pf, "needs a name");
                    if (item["action"]) {
                        auto a = r.string(item["action"], pf + ".action");
                        if (a && !(preset.action = parse_action(*a)))
                            r.error(item["action"], pf + ".action", "'" + *a + "' is not one of Allow, Audit, Block");
                    }
                    p.presets.push_back(preset);
                }
        } else if (key == "apparmor") {
            p.apparmor = r.string(kv.second, f).value_or("");
            r.warning(kv.second, f, "raw AppArmor profiles are ignored by BPF-LSM enforcement");
        } else {
            read_meta_key(r, key, kv.second, f, p.meta, true);
        }
    }
}

} // namespace

std::string Diagnostic::str() const
{
    std::string out = input;
    if (line > 0)
        out += ":" + std::to_string(line) + ":" + std::to_string(column);
    out += level == Level::Error ? ": error: " : level == Level::Warning ? ": warning: " : ": note: ";
    if (!field.empty())
        out += field + ": ";
    return out + message;
}

bool ParseResult::ok() const
{
    for (const auto& d : diagnostics)
        if (d.level == Diagnostic::Level::Error)
            return false;
    return true;
}

std::string ParseResult::errors() const
{
    std::string out;
    for (const auto& d : diagnostics)
        if (d.level == Diagnostic::Level::Error)
            out += d.str() + "\n";
    return out;
}

ParseResult parse(std::string_view yaml, std::string_view input)
{
    ParseResult result;
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(std::string(yaml));
    } catch (const YAML::Exception& e) {
        Diagnostic d;
        d.input = std::string(input);
        d.line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
        d.column = e.mark.column >= 0 ? e.mark.column + 1 : 0;
        d.message = "not valid YAML: " + e.msg;
        result.diagnostics.push_back(d);
        return result;
    }

    for (const auto& doc : docs) {
        if (doc.IsNull())
            continue;
        std::vector<Diagnostic> diags;
        Reader r(input, diags);
        if (!doc.IsMap()) {
            r.error(doc, "", "a document must be a mapping");
            result.diagnostics.insert(result.diagnostics.end(), diags.begin(), diags.end());
            continue;
        }
        std::string kind = doc["kind"] && doc["kind"].IsScalar() ? doc["kind"].Scalar() : "";
        std::string api = doc["apiVersion"] && doc["apiVersion"].IsScalar() ? doc["apiVersion"].Scalar() : "";
        if (kind != "KubeArmorPolicy" && kind != "KubeArmorClusterPolicy") {
            r.note(doc, "kind", "skipping a document of kind '" + kind + "'");
            result.diagnostics.insert(result.diagnostics.end(), diags.begin(), diags.end());
            continue;
        }
        const bool cluster = kind == "KubeArmorClusterPolicy";
        Policy p;
        p.kind = kind;
        p.input = std::string(input);
        p.line = doc.Mark().line + 1;
        r.map(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"});
        if (api != "security.kubearmor.com/v1")
            r.error(doc["apiVersion"] ? doc["apiVersion"] : doc, "apiVersion",
                    "'" + api + "' is not security.kubearmor.com/v1");
        if (const auto& md = doc["metadata"]; md && md.IsMap()) {
            if (md["name"])
                p.name = r.string(md["name"], "metadata.name").value_or("");
            if (md["namespace"])
                p.namespace_ = r.string(md["namespace"], "metadata.namespace").value_or("");
        }
        if (p.name.empty())
            r.error(doc["metadata"] ? doc["metadata"] : doc, "metadata.name", "is required");
        if (const auto& spec = doc["spec"])
            read_spec(r, spec, cluster, p);
        else
            r.error(doc, "spec", "is required");

        result.diagnostics.insert(result.diagnostics.end(), diags.begin(), diags.end());
        if (r.errors() == 0)
            result.policies.push_back(std::move(p));
    }
    return result;
}

} // namespace kadapter::policy
