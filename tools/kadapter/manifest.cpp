#include "manifest.hpp"

#include <stdexcept>

namespace kadapter::cli {
namespace {

std::string scalar(const YAML::Node& n)
{
    return n && n.IsScalar() ? n.Scalar() : "";
}

// The template path of each workload kind.
const std::map<std::string, std::vector<const char*>>& templates()
{
    static const std::map<std::string, std::vector<const char*>> t = {
        {"Pod", {}},
        {"Deployment", {"spec", "template"}},
        {"StatefulSet", {"spec", "template"}},
        {"DaemonSet", {"spec", "template"}},
        {"ReplicaSet", {"spec", "template"}},
        {"ReplicationController", {"spec", "template"}},
        {"Job", {"spec", "template"}},
        {"CronJob", {"spec", "jobTemplate", "spec", "template"}},
    };
    return t;
}

} // namespace

std::optional<PodTemplate> pod_template(YAML::Node doc)
{
    if (!doc.IsMap())
        return std::nullopt;
    const std::string kind = scalar(doc["kind"]);
    auto it = templates().find(kind);
    if (it == templates().end())
        return std::nullopt;

    PodTemplate t;
    t.kind = kind;
    const YAML::Node& cdoc = doc; // const: lookups never add keys
    if (cdoc["metadata"] && cdoc["metadata"].IsMap()) {
        t.name = scalar(cdoc["metadata"]["name"]);
        t.namespace_ = scalar(cdoc["metadata"]["namespace"]);
    }
    YAML::Node node = doc;
    for (const char* step : it->second) {
        t.path += (t.path.empty() ? "" : ".") + std::string(step);
        const YAML::Node& cnode = node;
        if (!cnode.IsMap() || !cnode[step] || !cnode[step].IsMap())
            throw std::runtime_error(kind + " " + t.name + ": has no " + t.path + " mapping");
        node.reset(node[step]); // rebind; operator= would overwrite the node
    }
    t.node.reset(node);
    if (t.path.empty())
        t.path = "(the Pod)";

    const YAML::Node& tmpl = node;
    if (tmpl["metadata"] && tmpl["metadata"].IsMap() && tmpl["metadata"]["labels"]) {
        const YAML::Node labels = tmpl["metadata"]["labels"];
        if (!labels.IsMap())
            throw std::runtime_error(kind + " " + t.name + ": the pod template's labels are not a mapping");
        for (const auto& kv : labels)
            t.labels[scalar(kv.first)] = scalar(kv.second);
    }
    if (tmpl["spec"] && tmpl["spec"].IsMap())
        for (const char* list : {"containers", "initContainers"})
            if (const YAML::Node cs = tmpl["spec"][list]; cs && cs.IsSequence())
                for (const auto& c : cs)
                    if (c.IsMap() && c["name"])
                        t.containers.push_back(scalar(c["name"]));
    return t;
}

} // namespace kadapter::cli
