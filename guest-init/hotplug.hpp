// OnlineCPUMem: bringing hot-added CPUs and memory online, as the
// kata-agent does after the runtime hot-plugs them into the VM.
#pragma once

#include <chrono>

namespace guest_init {

// Onlines up to `count` offline CPUs (all of them when 0), retrying while
// they are still arriving until `timeout`; returns how many came online.
unsigned online_cpus(unsigned count, std::chrono::milliseconds timeout);

// Onlines every offline memory block; returns how many.
unsigned online_memory();

} // namespace guest_init
