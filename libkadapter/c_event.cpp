#include "c_event.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "c_status.hpp"
#include "c_struct.hpp"
#include "kadapter/kubearmor_alert.hpp"

namespace kadapter::c_api {
namespace {

// The events this thread is delivering right now, innermost first: the C
// struct the handler was given and the Event behind it. The renderer needs
// the Event (its tag list, its operation), and checking the pointer against
// this turns rendering a stale event into an error instead of a read of
// strings that are gone.
struct Delivery {
    const kadapter_event* c_event;
    const Event* event;
    const Delivery* outer;
};
thread_local const Delivery* delivering = nullptr;

class DeliveryScope {
public:
    DeliveryScope(const kadapter_event* c_event, const Event* event) : delivery_{c_event, event, delivering}
    {
        delivering = &delivery_;
    }
    ~DeliveryScope() { delivering = delivery_.outer; }
    DeliveryScope(const DeliveryScope&) = delete;
    DeliveryScope& operator=(const DeliveryScope&) = delete;

private:
    Delivery delivery_;
};

const Event* being_delivered(const kadapter_event* c_event)
{
    for (const Delivery* d = delivering; d; d = d->outer)
        if (d->c_event == c_event)
            return d->event;
    return nullptr;
}

std::string join(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

// The caller's metadata: the fields its struct holds, "" for NULL.
ContainerMeta meta_of(const kadapter_container_meta& m, std::string& hostname)
{
    auto text = [](const char* s) { return std::string(s ? s : ""); };
    ContainerMeta out;
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, host_name))
        hostname = text(m.host_name);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, namespace_name))
        out.namespace_ = text(m.namespace_name);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, pod_name))
        out.pod_name = text(m.pod_name);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, labels))
        out.labels = text(m.labels);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, container_id))
        out.container_id = text(m.container_id);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, container_name))
        out.container_name = text(m.container_name);
    if (KADAPTER_HAS_FIELD(&m, kadapter_container_meta, container_image))
        out.image = text(m.container_image);
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
    DeliveryScope scope(&c, &e);
    handler(&c, user);
}

} // namespace kadapter::c_api

using namespace kadapter::c_api;

extern "C" kadapter_status kadapter_event_render_kubearmor(const kadapter_event* event,
                                                           const kadapter_container_meta* meta, char** alert)
{
    if (!alert)
        return null_argument(__func__, "alert");
    *alert = nullptr;
    if (!event)
        return null_argument(__func__, "event");
    const kadapter::Event* e = being_delivered(event);
    if (!e)
        return fail(KADAPTER_ERR_INVALID_ARGUMENT,
                    std::string(__func__) +
                        ": event is not being delivered: render it in the event handler, with the pointer the "
                        "handler was given",
                    EINVAL);
    if (meta)
        if (kadapter_status s = check_struct_in(meta, __func__, "meta", "kadapter_container_meta"); s != KADAPTER_OK)
            return s;
    return guarded([&] {
        std::string hostname;
        const kadapter::ContainerMeta m = meta ? meta_of(*meta, hostname) : kadapter::ContainerMeta{};
        const std::string text = kadapter::kubearmor_alert(*e, m, hostname);
        char* out = static_cast<char*>(std::malloc(text.size() + 1));
        if (!out)
            throw std::bad_alloc();
        std::memcpy(out, text.c_str(), text.size() + 1);
        *alert = out;
    });
}
