// The pod annotations that carry policies into the guest (docs/annotations.md).
// Kata's runtime copies pod annotations matching `io.katacontainers.*`
// (kata-deploy's containerd default) into every container spec it sends to
// the agent.
//
//   io.katacontainers.kadapter.policy    KubeArmorPolicy YAML, verbatim (one or
//                                        more documents), or the compact form
//                                        "kadapter:v1:<base64 zlib protobuf>"
//   io.katacontainers.kadapter.posture   default postures of allow-list mode:
//                                        "file=block,network=audit,capabilities=audit"
//   io.katacontainers.kadapter.labels    the pod's labels, "k=v,k=v", so selectors
//                                        can be evaluated in the guest
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kadapter/export.h"
#include "kadapter/policy.hpp"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

inline constexpr const char* kAnnotationPrefix = "io.katacontainers.kadapter.";
inline constexpr const char* kPolicyAnnotation = "io.katacontainers.kadapter.policy";
inline constexpr const char* kPostureAnnotation = "io.katacontainers.kadapter.posture";
inline constexpr const char* kLabelsAnnotation = "io.katacontainers.kadapter.labels";

struct PodPolicy {
    std::vector<policy::Policy> policies;
    policy::Postures postures;
    std::optional<std::string> labels; // the labels annotation (checked); nullopt when absent
    std::string source;                // the annotation value it came from
};

// Reads the kadapter annotations. nullopt when there is no policy
// annotation; throws Error(InvalidPolicy) naming every problem otherwise.
std::optional<PodPolicy> pod_policy_from_annotations(const std::map<std::string, std::string>& annotations);

// Parses the policy annotation value, verbatim YAML or compact form, into
// policies and diagnostics (never throws for bad input).
policy::ParseResult parse_policy_annotation(const std::string& value);

// The same for a policy that does not travel as an annotation (UpdatePolicy,
// the C API): YAML or compact form, without the 256 KiB annotation limit.
policy::ParseResult parse_policy_text(const std::string& value, std::string_view input);

// The policies of a parse of `what` (an annotation, a request field);
// throws Error(InvalidPolicy) with every error, or when it holds none.
std::vector<policy::Policy> require_policies(policy::ParseResult parsed, std::string_view what);

// The policy annotation value as YAML text: verbatim YAML passes through,
// the compact form is decoded and shown as YAML. Throws Error(InvalidPolicy).
std::string decode_policy_annotation(const std::string& value);

// "file=block,network=audit,capabilities=audit"; throws Error(InvalidPolicy).
policy::Postures parse_postures(const std::string& value);
std::string format_postures(const policy::Postures& postures);
// "k=v,k=v"; throws Error(InvalidPolicy).
std::map<std::string, std::string> parse_labels(const std::string& value);
std::string format_labels(const std::map<std::string, std::string>& labels); // throws for labels it cannot carry

// The pod container policies are compiled for; every caller (guest-init,
// the C API, the CLI) builds it here, so one rule decides whether labels
// are known: exactly when `labels` ("k=v,k=v") is given. "" is given: the
// pod has no labels, and a selector on labels does not select it. nullopt:
// whoever sent the policy resolved its selectors, so none is compared.
// An empty namespace is not compared either. Throws Error(InvalidPolicy).
policy::PodIdentity pod_identity(std::string container_name, std::string namespace_,
                                 const std::optional<std::string>& labels);

} // namespace kadapter

KADAPTER_PUBLIC_END
