// A container's resources on cgroup v2: the OCI spec's LinuxResources
// written as runc and crun map them, and the statistics Kata's shim asks
// for, read back from the same files.
#pragma once

#include <cstdint>
#include <string>

#include "agent.pb.h"
#include "oci.pb.h"

namespace guest_init {

// Enables the controllers the guest has (cpu, cpuset, memory, pids, io,
// hugetlb) on every cgroup from the root down to `cgroup_dir`'s parent, so
// that `cgroup_dir` gets their files.
void enable_controllers(const std::string& cgroup_dir);

// Writes `resources`; throws std::invalid_argument for a value the spec
// cannot mean (naming the field) and std::runtime_error when the kernel
// refuses a write. Fields left at zero are left alone.
void apply_resources(const std::string& cgroup_dir, const grpc::LinuxResources& resources);

grpc::CgroupStats read_stats(const std::string& cgroup_dir);

// memory.events' oom_kill: processes of the cgroup the OOM killer killed.
uint64_t oom_kills(const std::string& cgroup_dir);

// runc's conversion of cgroup v1 cpu.shares (2..262144) to cpu.weight (1..10000).
uint64_t shares_to_weight(uint64_t shares);

} // namespace guest_init
