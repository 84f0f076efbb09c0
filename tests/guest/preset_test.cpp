// KubeArmor's presets other than filelessExec (escape_test.cpp): protectEnv
// and exec.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

// ExecProcess with a terminal, as `kubectl exec -it` makes it. Returns the
// output, or throws when the process could not exec.
std::string exec_with_tty(Guest& g, const std::string& id, const std::string& exec_id,
                          const std::vector<std::string>& args)
{
    grpc::Process p;
    for (const auto& a : args)
        p.add_args(a);
    p.add_env("PATH=/usr/bin:/bin");
    p.set_cwd("/");
    p.set_terminal(true);
    g.agent().exec_process(id, exec_id, p);
    std::string out = g.agent().drain(id, exec_id, 1);
    CHECK(g.agent().wait_process(id, exec_id) == 0);
    return out;
}

std::string exec_error(Guest& g, const std::string& id, const std::string& exec_id,
                       const std::vector<std::string>& args)
{
    try {
        exec_with_tty(g, id, exec_id, args);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("presets: protectEnv keeps other processes' environment unreadable")
{
    auto& g = Guest::get();
    g.start_pod("pe1", preset_pod("pe1", "protectEnv", "Block"));
    size_t mark = g.log_mark();
    // Its own environment stays readable, by any name.
    CHECK(op(g, "pe1", {"open", "/proc/self/environ"}) == 0);
    CHECK(g.run("pe1", {"sh", "-c", "cat /proc/$$/environ >/dev/null"}).status == 0);
    // Another process's (the container's sleep is its pid 1), also per thread.
    CHECK(op(g, "pe1", {"open", "/proc/1/environ"}) == kEACCES);
    CHECK(op(g, "pe1", {"open", "/proc/1/task/1/environ"}) == kEACCES);
    CHECK(g.alert(mark, {"/proc/1/environ", "protectEnv preset", "\"Action\":\"Block\""}));
    // Other files of that process are not the preset's business.
    CHECK(op(g, "pe1", {"open", "/proc/1/cmdline"}) == 0);
    g.remove("pe1");

    g.start_pod("pe2", preset_pod("pe2", "protectEnv", "Audit"));
    mark = g.log_mark();
    CHECK(op(g, "pe2", {"open", "/proc/1/environ"}) == 0);
    CHECK(g.alert(mark, {"/proc/1/environ", "protectEnv preset", "\"Action\":\"Audit\""}));
    g.remove("pe2");

    PodOptions plain;
    g.start_pod("pe3", plain);
    CHECK(op(g, "pe3", {"open", "/proc/1/environ"}) == 0); // without the preset
    g.remove("pe3");
}

TEST_CASE("presets: exec refuses interactive execs from outside the container")
{
    auto& g = Guest::get();
    g.start_pod("px1", preset_pod("px1", "exec", "Block"));
    size_t mark = g.log_mark();
    // `kubectl exec -it px1 -- sh`: refused before sh runs.
    CHECK_THAT(exec_error(g, "px1", "tty1", {"sh", "-c", "echo inside"}), Catch::Contains("Permission denied"));
    CHECK(g.alert(mark, {"exec preset", "\"Action\":\"Block\"", "\"Operation\":\"Process\""}));
    // Without a terminal (`kubectl exec px1 -- ...`) execs run, and so do
    // the children they start.
    auto r = g.run("px1", {"sh", "-c", "echo plain; ls / >/dev/null"});
    CHECK(r.status == 0);
    CHECK(r.out == "plain\n");
    g.remove("px1");

    g.start_pod("px2", preset_pod("px2", "exec", "Audit"));
    mark = g.log_mark();
    CHECK_THAT(exec_with_tty(g, "px2", "tty2", {"sh", "-c", "echo inside"}), Catch::Contains("inside"));
    CHECK(g.alert(mark, {"exec preset", "\"Action\":\"Audit\""}));
    g.remove("px2");

    PodOptions plain;
    g.start_pod("px3", plain);
    CHECK_THAT(exec_with_tty(g, "px3", "tty3", {"sh", "-c", "echo inside"}), Catch::Contains("inside"));
    g.remove("px3");
}
