// cgroup v2 resources as the kata-agent handles them: the spec's limits in
// force from the start, UpdateContainer, StatsContainer and GetOOMEvent.
#include <catch2/catch.hpp>

#include <future>

#include "guest_suite.hpp"
#include "ttrpc/status.hpp"

using namespace kadapter::testing;

namespace {

// Starts `n` background sleeps in one shell; what it printed on stderr.
std::string fork_many(Guest& g, const std::string& id, int n)
{
    auto r = g.run(id, {"sh", "-c", "for i in $(seq " + std::to_string(n) + "); do sleep 1 & done; wait"});
    return r.err;
}

} // namespace

TEST_CASE("cgroup limits: in force from the start, changed by UpdateContainer, reported by StatsContainer")
{
    auto& g = Guest::get();
    PodOptions o;
    auto req = g.spec("res-1", o).request("res-1");
    auto* res = req.mutable_oci()->mutable_linux()->mutable_resources();
    res->mutable_pids()->set_limit(8);
    res->mutable_memory()->set_limit(64 << 20);
    res->mutable_cpu()->set_quota(50000);
    res->mutable_cpu()->set_period(100000);
    g.agent().create_container(req);
    g.agent().start_container("res-1");

    auto stats = g.agent().stats_container("res-1").cgroup_stats();
    CHECK(stats.pids_stats().limit() == 8);
    CHECK(stats.pids_stats().current() >= 1);
    CHECK(stats.memory_stats().usage().limit() == 64u << 20);
    CHECK(stats.memory_stats().usage().usage() > 0);
    CHECK(stats.cpu_stats().cpu_usage().total_usage() > 0);

    // 8 tasks at most: the shell cannot start 12 sleeps.
    CHECK(fork_many(g, "res-1", 12).find("can't fork") != std::string::npos);

    grpc::LinuxResources more;
    more.mutable_pids()->set_limit(64);
    g.agent().update_container("res-1", more);
    CHECK(g.agent().stats_container("res-1").cgroup_stats().pids_stats().limit() == 64);
    CHECK(fork_many(g, "res-1", 12).find("can't fork") == std::string::npos);

    // A limit the spec cannot mean is refused and changes nothing.
    grpc::LinuxResources bad;
    bad.mutable_pids()->set_limit(4);
    bad.mutable_memory()->set_limit(64 << 20);
    bad.mutable_memory()->set_swap(32 << 20); // memory + swap below memory
    try {
        g.agent().update_container("res-1", bad);
        FAIL("UpdateContainer accepted Swap below Limit");
    } catch (const ttrpc::RpcError& e) {
        CHECK(e.code() == ttrpc::Code::InvalidArgument);
        CHECK(std::string(e.what()).find("Memory.Swap") != std::string::npos);
    }
    CHECK(g.agent().stats_container("res-1").cgroup_stats().pids_stats().limit() == 64);
    g.remove("res-1");
}

TEST_CASE("GetOOMEvent reports the container whose process the OOM killer killed")
{
    auto& g = Guest::get();
    PodOptions o;
    auto req = g.spec("res-oom", o).request("res-oom");
    auto* mem = req.mutable_oci()->mutable_linux()->mutable_resources()->mutable_memory();
    mem->set_limit(16 << 20);
    mem->set_swap(16 << 20); // no swap on top
    g.agent().create_container(req);
    g.agent().start_container("res-oom");

    // The shim keeps one GetOOMEvent pending; the same connection serves on.
    auto event = std::async(std::launch::async, [&] { return g.agent().get_oom_event(); });
    auto r = g.run("res-oom", {"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"});
    CHECK(r.status == 128 + 9); // SIGKILL from the OOM killer
    REQUIRE(event.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
    CHECK(event.get().container_id() == "res-oom");
    CHECK(g.agent().stats_container("res-oom").cgroup_stats().memory_stats().usage().failcnt() > 0);
    g.remove("res-oom");
}
