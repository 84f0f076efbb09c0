// The kata-agent API served by guest-init: grpc.Health, grpc.AgentService
// and kadapter.PolicyService, over one ttrpc server.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "alerts.hpp"
#include "config.hpp"
#include "container.hpp"
#include "container_policy.hpp"
#include "kadapter/annotations.hpp"
#include "kadapter/enforcer.hpp"
#include "network.hpp"
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
    Agent(Config config, EnforcerState enforcer, AlertLog& alerts);

    void register_services(ttrpc::Server& server);
    // Delivers enforcer events as alerts; runs forever on its own thread.
    void pump_events();

    // Exposed for the RPC glue (agent_rpc.cpp).
    struct Sandbox {
        std::string id;
        std::string hostname;
        bool pidns = false;
        std::map<std::string, std::string> policy_annotations; // kadapter.* keys of the pause container
        std::vector<std::string> storages;
    };

    struct Entry {
        std::shared_ptr<Container> container;
        // Binding, rules and source under the policy's own lock, never
        // taken while holding mu (container_policy.hpp).
        std::shared_ptr<ContainerPolicy> policy;
        ContainerMeta meta;
        bool is_sandbox = false;
        std::map<std::string, std::string> annotations;
        uint64_t oom_kills_reported = 0;   // GetOOMEvent reports each kill once
        std::vector<std::string> storages; // mount points it holds (storage.hpp)
    };

    Config config;
    EnforcerState enforcer;
    std::unique_ptr<PolicyEngine> engine; // over enforcer.enforcer; null without one
    AlertLog& alerts;

    Storages storages;
    Network network;
    std::mutex mu;
    Sandbox sandbox;
    std::map<std::string, std::shared_ptr<Entry>> containers; // by container id (null while being created)

    std::shared_ptr<Entry> find(const std::string& id);
    // The created containers, copied out under mu.
    std::vector<std::pair<std::string, std::shared_ptr<Entry>>> live_entries();
    std::shared_ptr<Container> find_container(const std::string& id);
    std::string hostname();
};

} // namespace guest_init
