// The sandbox: what the guest offers (GetGuestDetails), the pod's hostname
// and shared storages (CreateSandbox), and the end of the VM
// (DestroySandbox).
#include <sys/reboot.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

#include "agent.pb.h"
#include "container.hpp"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {
namespace {

using namespace rpc;

grpc::GuestDetailsResponse guest_details(Agent& agent, const grpc::GuestDetailsRequest& req)
{
    grpc::GuestDetailsResponse r;
    if (req.mem_block_size()) {
        std::ifstream in("/sys/devices/system/memory/block_size_bytes");
        std::string hex;
        if (in >> hex)
            r.set_mem_block_size_bytes(std::stoull(hex, nullptr, 16));
    }
    auto* d = r.mutable_agent_details();
    d->set_version(kVersion);
    d->set_init_daemon(::getpid() == 1);
    d->set_supports_seccomp(false);
    d->add_extra_features("kadapter");
    if (agent.enforcer())
        d->add_extra_features("bpf-lsm");
    return r;
}

void set_hostname(const std::string& name)
{
    if (name.empty())
        return;
    std::string h = name.substr(0, 64);
    if (::sethostname(h.data(), h.size()) != 0)
        throw std::system_error(errno, std::generic_category(), "sethostname");
}

// Every container goes, then the sandbox's storages; as PID 1, the VM
// powers off once the answer is on its way.
void destroy_sandbox(Agent& agent)
{
    for (auto& [id, entry] : agent.pod().take_containers()) {
        try {
            entry->container->destroy(std::chrono::seconds(10));
        } catch (const std::exception& ex) {
            spdlog::error("destroying {}: {}", id, ex.what());
        }
        agent.storages().release(entry->storages);
    }
    agent.storages().release(agent.pod().take_sandbox_storages());
    if (::getpid() == 1) {
        std::thread([] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            ::sync();
            ::reboot(RB_POWER_OFF);
        }).detach();
    }
}

} // namespace

void register_sandbox(ttrpc::Server& server, Agent& agent)
{
    add<grpc::GuestDetailsRequest, grpc::GuestDetailsResponse>(
        server, kAgentService, "GetGuestDetails",
        [&agent](const grpc::GuestDetailsRequest& req, const ttrpc::CallContext&) {
            return guest_details(agent, req);
        });

    add<grpc::CreateSandboxRequest, google::protobuf::Empty>(
        server, kAgentService, "CreateSandbox",
        [&agent](const grpc::CreateSandboxRequest& req, const ttrpc::CallContext&) {
            agent.pod().create_sandbox(req.sandbox_id().empty() ? "sandbox" : req.sandbox_id(), [&] {
                set_hostname(req.hostname());
                return agent.storages().acquire(req.storages());
            });
            return google::protobuf::Empty();
        });

    add<grpc::DestroySandboxRequest, google::protobuf::Empty>(
        server, kAgentService, "DestroySandbox",
        [&agent](const grpc::DestroySandboxRequest&, const ttrpc::CallContext&) {
            destroy_sandbox(agent);
            return google::protobuf::Empty();
        });
}

} // namespace guest_init
