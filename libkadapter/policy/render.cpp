// policy::Policy -> KubeArmorPolicy YAML: how a policy decoded from the
// compact form is shown to people, and what the verbatim form carries when
// a policy has no source document. parse(render_yaml(p)) gives p back.
#include <yaml-cpp/yaml.h>

#include "kadapter/policy.hpp"
#include "yaml_writer.hpp"

namespace kadapter::policy {
namespace {

YAML::Node str(const std::string& s)
{
    YAML::Node n(s);
    n.SetTag("!"); // a string, whatever it looks like
    return n;
}

YAML::Node strings(const std::vector<std::string>& v)
{
    YAML::Node n(YAML::NodeType::Sequence);
    for (const auto& s : v)
        n.push_back(str(s));
    return n;
}

std::string join(const std::vector<std::string>& v, const char* sep)
{
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

void meta(YAML::Node& n, const Meta& m)
{
    if (m.severity)
        n["severity"] = m.severity;
    if (!m.tags.empty())
        n["tags"] = strings(m.tags);
    if (!m.message.empty())
        n["message"] = str(m.message);
    if (m.action)
        n["action"] = str(to_string(*m.action));
}

YAML::Node sources(const std::vector<FromSource>& from)
{
    YAML::Node n(YAML::NodeType::Sequence);
    for (const auto& s : from) {
        YAML::Node item(YAML::NodeType::Map);
        if (!s.path.empty())
            item["path"] = str(s.path);
        if (!s.dir.empty())
            item["dir"] = str(s.dir);
        if (s.recursive)
            item["recursive"] = true;
        n.push_back(item);
    }
    return n;
}

YAML::Node path_section(const PathSection& s)
{
    YAML::Node n(YAML::NodeType::Map);
    if (!s.paths.empty()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& mp : s.paths) {
            YAML::Node item(YAML::NodeType::Map);
            if (!mp.path.empty())
                item["path"] = str(mp.path);
            if (!mp.execname.empty())
                item["execname"] = str(mp.execname);
            if (mp.owner_only)
                item["ownerOnly"] = true;
            if (mp.read_only)
                item["readOnly"] = true;
            if (mp.pts)
                item["pts"] = *mp.pts;
            if (!mp.allowed_args.empty())
                item["allowedArgs"] = strings(mp.allowed_args);
            if (!mp.from_source.empty())
                item["fromSource"] = sources(mp.from_source);
            meta(item, mp.meta);
            list.push_back(item);
        }
        n["matchPaths"] = list;
    }
    if (!s.directories.empty()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& md : s.directories) {
            YAML::Node item(YAML::NodeType::Map);
            item["dir"] = str(md.dir);
            if (md.recursive)
                item["recursive"] = true;
            if (md.owner_only)
                item["ownerOnly"] = true;
            if (md.read_only)
                item["readOnly"] = true;
            if (md.pts)
                item["pts"] = *md.pts;
            if (!md.from_source.empty())
                item["fromSource"] = sources(md.from_source);
            meta(item, md.meta);
            list.push_back(item);
        }
        n["matchDirectories"] = list;
    }
    if (!s.patterns.empty()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& mp : s.patterns) {
            YAML::Node item(YAML::NodeType::Map);
            item["pattern"] = str(mp.pattern);
            if (mp.owner_only)
                item["ownerOnly"] = true;
            if (mp.read_only)
                item["readOnly"] = true;
            meta(item, mp.meta);
            list.push_back(item);
        }
        n["matchPatterns"] = list;
    }
    meta(n, s.meta);
    return n;
}

YAML::Node syscalls(const std::vector<MatchSyscall>& rules, bool paths)
{
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& ms : rules) {
        YAML::Node item(YAML::NodeType::Map);
        if (paths && !ms.path.empty())
            item["path"] = str(ms.path);
        if (ms.recursive)
            item["recursive"] = true;
        if (!ms.syscalls.empty())
            item["syscall"] = strings(ms.syscalls);
        if (!ms.from_source.empty())
            item["fromSource"] = sources(ms.from_source);
        list.push_back(item);
    }
    return list;
}

} // namespace

