// A pod's life as Kata's shim drives the agent: the one routine both
// lifecycle tests run, over virtio-serial from the host and over vsock
// from inside the guest.
#pragma once

#include <functional>
#include <string>

#include "agent_client.hpp"

namespace kadapter::testing {

// Check, Version, GetGuestDetails, CreateSandbox, the pause container and a
// workload container under a policy (both started), execs (output, a
// policy denial, stdin), a ReadStdout blocked while other calls are served,
// SignalProcess and WaitProcess, RemoveContainer of both. Throws
// std::runtime_error naming the step that went wrong; `step` hears each one.
// DestroySandbox is left to the caller: it powers the guest off.
void run_shim_lifecycle(agent::AgentClient& agent, const std::function<void(const std::string&)>& step);

} // namespace kadapter::testing
