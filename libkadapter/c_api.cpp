// The C API (kadapter.h) over kadapter::Enforcer: no exception crosses it;
// each one becomes a status and a per-thread message (c_status.hpp).
#include "kadapter/kadapter.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "c_event.hpp"
#include "c_status.hpp"
#include "c_struct.hpp"
#include "kadapter/annotations.hpp"
#include "kadapter/enforcer.hpp"
#include "kadapter/error.hpp"

struct kadapter_enforcer {
    explicit kadapter_enforcer(const kadapter::EnforcerOptions& options) : engine(options) {}

    kadapter::Enforcer engine;
};

struct kadapter_ruleset {
    kadapter::RuleSet rules;
};

using namespace kadapter::c_api;

namespace {

kadapter::BindOptions bind_options(const char* root)
{
    kadapter::BindOptions o;
    if (root)
        o.root = root;
    return o;
}

} // namespace

extern "C" {

kadapter_status kadapter_ruleset_from_policy(const char* policy, const char* container_name, const char* labels,
                                             const char* postures, kadapter_ruleset** out)
{
    if (!policy)
        return null_argument(__func__, "policy");
    if (!out)
        return null_argument(__func__, "out");
    return guarded([&] {
        auto policies = kadapter::require_policies(kadapter::parse_policy_text(policy, "policy"), "policy");
        auto pod = kadapter::pod_identity(container_name ? container_name : "", "",
                                          labels ? std::optional<std::string>(labels) : std::nullopt);
        kadapter::policy::Postures p = postures ? kadapter::parse_postures(postures) : kadapter::policy::Postures{};
        auto r = std::make_unique<kadapter_ruleset>();
        r->rules = kadapter::policy::compile(policies, pod, p);
        *out = r.release();
    });
}

kadapter_status kadapter_ruleset_new_empty(kadapter_ruleset** out)
{
    if (!out)
        return null_argument(__func__, "out");
    return guarded([&] { *out = std::make_unique<kadapter_ruleset>().release(); });
}

size_t kadapter_ruleset_rule_count(const kadapter_ruleset* rules)
{
    if (!rules)
        return 0;
    return rules->rules.size();
}

void kadapter_ruleset_free(kadapter_ruleset* rules)
{
    std::unique_ptr<kadapter_ruleset> owned(rules);
}

kadapter_status kadapter_enforcer_open(const kadapter_enforcer_options* options, kadapter_enforcer** out)
{
    if (!out)
        return null_argument(__func__, "out");
    kadapter::EnforcerOptions o;
    if (options) {
        if (kadapter_status s = check_struct_in(options, __func__, "options", "kadapter_enforcer_options");
            s != KADAPTER_OK)
            return s;
        // Fields beyond the caller's `size` keep their defaults.
        if (KADAPTER_HAS_FIELD(options, kadapter_enforcer_options, max_alerts_per_sec))
            o.max_alerts_per_sec = options->max_alerts_per_sec;
        if (KADAPTER_HAS_FIELD(options, kadapter_enforcer_options, throttle_sec))
            o.throttle_sec = options->throttle_sec;
    }
    return guarded([&] { *out = std::make_unique<kadapter_enforcer>(o).release(); });
}

void kadapter_enforcer_close(kadapter_enforcer* enforcer)
{
    std::unique_ptr<kadapter_enforcer> owned(enforcer);
}

kadapter_status kadapter_bind_cgroup(kadapter_enforcer* enforcer, const char* name, uint64_t cgroup_id,
                                     const kadapter_ruleset* rules, const char* root, kadapter_container_id* out)
{
    if (!enforcer || !name || !rules || !out)
        return null_argument(__func__, !enforcer ? "enforcer" : !name ? "name" : !rules ? "rules" : "out");
    return guarded([&] { *out = enforcer->engine.bind_cgroup(name, cgroup_id, rules->rules, bind_options(root)); });
}

kadapter_status kadapter_bind_pid(kadapter_enforcer* enforcer, const char* name, pid_t pid,
                                  const kadapter_ruleset* rules, const char* root, kadapter_container_id* out)
{
    if (!enforcer || !name || !rules || !out)
        return null_argument(__func__, !enforcer ? "enforcer" : !name ? "name" : !rules ? "rules" : "out");
    return guarded([&] { *out = enforcer->engine.bind_pid(name, pid, rules->rules, bind_options(root)); });
}

kadapter_status kadapter_apply(kadapter_enforcer* enforcer, kadapter_container_id id, const kadapter_ruleset* rules,
                               const char* root)
{
    if (!enforcer || !rules)
        return null_argument(__func__, !enforcer ? "enforcer" : "rules");
    return guarded([&] {
        if (root)
            enforcer->engine.apply(id, rules->rules, bind_options(root));
        else
            enforcer->engine.apply(id, rules->rules);
    });
}

kadapter_status kadapter_unbind(kadapter_enforcer* enforcer, kadapter_container_id id)
{
    if (!enforcer)
        return null_argument(__func__, "enforcer");
    return guarded([&] { enforcer->engine.unbind(id); });
}

kadapter_status kadapter_mark_external(kadapter_enforcer* enforcer, kadapter_container_id id, pid_t pid)
{
    if (!enforcer)
        return null_argument(__func__, "enforcer");
    return guarded([&] { enforcer->engine.mark_external(id, pid); });
}

kadapter_status kadapter_cgroup_id(const char* cgroup_dir, uint64_t* out)
{
    if (!cgroup_dir || !out)
        return null_argument(__func__, !cgroup_dir ? "cgroup_dir" : "out");
    return guarded([&] { *out = kadapter::cgroup_id_of(cgroup_dir); });
}

kadapter_status kadapter_get_container_info(const kadapter_enforcer* enforcer, kadapter_container_id id,
                                            kadapter_container_info* out)
{
    if (!enforcer || !out)
        return null_argument(__func__, !enforcer ? "enforcer" : "out");
    if (kadapter_status s = check_struct_out(out, __func__, "out", "kadapter_container_info"); s != KADAPTER_OK)
        return s;
    return guarded([&] {
        kadapter::ContainerInfo info = enforcer->engine.container(id);
        kadapter_container_info c{};
        c.id = info.id;
        std::strncpy(c.name, info.name.c_str(), sizeof(c.name) - 1);
        c.kind = info.kind == kadapter::BindingKind::Cgroup ? KADAPTER_BIND_CGROUP : KADAPTER_BIND_PID_NAMESPACE;
        c.key = info.key;
        c.ruleset_id = info.ruleset_id;
        c.map_entries = info.map_entries;
        write_struct_out(out, c);
    });
}

kadapter_status kadapter_containers(const kadapter_enforcer* enforcer, kadapter_container_id* ids, size_t capacity,
                                    size_t* count)
{
    if (!enforcer || !count || (!ids && capacity))
        return null_argument(__func__, !enforcer ? "enforcer" : !count ? "count" : "ids");
    return guarded([&] {
        auto all = enforcer->engine.containers();
        for (size_t i = 0; i < std::min(capacity, all.size()); ++i)
            ids[i] = all[i].id;
        *count = all.size();
    });
}

kadapter_status kadapter_get_stats(const kadapter_enforcer* enforcer, kadapter_stats* out)
{
    if (!enforcer || !out)
        return null_argument(__func__, !enforcer ? "enforcer" : "out");
    if (kadapter_status s = check_struct_out(out, __func__, "out", "kadapter_stats"); s != KADAPTER_OK)
        return s;
    return guarded([&] {
        kadapter::EnforcerStats s = enforcer->engine.stats();
        kadapter_stats c{};
        c.events_dropped = s.events_dropped;
        c.events_throttled = s.events_throttled;
        c.unresolvable = s.unresolvable;
        c.inconsistent = s.inconsistent;
        c.kernel_bindings = s.kernel_bindings;
        c.kernel_alert_budgets = s.kernel_alert_budgets;
        c.kernel_automata = s.kernel_automata;
        c.hooks = static_cast<uint32_t>(s.hooks.size());
        write_struct_out(out, c);
    });
}

kadapter_status kadapter_set_event_handler(kadapter_enforcer* enforcer, kadapter_event_fn handler, void* user)
{
    if (!enforcer)
        return null_argument(__func__, "enforcer");
    return guarded([&] {
        // Captured, not stored: the engine swaps handlers under its lock.
        if (handler)
            enforcer->engine.set_event_handler(
                [handler, user](const kadapter::Event& e) { kadapter::c_api::deliver(handler, user, e); });
        else
            enforcer->engine.set_event_handler(nullptr);
    });
}

int kadapter_event_fd(const kadapter_enforcer* enforcer)
{
    if (!enforcer)
        return null_argument(__func__, "enforcer");
    return enforcer->engine.event_fd();
}

int kadapter_poll_events(kadapter_enforcer* enforcer, int timeout_ms)
{
    if (!enforcer)
        return null_argument(__func__, "enforcer");
    int delivered = 0;
    kadapter_status s = guarded([&] { delivered = enforcer->engine.poll_events(timeout_ms); });
    return s == KADAPTER_OK ? delivered : s;
}

} // extern "C"
