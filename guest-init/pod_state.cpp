#include "pod_state.hpp"

#include "cri_annotations.hpp"
#include "kadapter/annotations.hpp"
#include "ttrpc/status.hpp"

namespace guest_init {

using ttrpc::Code;
using ttrpc::RpcError;

ContainerEntry::ContainerEntry(ContainerMeta m, bool sandbox, std::shared_ptr<ContainerPolicy> p)
    : meta(std::move(m)), is_sandbox(sandbox), policy(std::move(p))
{
}

bool ContainerEntry::report_oom_kills(uint64_t kills)
{
    uint64_t reported = oom_kills_reported_.load();
    while (kills > reported)
        if (oom_kills_reported_.compare_exchange_weak(reported, kills))
            return true;
    return false;
}

void PodState::create_sandbox(const std::string& id, const std::function<std::vector<std::string>()>& prepare)
{
    std::lock_guard lock(mu_);
    if (!sandbox_id_.empty())
        throw RpcError(Code::AlreadyExists, "a sandbox (" + sandbox_id_ + ") already exists");
    sandbox_storages_ = prepare();
    sandbox_id_ = id;
}

std::string PodState::sandbox_id() const
{
    std::lock_guard lock(mu_);
    return sandbox_id_;
}

std::vector<std::string> PodState::take_sandbox_storages()
{
    std::lock_guard lock(mu_);
    return std::exchange(sandbox_storages_, {});
}

PodState::Reservation PodState::reserve(const std::string& id, std::map<std::string, std::string>& annotations)
{
    std::lock_guard lock(mu_);
    if (containers_.count(id))
        throw RpcError(Code::AlreadyExists, "container " + id + " already exists");
    Reservation r(this, id);
    containers_[id] = nullptr;
    r.is_sandbox_ = is_sandbox_container(id, sandbox_id_, annotations);
    if (r.is_sandbox_)
        for (const auto& [k, v] : annotations)
            if (k.starts_with(kadapter::kAnnotationPrefix))
                sandbox_annotations_[k] = v;
    if (!annotations.count(kadapter::kPolicyAnnotation))
        for (const auto& [k, v] : sandbox_annotations_)
            annotations.emplace(k, v);
    if (!r.is_sandbox_)
        if (auto it = containers_.find(sandbox_id_); it != containers_.end())
            r.sandbox_ = it->second;
    return r;
}

PodState::Reservation::Reservation(Reservation&& o) noexcept
    : pod_(std::exchange(o.pod_, nullptr)), id_(std::move(o.id_)), is_sandbox_(o.is_sandbox_),
      sandbox_(std::move(o.sandbox_))
{
}

PodState::Reservation::~Reservation()
{
    if (!pod_)
        return;
    std::lock_guard lock(pod_->mu_);
    if (auto it = pod_->containers_.find(id_); it != pod_->containers_.end() && !it->second)
        pod_->containers_.erase(it);
}

void PodState::Reservation::publish(std::shared_ptr<ContainerEntry> entry)
{
    std::lock_guard lock(pod_->mu_);
    pod_->containers_[id_] = std::move(entry);
    pod_ = nullptr;
}

std::shared_ptr<ContainerEntry> PodState::find(const std::string& id) const
{
    std::lock_guard lock(mu_);
    auto it = containers_.find(id);
    if (it == containers_.end() || !it->second)
        throw RpcError(Code::NotFound, "container " + id + " not found");
    return it->second;
}

void PodState::erase(const std::string& id)
{
    std::lock_guard lock(mu_);
    containers_.erase(id);
}

Entries PodState::containers() const
{
    std::lock_guard lock(mu_);
    Entries out;
    for (const auto& [id, entry] : containers_)
        if (entry)
            out.emplace_back(id, entry);
    return out;
}

Entries PodState::take_containers()
{
    std::map<std::string, std::shared_ptr<ContainerEntry>> all;
    {
        std::lock_guard lock(mu_);
        all.swap(containers_);
    }
    Entries out;
    for (auto& [id, entry] : all)
        if (entry)
            out.emplace_back(id, std::move(entry));
    return out;
}

std::shared_ptr<ContainerEntry> PodState::bound_as(kadapter::ContainerId id) const
{
    // The policies' locks are taken after PodState's is let go.
    for (auto& [_, entry] : containers())
        if (entry->policy->bound_as(id))
            return entry;
    return nullptr;
}

} // namespace guest_init
