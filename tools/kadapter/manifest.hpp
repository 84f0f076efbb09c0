// Kubernetes workload manifests: where a kind keeps its pod template, and
// what of it selects policies (labels, namespace, container names).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kadapter::cli {

struct PodTemplate {
    std::string kind;       // Pod, Deployment, ...
    std::string name;       // metadata.name of the workload
    std::string namespace_; // metadata.namespace, empty when unset
    std::string path;       // where the template is: "spec.template"
    YAML::Node node;        // the template (for a Pod, the Pod): has metadata and spec
    std::map<std::string, std::string> labels;
    std::vector<std::string> containers; // containers and initContainers, by name
};

// The pod template of a workload document; nullopt for other kinds. Throws
// std::runtime_error when a workload has no usable template.
std::optional<PodTemplate> pod_template(YAML::Node doc);

} // namespace kadapter::cli
