#include "container_policy.hpp"

#include <stdexcept>

#include "ttrpc/status.hpp"

namespace guest_init {
namespace {

kadapter::BindOptions root_of(pid_t pid)
{
    kadapter::BindOptions opts;
    opts.root = "/proc/" + std::to_string(pid) + "/root";
    return opts;
}

} // namespace

ContainerPolicy::ContainerPolicy(PolicyEngine* engine, std::string name, kadapter::RuleSet rules, std::string source)
    : engine_(engine), name_(std::move(name)), rules_(std::move(rules)), source_(std::move(source))
{
}

void ContainerPolicy::bind(uint64_t cgroup_id, const std::string& rootfs)
{
    std::lock_guard lock(mu_);
    if (!engine_)
        throw std::logic_error("container " + name_ + ": no engine to bind it to");
    if (binding_)
        throw std::logic_error("container " + name_ + " is bound already");
    kadapter::BindOptions opts;
    opts.root = rootfs;
    binding_ = engine_->bind_cgroup(name_, cgroup_id, rules_, opts);
}

void ContainerPolicy::resolve_paths_in(pid_t pid)
{
    std::lock_guard lock(mu_);
    if (binding_ && !rules_.empty())
        engine_->apply(*binding_, rules_, root_of(pid));
}

void ContainerPolicy::mark_external(pid_t pid)
{
    std::lock_guard lock(mu_);
    if (binding_)
        engine_->mark_external(*binding_, pid);
}

void ContainerPolicy::unbind()
{
    std::lock_guard lock(mu_);
    if (!binding_)
        return;
    kadapter::ContainerId id = *binding_;
    binding_.reset();
    engine_->unbind(id);
}

uint64_t ContainerPolicy::update(kadapter::RuleSet rules, std::string source, pid_t root_pid)
{
    std::lock_guard lock(mu_);
    // Every container is bound from its creation to its removal.
    if (!binding_)
        throw ttrpc::RpcError(ttrpc::Code::FailedPrecondition, "container " + name_ + " is being removed");
    engine_->apply(*binding_, rules, root_of(root_pid));
    rules_ = std::move(rules);
    source_ = std::move(source);
    return ruleset_id_locked();
}

ContainerPolicy::Snapshot ContainerPolicy::snapshot() const
{
    std::lock_guard lock(mu_);
    return {binding_.has_value(), ruleset_id_locked(), rules_, source_};
}

ContainerPolicy::Summary ContainerPolicy::summary() const
{
    std::lock_guard lock(mu_);
    return {binding_.has_value(), ruleset_id_locked(), rules_.size()};
}

bool ContainerPolicy::bound_as(kadapter::ContainerId id) const
{
    std::lock_guard lock(mu_);
    return binding_ == id;
}

uint64_t ContainerPolicy::ruleset_id_locked() const
{
    return binding_ ? engine_->ruleset_id(*binding_) : 0;
}

} // namespace guest_init
