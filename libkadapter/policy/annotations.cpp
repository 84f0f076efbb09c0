#include "kadapter/annotations.hpp"

#include <sstream>

#include "kadapter/error.hpp"
#include "vocabulary.hpp"

namespace kadapter {
namespace {

constexpr size_t kMaxAnnotationBytes = 256 * 1024; // Kubernetes' total annotation limit

std::vector<std::pair<std::string, std::string>> split_pairs(const std::string& value, const char* what)
{
    std::vector<std::pair<std::string, std::string>> out;
    std::stringstream ss(value);
    for (std::string item; std::getline(ss, item, ',');) {
        item = policy::trim(item);
        if (item.empty())
            continue;
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error(Errc::InvalidPolicy, std::string(what) + ": '" + item + "' is not key=value");
        out.emplace_back(policy::trim(item.substr(0, eq)), policy::trim(item.substr(eq + 1)));
    }
    return out;
}

} // namespace

std::string decode_policy_annotation(const std::string& value)
{
    if (value.size() > kMaxAnnotationBytes)
        throw Error(Errc::InvalidPolicy, std::string(kPolicyAnnotation) + ": value of " + std::to_string(value.size()) +
                                             " bytes exceeds 256 KiB");
    if (value.starts_with("kadapter:"))
        throw Error(Errc::InvalidPolicy,
                    std::string(kPolicyAnnotation) + ": the compact form is not supported by this build");
    return value;
}

policy::Postures parse_postures(const std::string& value)
{
    policy::Postures p;
    for (const auto& [k, v] : split_pairs(value, kPostureAnnotation)) {
        Posture posture;
        if (v == "block")
            posture = Posture::Block;
        else if (v == "audit")
            posture = Posture::Audit;
        else
            throw Error(Errc::InvalidPolicy,
                        std::string(kPostureAnnotation) + ": '" + v + "' for " + k + " is not block or audit");
        if (k == "file")
            p.file = posture;
        else if (k == "network")
            p.network = posture;
        else if (k == "capabilities")
            p.capabilities = posture;
        else
            throw Error(Errc::InvalidPolicy, std::string(kPostureAnnotation) + ": unknown category '" + k +
                                                 "' (file, network, capabilities)");
    }
    return p;
}

std::map<std::string, std::string> parse_labels(const std::string& value)
{
    std::map<std::string, std::string> labels;
    for (const auto& [k, v] : split_pairs(value, kLabelsAnnotation))
        labels[k] = v;
    return labels;
}

std::optional<PodPolicy> pod_policy_from_annotations(const std::map<std::string, std::string>& annotations)
{
    auto it = annotations.find(kPolicyAnnotation);
    if (it == annotations.end())
        return std::nullopt;
    PodPolicy pod;
    pod.source = it->second;
    std::string yaml = decode_policy_annotation(it->second);
    policy::ParseResult parsed = policy::parse(yaml, "annotation " + std::string(kPolicyAnnotation));
    if (!parsed.ok())
        throw Error(Errc::InvalidPolicy, parsed.errors());
    if (parsed.policies.empty())
        throw Error(Errc::InvalidPolicy,
                    std::string(kPolicyAnnotation) + ": holds no KubeArmorPolicy or KubeArmorClusterPolicy");
    pod.policies = std::move(parsed.policies);
    if (auto p = annotations.find(kPostureAnnotation); p != annotations.end())
        pod.postures = parse_postures(p->second);
    if (auto l = annotations.find(kLabelsAnnotation); l != annotations.end()) {
        pod.labels = parse_labels(l->second);
        pod.labels_known = true;
    }
    return pod;
}

} // namespace kadapter
