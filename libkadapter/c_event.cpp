#include "c_event.hpp"

#include <string>
#include <vector>

namespace kadapter::c_api {
namespace {

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

} // namespace

void deliver(kadapter_event_fn handler, void* user, const Event& e)
{
    static const RuleOrigin no_rule{};
    const RuleOrigin& rule = e.rule ? *e.rule : no_rule;
    const std::string tags = join(rule.tags);
    kadapter_event c{};
    c.size = sizeof(c);
    c.timestamp_ns = e.timestamp_ns;
    c.container_id = e.container_id;
    c.container = e.container.c_str();
    c.cgroup_id = e.cgroup_id;
    c.pid = e.pid;
    c.tid = e.tid;
    c.ppid = e.ppid;
    c.uid = e.uid;
    c.ns_pid = e.ns_pid;
    c.ns_ppid = e.ns_ppid;
    c.comm = e.comm.c_str();
    c.executable = e.executable.c_str();
    c.operation = to_string(e.operation);
    c.kubearmor_operation = kubearmor_operation(e.operation);
    c.resource = e.resource.c_str();
    c.flags = e.flags;
    c.action = to_string(e.action);
    c.reason = to_string(e.reason);
    c.error = e.error;
    c.policy = rule.policy.c_str();
    c.policy_namespace = rule.namespace_.c_str();
    c.rule_field = rule.field.c_str();
    c.severity = rule.severity;
    c.message = rule.message.c_str();
    c.tags = tags.c_str();
    c.max_alerts_per_sec = e.max_alerts_per_sec;
    c.throttle_sec = e.throttle_sec;
    handler(&c, user);
}

} // namespace kadapter::c_api
