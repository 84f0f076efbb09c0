// KubeArmorPolicy YAML -> policy::Policy: the structure of the CRD
// (deployments/CRD/KubeArmorPolicy.yaml): known keys, YAML types as the
// Kubernetes API server reads them, and where each field was written. The
// values are checked by validate.cpp, for YAML and the compact form alike.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <tuple>

#include "kadapter/policy.hpp"
#include "report.hpp"
#include "utf8.hpp"
#include "validate.hpp"
#include "vocabulary.hpp"
#include "yaml_reader.hpp"
#include "yaml_types.hpp"
#include "yaml_writer.hpp"

namespace kadapter::policy {
namespace {

// A string whatever it looks like: quoted, or tagged !!str.
bool quoted(const YAML::Node& n)
{
    return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str";
}

const char* kind_name(const YAML::Node& n)
{
    switch (n.Type()) {
    case YAML::NodeType::Map:
        return "a mapping";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Scalar:
        if (quoted(n))
            return "a string";
        switch (plain_kind(n.Scalar())) {
        case Plain::Null:
            return "null";
        case Plain::Bool:
            return "a boolean";
        case Plain::Number:
            return "a number";
        case Plain::String:
            return "a string";
        }
        break;
    default:
        break;
    }
    return "null";
}

using Keys = std::vector<std::string_view>;

class Reader {
public:
    explicit Reader(Reporter& r) : r_(r) {}

    Reporter& report() { return r_; }

    void locate(const std::string& field, const YAML::Node& n)
    {
        YAML::Mark m = n.Mark();
        if (m.line >= 0)
            r_.locate(field, m.line + 1, m.column + 1);
    }

    // A mapping holding only `known` keys, each at most once. Null values
    // count as absent, as the API server prunes them.
    bool mapping(const YAML::Node& n, const std::string& field, const Keys& known)
    {
        if (!n.IsMap()) {
            r_.error(field, "must be a mapping, not " + std::string(kind_name(n)));
            return false;
        }
        std::set<std::string> seen;
        for (const auto& kv : n) {
            const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
            const std::string f = field.empty() ? key : field + "." + key;
            locate(f, kv.second.Mark().line >= 0 ? kv.second : kv.first);
            const YAML::Mark at = kv.first.Mark();
            if (!seen.insert(key).second)
                r_.error_at(f, at.line + 1, at.column + 1, "is given twice");
            else if (std::find(known.begin(), known.end(), key) == known.end())
                r_.error_at(f, at.line + 1, at.column + 1, "unknown field" + suggestion(key, known));
            else if (kv.second.IsNull())
                r_.note(f, "has no value and is ignored");
        }
        return true;
    }

    bool sequence(const YAML::Node& n, const std::string& field)
    {
        if (!n.IsSequence()) {
            r_.error(field, "must be a list, not " + std::string(kind_name(n)));
            return false;
        }
        for (size_t i = 0; i < n.size(); ++i)
            locate(indexed(field, i), n[i]);
        return true;
    }

    std::optional<std::string> string(const YAML::Node& n, const std::string& field)
    {
        if (!n.IsScalar() || (!quoted(n) && plain_kind(n.Scalar()) != Plain::String)) {
            std::string hint = n.IsScalar() ? " (quote it to make it one)" : "";
            r_.error(field, "must be a string, not " + std::string(kind_name(n)) + hint);
            return std::nullopt;
        }
        if (!valid_utf8(n.Scalar())) {
            r_.error(field, "is not valid UTF-8");
            return std::nullopt;
        }
        return n.Scalar();
    }

