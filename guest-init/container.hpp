// One container, run the way the kata-agent runs it: a bundle under
// /run/kata-containers/<id>/, a cgroup v2 at the spec's CgroupsPath, new
// namespaces, the rootfs pivoted into, and a first process parked before
// exec until StartContainer.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent.pb.h"
#include "kadapter/enforcer.hpp"
#include "oci.pb.h"
#include "process.hpp"
#include "spawn.hpp"

namespace guest_init {

struct ContainerOptions {
    std::string id;
    grpc::Spec spec;
    std::string sandbox_pidns; // /proc/<pid>/ns/pid of the sandbox, when shared
    std::string default_hostname;
};

// Binds and unbinds the container's cgroup to its rule set; provided by the
// agent so the container knows nothing about policies.
struct PolicyHooks {
    // Called after the cgroup exists and before any process of the
    // container does; throws to fail the creation.
    std::function<void(uint64_t cgroup_id, const std::string& rootfs)> bind;
    // Called once the first process is set up (its mounts exist) and parked
    // before exec: rule paths can now be resolved exactly as the container
    // will see them. Throws to fail the creation.
    std::function<void(pid_t pid)> set_up;
    // Called for each ExecProcess once its process is parked before exec:
    // it is marked as started from outside (the `exec` preset). Throws to
    // fail the exec.
    std::function<void(pid_t pid)> exec_spawned;
    std::function<void()> unbind;
};

class Container {
public:
    enum class State { Created, Running, Stopped };

    // Throws std::runtime_error; on failure nothing is left behind.
    static std::unique_ptr<Container> create(ContainerOptions options, PolicyHooks hooks);
    ~Container();

    const std::string& id() const { return id_; }
    const grpc::Spec& spec() const { return spec_; }
    uint64_t cgroup_id() const { return cgroup_id_; }
    const std::string& cgroup_dir() const { return cgroup_dir_; }
    pid_t init_pid() const { return init_->pid(); }
    State state();

    // Lets the first process exec. Throws with the exec error.
    void start();
    // Starts another process in the container's namespaces and cgroup.
    std::shared_ptr<Process> exec(const std::string& exec_id, const grpc::Process& process);
    // The container's first process for exec_id "" or the container id.
    std::shared_ptr<Process> process(const std::string& exec_id);
    // exec_id "" signals every process of the container.
    void signal(const std::string& exec_id, int sig);
    // Kills what still runs (waiting up to `timeout`, 0 = forever), then
    // removes the cgroup, the binding, the rootfs mount and the bundle.
    void destroy(std::chrono::seconds timeout);

    // cgroup v2: new limits (UpdateContainer), statistics (StatsContainer),
    // and the OOM killer's count (GetOOMEvent).
    void update(const grpc::LinuxResources& resources);
    grpc::CgroupStats stats() const;
    uint64_t oom_kills() const;

private:
    Container() = default;
    void move_into_cgroup(pid_t pid);
    void cleanup();

    std::string id_;
    grpc::Spec spec_;
    std::string bundle_;
    std::string rootfs_;
    std::string cgroup_dir_;
    uint64_t cgroup_id_ = 0;
    PolicyHooks hooks_;
    bool bound_ = false;
    bool rootfs_mounted_ = false;

    std::mutex mu_;
    bool started_ = false;
    std::optional<Spawned> parked_;
    std::shared_ptr<Process> init_;
    std::map<std::string, std::shared_ptr<Process>> execs_;
};

// "kubepods.slice:cri-containerd:abc" -> "/sys/fs/cgroup/kubepods.slice/cri-containerd/abc"
std::string cgroup_dir_for(const std::string& cgroups_path, const std::string& container_id);
// Container and exec ids become paths: letters, digits, '-', '_', '.'.
bool valid_id(const std::string& id);

} // namespace guest_init
