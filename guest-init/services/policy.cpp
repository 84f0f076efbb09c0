// kadapter.PolicyService: a container's policy replaced at runtime, read
// back, the containers and their bindings listed, the engine's counters,
// and the alerts.
#include <filesystem>
#include <iterator>
#include <optional>

#include "container.hpp"
#include "kadapter.pb.h"
#include "kadapter/annotations.hpp"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {
namespace {

using namespace rpc;

// GetPolicy's rules_text: the compiled rules, one a line.
std::string describe(const kadapter::RuleSet& rs)
{
    std::string out;
    auto origin = [&](uint32_t i) {
        return i < rs.origins.size() ? " (" + rs.origins[i].policy + " " + rs.origins[i].field + ")" : std::string{};
    };
    auto path_rules = [&](const char* cat, const std::vector<kadapter::PathRule>& rules) {
        static const char* kinds[] = {"path", "dir", "dir recursive", "pattern", "execname"};
        for (const auto& r : rules)
            out += std::string(cat) + " " + kadapter::to_string(r.action) + " " + kinds[static_cast<int>(r.match)] +
                   " " + r.path + (r.read_only ? " readOnly" : "") + (r.owner_only ? " ownerOnly" : "") +
                   (r.source.empty() ? "" : " fromSource " + r.source) + origin(r.origin) + "\n";
    };
    path_rules("process", rs.process);
    path_rules("file", rs.file);
    for (const auto& r : rs.network)
        out += std::string("network ") + kadapter::to_string(r.action) + " protocol#" +
               std::to_string(static_cast<int>(r.protocol)) + origin(r.origin) + "\n";
    for (const auto& r : rs.capabilities)
        out += std::string("capabilities ") + kadapter::to_string(r.action) + " cap#" + std::to_string(r.capability) +
               origin(r.origin) + "\n";
    out += std::string("posture file=") + kadapter::to_string(rs.file_posture) +
           " network=" + kadapter::to_string(rs.network_posture) +
           " capabilities=" + kadapter::to_string(rs.capabilities_posture) + "\n";
    return out;
}

kadapter::UpdatePolicyResponse update_policy(Agent& agent, const kadapter::UpdatePolicyRequest& req)
{
    auto entry = agent.pod().find(req.container_id());
    if (!agent.enforcer())
        throw RpcError(Code::FailedPrecondition, "this guest cannot enforce policies: " + agent.unavailable_reason());
    // Not an annotation: no 256 KiB limit here, only the frame's 4 MiB, so
    // a 10,000-rule policy fits as YAML.
    auto policies = kadapter::require_policies(kadapter::parse_policy_text(req.policy(), "UpdatePolicy.policy"),
                                               "UpdatePolicy.policy");
    std::string postures;
    for (const auto& [k, v] : req.postures())
        postures += (postures.empty() ? "" : ",") + k + "=" + v;
    // proto3 cannot tell an absent map from an empty one: no labels means
    // not given here.
    std::optional<std::string> labels;
    if (!req.labels().empty())
        labels = kadapter::format_labels({req.labels().begin(), req.labels().end()});
    auto who = kadapter::pod_identity(entry->meta.container_name, entry->meta.namespace_, labels);
    kadapter::RuleSet rules = kadapter::policy::compile(policies, who, kadapter::parse_postures(postures));

    kadapter::UpdatePolicyResponse r;
    r.set_rules(static_cast<uint32_t>(rules.size()));
    r.set_ruleset_id(entry->policy->update(std::move(rules), req.policy(), entry->container->init_pid()));
    return r;
}

kadapter::GetPolicyResponse get_policy(Agent& agent, const kadapter::GetPolicyRequest& req)
{
    ContainerPolicy::Snapshot policy = agent.pod().find(req.container_id())->policy->snapshot();
    kadapter::GetPolicyResponse r;
    r.set_container_id(req.container_id());
    r.set_policy(policy.source);
    r.set_ruleset_id(policy.ruleset_id);
    r.set_rules_text(describe(policy.rules));
    return r;
}

kadapter::ListContainersResponse list_containers(Agent& agent)
{
    kadapter::ListContainersResponse r;
    const std::string sandbox_id = agent.pod().sandbox_id();
    for (const auto& [id, e] : agent.pod().containers()) {
        ContainerPolicy::Summary policy = e->policy->summary();
        auto* c = r.add_containers();
        c->set_container_id(id);
        c->set_sandbox_id(sandbox_id);
        c->set_name(e->meta.container_name);
        c->set_bound(policy.bound);
        c->set_cgroup_id(e->container->cgroup_id());
        c->set_ruleset_id(policy.ruleset_id);
        c->set_rules(static_cast<uint32_t>(policy.rules));
        auto s = e->container->state();
        c->set_status(s == Container::State::Created   ? "created"
                      : s == Container::State::Running ? "running"
                                                       : "stopped");
    }
    return r;
}

kadapter::GetStatsResponse get_stats(Agent& agent)
{
    kadapter::GetStatsResponse r;
    r.set_enforcing(agent.enforcer() != nullptr);
    r.set_unavailable_reason(agent.unavailable_reason());
    std::error_code ec;
    r.set_agent_open_fds(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd", ec), std::filesystem::directory_iterator()));
    if (auto* enforcer = agent.enforcer()) {
        auto s = enforcer->stats();
        r.set_kernel_bindings(s.kernel_bindings);
        r.set_kernel_alert_budgets(s.kernel_alert_budgets);
        r.set_kernel_automata(s.kernel_automata);
        r.set_events_dropped(s.events_dropped);
        r.set_events_throttled(s.events_throttled);
        r.set_unresolvable(s.unresolvable);
        r.set_inconsistent(s.inconsistent);
        for (const auto& h : s.hooks)
            r.add_hooks(h);
    }
    return r;
}

} // namespace

void register_policy(ttrpc::Server& server, Agent& agent)
{
    add<kadapter::UpdatePolicyRequest, kadapter::UpdatePolicyResponse>(
        server, kPolicyService, "UpdatePolicy",
        [&agent](const kadapter::UpdatePolicyRequest& req, const ttrpc::CallContext&) {
            return update_policy(agent, req);
        });

    add<kadapter::GetPolicyRequest, kadapter::GetPolicyResponse>(
        server, kPolicyService, "GetPolicy",
        [&agent](const kadapter::GetPolicyRequest& req, const ttrpc::CallContext&) { return get_policy(agent, req); });

    add<kadapter::ListContainersRequest, kadapter::ListContainersResponse>(
        server, kPolicyService, "ListContainers",
        [&agent](const kadapter::ListContainersRequest&, const ttrpc::CallContext&) { return list_containers(agent); });

    add<kadapter::GetStatsRequest, kadapter::GetStatsResponse>(
        server, kPolicyService, "GetStats",
        [&agent](const kadapter::GetStatsRequest&, const ttrpc::CallContext&) { return get_stats(agent); });

    add<kadapter::ReadEventsRequest, kadapter::ReadEventsResponse>(
        server, kPolicyService, "ReadEvents",
        [&agent](const kadapter::ReadEventsRequest& req, const ttrpc::CallContext&) {
            auto batch =
                agent.alerts().read("rpc", req.container_id(), req.max(), std::chrono::milliseconds(req.timeout_ms()));
            kadapter::ReadEventsResponse r;
            for (auto& l : batch.lines)
                r.add_events(l);
            r.set_dropped(batch.dropped);
            return r;
        });
}

} // namespace guest_init