    std::optional<bool> boolean(const YAML::Node& n, const std::string& field)
    {
        if (n.IsScalar() && !quoted(n) && plain_kind(n.Scalar()) == Plain::Bool)
            return one_of(n.Scalar(), {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"});
        r_.error(field, "must be true or false, not " + std::string(kind_name(n)));
        return std::nullopt;
    }

    std::optional<int> integer(const YAML::Node& n, const std::string& field)
    {
        const std::string& s = n.IsScalar() ? n.Scalar() : std::string();
        size_t sign = s.starts_with('-') || s.starts_with('+');
        bool decimal =
            s.size() > sign && s.size() - sign <= 9 && s.find_first_not_of("0123456789", sign) == std::string::npos;
        if (n.IsScalar() && !quoted(n) && decimal)
            return std::stoi(s);
        r_.error(field, "must be an integer, not " + std::string(kind_name(n)));
        return std::nullopt;
    }

    std::vector<std::string> strings(const YAML::Node& n, const std::string& field)
    {
        std::vector<std::string> out;
        if (sequence(n, field))
            for (size_t i = 0; i < n.size(); ++i)
                if (auto s = string(n[i], indexed(field, i)))
                    out.push_back(*s);
        return out;
    }

private:
    static std::string suggestion(const std::string& key, const Keys& known)
    {
        for (auto k : known)
            if (lowercase(std::string(k)) == lowercase(key))
                return " (did you mean '" + std::string(k) + "'?)";
        std::string list;
        for (auto k : known)
            list += (list.empty() ? "" : ", ") + std::string(k);
        return " (expected one of: " + list + ")";
    }

    Reporter& r_;
};

// The non-null entries of a mapping that mapping() accepted.
template <typename Fn> void each(const YAML::Node& n, const std::string& field, Fn&& fn)
{
    for (const auto& kv : n) {
        if (!kv.first.IsScalar() || kv.second.IsNull())
            continue;
        const std::string key = kv.first.Scalar();
        fn(key, kv.second, field.empty() ? key : field + "." + key);
    }
}

#define KAD_META_KEYS "severity", "tags", "message", "action"

bool read_meta(Reader& r, const std::string& key, const YAML::Node& v, const std::string& f, Meta& meta)
{
    if (key == "severity") {
        if (auto sev = r.integer(v, f)) {
            // 0 means unset in the model, so the range is checked here.
            if (*sev < 1 || *sev > 10)
                r.report().error(f, std::to_string(*sev) + " is not between 1 and 10");
            else
                meta.severity = *sev;
        }
    } else if (key == "tags") {
        meta.tags = r.strings(v, f);
    } else if (key == "message") {
        meta.message = r.string(v, f).value_or("");
    } else if (key == "action") {
        if (auto a = r.string(v, f)) {
            meta.action = parse_action(*a);
            if (!meta.action) {
                std::string hint;
                for (const char* word : {"Allow", "Audit", "Block"})
                    if (lowercase(*a) == lowercase(word))
                        hint = " (the CRD is case-sensitive: write '" + std::string(word) + "')";
                r.report().error(f, "'" + *a + "' is not one of Allow, Audit, Block" + hint);
            }
        }
    } else {
        return false;
    }
    return true;
}

std::vector<FromSource> read_from_source(Reader& r, const YAML::Node& n, const std::string& field, bool dirs)
{
    std::vector<FromSource> out;
    if (!r.sequence(n, field))
        return out;
    for (size_t i = 0; i < n.size(); ++i) {
        const auto f = indexed(field, i);
        bool ok = dirs ? r.mapping(n[i], f, {"path", "dir", "recursive"}) : r.mapping(n[i], f, {"path"});
        if (!ok)
            continue;
        FromSource src;
        each(n[i], f, [&](const std::string& key, const YAML::Node& v, const std::string& kf) {
            if (key == "path")
                src.path = r.string(v, kf).value_or("");
            else if (key == "dir" && dirs)
                src.dir = r.string(v, kf).value_or("");
            else if (key == "recursive" && dirs)
                src.recursive = r.boolean(v, kf).value_or(false);
        });
        out.push_back(std::move(src));
    }
    return out;
}

template <typename Item, typename Fn>
void read_items(Reader& r, const YAML::Node& n, const std::string& field, const Keys& keys, std::vector<Item>& out,
                Fn&& read_key)
{
    if (!r.sequence(n, field))
        return;
    for (size_t i = 0; i < n.size(); ++i) {
        const auto f = indexed(field, i);
        if (!r.mapping(n[i], f, keys))
            continue;
        Item item;
        item.field = f;
        each(n[i], f, [&](const std::string& key, const YAML::Node& v, const std::string& kf) {
            if (!read_meta(r, key, v, kf, item.meta))
                read_key(item, key, v, kf);
        });
        out.push_back(std::move(item));
    }
}

void read_path_section(Reader& r, const YAML::Node& n, const std::string& field, bool process, PathSection& out)
{
    if (!r.mapping(n, field, {"matchPaths", "matchDirectories", "matchPatterns", KAD_META_KEYS}))
        return;
    out.present = true;
    each(n, field, [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (read_meta(r, key, v, f, out.meta))
            return;
        if (key == "matchPaths") {
            auto keys = process
                            ? Keys{"path", "execname", "ownerOnly", "pts", "allowedArgs", "fromSource", KAD_META_KEYS}
                            : Keys{"path", "ownerOnly", "readOnly", "pts", "fromSource", KAD_META_KEYS};
            read_items(r, v, f, keys, out.paths,
                       [&](MatchPath& mp, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "path")
                               mp.path = r.string(kv, kf).value_or("");
                           else if (k == "execname")
                               mp.execname = r.string(kv, kf).value_or("");
                           else if (k == "ownerOnly")
                               mp.owner_only = r.boolean(kv, kf).value_or(false);
                           else if (k == "readOnly")
                               mp.read_only = r.boolean(kv, kf).value_or(false);
                           else if (k == "pts")
                               mp.pts = r.boolean(kv, kf);
                           else if (k == "allowedArgs")
                               mp.allowed_args = r.strings(kv, kf);
                           else if (k == "fromSource")
                               mp.from_source = read_from_source(r, kv, kf, false);
                       });
        } else if (key == "matchDirectories") {
            auto keys = process ? Keys{"dir", "recursive", "ownerOnly", "pts", "fromSource", KAD_META_KEYS}
                                : Keys{"dir", "recursive", "ownerOnly", "readOnly", "pts", "fromSource", KAD_META_KEYS};
            read_items(r, v, f, keys, out.directories,
                       [&](MatchDirectory& md, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "dir")
                               md.dir = r.string(kv, kf).value_or("");
                           else if (k == "recursive")
                               md.recursive = r.boolean(kv, kf).value_or(false);
                           else if (k == "ownerOnly")
                               md.owner_only = r.boolean(kv, kf).value_or(false);
                           else if (k == "readOnly")
                               md.read_only = r.boolean(kv, kf).value_or(false);
                           else if (k == "pts")
                               md.pts = r.boolean(kv, kf);
                           else if (k == "fromSource")
                               md.from_source = read_from_source(r, kv, kf, false);
                       });
        } else if (key == "matchPatterns") {
            auto keys = process ? Keys{"pattern", "ownerOnly", KAD_META_KEYS}
                                : Keys{"pattern", "ownerOnly", "readOnly", KAD_META_KEYS};
            read_items(r, v, f, keys, out.patterns,
                       [&](MatchPattern& mp, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "pattern")
                               mp.pattern = r.string(kv, kf).value_or("");
                           else if (k == "ownerOnly")
                               mp.owner_only = r.boolean(kv, kf).value_or(false);
                           else if (k == "readOnly")
                               mp.read_only = r.boolean(kv, kf).value_or(false);
                       });
        }
    });
}

void read_network(Reader& r, const YAML::Node& n, const std::string& field, NetworkSection& out)
{
    if (!r.mapping(n, field, {"matchProtocols", "matchDNSQueries", KAD_META_KEYS}))
        return;
    out.present = true;
    each(n, field, [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (read_meta(r, key, v, f, out.meta))
            return;
        if (key == "matchProtocols")
            read_items(r, v, f, {"protocol", "pts", "fromSource", KAD_META_KEYS}, out.protocols,
                       [&](MatchProtocol& mp, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "protocol") {
                               if (auto p = r.string(kv, kf))
                                   mp.protocols = split_commas(*p);
                           } else if (k == "pts") {
                               mp.pts = r.boolean(kv, kf);
                           } else if (k == "fromSource") {
                               mp.from_source = read_from_source(r, kv, kf, false);
                           }
                       });
        else if (key == "matchDNSQueries")
            read_items(r, v, f, {"domain", "fromSource", KAD_META_KEYS}, out.dns_queries,
                       [&](MatchDnsQuery& q, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "domain") {
                               if (auto d = r.string(kv, kf))
                                   q.domains = split_commas(*d);
                           } else if (k == "fromSource") {
                               q.from_source = read_from_source(r, kv, kf, false);
                           }
                       });
    });
}

