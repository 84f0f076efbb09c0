// One container's policy: its binding to the engine, the rule set in force
// and the text it came from, under a lock of its own. The container's
// PolicyHooks bind and unbind it; UpdatePolicy replaces its rules;
// GetPolicy, ListContainers and the event pump read it. No reader sees a
// binding that another thread is resetting, nor the rules of one update
// with the source or rule set id of another.
//
// Lock order: mu_ is a leaf. The agent takes it with no lock of its own
// held (PodState hands out entries and lets go of its lock first); under
// mu_ only the engine is called, whose locks are its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "kadapter/ruleset.hpp"
#include "policy_engine.hpp"

namespace guest_init {

class ContainerPolicy {
public:
    // `engine` is null when this guest cannot enforce: nothing binds then.
    // `name` names the binding (the container id).
    ContainerPolicy(PolicyEngine* engine, std::string name, kadapter::RuleSet rules, std::string source);
    ContainerPolicy(const ContainerPolicy&) = delete;
    ContainerPolicy& operator=(const ContainerPolicy&) = delete;

    // The container's PolicyHooks, in the order it calls them. bind() puts
    // the rules in force for the cgroup; resolve_paths_in() resolves their
    // paths in the first process's root once its mounts exist.
    void bind(uint64_t cgroup_id, const std::string& rootfs);
    void resolve_paths_in(pid_t pid);
    void mark_external(pid_t pid);
    // Idempotent. The policy counts as unbound even when the engine fails
    // (and throws): the container is going away.
    void unbind();

    // UpdatePolicy: puts `rules` in force, their paths resolved in
    // /proc/<root_pid>/root, and returns the new rule set id. Throws
    // RpcError(FailedPrecondition) once unbound; when the engine refuses,
    // the rules in force stay, and so do their source and id.
    uint64_t update(kadapter::RuleSet rules, std::string source, pid_t root_pid);

    struct Snapshot {
        bool bound = false;
        uint64_t ruleset_id = 0; // 0 when unbound
        kadapter::RuleSet rules;
        std::string source; // the policy text the rules came from
    };
    Snapshot snapshot() const;

    struct Summary {
        bool bound = false;
        uint64_t ruleset_id = 0;
        size_t rules = 0;
    };
    Summary summary() const;

    // Whether events of this binding are this container's.
    bool bound_as(kadapter::ContainerId id) const;

private:
    uint64_t ruleset_id_locked() const;

    PolicyEngine* const engine_;
    const std::string name_;
    mutable std::mutex mu_;
    std::optional<kadapter::ContainerId> binding_; // from bind() to unbind()
    kadapter::RuleSet rules_;
    std::string source_;
};

} // namespace guest_init
