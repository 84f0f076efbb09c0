#include "policy_engine.hpp"

namespace guest_init {
namespace {

class EnforcerEngine final : public PolicyEngine {
public:
    explicit EnforcerEngine(kadapter::Enforcer& enforcer) : enforcer_(enforcer) {}

    kadapter::ContainerId bind_cgroup(std::string_view name, uint64_t cgroup_id, const kadapter::RuleSet& rules,
                                      const kadapter::BindOptions& options) override
    {
        return enforcer_.bind_cgroup(name, cgroup_id, rules, options);
    }
    void apply(kadapter::ContainerId id, const kadapter::RuleSet& rules, const kadapter::BindOptions& options) override
    {
        enforcer_.apply(id, rules, options);
    }
    void unbind(kadapter::ContainerId id) override { enforcer_.unbind(id); }
    void mark_external(kadapter::ContainerId id, pid_t pid) override { enforcer_.mark_external(id, pid); }
    uint64_t ruleset_id(kadapter::ContainerId id) const override { return enforcer_.container(id).ruleset_id; }

private:
    kadapter::Enforcer& enforcer_;
};

} // namespace

std::unique_ptr<PolicyEngine> enforcer_engine(kadapter::Enforcer& enforcer)
{
    return std::make_unique<EnforcerEngine>(enforcer);
}

} // namespace guest_init
