#include "kadapter/annotations.hpp"

#include <set>

#include "kadapter/compact.hpp"
#include "kadapter/error.hpp"
#include "vocabulary.hpp"

namespace kadapter {
namespace {

std::vector<std::pair<std::string, std::string>> split_pairs(const std::string& value, const char* what)
{
    std::vector<std::pair<std::string, std::string>> out;
    std::set<std::string> seen;
    for (const std::string& item : policy::split_commas(value)) {
        if (item.empty())
            continue;
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error(Errc::InvalidPolicy, std::string(what) + ": '" + item + "' is not key=value");
        std::string key = policy::trim(item.substr(0, eq));
        if (!seen.insert(key).second)
            throw Error(Errc::InvalidPolicy, std::string(what) + ": '" + key + "' is given twice");
        out.emplace_back(key, policy::trim(item.substr(eq + 1)));
    }
    return out;
}

} // namespace

policy::ParseResult parse_policy_annotation(const std::string& value)
{
    const std::string input = std::string("annotation ") + kPolicyAnnotation;
    if (is_compact(value))
        return decode_compact(value, input);
    if (value.size() > kMaxPolicyValueBytes) {
        policy::ParseResult r;
        policy::Diagnostic d;
        d.input = input;
        d.message = "the value is " + std::to_string(value.size()) + " bytes; the most a policy value may take is " +
                    std::to_string(kMaxPolicyValueBytes);
        r.diagnostics.push_back(d);
        return r;
    }
    return policy::parse(value, input);
}

policy::ParseResult parse_policy_text(const std::string& value, std::string_view input)
{
    return is_compact(value) ? decode_compact(value, input) : policy::parse(value, input);
}

std::string decode_policy_annotation(const std::string& value)
{
    policy::ParseResult r = parse_policy_annotation(value);
    if (!r.ok())
        throw Error(Errc::InvalidPolicy, r.errors());
    if (!is_compact(value))
        return value;
    return policy::verbatim_yaml(r.policies);
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
        else if (k == "process")
            throw Error(Errc::InvalidPolicy, std::string(kPostureAnnotation) +
                                                 ": process has no posture of its own; it follows file (as in "
                                                 "KubeArmor)");
        else
            throw Error(Errc::InvalidPolicy, std::string(kPostureAnnotation) + ": unknown category '" + k +
                                                 "' (file, network, capabilities)");
    }
    return p;
}

std::string format_postures(const policy::Postures& p)
{
    return std::string("file=") + to_string(p.file) + ",network=" + to_string(p.network) +
           ",capabilities=" + to_string(p.capabilities);
}

std::map<std::string, std::string> parse_labels(const std::string& value)
{
    std::map<std::string, std::string> labels;
    for (const auto& [k, v] : split_pairs(value, kLabelsAnnotation))
        labels[k] = v;
    return labels;
}

std::string format_labels(const std::map<std::string, std::string>& labels)
{
    std::string out;
    for (const auto& [k, v] : labels) {
        // Kubernetes label keys and values never hold these; refuse rather
        // than write something parse_labels would read differently.
        if (k.empty() || k.find_first_of(",= ") != std::string::npos || v.find_first_of(",= ") != std::string::npos)
            throw Error(Errc::InvalidArgument,
                        std::string(kLabelsAnnotation) + ": cannot carry the label '" + k + "=" + v + "'");
        out += (out.empty() ? "" : ",") + k + "=" + v;
    }
    return out;
}

std::vector<policy::Policy> require_policies(policy::ParseResult parsed, std::string_view what)
{
    if (!parsed.ok())
        throw Error(Errc::InvalidPolicy, parsed.errors());
    if (parsed.policies.empty())
        throw Error(Errc::InvalidPolicy, std::string(what) + ": holds no KubeArmorPolicy or KubeArmorClusterPolicy");
    return std::move(parsed.policies);
}

std::optional<PodPolicy> pod_policy_from_annotations(const std::map<std::string, std::string>& annotations)
{
    auto it = annotations.find(kPolicyAnnotation);
    if (it == annotations.end())
        return std::nullopt;
    PodPolicy pod;
    pod.source = it->second;
    pod.policies = require_policies(parse_policy_annotation(it->second), kPolicyAnnotation);
    if (auto p = annotations.find(kPostureAnnotation); p != annotations.end())
        pod.postures = parse_postures(p->second);
    if (auto l = annotations.find(kLabelsAnnotation); l != annotations.end()) {
        parse_labels(l->second); // refused here, before anything runs
        pod.labels = l->second;
    }
    return pod;
}

policy::PodIdentity pod_identity(std::string container_name, std::string namespace_,
                                 const std::optional<std::string>& labels)
{
    policy::PodIdentity pod;
    pod.container_name = std::move(container_name);
    pod.namespace_ = std::move(namespace_);
    if (labels) {
        pod.labels = parse_labels(*labels);
        pod.labels_known = true;
    }
    return pod;
}

} // namespace kadapter
