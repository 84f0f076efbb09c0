// A typed client for the kata-agent API as guest-init serves it (and the
// kadapter.PolicyService beside it). Used by kadapter-agent-ctl, the guest
// test suite and `kadapter push`.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent.pb.h"
#include "health.pb.h"
#include "kadapter.pb.h"
#include "ttrpc/client.hpp"

namespace kadapter::agent {

struct RunResult {
    int status = -1; // exit code, or 128 + signal
    std::string out;
    std::string err;
};

class AgentClient {
public:
    // `address`: unix://PATH (or a bare path), vsock://CID:PORT, hvsock://PATH:PORT.
    explicit AgentClient(const std::string& address, std::chrono::milliseconds timeout = std::chrono::seconds(60));

    ttrpc::Client& raw() { return *client_; }

    grpc::HealthCheckResponse check();
    grpc::VersionCheckResponse version();
    grpc::GuestDetailsResponse guest_details();
    void create_sandbox(const grpc::CreateSandboxRequest& req);
    void destroy_sandbox();

    void create_container(const grpc::CreateContainerRequest& req);
    void start_container(const std::string& id);
    void remove_container(const std::string& id, uint32_t timeout_s = 0);
    void update_container(const std::string& id, const grpc::LinuxResources& resources);
    grpc::StatsContainerResponse stats_container(const std::string& id);
    grpc::OOMEvent get_oom_event(); // blocks until an OOM kill (or the timeout)
    void online_cpu_mem(uint32_t nb_cpus, bool wait, bool cpu_only);
    void exec_process(const std::string& id, const std::string& exec_id, const grpc::Process& process);
    void signal_process(const std::string& id, const std::string& exec_id, uint32_t signal);
    int wait_process(const std::string& id, const std::string& exec_id);
    std::string read_stdout(const std::string& id, const std::string& exec_id, uint32_t len = 64 * 1024);
    std::string read_stderr(const std::string& id, const std::string& exec_id, uint32_t len = 64 * 1024);
    uint32_t write_stdin(const std::string& id, const std::string& exec_id, const std::string& data);
    void close_stdin(const std::string& id, const std::string& exec_id);
    void tty_resize(const std::string& id, const std::string& exec_id, uint32_t rows, uint32_t cols);

    types::Interface update_interface(const types::Interface& iface);
    grpc::Routes update_routes(const grpc::Routes& routes);
    grpc::Interfaces list_interfaces();
    grpc::Routes list_routes();
    void add_arp_neighbors(const grpc::ARPNeighbors& neighbors);

    // Runs a command in a running container and collects its output.
    RunResult run(const std::string& id, const std::vector<std::string>& args, const std::string& exec_id = "");
    // Reads a stream until EOF.
    std::string drain(const std::string& id, const std::string& exec_id, int stream);

    kadapter::UpdatePolicyResponse update_policy(const kadapter::UpdatePolicyRequest& req);
    kadapter::GetPolicyResponse get_policy(const std::string& id);
    kadapter::ListContainersResponse list_containers();
    kadapter::ReadEventsResponse read_events(uint32_t max, uint32_t timeout_ms, const std::string& container_id = "");
    kadapter::GetStatsResponse stats();

    // Any call by name, for protocol tests and the CLI.
    std::string call(const std::string& service, const std::string& method, const std::string& payload);

private:
    template <typename Resp, typename Req> Resp unary(const char* service, const char* method, const Req& req);

    std::unique_ptr<ttrpc::Client> client_;
    std::chrono::milliseconds timeout_;
    unsigned exec_counter_ = 0;
};

// Builds the OCI spec of a container the way Kata's shim sends it, for
// tests and hand use: process, rootfs, mounts, annotations, cgroup path.
class SpecBuilder {
public:
    SpecBuilder(const std::string& rootfs, std::vector<std::string> args);
    SpecBuilder& env(const std::string& kv);
    SpecBuilder& cwd(const std::string& dir);
    SpecBuilder& user(uint32_t uid, uint32_t gid);
    SpecBuilder& terminal(bool on = true);
    SpecBuilder& annotation(const std::string& key, const std::string& value);
    SpecBuilder& mount(const std::string& source, const std::string& destination, const std::string& type,
                       std::vector<std::string> options);
    SpecBuilder& cgroups_path(const std::string& path);
    SpecBuilder& hostname(const std::string& name);
    SpecBuilder& readonly_rootfs(bool on = true);
    SpecBuilder& capabilities(const std::vector<std::string>& caps); // every set
    SpecBuilder& no_new_privileges(bool on = true);
    grpc::Spec build() const { return spec_; }

    // The container request the shim would send for this spec.
    grpc::CreateContainerRequest request(const std::string& container_id) const;

private:
    grpc::Spec spec_;
};

} // namespace kadapter::agent