void read_capabilities(Reader& r, const YAML::Node& n, const std::string& field, CapabilitiesSection& out)
{
    if (!r.mapping(n, field, {"matchCapabilities", KAD_META_KEYS}))
        return;
    out.present = true;
    each(n, field, [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (read_meta(r, key, v, f, out.meta))
            return;
        if (key == "matchCapabilities")
            read_items(r, v, f, {"capability", "fromSource", KAD_META_KEYS}, out.capabilities,
                       [&](MatchCapability& mc, const std::string& k, const YAML::Node& kv, const std::string& kf) {
                           if (k == "capability") {
                               if (auto c = r.string(kv, kf))
                                   mc.capabilities = split_commas(*c);
                           } else if (k == "fromSource") {
                               mc.from_source = read_from_source(r, kv, kf, false);
                           }
                       });
    });
}

void read_syscalls(Reader& r, const YAML::Node& n, const std::string& field, SyscallsSection& out)
{
    // No action here: the CRD has none, syscalls are audit only.
    if (!r.mapping(n, field, {"matchSyscalls", "matchPaths", "severity", "tags", "message"}))
        return;
    out.present = true;
    each(n, field, [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (read_meta(r, key, v, f, out.meta))
            return;
        const bool paths = key == "matchPaths";
        if (!r.sequence(v, f))
            return;
        for (size_t i = 0; i < v.size(); ++i) {
            const auto itf = indexed(f, i);
            bool ok = paths ? r.mapping(v[i], itf, {"path", "recursive", "syscall", "fromSource"})
                            : r.mapping(v[i], itf, {"syscall", "fromSource"});
            if (!ok)
                continue;
            MatchSyscall ms;
            ms.field = itf;
            each(v[i], itf, [&](const std::string& k, const YAML::Node& kv, const std::string& kf) {
                if (k == "syscall")
                    ms.syscalls = r.strings(kv, kf);
                else if (k == "path")
                    ms.path = r.string(kv, kf).value_or("");
                else if (k == "recursive")
                    ms.recursive = r.boolean(kv, kf).value_or(false);
                else if (k == "fromSource")
                    ms.from_source = read_from_source(r, kv, kf, true);
            });
            (paths ? out.match_paths : out.match_syscalls).push_back(std::move(ms));
        }
    });
}

