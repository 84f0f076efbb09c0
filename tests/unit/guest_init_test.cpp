// The pure parts of guest-init: kernel parameters, ids, cgroup paths.
#include <catch2/catch.hpp>

#include "config.hpp"
#include "container.hpp"

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
