// The services of the kata-agent API, one file each; every function
// registers its handlers on `server`.
#pragma once

#include <memory>
#include <string>

#include "agent.hpp"
#include "ttrpc/server.hpp"

namespace guest_init {

class Container;

void register_health(ttrpc::Server& server);                   // grpc.Health: Check, Version
void register_sandbox(ttrpc::Server& server, Agent& agent);    // GetGuestDetails, Create/DestroySandbox
void register_containers(ttrpc::Server& server, Agent& agent); // Create/Start/RemoveContainer, Exec/SignalProcess
void register_process_io(ttrpc::Server& server, Agent& agent); // WaitProcess, Read/Write/Close streams, TtyWinResize
void register_resources(ttrpc::Server& server, Agent& agent);  // OnlineCPUMem, Update/StatsContainer, GetOOMEvent
void register_network(ttrpc::Server& server, Agent& agent);    // interfaces, routes, ARP neighbours
void register_policy(ttrpc::Server& server, Agent& agent);     // kadapter.PolicyService

// Throws RpcError(NotFound) unless the container exists.
inline std::shared_ptr<Container> container_of(Agent& agent, const std::string& container_id)
{
    return agent.pod().find(container_id)->container;
}

} // namespace guest_init
