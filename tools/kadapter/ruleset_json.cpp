#include "ruleset_json.hpp"

#include "kadapter/capability.hpp"
#include "kadapter/policy.hpp"

namespace kadapter::cli {

const char* match_word(PathMatch m)
{
    switch (m) {
    case PathMatch::Exact:
        return "path";
    case PathMatch::Directory:
        return "directory";
    case PathMatch::RecursiveDirectory:
        return "recursiveDirectory";
    case PathMatch::Pattern:
        return "pattern";
    case PathMatch::ExecName:
        return "execname";
    }
    return "?";
}

const char* action_source(ActionSource s)
{
    switch (s) {
    case ActionSource::Rule:
        return "rule";
    case ActionSource::Section:
        return "section";
    case ActionSource::Spec:
        return "spec";
    case ActionSource::Default:
        return "default";
    }
    return "?";
}

namespace {

nlohmann::ordered_json path_rules(const std::vector<PathRule>& rules)
{
    auto out = nlohmann::ordered_json::array();
    for (const auto& r : rules)
        out.push_back({{"match", match_word(r.match)},
                       {"path", r.path},
                       {"action", to_string(r.action)},
                       {"readOnly", r.read_only},
                       {"ownerOnly", r.owner_only},
                       {"notFromTerminal", r.no_tty},
                       {"allowedArgs", r.allowed_args},
                       {"source", r.source},
                       {"origin", r.origin}});
    return out;
}

} // namespace

nlohmann::ordered_json to_json(const RuleSet& rs)
{
    nlohmann::ordered_json j;
    const Category cats[] = {Category::Process, Category::File, Category::Network, Category::Capabilities};
    for (Category c : cats)
        j["mode"][to_string(c)] = rs.allow_list(c) ? "allow-list" : "deny-list";
    for (Category c : cats)
        j["posture"][to_string(c)] = to_string(rs.posture(c));
    j["process"] = path_rules(rs.process);
    j["file"] = path_rules(rs.file);
    j["network"] = nlohmann::ordered_json::array();
    for (const auto& r : rs.network)
        j["network"].push_back({{"protocol", policy::protocol_word(r.protocol)},
                                {"action", to_string(r.action)},
                                {"notFromTerminal", r.no_tty},
                                {"source", r.source},
                                {"origin", r.origin}});
    j["dnsMode"] = rs.dns_allow_list() ? "allow-list" : "deny-list";
    j["dns"] = nlohmann::ordered_json::array();
    for (const auto& r : rs.dns)
        j["dns"].push_back(
            {{"domain", r.domain}, {"action", to_string(r.action)}, {"source", r.source}, {"origin", r.origin}});
    j["capabilities"] = nlohmann::ordered_json::array();
    for (const auto& r : rs.capabilities)
        j["capabilities"].push_back({{"capability", capability_name(r.capability)},
                                     {"action", to_string(r.action)},
                                     {"source", r.source},
                                     {"origin", r.origin}});
    auto preset = [](const std::optional<Action>& a) { return a ? nlohmann::ordered_json(to_string(*a)) : nullptr; };
    j["filelessExec"] = preset(rs.fileless_exec);
    j["protectEnv"] = preset(rs.protect_env);
    j["exec"] = preset(rs.external_exec);
    j["origins"] = nlohmann::ordered_json::array();
    for (const auto& o : rs.origins)
        j["origins"].push_back({{"policy", o.policy},
                                {"namespace", o.namespace_},
                                {"field", o.field},
                                {"severity", o.severity},
                                {"tags", o.tags},
                                {"message", o.message},
                                {"action", to_string(o.action)},
                                {"actionFrom", action_source(o.action_from)}});
    return j;
}

} // namespace kadapter::cli