void read_selector(Reader& r, const YAML::Node& n, const std::string& field, bool cluster, Selector& out)
{
    bool ok =
        cluster ? r.mapping(n, field, {"matchExpressions"}) : r.mapping(n, field, {"matchLabels", "matchExpressions"});
    if (!ok)
        return;
    out.present = true;
    each(n, field, [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (key == "matchLabels") {
            if (!v.IsMap()) {
                r.report().error(f, "must be a mapping of label names to values");
                return;
            }
            for (const auto& kv : v) {
                const std::string k = kv.first.Scalar();
                const std::string lf = f + "." + k;
                if (!valid_utf8(k)) {
                    r.report().error(f, "has a label name that is not valid UTF-8");
                    continue;
                }
                r.locate(lf, kv.second.Mark().line >= 0 ? kv.second : kv.first);
                auto value = r.string(kv.second, lf);
                if (!value)
                    continue;
                if (out.match_labels.count(k) || (k == kContainerNameLabel && !out.container_names.empty())) {
                    r.report().error(lf, "is given twice");
                } else if (k == kContainerNameLabel) {
                    // KubeArmor's form is "[c1, c2]"; a bare name is read as itself.
                    std::string s = trim(*value);
                    bool bracketed = s.starts_with('[') && s.ends_with(']');
                    if (bracketed)
                        s = s.substr(1, s.size() - 2);
                    else
                        r.report().warning(lf, "KubeArmor expects the form '[name, ...]' and would drop the first "
                                               "and last character of '" +
                                                   s + "'; kadapter reads it as the container '" + s + "'");
                    for (const auto& name : split_commas(s))
                        out.container_names.push_back(name);
                } else {
                    out.match_labels[k] = *value;
                }
            }
        } else if (key == "matchExpressions") {
            if (!r.sequence(v, f))
                return;
            for (size_t i = 0; i < v.size(); ++i) {
                const auto ef = indexed(f, i);
                if (!r.mapping(v[i], ef, {"key", "operator", "values"}))
                    continue;
                MatchExpression e;
                e.field = ef;
                each(v[i], ef, [&](const std::string& k, const YAML::Node& kv, const std::string& kf) {
                    if (k == "key")
                        e.key = r.string(kv, kf).value_or("");
                    else if (k == "operator")
                        e.op = r.string(kv, kf).value_or("");
                    else if (k == "values")
                        e.values = r.strings(kv, kf);
                });
                out.match_expressions.push_back(std::move(e));
            }
        }
    });
}

