// Rule sets over a container's life: atomic swaps under load, large rule
// sets, live updates, and nothing left in the kernel after removal.
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

// Two policies that both allow /etc/passwd in allow-list mode with a block
// posture. A swap that passed through a mixed or empty state (as
// element-wise updates do) would deny it for a moment.
std::string allow_list(const std::string& name, const std::string& also_allowed)
{
    return ksp(name, "file:\n  matchPaths:\n    - path: /etc/passwd\n    - path: " + also_allowed +
                         "\n  matchDirectories:\n    - dir: /usr/local/bin/\naction: Allow");
}

kadapter::UpdatePolicyRequest update(const std::string& id, const std::string& policy)
{
    kadapter::UpdatePolicyRequest r;
    r.set_container_id(id);
    r.set_policy(policy);
    (*r.mutable_postures())["file"] = "block";
    return r;
}

} // namespace

TEST_CASE("a policy swap under a busy loop of opens never shows a state of neither policy")
{
    auto& g = Guest::get();
    PodOptions o;
    o.name = "busy";
    o.policy = allow_list("swap-a", "/etc/hostname");
    o.annotations["io.katacontainers.kadapter.posture"] = "file=block";
    g.start_pod("busy", o);

    std::atomic<bool> done{false};
    int updates = 0;
    std::thread swapper([&] {
        // The policy service answers on the same connection as the loop.
        while (!done) {
            g.agent().update_policy(update(
                "busy", allow_list(updates % 2 ? "swap-a" : "swap-b", updates % 2 ? "/etc/hostname" : "/etc/group")));
            ++updates;
        }
    });
    auto r = g.probe("busy", {"loop-open", "/etc/passwd", "20000"});
    done = true;
    swapper.join();
    INFO(r.out);
    CHECK(updates >= 10);
    CHECK(r.status == 0);
    CHECK(r.out.find("failures 0 ") != std::string::npos);
    auto listed = g.agent().list_containers();
    REQUIRE(listed.containers_size() == 1);
    CHECK(listed.containers(0).ruleset_id() >= static_cast<uint64_t>(updates));
    g.remove("busy");
}

TEST_CASE("a live update changes what a running container may do")
{
    auto& g = Guest::get();
    PodOptions o;
    o.name = "live";
    g.start_pod("live", o);
    CHECK(g.probe("live", {"open", "/etc/hostname"}).status == 0);

    auto r = g.agent().update_policy(update("live", ksp("live-block", "file:\n  matchPaths:\n    - path: "
                                                                      "/etc/hostname\naction: Block")));
    CHECK(r.rules() == 1);
    CHECK(g.probe("live", {"open", "/etc/hostname"}).status == kEACCES);
    CHECK(g.agent().get_policy("live").rules_text().find("/etc/hostname") != std::string::npos);

    // An invalid update is refused and changes nothing.
    CHECK_THROWS_AS(g.agent().update_policy(update("live", "kind: KubeArmorPolicy\nspec: [")), ttrpc::RpcError);
    CHECK(g.probe("live", {"open", "/etc/hostname"}).status == kEACCES);
    g.remove("live");
}

TEST_CASE("10,000 rules in one container: enforced, and as fast to apply as to match")
{
    auto& g = Guest::get();
    PodOptions o;
    o.name = "many";
    g.start_pod("many", o);
    std::ostringstream spec;
    spec << "file:\n  matchPaths:\n";
    for (int i = 0; i < 9999; ++i)
        spec << "    - path: /data/file-" << i << "\n";
    spec << "    - path: /etc/hostname\naction: Block";
    auto r = g.agent().update_policy(update("many", ksp("ten-thousand", spec.str())));
    CHECK(r.rules() == 10000);
    CHECK(g.probe("many", {"open", "/etc/hostname"}).status == kEACCES);
    CHECK(g.probe("many", {"open", "/etc/passwd"}).status == 0);
    g.remove("many");
}

TEST_CASE("removing containers leaves nothing in the kernel or the agent")
{
    auto& g = Guest::get();
    auto before = g.agent().stats();
    REQUIRE(before.enforcing());
    for (int i = 0; i < 3; ++i) {
        PodOptions o;
        o.name = "tmp";
        o.policy = ksp("tmp", "file:\n  matchPaths:\n    - path: /etc/hostname\naction: Block");
        g.start_pod("tmp-" + std::to_string(i), o);
        g.probe("tmp-" + std::to_string(i), {"open", "/etc/hostname"}); // an alert creates a budget entry
        for (int j = 0; j < 5; ++j)
            CHECK(g.run("tmp-" + std::to_string(i), {"true"}).status == 0);
    }
    auto during = g.agent().stats();
    CHECK(during.kernel_bindings() == before.kernel_bindings() + 3);
    for (int i = 0; i < 3; ++i)
        g.remove("tmp-" + std::to_string(i));
    auto after = g.agent().stats();
    CHECK(after.kernel_bindings() == before.kernel_bindings());
    CHECK(after.kernel_alert_budgets() == before.kernel_alert_budgets());
    // The containers' processes and pipes are gone from the agent too.
    CHECK(after.agent_open_fds() == before.agent_open_fds());
}
