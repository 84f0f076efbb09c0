// The pure parts of guest-init: kernel parameters, ids, cgroup paths, the
// pod's state.
#include <catch2/catch.hpp>

#include "config.hpp"
#include "container.hpp"
#include "kadapter/annotations.hpp"
#include "pod_state.hpp"
#include "ttrpc/status.hpp"

using namespace guest_init;

TEST_CASE("agent.* kernel parameters are read like the kata-agent reads them")
{
    auto c = parse_cmdline("console=hvc0 agent.log=debug agent.server_addr=vsock://-1:2048,unix:///run/a.sock "
                           "agent.log_vport=1025 agent.debug_console agent.hotplug_timeout=3 quiet");
    CHECK(c.log_level == "debug");
    REQUIRE(c.server_addrs.size() == 2);
    CHECK(c.server_addrs[0] == "vsock://-1:2048");
    CHECK(c.log_vport == 1025);
    CHECK(c.debug_console);
    CHECK(c.ignored.count("agent.hotplug_timeout") == 1);
    CHECK(c.warnings.empty());

    auto bad = parse_cmdline("agent.log=loud agent.log_vport=x");
    CHECK(bad.log_level == "info");
    CHECK(bad.warnings.size() == 2);
}

TEST_CASE("cgroup paths follow the kata-agent's rule")
{
    CHECK(cgroup_dir_for("kubepods-besteffort-pod1.slice:cri-containerd:abc", "abc") ==
          "/sys/fs/cgroup/kubepods-besteffort-pod1.slice/cri-containerd/abc");
    CHECK(cgroup_dir_for("", "abc") == "/sys/fs/cgroup/abc");
    CHECK(cgroup_dir_for("/kubepods/pod1/abc", "abc") == "/sys/fs/cgroup/kubepods/pod1/abc");
    CHECK_THROWS(cgroup_dir_for("../../etc", "abc"));
    CHECK_THROWS(cgroup_dir_for("/", "abc"));
}

TEST_CASE("container ids become paths and must be safe")
{
    CHECK(valid_id("0123abcd-ef_gh.1"));
    CHECK_FALSE(valid_id(""));
    CHECK_FALSE(valid_id(".."));
    CHECK_FALSE(valid_id("a/b"));
    CHECK_FALSE(valid_id(std::string(200, 'a')));
}

TEST_CASE("the pod's state: reservations, the sandbox's annotations, one sandbox")
{
    using ttrpc::Code;
    auto code_of = [](auto&& fn) {
        try {
            fn();
        } catch (const ttrpc::RpcError& e) {
            return e.code();
        }
        return Code::Ok;
    };
    auto entry_for = [](const std::string& id, bool is_sandbox) {
        ContainerMeta m;
        m.container_id = id;
        return std::make_shared<ContainerEntry>(
            m, is_sandbox, std::make_shared<ContainerPolicy>(nullptr, id, kadapter::RuleSet{}, ""));
    };
    PodState pod;
    pod.create_sandbox("pod1", [] { return std::vector<std::string>{"/run/kata-containers/shared"}; });
    CHECK(pod.sandbox_id() == "pod1");
    CHECK(code_of([&] { pod.create_sandbox("pod2", [] { return std::vector<std::string>{}; }); }) ==
          Code::AlreadyExists);
    CHECK(pod.sandbox_id() == "pod1");

    // The sandbox container, by id: its kadapter.* annotations are kept.
    std::map<std::string, std::string> sandbox_annotations{{kadapter::kPolicyAnnotation, "the pod's policy"},
                                                           {kadapter::kLabelsAnnotation, "app=web"},
                                                           {"io.kubernetes.cri-o.KubeName", "web"}};
    {
        auto r = pod.reserve("pod1", sandbox_annotations);
        CHECK(r.is_sandbox());
        CHECK(r.sandbox() == nullptr);
        // Reserved: another CreateContainer of it waits its turn, and no
        // RPC sees a half-made container.
        std::map<std::string, std::string> none;
        CHECK(code_of([&] { pod.reserve("pod1", none); }) == Code::AlreadyExists);
        CHECK(code_of([&] { pod.find("pod1"); }) == Code::NotFound);
        CHECK(pod.containers().empty());
        r.publish(entry_for("pod1", true));
    }
    CHECK(pod.find("pod1")->is_sandbox);

    // CRI-O: a container without a policy annotation gets the sandbox's.
    std::map<std::string, std::string> plain{{"io.kubernetes.cri-o.ContainerName", "app"}};
    {
        auto r = pod.reserve("app", plain);
        CHECK_FALSE(r.is_sandbox());
        CHECK(r.sandbox() == pod.find("pod1"));
        CHECK(plain.at(kadapter::kPolicyAnnotation) == "the pod's policy");
        CHECK(plain.at(kadapter::kLabelsAnnotation) == "app=web");
        CHECK_FALSE(plain.count("io.kubernetes.cri-o.KubeName"));
    } // a failed CreateContainer: the id is free again
    CHECK(code_of([&] { pod.find("app"); }) == Code::NotFound);
    std::map<std::string, std::string> own{{kadapter::kPolicyAnnotation, "its own"}};
    pod.reserve("app", own).publish(entry_for("app", false));
    CHECK(own.at(kadapter::kPolicyAnnotation) == "its own");
    CHECK_FALSE(own.count(kadapter::kLabelsAnnotation)); // the policy and its labels come together or not at all
    CHECK(pod.containers().size() == 2);

    CHECK(pod.take_sandbox_storages() == std::vector<std::string>{"/run/kata-containers/shared"});
    CHECK(pod.take_sandbox_storages().empty());
    CHECK(pod.take_containers().size() == 2);
    CHECK(pod.containers().empty());

    PodState fresh;
    CHECK_THROWS_AS(fresh.create_sandbox("s", []() -> std::vector<std::string> { throw std::invalid_argument("nfs"); }),
                    std::invalid_argument);
    CHECK(fresh.sandbox_id().empty()); // nothing recorded: a retry may succeed
    fresh.create_sandbox("s", [] { return std::vector<std::string>{}; });
    CHECK(fresh.sandbox_id() == "s");
}
