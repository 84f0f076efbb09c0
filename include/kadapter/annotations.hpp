// The pod annotations that carry policies into the guest. Kata's runtime
// copies pod annotations matching `io.katacontainers.*` (kata-deploy's
// containerd default) into every container spec it sends to the agent.
//
//   io.katacontainers.kadapter.policy    KubeArmorPolicy YAML, verbatim (one or
//                                        more documents), or the compact form
//   io.katacontainers.kadapter.posture   default postures of allow-list mode:
//                                        "file=block,network=audit,capabilities=audit"
//   io.katacontainers.kadapter.labels    the pod's labels, "k=v,k=v", so selectors
//                                        can be evaluated in the guest
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kadapter/policy.hpp"

namespace kadapter {

inline constexpr const char* kPolicyAnnotation = "io.katacontainers.kadapter.policy";
inline constexpr const char* kPostureAnnotation = "io.katacontainers.kadapter.posture";
inline constexpr const char* kLabelsAnnotation = "io.katacontainers.kadapter.labels";

struct PodPolicy {
    std::vector<policy::Policy> policies;
    policy::Postures postures;
    std::map<std::string, std::string> labels;
    bool labels_known = false;
    std::string source; // the annotation value it came from
};

// Reads the kadapter annotations. nullopt when there is no policy
// annotation; throws Error(InvalidPolicy) naming every problem otherwise.
std::optional<PodPolicy> pod_policy_from_annotations(const std::map<std::string, std::string>& annotations);

// Decodes the policy annotation value to YAML text (verbatim YAML passes
// through; the compact form is decoded). Throws Error(InvalidPolicy).
std::string decode_policy_annotation(const std::string& value);

policy::Postures parse_postures(const std::string& value);                 // throws Error(InvalidPolicy)
std::map<std::string, std::string> parse_labels(const std::string& value); // throws Error(InvalidPolicy)

} // namespace kadapter
