// The C API (kadapter.h) over kadapter::Enforcer: no exception crosses it;
// each one becomes a status and a per-thread message.
#include "kadapter/kadapter.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

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

namespace {

thread_local std::string last_error;
thread_local int last_errno = 0;

kadapter_status fail(kadapter_status status, std::string message, int err = 0)
{
    last_error = std::move(message);
    last_errno = err;
    return status;
}

kadapter_status status_of(kadapter::Errc code)
{
    switch (code) {
    case kadapter::Errc::Ok:
        return KADAPTER_OK;
    case kadapter::Errc::InvalidArgument:
        return KADAPTER_ERR_INVALID_ARGUMENT;
    case kadapter::Errc::Unsupported:
        return KADAPTER_ERR_UNSUPPORTED;
    case kadapter::Errc::NotFound:
        return KADAPTER_ERR_NOT_FOUND;
    case kadapter::Errc::AlreadyExists:
        return KADAPTER_ERR_ALREADY_EXISTS;
    case kadapter::Errc::ResourceExhausted:
        return KADAPTER_ERR_RESOURCE_EXHAUSTED;
    case kadapter::Errc::System:
        return KADAPTER_ERR_SYSTEM;
    case kadapter::Errc::InvalidPolicy:
        return KADAPTER_ERR_INVALID_POLICY;
    }
    return KADAPTER_ERR_INTERNAL;
}

// Runs `fn`, turning every exception into a status and a message.
template <typename Fn> kadapter_status guarded(Fn&& fn)
{
    try {
        fn();
        return KADAPTER_OK;
    } catch (const kadapter::Error& e) {
        return fail(status_of(e.code()), e.what(), e.sys_errno());
    } catch (const std::bad_alloc&) {
        return fail(KADAPTER_ERR_NO_MEMORY, "out of memory", ENOMEM);
    } catch (const std::exception& e) {
        return fail(KADAPTER_ERR_INTERNAL, e.what());
    } catch (...) {
        return fail(KADAPTER_ERR_INTERNAL, "unknown error");
    }
}

kadapter_status null_argument(const char* function, const char* argument)
{
    return fail(KADAPTER_ERR_INVALID_ARGUMENT, std::string(function) + ": " + argument + " is NULL", EINVAL);
}

kadapter::BindOptions bind_options(const char* root)
{
    kadapter::BindOptions o;
    if (root)
        o.root = root;
    return o;
}

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

void deliver(kadapter_event_fn handler, void* user, const kadapter::Event& e)
{
    static const kadapter::RuleOrigin no_rule{};
    const kadapter::RuleOrigin& rule = e.rule ? *e.rule : no_rule;
    const std::string tags = join(rule.tags);
    kadapter_event c{};
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
    c.operation = kadapter::to_string(e.operation);
    c.kubearmor_operation = kadapter::kubearmor_operation(e.operation);
    c.resource = e.resource.c_str();
    c.flags = e.flags;
    c.action = kadapter::to_string(e.action);
    c.reason = kadapter::to_string(e.reason);
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

} // namespace

extern "C" {

const char* kadapter_last_error(void)
{
    return last_error.c_str();
}

int kadapter_last_errno(void)
{
    return last_errno;
}

const char* kadapter_status_string(kadapter_status status)
{
    switch (status) {
    case KADAPTER_OK:
        return "ok";
    case KADAPTER_ERR_INVALID_ARGUMENT:
        return "invalid argument";
    case KADAPTER_ERR_UNSUPPORTED:
        return "unsupported";
    case KADAPTER_ERR_NOT_FOUND:
        return "not found";
    case KADAPTER_ERR_ALREADY_EXISTS:
        return "already exists";
    case KADAPTER_ERR_RESOURCE_EXHAUSTED:
        return "resource exhausted";
    case KADAPTER_ERR_SYSTEM:
        return "system error";
    case KADAPTER_ERR_INVALID_POLICY:
        return "invalid policy";
    case KADAPTER_ERR_NO_MEMORY:
        return "out of memory";
    case KADAPTER_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

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
        // Fields beyond the caller's `size` keep their defaults, so older
        // callers keep working when the struct grows.
        if (options->size < offsetof(kadapter_enforcer_options, max_alerts_per_sec))
            return fail(KADAPTER_ERR_INVALID_ARGUMENT, std::string(__func__) + ": options->size is too small", EINVAL);
        if (options->size >= offsetof(kadapter_enforcer_options, throttle_sec))
            o.max_alerts_per_sec = options->max_alerts_per_sec;
        if (options->size >= sizeof(kadapter_enforcer_options))
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
    return guarded([&] {
        kadapter::ContainerInfo info = enforcer->engine.container(id);
        kadapter_container_info c{};
        c.id = info.id;
        std::strncpy(c.name, info.name.c_str(), sizeof(c.name) - 1);
        c.kind = info.kind == kadapter::BindingKind::Cgroup ? KADAPTER_BIND_CGROUP : KADAPTER_BIND_PID_NAMESPACE;
        c.key = info.key;
        c.ruleset_id = info.ruleset_id;
        c.map_entries = info.map_entries;
        *out = c;
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
        *out = c;
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
                [handler, user](const kadapter::Event& e) { deliver(handler, user, e); });
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
