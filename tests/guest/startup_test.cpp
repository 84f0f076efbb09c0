// kadapter-init's start-up checks: the initrd boots and reports ready, and a
// guest whose kernel cannot enforce says exactly why, refuses containers
// with a policy (fail closed) and keeps running the rest.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

// Debian's default list minus "bpf": the kernel has the BPF LSM, but it is off.
constexpr const char* kLsmWithoutBpf = "lsm=lockdown,capability,landlock,yama,apparmor";

constexpr const char* kBlockTokenPolicy = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: block-token
spec:
  file:
    matchDirectories:
      - dir: /run/secrets/kubernetes.io/serviceaccount/
  action: Block
)";

// The active LSMs are fixed at boot (lsm= is read once, and the BPF LSM
// cannot be switched on later), so this case needs a guest of its own,
// booted with another command line, next to the suite's guest. It also
// boots with one CPU online (maxcpus=1), for the CPU hot-plug case: a
// second boot-time state, at no extra boot.
kadapter::vm::GuestVm& guest_without_bpf_lsm()
{
    static std::unique_ptr<kadapter::vm::GuestVm> vm;
    if (!vm) {
        auto opts = kadapter::vm::default_options();
        opts.extra_cmdline += std::string(" ") + kLsmWithoutBpf + " maxcpus=1";
        vm = std::make_unique<kadapter::vm::GuestVm>(opts);
        std::cerr << "guest with " << kLsmWithoutBpf << " booted in " << vm->boot_time().count() << " ms\n";
        grpc::CreateSandboxRequest sandbox;
        sandbox.set_hostname("kadapter-nobpf");
        sandbox.set_sandbox_id("nobpf-sandbox");
        vm->agent().create_sandbox(sandbox);
        std::atexit([] { vm.reset(); });
    }
    return *vm;
}

bool has_feature(const grpc::GuestDetailsResponse& details, const std::string& name)
{
    const auto& f = details.agent_details().extra_features();
    return std::find(f.begin(), f.end(), name) != f.end();
}

} // namespace

TEST_CASE("the initrd boots the configured kernel and kadapter-init reports ready")
{
    auto& g = Guest::get();
    std::string console = g.vm().console_log();
    INFO(g.vm().console_tail());
    CHECK(console.find("kadapter-init ready") != std::string::npos);
    CHECK(console.find("BPF-LSM enforcement ready") != std::string::npos);
    CHECK(console.find("prerequisite") == std::string::npos);
}

TEST_CASE("booted with lsm= lacking bpf: the missing prerequisite is named on the console and the agent log")
{
    auto& vm = guest_without_bpf_lsm();
    std::string console = vm.console_log();
    INFO(vm.console_tail());
    auto at = console.find("BPF-LSM prerequisite missing: the BPF LSM is not in the active LSM list (");
    REQUIRE(at != std::string::npos);
    // The list the kernel reports: the LSMs of lsm= this kernel has (always
    // capability), without bpf.
    std::string line = console.substr(at, console.find('\n', at) - at);
    auto open = line.find('('), close = line.find(" in /sys/kernel/security/lsm); boot with \"bpf\" in lsm=");
    REQUIRE(close != std::string::npos);
    std::string active = "," + line.substr(open + 1, close - open - 1) + ",";
    CHECK(active.find(",capability,") != std::string::npos);
    CHECK(active.find(",bpf,") == std::string::npos);
    CHECK(console.find("kadapter-init ready") != std::string::npos);

    // Kata's agent log (the agent.log port) says the same.
    auto logged = vm.wait_for_log(
        [](const std::string& l) {
            return l.find("\"source\":\"kadapter-init\"") != std::string::npos &&
                   l.find("BPF-LSM prerequisite missing: the BPF LSM is not in the active LSM list") !=
                       std::string::npos;
        },
        0, std::chrono::seconds(5));
    CHECK(logged.has_value());
}

TEST_CASE("booted with lsm= lacking bpf: no bpf-lsm feature, policy pods fail closed, others run")
{
    auto& vm = guest_without_bpf_lsm();
    auto details = vm.agent().guest_details();
    CHECK(has_feature(details, "kadapter"));
    CHECK_FALSE(has_feature(details, "bpf-lsm"));

    PodOptions with_policy;
    with_policy.name = "guarded";
    with_policy.policy = kBlockTokenPolicy;
    try {
        vm.agent().create_container(Guest::get().spec("guarded-1", with_policy).request("guarded-1"));
        FAIL("CreateContainer accepted a policy this guest cannot enforce");
    } catch (const ttrpc::RpcError& e) {
        CHECK(e.code() == ttrpc::Code::FailedPrecondition);
        CHECK(std::string(e.what()).find("the BPF LSM is not in the active LSM list") != std::string::npos);
    }
    CHECK(vm.agent().list_containers().containers_size() == 0);

    PodOptions plain;
    plain.name = "plain";
    vm.agent().create_container(Guest::get().spec("plain-1", plain).request("plain-1"));
    vm.agent().start_container("plain-1");
    auto r = vm.agent().run("plain-1", {"cat", kToken});
    CHECK(r.status == 0);
    CHECK(r.out.find("kadapter-test-token") != std::string::npos);
    vm.agent().remove_container("plain-1", 10);
    CHECK(vm.agent().list_containers().containers_size() == 0);
}

TEST_CASE("OnlineCPUMem brings the guest's offline CPUs online")
{
    auto& vm = guest_without_bpf_lsm(); // booted with maxcpus=1 of 2
    PodOptions plain;
    plain.name = "cpus";
    vm.agent().create_container(Guest::get().spec("cpus-1", plain).request("cpus-1"));
    vm.agent().start_container("cpus-1");
    CHECK(vm.agent().run("cpus-1", {"nproc"}).out == "1\n");

    vm.agent().online_cpu_mem(1, true, true);
    CHECK(vm.agent().run("cpus-1", {"nproc"}).out == "2\n");
    // Nothing left to bring up: asking for one more CPU times out clearly.
    try {
        vm.agent().online_cpu_mem(1, true, true);
        FAIL("OnlineCPUMem reported a CPU that does not exist");
    } catch (const ttrpc::RpcError& e) {
        CHECK(e.code() == ttrpc::Code::DeadlineExceeded);
        CHECK(std::string(e.what()).find("only 0 of 1 CPUs") != std::string::npos);
    }
    vm.agent().remove_container("cpus-1", 10);
}
