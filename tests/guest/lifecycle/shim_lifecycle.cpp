#include "shim_lifecycle.hpp"

#include <chrono>
#include <future>
#include <stdexcept>

namespace kadapter::testing {
namespace {

constexpr const char* kRootfs = "/opt/kadapter/rootfs/busybox";
constexpr const char* kSandbox = "lifecycle-pod";
constexpr const char* kPolicy = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: lifecycle-block-hostname
  namespace: default
spec:
  selector:
    matchLabels:
      kubearmor.io/container.name: "[app]"
  file:
    matchPaths:
      - path: /etc/hostname
  action: Block
)";

void expect(bool ok, const std::string& what)
{
    if (!ok)
        throw std::runtime_error(what);
}

// The spec containerd sends for a container of the pod: the pod's
// annotations (the policy among them) on the sandbox and on the workload.
agent::SpecBuilder spec(const std::string& type, const std::string& name, std::vector<std::string> args)
{
    agent::SpecBuilder s(kRootfs, std::move(args));
    s.cgroups_path(std::string("kubepods/pod-") + kSandbox + ":cri-containerd:" + name)
        .annotation("io.kubernetes.cri.container-type", type)
        .annotation("io.kubernetes.cri.sandbox-id", kSandbox)
        .annotation("io.kubernetes.cri.sandbox-name", kSandbox)
        .annotation("io.kubernetes.cri.sandbox-namespace", "default")
        .annotation("io.katacontainers.kadapter.policy", kPolicy);
    if (type == "container")
        s.annotation("io.kubernetes.cri.container-name", name);
    return s;
}

grpc::Process process(std::vector<std::string> args)
{
    grpc::Process p;
    for (auto& a : args)
        p.add_args(a);
    p.add_env("PATH=/usr/bin:/bin");
    p.set_cwd("/");
    return p;
}

} // namespace

void run_shim_lifecycle(agent::AgentClient& a, const std::function<void(const std::string&)>& step)
{
    step("Check");
    expect(a.check().status() == grpc::HealthCheckResponse::SERVING, "Check: the agent is not serving");
    step("Version");
    expect(!a.version().agent_version().empty(), "Version: no agent version");
    step("GetGuestDetails");
    expect(a.guest_details().has_agent_details(), "GetGuestDetails: no agent details");

    step("CreateSandbox");
    grpc::CreateSandboxRequest sandbox;
    sandbox.set_hostname(kSandbox);
    sandbox.set_sandbox_id(kSandbox);
    a.create_sandbox(sandbox);

    step("CreateContainer + StartContainer: the pause container");
    a.create_container(spec("sandbox", "pause", {"sleep", "3600"}).request("pause"));
    a.start_container("pause");
    step("CreateContainer + StartContainer: the workload, under its policy");
    a.create_container(spec("container", "app", {"sleep", "3600"}).request("app"));
    a.start_container("app");

    step("ExecProcess + ReadStdout: an allowed read");
    auto r = a.run("app", {"cat", "/etc/ssl/certs/ca.pem"});
    expect(r.status == 0 && r.out == "test certificate\n",
           "exec cat ca.pem: status " + std::to_string(r.status) + ", output '" + r.out + "'");
    step("ExecProcess + ReadStderr: the policy denies /etc/hostname");
    r = a.run("app", {"cat", "/etc/hostname"});
    expect(r.status == 1 && r.err.find("Permission denied") != std::string::npos,
           "exec cat /etc/hostname: status " + std::to_string(r.status) + ", stderr '" + r.err + "'");
    r = a.run("pause", {"cat", "/etc/hostname"});
    expect(r.status == 0, "the pause container is not selected by the policy, yet cat failed: " + r.err);

    step("WriteStdin + CloseStdin");
    a.exec_process("app", "stdin", process({"cat"}));
    expect(a.write_stdin("app", "stdin", "through stdin\n") == 14, "WriteStdin: short write");
    a.close_stdin("app", "stdin");
    std::string echoed = a.drain("app", "stdin", 1);
    expect(echoed == "through stdin\n", "cat echoed '" + echoed + "'");
    expect(a.wait_process("app", "stdin") == 0, "cat with stdin did not exit 0");

    step("a blocked ReadStdout does not stall other calls; SignalProcess + WaitProcess");
    a.exec_process("app", "sleeper", process({"sleep", "3600"}));
    auto blocked = std::async(std::launch::async, [&] { return a.read_stdout("app", "sleeper"); });
    auto started = std::chrono::steady_clock::now();
    expect(a.check().status() == grpc::HealthCheckResponse::SERVING, "Check while ReadStdout blocks");
    expect(a.run("app", {"true"}).status == 0, "exec while ReadStdout blocks");
    expect(std::chrono::steady_clock::now() - started < std::chrono::seconds(20),
           "calls took too long while a ReadStdout blocked");
    expect(blocked.wait_for(std::chrono::seconds(0)) == std::future_status::timeout,
           "ReadStdout of a silent process returned early");
    a.signal_process("app", "sleeper", 15);
    int status = a.wait_process("app", "sleeper");
    expect(status == 128 + 15, "WaitProcess after SIGTERM: " + std::to_string(status));
    expect(blocked.get().empty(), "ReadStdout after exit did not report end of stream");

    step("RemoveContainer: the workload, then the pause container");
    a.remove_container("app", 10);
    a.remove_container("pause", 10);
    expect(a.list_containers().containers_size() == 0, "containers left after RemoveContainer");
}

} // namespace kadapter::testing
