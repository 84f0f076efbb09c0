// Starting container processes. guest-init is multithreaded, so it never
// sets up a container in a forked copy of itself: it re-executes its own
// binary as a single-threaded helper (like the kata-agent's `init` mode),
// which enters or creates the namespaces and clones the container process
// as a direct child of guest-init (CLONE_PARENT), so the reaper sees it.
//
// The process then waits, fully set up but before exec, until released:
// the window in which its cgroup is bound to its policy.
#pragma once

#include <sys/types.h>

#include <string>

#include "init_config.pb.h"
#include "kadapter/unique_fd.hpp"
#include "process.hpp"

namespace guest_init {

struct Spawned {
    pid_t pid = -1;
    kadapter::UniqueFd sync; // to the parked process
};

// Returns once the process exists and waits before exec; throws
// std::runtime_error with the helper's message on failure (then nothing
// is left running).
Spawned spawn_process(const kadapter::init::InitConfig& config, const Stdio& stdio);

// Lets the parked process exec. Returns "" when exec succeeded, otherwise
// why it failed (the process then exits with 126 or 127).
std::string release_process(Spawned& spawned);

// argv[1] of the helper, recognised by main().
inline constexpr const char* kContainerInitArg = "--container-init";
int container_init_main();

} // namespace guest_init
