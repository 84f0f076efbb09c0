// Which pods and containers a policy selects (KubeArmor's kubeUpdate.go and
// common.go: MatchIdentities, MatchExpIdentities), evaluated in the guest
// from the pod's labels annotation, namespace and container name.
#include <algorithm>
#include <set>

#include "kadapter/policy.hpp"

namespace kadapter::policy {
namespace {

// The In values of all expressions on `key` form one set, any of which
// selects; NotIn values count only when no In expression is given.
bool expressions_match(const Selector& s, const std::string& key, const std::set<std::string>& identities)
{
    bool has_in = false;
    bool in_matched = false;
    bool notin_matched = false;
    for (const auto& e : s.match_expressions) {
        if (e.key != key)
            continue;
        bool any = std::any_of(e.values.begin(), e.values.end(),
                               [&](const std::string& v) { return identities.count(v) > 0; });
        if (e.op == "In") {
            has_in = true;
            in_matched = in_matched || any;
        } else if (e.op == "NotIn") {
            notin_matched = notin_matched || any;
        }
    }
    return has_in ? in_matched : !notin_matched;
}

} // namespace

bool selects(const Policy& p, const PodIdentity& pod)
{
    const Selector& s = p.selector;
    if (!s.container_names.empty() &&
        std::find(s.container_names.begin(), s.container_names.end(), pod.container_name) == s.container_names.end())
        return false;

    const bool cluster = p.kind == "KubeArmorClusterPolicy";
    if (!pod.namespace_.empty()) {
        if (!cluster && !p.namespace_.empty() && p.namespace_ != pod.namespace_)
            return false;
        if (cluster && !expressions_match(s, "namespace", {pod.namespace_}))
            return false;
    }

    // Without labels, whoever wrote the annotation resolved the selector.
    if (!pod.labels_known)
        return true;
    std::set<std::string> identities;
    for (const auto& [k, v] : pod.labels)
        identities.insert(k + "=" + v);
    for (const auto& [k, v] : s.match_labels)
        if (!identities.count(k + "=" + v))
            return false;
    return expressions_match(s, "label", identities);
}

} // namespace kadapter::policy