std::string render_yaml(const Policy& p)
{
    YAML::Node doc(YAML::NodeType::Map);
    doc["apiVersion"] = "security.kubearmor.com/v1";
    doc["kind"] = str(p.kind);
    doc["metadata"]["name"] = str(p.name);
    if (!p.namespace_.empty())
        doc["metadata"]["namespace"] = str(p.namespace_);
    YAML::Node spec(YAML::NodeType::Map);

    if (p.selector.present) {
        YAML::Node sel(YAML::NodeType::Map);
        if (!p.selector.match_labels.empty() || !p.selector.container_names.empty()) {
            YAML::Node labels(YAML::NodeType::Map);
            for (const auto& [k, v] : p.selector.match_labels)
                labels[k] = str(v);
            if (!p.selector.container_names.empty())
                labels[kContainerNameLabel] = str("[" + join(p.selector.container_names, ", ") + "]");
            sel["matchLabels"] = labels;
        }
        if (!p.selector.match_expressions.empty()) {
            YAML::Node list(YAML::NodeType::Sequence);
            for (const auto& e : p.selector.match_expressions) {
                YAML::Node item(YAML::NodeType::Map);
                item["key"] = str(e.key);
                item["operator"] = str(e.op);
                item["values"] = strings(e.values);
                list.push_back(item);
            }
            sel["matchExpressions"] = list;
        }
        spec["selector"] = sel;
    }
    if (p.process.present)
        spec["process"] = path_section(p.process);
    if (p.file.present)
        spec["file"] = path_section(p.file);
    if (p.network.present) {
        YAML::Node net(YAML::NodeType::Map);
        if (!p.network.protocols.empty()) {
            YAML::Node list(YAML::NodeType::Sequence);
            for (const auto& mp : p.network.protocols) {
                YAML::Node item(YAML::NodeType::Map);
                item["protocol"] = str(join(mp.protocols, ","));
                if (mp.pts)
                    item["pts"] = *mp.pts;
                if (!mp.from_source.empty())
                    item["fromSource"] = sources(mp.from_source);
                meta(item, mp.meta);
                list.push_back(item);
            }
            net["matchProtocols"] = list;
        }
        if (!p.network.dns_queries.empty()) {
            YAML::Node list(YAML::NodeType::Sequence);
            for (const auto& q : p.network.dns_queries) {
                YAML::Node item(YAML::NodeType::Map);
                item["domain"] = str(join(q.domains, ","));
                if (!q.from_source.empty())
                    item["fromSource"] = sources(q.from_source);
                meta(item, q.meta);
                list.push_back(item);
            }
            net["matchDNSQueries"] = list;
        }
        meta(net, p.network.meta);
        spec["network"] = net;
    }
    if (p.capabilities.present) {
        YAML::Node caps(YAML::NodeType::Map);
        if (!p.capabilities.capabilities.empty()) {
            YAML::Node list(YAML::NodeType::Sequence);
            for (const auto& mc : p.capabilities.capabilities) {
                YAML::Node item(YAML::NodeType::Map);
                item["capability"] = str(join(mc.capabilities, ","));
                if (!mc.from_source.empty())
                    item["fromSource"] = sources(mc.from_source);
                meta(item, mc.meta);
                list.push_back(item);
            }
            caps["matchCapabilities"] = list;
        }
        meta(caps, p.capabilities.meta);
        spec["capabilities"] = caps;
    }
    if (p.syscalls.present) {
        YAML::Node sys(YAML::NodeType::Map);
        if (!p.syscalls.match_syscalls.empty())
            sys["matchSyscalls"] = syscalls(p.syscalls.match_syscalls, false);
        if (!p.syscalls.match_paths.empty())
            sys["matchPaths"] = syscalls(p.syscalls.match_paths, true);
        meta(sys, p.syscalls.meta);
        spec["syscalls"] = sys;
    }
    if (!p.presets.empty()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const auto& preset : p.presets) {
            YAML::Node item(YAML::NodeType::Map);
            item["name"] = str(preset.name);
            if (preset.action)
                item["action"] = str(to_string(*preset.action));
            list.push_back(item);
        }
        spec["presets"] = list;
    }
    if (!p.apparmor.empty())
        spec["apparmor"] = str(p.apparmor);
    meta(spec, p.meta);
    doc["spec"] = spec;
    return to_yaml(doc);
}

std::string verbatim_yaml(const std::vector<Policy>& policies)
{
    std::string out;
    for (const auto& p : policies)
        out += (out.empty() ? "" : "---\n") + (p.yaml.empty() ? render_yaml(p) : p.yaml);
    return out;
}

} // namespace kadapter::policy