void read_spec(Reader& r, const YAML::Node& spec, bool cluster, Policy& p)
{
    if (!r.mapping(spec, "spec",
                   {"selector", "process", "file", "network", "capabilities", "syscalls", "presets", "apparmor",
                    KAD_META_KEYS}))
        return;
    each(spec, "spec", [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (read_meta(r, key, v, f, p.meta))
            return;
        if (key == "selector")
            read_selector(r, v, f, cluster, p.selector);
        else if (key == "process")
            read_path_section(r, v, f, true, p.process);
        else if (key == "file")
            read_path_section(r, v, f, false, p.file);
        else if (key == "network")
            read_network(r, v, f, p.network);
        else if (key == "capabilities")
            read_capabilities(r, v, f, p.capabilities);
        else if (key == "syscalls")
            read_syscalls(r, v, f, p.syscalls);
        else if (key == "presets") {
            if (!r.sequence(v, f))
                return;
            for (size_t i = 0; i < v.size(); ++i) {
                const auto pf = indexed(f, i);
                if (!r.mapping(v[i], pf, {"name", "action"}))
                    continue;
                Preset preset;
                preset.field = pf;
                each(v[i], pf, [&](const std::string& k, const YAML::Node& kv, const std::string& kf) {
                    if (k == "name") {
                        preset.name = r.string(kv, kf).value_or("");
                    } else {
                        Meta m;
                        read_meta(r, k, kv, kf, m);
                        preset.action = m.action;
                    }
                });
                p.presets.push_back(std::move(preset));
            }
        } else if (key == "apparmor") {
            p.apparmor = r.string(v, f).value_or("");
        }
    });
}

void read_metadata(Reader& r, const YAML::Node& md, Policy& p)
{
    // ObjectMeta: only name and namespace matter here.
    if (!r.mapping(md, "metadata",
                   {"name", "namespace", "labels", "annotations", "generateName", "uid", "resourceVersion",
                    "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                    "ownerReferences", "finalizers", "managedFields", "selfLink"}))
        return;
    each(md, "metadata", [&](const std::string& key, const YAML::Node& v, const std::string& f) {
        if (key == "name")
            p.name = r.string(v, f).value_or("");
        else if (key == "namespace")
            p.namespace_ = r.string(v, f).value_or("");
        else if ((key == "labels" || key == "annotations") && !v.IsMap())
            r.report().error(f, "must be a mapping");
    });
}

void read_document(const YAML::Node& doc, Reporter& rep, ParseResult& result)
{
    Reader r(rep);
    r.locate("", doc);
    if (!doc.IsMap()) {
        rep.error("", "a document must be a mapping, not " + std::string(kind_name(doc)));
        return;
    }
    const YAML::Node kind_node = doc["kind"];
    const std::string kind = kind_node && kind_node.IsScalar() ? kind_node.Scalar() : "";
    if (kind != "KubeArmorPolicy" && kind != "KubeArmorClusterPolicy") {
        r.locate("kind", kind_node ? kind_node : doc);
        if (kind == "KubeArmorHostPolicy")
            rep.warning("kind", "skipping a KubeArmorHostPolicy: it applies to nodes, not to Kata pods");
        else
            rep.note("kind", kind.empty() ? "skipping a document without a kind"
                                          : "skipping a document of kind '" + kind + "'");
        return;
    }
    Policy p;
    p.kind = kind;
    p.input = rep.input();
    p.line = std::max(doc.Mark().line + 1, 1);
    r.mapping(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"});
    if (const auto& api = doc["apiVersion"]; !api)
        rep.error("apiVersion", "is required (security.kubearmor.com/v1)");
    else if (auto a = r.string(api, "apiVersion"); a && *a != "security.kubearmor.com/v1")
        rep.error("apiVersion", "'" + *a + "' is not security.kubearmor.com/v1");
    if (const auto& md = doc["metadata"]; md && !md.IsNull())
        read_metadata(r, md, p);
    if (const auto& spec = doc["spec"]; spec && !spec.IsNull())
        read_spec(r, spec, kind == "KubeArmorClusterPolicy", p);

    check_policy(p, rep);
    if (rep.errors() == 0) {
        p.yaml = to_yaml(doc);
        p.positions = rep.positions();
        result.policies.push_back(std::move(p));
    }
}

} // namespace

ParseResult parse(std::string_view yaml, std::string_view input)
{
    ParseResult result;
    std::vector<YAML::Node> docs;
    try {
        docs = load_yaml_documents(std::string(yaml));
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
        const size_t first = result.diagnostics.size();
        Reporter rep(std::string(input), result.diagnostics);
        read_document(doc, rep, result);
        // In the order they appear in the document.
        std::stable_sort(result.diagnostics.begin() + first, result.diagnostics.end(),
                         [](const Diagnostic& a, const Diagnostic& b) {
                             return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                         });
    }
    return result;
}

} // namespace kadapter::policy
