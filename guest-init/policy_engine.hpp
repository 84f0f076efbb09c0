// What a container's policy needs of the enforcement engine: the
// kadapter::Enforcer in the guest, a fake in host tests (tests/tsan), which
// cannot load BPF-LSM programs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string_view>

#include "kadapter/enforcer.hpp"
#include "kadapter/ruleset.hpp"

namespace guest_init {

// The calls mean what kadapter::Enforcer's do; each throws kadapter::Error
// and then changes nothing. Safe to call from several threads.
class PolicyEngine {
public:
    virtual ~PolicyEngine() = default;
    virtual kadapter::ContainerId bind_cgroup(std::string_view name, uint64_t cgroup_id, const kadapter::RuleSet& rules,
                                              const kadapter::BindOptions& options) = 0;
    virtual void apply(kadapter::ContainerId id, const kadapter::RuleSet& rules,
                       const kadapter::BindOptions& options) = 0;
    virtual void unbind(kadapter::ContainerId id) = 0;
    virtual void mark_external(kadapter::ContainerId id, pid_t pid) = 0;
    virtual uint64_t ruleset_id(kadapter::ContainerId id) const = 0;
};

// The engine over a loaded Enforcer, which must outlive it.
std::unique_ptr<PolicyEngine> enforcer_engine(kadapter::Enforcer& enforcer);

} // namespace guest_init
