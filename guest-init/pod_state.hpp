// What the agent knows of the pod: the sandbox CreateSandbox recorded and
// the containers, under one lock. Entries are handed out as shared
// pointers and the lock is let go before they are used, so a slow call
// (a container's destroy, a policy's update) holds up no other RPC.
//
// Lock order: PodState's lock comes first, and the only lock taken under
// it is Storages' (create_sandbox's `prepare`). A ContainerPolicy's lock is
// never taken under it, nor is PodState's taken under a policy's.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "alerts.hpp"
#include "container_policy.hpp"
#include "kadapter/enforcer.hpp"

namespace guest_init {

class Container;

// One container. Everything but its policy (which has its own lock) and
// the OOM count is set before PodState publishes it, and fixed from then on.
struct ContainerEntry {
    ContainerEntry(ContainerMeta meta, bool is_sandbox, std::shared_ptr<ContainerPolicy> policy);

    const ContainerMeta meta;
    const bool is_sandbox;
    // Shared with the container's PolicyHooks, which hold no reference to
    // the container or its entry: no cycle.
    const std::shared_ptr<ContainerPolicy> policy;
    std::vector<std::string> storages; // mount points it holds (storage.hpp)
    std::shared_ptr<Container> container;

    // GetOOMEvent reports each kill once, however many callers wait: true
    // for the one caller that first sees `kills` above the count reported.
    bool report_oom_kills(uint64_t kills);

private:
    std::atomic<uint64_t> oom_kills_reported_{0};
};

using Entries = std::vector<std::pair<std::string, std::shared_ptr<ContainerEntry>>>;

class PodState {
public:
    // CreateSandbox: records the sandbox `id`. `prepare` (its hostname and
    // storages, whose mount points it returns) runs under the lock, so a
    // concurrent CreateSandbox waits and then fails with AlreadyExists, as
    // does any after it; when `prepare` throws, nothing is recorded.
    void create_sandbox(const std::string& id, const std::function<std::vector<std::string>()>& prepare);
    std::string sandbox_id() const;
    // DestroySandbox: the sandbox's mount points, for release; none after.
    std::vector<std::string> take_sandbox_storages();

    // A container id held while CreateContainer creates it; released when
    // the reservation goes out of scope unpublished.
    class Reservation {
    public:
        Reservation(Reservation&&) noexcept;
        Reservation& operator=(Reservation&&) = delete;
        ~Reservation();
        bool is_sandbox() const { return is_sandbox_; }
        // The sandbox container, when it is published and this is another.
        const std::shared_ptr<ContainerEntry>& sandbox() const { return sandbox_; }
        // Makes the entry visible to every RPC under the reserved id.
        void publish(std::shared_ptr<ContainerEntry> entry);

    private:
        friend class PodState;
        Reservation(PodState* pod, std::string id) : pod_(pod), id_(std::move(id)) {}
        PodState* pod_;
        std::string id_;
        bool is_sandbox_ = false;
        std::shared_ptr<ContainerEntry> sandbox_;
    };
    // Throws AlreadyExists for an id in use. The sandbox container's
    // kadapter.* annotations are kept; they are added to `annotations` of
    // a later container that carries no policy annotation (CRI-O passes
    // pod annotations only to the sandbox).
    Reservation reserve(const std::string& id, std::map<std::string, std::string>& annotations);

    // Throws RpcError(NotFound) unless the container is published.
    std::shared_ptr<ContainerEntry> find(const std::string& id) const;
    void erase(const std::string& id);
    Entries containers() const; // the published ones, by id
    Entries take_containers();  // DestroySandbox: all of them, leaving none
    // The event pump: the container bound as `id`; null when none is.
    std::shared_ptr<ContainerEntry> bound_as(kadapter::ContainerId id) const;

private:
    mutable std::mutex mu_;
    std::string sandbox_id_;
    std::map<std::string, std::string> sandbox_annotations_; // kadapter.* keys of the sandbox container
    std::vector<std::string> sandbox_storages_;
    std::map<std::string, std::shared_ptr<ContainerEntry>> containers_; // null while reserved
};

} // namespace guest_init
