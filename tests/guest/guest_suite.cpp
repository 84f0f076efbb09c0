#include "guest_suite.hpp"

#include <filesystem>
#include <iostream>

#include "kadapter/annotations.hpp"

namespace kadapter::testing {
namespace {

Guest* instance = nullptr;
// A guest that failed to boot fails every case with the same error, at
// once, instead of booting again for each.
std::exception_ptr boot_error;

} // namespace

Guest& Guest::get()
{
    if (boot_error)
        std::rethrow_exception(boot_error);
    if (!instance) {
        try {
            instance = new Guest(); // lives until exit; the destructor of the VM stops QEMU
        } catch (...) {
            boot_error = std::current_exception();
            throw;
        }
    }
    return *instance;
}

Guest::Guest()
{
    auto opts = vm::default_options();
    // Tests count alerts: no throttling in the suite (c-api/c_api_test.c tests the throttle).
    opts.extra_cmdline += " kadapter.max_alerts_per_sec=0";
    // Kata's shared directory (9p, mount tag kataShared), for storage tests.
    opts.shared_dir = shared_dir_.path();
    opts.nic_mac = kNicMac;
    vm_ = std::make_unique<vm::GuestVm>(opts);
    std::cerr << "guest booted in " << vm_->boot_time().count() << " ms under " << vm::accel_name(vm_->accel()) << "\n";
    // A mutation-testing build says which hook it left out (tests/mutation/).
    std::string console = vm_->console_log();
    if (auto at = console.find("MUTATION TESTING: "); at != std::string::npos)
        std::cerr << console.substr(at, console.find('\n', at) - at) << "\n";
    grpc::CreateSandboxRequest sandbox;
    sandbox.set_hostname("kadapter-test");
    sandbox.set_sandbox_id("test-sandbox");
    // As Kata's runtime does: the shared directory is a sandbox storage.
    auto* shared = sandbox.add_storages();
    shared->set_driver("9p");
    shared->set_source("kataShared");
    shared->set_fstype("9p");
    for (const char* o : {"trans=virtio", "version=9p2000.L", "cache=mmap", "nodev"})
        shared->add_options(o);
    shared->set_mount_point(kSharedMountPoint);
    agent().create_sandbox(sandbox);
    std::atexit([] { delete std::exchange(instance, nullptr); });
}

agent::SpecBuilder Guest::spec(const std::string& id, const PodOptions& o)
{
    agent::SpecBuilder spec(kRootfs, o.args);
    spec.cgroups_path("kubepods/pod-" + id + ":cri-containerd:" + id)
        .annotation("io.kubernetes.cri.container-type", "container")
        .annotation("io.kubernetes.cri.container-name", o.name)
        .annotation("io.kubernetes.cri.sandbox-name", id)
        .annotation("io.kubernetes.cri.sandbox-namespace", "default");
    if (!o.labels.empty())
        spec.annotation(kLabelsAnnotation, o.labels);
    if (o.policy)
        spec.annotation(kPolicyAnnotation, *o.policy);
    for (const auto& [k, v] : o.annotations)
        spec.annotation(k, v);
    if (o.service_account)
        spec.mount("/opt/kadapter/testdata/serviceaccount", kServiceAccountDir, "bind", {"rbind", "ro"});
    return spec;
}

std::string Guest::start_pod(const std::string& id, const PodOptions& o)
{
    agent().create_container(spec(id, o).request(id));
    agent().start_container(id);
    return id;
}

void Guest::remove(const std::string& id)
{
    agent().remove_container(id, 10);
}

agent::RunResult Guest::run(const std::string& id, const std::vector<std::string>& args)
{
    return agent().run(id, args);
}

agent::RunResult Guest::run_as(const std::string& id, uint32_t uid, const std::vector<std::string>& args)
{
    grpc::Process p;
    for (const auto& a : args)
        p.add_args(a);
    p.add_env("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    p.set_cwd("/");
    p.mutable_user()->set_uid(uid);
    p.mutable_user()->set_gid(uid);
    static int counter = 0;
    std::string eid = "as-" + std::to_string(uid) + "-" + std::to_string(++counter);
    agent().exec_process(id, eid, p);
    agent::RunResult r;
    r.out = agent().drain(id, eid, 1);
    r.err = agent().drain(id, eid, 2);
    r.status = agent().wait_process(id, eid);
    return r;
}

agent::RunResult Guest::probe(const std::string& id, std::vector<std::string> args)
{
    args.insert(args.begin(), "/usr/bin/kadapter-probe");
    return run(id, args);
}

std::string ksp(const std::string& name, const std::string& spec)
{
    std::string out = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n  name: " + name +
                      "\n  namespace: default\nspec:\n";
    size_t start = 0;
    while (start < spec.size()) {
        size_t end = spec.find('\n', start);
        if (end == std::string::npos)
            end = spec.size();
        out += "  " + spec.substr(start, end - start) + "\n";
        start = end + 1;
    }
    return out;
}

std::optional<std::string> Guest::alert(size_t mark, const std::vector<std::string>& needles,
                                        std::chrono::milliseconds timeout)
{
    return vm_->wait_for_log(
        [&](const std::string& line) {
            for (const auto& n : needles)
                if (line.find(n) == std::string::npos)
                    return false;
            return true;
        },
        mark, timeout);
}

std::string console_tail()
{
    return instance ? instance->vm().console_tail(6000) : "(the guest was not booted)";
}

PodOptions pod(const std::string& name, const std::string& policy)
{
    PodOptions o;
    o.name = name;
    o.policy = policy;
    return o;
}

PodOptions preset_pod(const std::string& name, const std::string& preset, const std::string& action)
{
    return pod(name, ksp("preset-" + name, "presets:\n  - name: " + preset + "\n    action: " + action));
}

int op(Guest& g, const std::string& id, std::vector<std::string> args)
{
    return g.probe(id, std::move(args)).status;
}

} // namespace kadapter::testing
