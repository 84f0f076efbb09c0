// kadapter-demo: the poster's scenario, for real. Boots a Kata-style guest
// under QEMU, runs a container labelled app: nginx with the KubeArmorPolicy
// that blocks the service-account directory, and one without it, and shows
// what `cat` of the token does in each.
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agent_client.hpp"
#include "guest_vm.hpp"
#include "kadapter/annotations.hpp"
#include "poster_policy.hpp"

using kadapter::agent::AgentClient;
using kadapter::agent::RunResult;
using kadapter::agent::SpecBuilder;

namespace {

constexpr const char* kToken = "/run/secrets/kubernetes.io/serviceaccount/token";
constexpr const char* kRootfs = "/opt/kadapter/rootfs/busybox";

SpecBuilder pod_container(const std::string& pod, const std::string& name, const std::string& labels)
{
    SpecBuilder spec(kRootfs, {"sleep", "3600"});
    spec.hostname(pod)
        .cgroups_path("kubepods/besteffort/pod-" + pod + ":cri-containerd:" + name)
        .annotation("io.kubernetes.cri.container-type", "container")
        .annotation("io.kubernetes.cri.container-name", name)
        .annotation("io.kubernetes.cri.sandbox-name", pod)
        .annotation("io.kubernetes.cri.sandbox-namespace", "default")
        .annotation("io.kubernetes.cri.image-name", "docker.io/library/busybox:latest")
        .annotation(kadapter::kLabelsAnnotation, labels)
        // As the kubelet mounts the projected service account volume.
        .mount("/opt/kadapter/testdata/serviceaccount", "/run/secrets/kubernetes.io/serviceaccount", "bind",
               {"rbind", "ro"});
    return spec;
}

std::string first_line(const std::string& s)
{
    std::string l = s.substr(0, s.find('\n'));
    return l.empty() ? "(no output)" : l;
}

void show(const std::string& who, const RunResult& r)
{
    std::cout << "  [" << who << "] $ cat " << kToken << "\n";
    std::cout << "      " << first_line(r.status == 0 ? r.out : r.err) << "   (exit " << r.status << ")\n";
}

} // namespace

int main()
{
    try {
        std::cout << "kadapter demo: KubeArmor policy enforced inside a Kata guest kernel\n\n";
        auto opts = kadapter::vm::default_options();
        std::cout << "Booting the guest (" << opts.kernel << ") under QEMU...\n";
        kadapter::vm::GuestVm vm(opts);
        AgentClient& agent = vm.agent();
        auto details = agent.guest_details();
        std::cout << "  " << details.agent_details().version() << " is PID 1, up in " << vm.boot_time().count()
                  << " ms; features:";
        for (const auto& f : details.agent_details().extra_features())
            std::cout << " " << f;
        std::cout << "\n\nPolicy (from the poster), passed as the pod annotation " << kadapter::kPolicyAnnotation
                  << ":\n";
        std::istringstream policy(kadapter::demo::kPosterPolicy);
        for (std::string line; std::getline(policy, line);)
            std::cout << "  | " << line << "\n";

        grpc::CreateSandboxRequest sandbox;
        sandbox.set_hostname("kadapter-demo");
        sandbox.set_sandbox_id("demo-sandbox");
        agent.create_sandbox(sandbox);

        auto nginx = pod_container("nginx-kata", "nginx", "app=nginx")
                         .annotation(kadapter::kPolicyAnnotation, kadapter::demo::kPosterPolicy);
        agent.create_container(nginx.request("nginx-kata"));
        agent.start_container("nginx-kata");
        // Containerd copies pod annotations to every container; this pod has
        // none of ours.
        auto plain = pod_container("plain-kata", "busybox", "app=busybox");
        agent.create_container(plain.request("plain-kata"));
        agent.start_container("plain-kata");

        std::cout << "\nRunning the same command in both pods:\n";
        size_t log_mark = vm.log_lines().size();
        RunResult blocked = agent.run("nginx-kata", {"cat", kToken});
        RunResult allowed = agent.run("plain-kata", {"cat", kToken});
        show("nginx-kata, app=nginx, policy", blocked);
        show("plain-kata, no policy       ", allowed);

        auto alert =
            vm.wait_for_log([](const std::string& l) { return l.find("ksp-nginx-block-sa") != std::string::npos; },
                            log_mark, std::chrono::seconds(5));
        std::cout << "\nAlert from the guest (KubeArmor format, agent.log port):\n";
        if (alert) {
            auto j = nlohmann::json::parse(*alert);
            std::cout << "  PolicyName=" << j.value("PolicyName", "") << " Action=" << j.value("Action", "")
                      << " Operation=" << j.value("Operation", "") << " Resource=" << j.value("Resource", "")
                      << " Result=\"" << j.value("Result", "") << "\" ContainerName=" << j.value("ContainerName", "")
                      << "\n";
        } else {
            std::cout << "  (none received)\n";
        }

        agent.remove_container("nginx-kata", 10);
        agent.remove_container("plain-kata", 10);

        bool ok = blocked.status != 0 && blocked.err.find("Permission denied") != std::string::npos &&
                  allowed.status == 0 && !allowed.out.empty() && alert.has_value();
        std::cout << "\nSummary:\n"
                  << "  "
                  << (blocked.status != 0 && blocked.err.find("Permission denied") != std::string::npos ? "OK  "
                                                                                                        : "FAIL")
                  << " the app=nginx pod cannot read its service account token (Permission denied)\n"
                  << "  " << (allowed.status == 0 ? "OK  " : "FAIL") << " a pod without the policy reads it as usual\n"
                  << "  " << (alert ? "OK  " : "FAIL") << " the denial was reported as a KubeArmor alert\n\n"
                  << (ok ? "Demo passed.\n" : "Demo FAILED.\n");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "kadapter-demo: " << e.what() << "\n";
        return 1;
    }
}
