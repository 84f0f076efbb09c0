// Resources: hot-plugged vCPUs and memory brought online, a container's
// cgroup limits and statistics, and the OOM killer's reports.
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent.pb.h"
#include "container.hpp"
#include "hotplug.hpp"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {
namespace {

using namespace rpc;

// With `wait`, answers once nb_cpus CPUs are up (they may still be
// arriving); without, brings them online in the background.
void online_cpu_mem(const grpc::OnlineCPUMemRequest& req)
{
    auto work = [req] {
        unsigned cpus = online_cpus(req.nb_cpus(), std::chrono::seconds(5));
        unsigned blocks = req.cpu_only() ? 0 : online_memory();
        spdlog::info("OnlineCPUMem: {} of {} CPUs and {} memory blocks brought online", cpus, req.nb_cpus(), blocks);
        return cpus;
    };
    if (!req.wait()) {
        std::thread(work).detach();
        return;
    }
    if (unsigned cpus = work(); req.nb_cpus() && cpus < req.nb_cpus())
        throw RpcError(Code::DeadlineExceeded, "OnlineCPUMem: only " + std::to_string(cpus) + " of " +
                                                   std::to_string(req.nb_cpus()) + " CPUs came online");
}

// A long poll, as the shim expects: returns when the OOM killer has killed
// a process of some container since the last report, or fails with
// CANCELLED when the client leaves. memory.events is read every 200 ms.
grpc::OOMEvent next_oom_event(Agent& agent, const ttrpc::CallContext& ctx)
{
    while (!ctx.cancelled()) {
        for (const auto& [id, entry] : agent.pod().containers())
            if (entry->report_oom_kills(entry->container->oom_kills())) {
                grpc::OOMEvent e;
                e.set_container_id(id);
                return e;
            }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw client_went_away();
}

} // namespace

void register_resources(ttrpc::Server& server, Agent& agent)
{
    add<grpc::OnlineCPUMemRequest, google::protobuf::Empty>(
        server, kAgentService, "OnlineCPUMem", [](const grpc::OnlineCPUMemRequest& req, const ttrpc::CallContext&) {
            online_cpu_mem(req);
            return google::protobuf::Empty();
        });

    add<grpc::UpdateContainerRequest, google::protobuf::Empty>(
        server, kAgentService, "UpdateContainer",
        [&agent](const grpc::UpdateContainerRequest& req, const ttrpc::CallContext&) {
            container_of(agent, req.container_id())->update(req.resources());
            return google::protobuf::Empty();
        });

    add<grpc::StatsContainerRequest, grpc::StatsContainerResponse>(
        server, kAgentService, "StatsContainer",
        [&agent](const grpc::StatsContainerRequest& req, const ttrpc::CallContext&) {
            grpc::StatsContainerResponse r;
            *r.mutable_cgroup_stats() = container_of(agent, req.container_id())->stats();
            return r;
        });

    add<grpc::GetOOMEventRequest, grpc::OOMEvent>(
        server, kAgentService, "GetOOMEvent", [&agent](const grpc::GetOOMEventRequest&, const ttrpc::CallContext& ctx) {
            return next_oom_event(agent, ctx);
        });
}

} // namespace guest_init
