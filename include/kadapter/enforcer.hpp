// The enforcement engine: loads the BPF-LSM programs into the running
// kernel, binds containers, swaps their rule sets atomically and delivers
// audit events.
//
//   kadapter::Enforcer enforcer;                       // load + attach
//   auto id = enforcer.bind_cgroup("web", cgroup_id, rules);
//   enforcer.apply(id, new_rules);                     // atomic swap
//   enforcer.set_event_handler([](const Event& e) { ... });
//   enforcer.poll_events(100);
//   enforcer.unbind(id);
//
// Every method throws kadapter::Error on failure and then changes nothing.
// Methods are safe to call from several threads.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kadapter/event.hpp"
#include "kadapter/export.h"
#include "kadapter/ruleset.hpp"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

using ContainerId = uint64_t;

struct EnforcerOptions {
    uint32_t max_alerts_per_sec = 10; // per container; 0 = unlimited
    uint32_t throttle_sec = 30;       // pause after the limit trips
};

// How a container is identified in the kernel.
enum class BindingKind : uint8_t { Cgroup, PidNamespace };

struct BindOptions {
    // The container's root as seen from here, used to resolve rule paths
    // (symlink targets, inode identities). Empty: the binding's own root.
    std::string root;
};

struct ContainerInfo {
    ContainerId id = 0;
    std::string name;
    BindingKind kind = BindingKind::Cgroup;
    uint64_t key = 0; // cgroup id or pid namespace inode
    uint64_t ruleset_id = 0;
    size_t map_entries = 0; // entries in its kernel rule map
};

struct EnforcerStats {
    uint64_t events_dropped = 0;   // ring buffer full
    uint64_t events_throttled = 0; // per-container rate limit
    uint64_t unresolvable = 0;     // fail-closed path failures
    uint64_t inconsistent = 0;
    uint64_t scratch_busy = 0;
    uint64_t kernel_bindings = 0;      // entries in the kernel's binding map
    uint64_t kernel_alert_budgets = 0; // per-container alert budgets in the kernel
    uint64_t kernel_automata = 0;      // matchPatterns automata in the kernel
    std::vector<std::string> hooks;    // attached LSM hooks
};

using EventHandler = std::function<void(const Event&)>;

class Enforcer {
public:
    explicit Enforcer(const EnforcerOptions& options = {});
    ~Enforcer();
    Enforcer(Enforcer&&) noexcept;
    Enforcer& operator=(Enforcer&&) noexcept;
    Enforcer(const Enforcer&) = delete;
    Enforcer& operator=(const Enforcer&) = delete;

    // Binds the tasks of a cgroup v2 (and of its descendants created later)
    // and applies `rules` before returning. Bind before the container's
    // first instruction: a task is governed from its first hook event on.
    ContainerId bind_cgroup(std::string_view name, uint64_t cgroup_id, const RuleSet& rules,
                            const BindOptions& options = {});
    // Binds the container a process runs in: its cgroup when that cgroup is
    // its own, otherwise its pid namespace.
    ContainerId bind_pid(std::string_view name, pid_t pid, const RuleSet& rules, const BindOptions& options = {});
    // Replaces the container's whole rule set at once: every hook sees the
    // old set or the new one, never a mix.
    void apply(ContainerId id, const RuleSet& rules);
    // The same, resolving rule paths in a new root from now on (e.g.
    // /proc/<pid>/root once the container's mounts exist).
    void apply(ContainerId id, const RuleSet& rules, const BindOptions& options);
    // Removes the binding and every map entry it owned.
    void unbind(ContainerId id);
    // Marks a process the agent started in the container from outside (an
    // exec, as `kubectl exec` makes), before it runs anything: the `exec`
    // preset governs it and its descendants. The process is bound to the
    // container from now on, whatever its cgroup. The caller keeps `pid`
    // from being reaped meanwhile (it is its parked child).
    void mark_external(ContainerId id, pid_t pid);

    std::vector<ContainerInfo> containers() const;
    ContainerInfo container(ContainerId id) const;

    // Events: set a handler, then drive delivery from your loop.
    void set_event_handler(EventHandler handler);
    int event_fd() const;            // readable when events are pending
    int poll_events(int timeout_ms); // returns events delivered
    int consume_events();            // non-blocking

    EnforcerStats stats() const;

    // Internal: for tests and tools that need the raw kernel object.
    struct Impl;

private:
    void apply(ContainerId id, const RuleSet& rules, const std::optional<BindOptions>& options);

    std::unique_ptr<Impl> impl_;
};

// The cgroup v2 id of a cgroup directory (its inode number on cgroup2fs).
uint64_t cgroup_id_of(const std::string& cgroup_dir);

} // namespace kadapter

KADAPTER_PUBLIC_END
