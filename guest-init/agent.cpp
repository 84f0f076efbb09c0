#include "agent.hpp"

#include <unistd.h>

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "services/services.hpp"

namespace guest_init {

Agent::Agent(EnforcerState enforcer, AlertLog& alerts)
    : enforcer_(std::move(enforcer)), engine_(enforcer_.enforcer ? enforcer_engine(*enforcer_.enforcer) : nullptr),
      alerts_(alerts)
{
}

void Agent::register_services(ttrpc::Server& server)
{
    register_health(server);
    register_sandbox(server, *this);
    register_containers(server, *this);
    register_process_io(server, *this);
    register_resources(server, *this);
    register_network(server, *this);
    register_policy(server, *this);
}

void Agent::pump_events()
{
    if (!enforcer_.enforcer)
        return;
    enforcer_.enforcer->set_event_handler([this](const kadapter::Event& e) {
        auto entry = pod_.bound_as(e.container_id);
        ContainerMeta meta = entry ? entry->meta : ContainerMeta{};
        alerts_.publish(kubearmor_alert(e, meta, hostname()), meta.container_id);
    });
    for (;;) {
        try {
            enforcer_.enforcer->poll_events(1000);
        } catch (const std::exception& e) {
            spdlog::error("reading enforcer events: {}", e.what());
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    }
}

std::string hostname()
{
    char buf[256] = {};
    ::gethostname(buf, sizeof(buf) - 1);
    return buf;
}

} // namespace guest_init
