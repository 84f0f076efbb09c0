// Kata's debug console (agent.debug_console): a root shell in the guest,
// outside every container, for operators and for tests that need a process
// there (an agent client on vsock, which containers may not open).
#pragma once

#include <cstdint>

namespace guest_init {

// With `vport` > 0, each connection to vsock port `vport` gets a shell;
// otherwise a shell runs on /dev/console and is restarted when it exits.
// The shell is the first of /bin/bash and /bin/sh that exists; without
// one, an error is logged and nothing starts. Returns at once.
void start_debug_console(uint32_t vport);

} // namespace guest_init
