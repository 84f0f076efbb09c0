// The guest test bed: one QEMU guest booted for the whole suite, reached
// through the agent client over virtio-serial, with helpers to run pods.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent_client.hpp"
#include "guest_vm.hpp"

namespace kadapter::testing {

inline constexpr const char* kRootfs = "/opt/kadapter/rootfs/busybox";
inline constexpr const char* kServiceAccountDir = "/run/secrets/kubernetes.io/serviceaccount";
inline constexpr const char* kToken = "/run/secrets/kubernetes.io/serviceaccount/token";
// The MAC of the guest's NIC (virtio-net on QEMU's user network), which
// the network tests configure as Kata's runtime would.
inline constexpr const char* kNicMac = "52:54:00:6b:61:64";
// Where the sandbox mounts Kata's shared directory (Guest::shared_dir()).
inline constexpr const char* kSharedMountPoint = "/run/kata-containers/shared/containers";

struct PodOptions {
    std::string name = "app";          // io.kubernetes.cri.container-name
    std::string labels;                // "k=v,..." (our labels annotation)
    std::optional<std::string> policy; // KubeArmorPolicy YAML for the annotation
    std::map<std::string, std::string> annotations;
    std::vector<std::string> args = {"sleep", "3600"};
    bool service_account = true; // mount the token like the kubelet
};

class Guest {
public:
    // Boots on first use; later calls return the same guest.
    static Guest& get();

    vm::GuestVm& vm() { return *vm_; }
    // The host directory the guest sees as Kata's 9p share "kataShared".
    const std::string& shared_dir() const { return shared_dir_.path(); }
    agent::AgentClient& agent() { return vm_->agent(); }

    // CreateContainer + StartContainer; returns the container id.
    std::string start_pod(const std::string& id, const PodOptions& options);
    agent::SpecBuilder spec(const std::string& id, const PodOptions& options);
    void remove(const std::string& id);
    agent::RunResult run(const std::string& id, const std::vector<std::string>& args);
    // As another user (uid = gid).
    agent::RunResult run_as(const std::string& id, uint32_t uid, const std::vector<std::string>& args);
    // /usr/bin/kadapter-probe with these arguments (see probe.cpp):
    // status 0 on success, else the errno.
    agent::RunResult probe(const std::string& id, std::vector<std::string> args);

    // The next alert line (after `mark`) for which all needles occur.
    std::optional<std::string> alert(size_t mark, const std::vector<std::string>& needles,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
    size_t log_mark() { return vm_->log_lines().size(); }

private:
    Guest();
    vm::TempDir shared_dir_{"kadapter-shared"}; // outlives the guest that mounts it
    std::unique_ptr<vm::GuestVm> vm_;
};

// The console log, for failure messages.
std::string console_tail();

// A KubeArmorPolicy named `name` whose spec is `spec` (YAML lines without
// their two-space indent).
std::string ksp(const std::string& name, const std::string& spec);
// A pod whose container `name` carries `policy` (KubeArmorPolicy YAML).
PodOptions pod(const std::string& name, const std::string& policy);
// A pod whose policy is one KubeArmor preset with this action.
PodOptions preset_pod(const std::string& name, const std::string& preset, const std::string& action);
// kadapter-probe in container `id`: 0, or the errno the kernel returned.
int op(Guest& g, const std::string& id, std::vector<std::string> args);

inline constexpr int kEACCES = 13;
inline constexpr int kEPERM = 1;

} // namespace kadapter::testing
