// Containers: created with their policy in force before their first
// instruction, started, given more processes, signalled and removed.
#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "agent.pb.h"
#include "container.hpp"
#include "cri_annotations.hpp"
#include "kadapter/annotations.hpp"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {
namespace {

using namespace rpc;

// The pod's policy compiled for this container (none for the sandbox).
// An invalid policy fails the creation before anything runs.
std::shared_ptr<ContainerPolicy> initial_policy(Agent& agent, const ContainerMeta& meta, bool is_sandbox,
                                                const Annotations& annotations)
{
    kadapter::RuleSet rules;
    std::string source;
    std::optional<kadapter::PodPolicy> pod = kadapter::pod_policy_from_annotations(annotations);
    if (pod && !is_sandbox) {
        auto who = kadapter::pod_identity(meta.container_name, meta.namespace_, pod->labels);
        rules = kadapter::policy::compile(pod->policies, who, pod->postures);
        source = pod->source;
    }
    if (!rules.empty() && !agent.enforcer())
        throw RpcError(Code::FailedPrecondition,
                       "container " + meta.container_id +
                           " has a kadapter policy but this guest cannot enforce it: " + agent.unavailable_reason());
    return std::make_shared<ContainerPolicy>(agent.policy_engine(), meta.container_id, std::move(rules),
                                             std::move(source));
}

// Every container is bound, with an empty rule set when it has no policy:
// self-protection covers all of them. Once its mounts exist, rule paths
// (symlink targets, file identities) are resolved as the container sees
// them: a file mounted twice is blocked under both.
PolicyHooks policy_hooks(const std::shared_ptr<ContainerPolicy>& policy)
{
    PolicyHooks hooks;
    hooks.bind = [policy](uint64_t cgroup_id, const std::string& rootfs) { policy->bind(cgroup_id, rootfs); };
    hooks.set_up = [policy](pid_t pid) { policy->resolve_paths_in(pid); };
    hooks.exec_spawned = [policy](pid_t pid) { policy->mark_external(pid); };
    hooks.unbind = [policy] { policy->unbind(); };
    return hooks;
}

void create_container(Agent& agent, const grpc::CreateContainerRequest& req)
{
    const std::string& id = req.container_id();
    if (!valid_id(id))
        throw RpcError(Code::InvalidArgument, "invalid container id '" + id + "'");
    Annotations annotations{req.oci().annotations().begin(), req.oci().annotations().end()};
    ContainerMeta meta = container_meta(id, annotations); // before the sandbox's annotations join
    PodState::Reservation reservation = agent.pod().reserve(id, annotations);

    auto entry = std::make_shared<ContainerEntry>(meta, reservation.is_sandbox(),
                                                  initial_policy(agent, meta, reservation.is_sandbox(), annotations));
    // Its storages (the shared rootfs, volumes) before it exists.
    entry->storages = agent.storages().acquire(req.storages());
    try {
        ContainerOptions opts;
        opts.id = id;
        opts.spec = req.oci();
        if (req.sandbox_pidns() && reservation.sandbox())
            opts.sandbox_pidns = "/proc/" + std::to_string(reservation.sandbox()->container->init_pid()) + "/ns/pid";
        opts.default_hostname = hostname();
        entry->container =
            Container::create(std::move(opts), agent.policy_engine() ? policy_hooks(entry->policy) : PolicyHooks{});
    } catch (...) {
        agent.storages().release(entry->storages);
        throw;
    }
    reservation.publish(entry);
    size_t rules = entry->policy->summary().rules;
    spdlog::info("created container {} (policy: {})", id, rules ? std::to_string(rules) + " rules" : "none");
}

// Kills what still runs, removes the cgroup (unbinding its policy), the
// rootfs and the bundle, then lets go of its storages.
void remove_container(Agent& agent, const grpc::RemoveContainerRequest& req)
{
    auto entry = agent.pod().find(req.container_id());
    entry->container->destroy(std::chrono::seconds(req.timeout()));
    agent.storages().release(entry->storages);
    agent.pod().erase(req.container_id());
}

} // namespace

void register_containers(ttrpc::Server& server, Agent& agent)
{
    add<grpc::CreateContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "CreateContainer",
        [&agent](const grpc::CreateContainerRequest& req, const ttrpc::CallContext&) {
            create_container(agent, req);
            return google::protobuf::Empty();
        });

    add<grpc::StartContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "StartContainer",
        [&agent](const grpc::StartContainerRequest& req, const ttrpc::CallContext&) {
            container_of(agent, req.container_id())->start();
            return google::protobuf::Empty();
        });

    add<grpc::RemoveContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "RemoveContainer",
        [&agent](const grpc::RemoveContainerRequest& req, const ttrpc::CallContext&) {
            remove_container(agent, req);
            return google::protobuf::Empty();
        });

    add<grpc::ExecProcessRequest, google::protobuf::Empty>(
        server, kAgentService, "ExecProcess", [&agent](const grpc::ExecProcessRequest& req, const ttrpc::CallContext&) {
            container_of(agent, req.container_id())->exec(req.exec_id(), req.process());
            return google::protobuf::Empty();
        });

    add<grpc::SignalProcessRequest, google::protobuf::Empty>(
        server, kAgentService, "SignalProcess",
        [&agent](const grpc::SignalProcessRequest& req, const ttrpc::CallContext&) {
            if (req.signal() == 0 || req.signal() >= 65)
                throw RpcError(Code::InvalidArgument, "invalid signal " + std::to_string(req.signal()));
            container_of(agent, req.container_id())->signal(req.exec_id(), static_cast<int>(req.signal()));
            return google::protobuf::Empty();
        });
}

} // namespace guest_init
