// The kata-agent API served by guest-init: grpc.Health, grpc.AgentService
// and kadapter.PolicyService over one ttrpc server, one file per service
// (services/), and the state they share.
#pragma once

#include <memory>
#include <string>

#include "alerts.hpp"
#include "kadapter/enforcer.hpp"
#include "network.hpp"
#include "pod_state.hpp"
#include "policy_engine.hpp"
#include "storage.hpp"
#include "ttrpc/server.hpp"

namespace guest_init {

struct EnforcerState {
    std::unique_ptr<kadapter::Enforcer> enforcer; // null when BPF-LSM is unavailable
    std::string unavailable_reason;               // why, for FAILED_PRECONDITION answers
};

class Agent {
public:
    Agent(EnforcerState enforcer, AlertLog& alerts);

    void register_services(ttrpc::Server& server);
    // Delivers enforcer events as alerts, forever, on the calling thread;
    // returns at once when this guest cannot enforce.
    void pump_events();

    // For the services. Each part keeps its state private, behind its own
    // lock (pod_state.hpp says which lock comes before which).
    kadapter::Enforcer* enforcer() { return enforcer_.enforcer.get(); } // null when unavailable
    const std::string& unavailable_reason() const { return enforcer_.unavailable_reason; }
    PolicyEngine* policy_engine() { return engine_.get(); } // null when unavailable
    AlertLog& alerts() { return alerts_; }
    Storages& storages() { return storages_; }
    Network& network() { return network_; }
    PodState& pod() { return pod_; }

private:
    EnforcerState enforcer_;
    std::unique_ptr<PolicyEngine> engine_;
    AlertLog& alerts_;
    Storages storages_;
    Network network_;
    PodState pod_;
};

std::string hostname();

} // namespace guest_init
