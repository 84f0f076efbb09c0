// Process rules in the guest kernel: exec by path, directory, execname,
// allow-list with posture, fromSource, scripts and their interpreters.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

int exec(Guest& g, const std::string& id, const std::string& path, const std::string& argv0 = "true")
{
    return g.probe(id, {"exec", path, argv0}).status;
}

} // namespace

TEST_CASE("process Block on a path: exec fails with EACCES and is reported")
{
    auto& g = Guest::get();
    g.start_pod("pb", pod("pb", ksp("proc-block", R"(process:
  matchPaths:
    - path: /usr/local/bin/sleep-copy
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(exec(g, "pb", "/usr/local/bin/sleep-copy") == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"proc-block\"", "\"Operation\":\"Process\"", "/usr/local/bin/sleep-copy",
                         "\"Action\":\"Block\""}));
    CHECK(exec(g, "pb", "/usr/local/bin/cat-copy") == 0);
    auto sh = g.run("pb", {"sh", "-c", "/usr/local/bin/sleep-copy 0"});
    CHECK(sh.status != 0);
    CHECK(sh.err.find("Permission denied") != std::string::npos);
    g.remove("pb");
}

TEST_CASE("process directory rules: direct children or recursive")
{
    auto& g = Guest::get();
    g.start_pod("pd", pod("pd", ksp("proc-dir", R"(process:
  matchDirectories:
    - dir: /usr/local/
action: Block)")));
    // /usr/local/bin/x is two levels below /usr/local/: not a direct child.
    CHECK(exec(g, "pd", "/usr/local/bin/sleep-copy") == 0);
    g.remove("pd");

    g.start_pod("pdr", pod("pdr", ksp("proc-dir-rec", R"(process:
  matchDirectories:
    - dir: /usr/local/
      recursive: true
action: Block)")));
    CHECK(exec(g, "pdr", "/usr/local/bin/sleep-copy") == kEACCES);
    CHECK(exec(g, "pdr", "/bin/busybox") == 0);
    g.remove("pdr");
}

TEST_CASE("execname matches the executable's name in any directory")
{
    auto& g = Guest::get();
    g.start_pod("pn", pod("pn", ksp("proc-name", R"(process:
  matchPaths:
    - execname: sleep-copy
action: Block)")));
    CHECK(exec(g, "pn", "/usr/local/bin/sleep-copy") == kEACCES);
    CHECK(g.run("pn", {"cp", "/bin/busybox", "/tmp/sleep-copy"}).status == 0);
    CHECK(exec(g, "pn", "/tmp/sleep-copy") == kEACCES);
    CHECK(exec(g, "pn", "/usr/local/bin/cat-copy") == 0);
    g.remove("pn");
}

TEST_CASE("process allow-list: only the allowed executables run, with the file posture")
{
    auto& g = Guest::get();
    PodOptions o = pod("pa", ksp("proc-allow", R"(process:
  matchPaths:
    - path: /usr/bin/kadapter-probe
    - path: /bin/busybox
action: Allow)"));
    o.annotations["io.katacontainers.kadapter.posture"] = "file=block";
    g.start_pod("pa", o);
    size_t mark = g.log_mark();
    CHECK(exec(g, "pa", "/usr/local/bin/sleep-copy") == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "\"Operation\":\"Process\"", "sleep-copy"}));
    CHECK(g.run("pa", {"cat", "/etc/passwd"}).status == 0); // busybox
    g.remove("pa");
}

TEST_CASE("process fromSource: only execs by the named executable are blocked")
{
    auto& g = Guest::get();
    g.start_pod("ps", pod("ps", ksp("proc-source", R"(process:
  matchPaths:
    - path: /usr/local/bin/sleep-copy
      fromSource:
        - path: /usr/bin/kadapter-probe
action: Block)")));
    // A symlink named "sleep" makes busybox run its sleep applet; the exec
    // itself resolves to the blocked /usr/local/bin/sleep-copy.
    REQUIRE(g.run("ps", {"ln", "-s", "/usr/local/bin/sleep-copy", "/tmp/sleep"}).status == 0);
    CHECK(exec(g, "ps", "/tmp/sleep", "sleep") == kEACCES);
    CHECK(g.run("ps", {"sh", "-c", "/tmp/sleep 0"}).status == 0); // the source is busybox
    g.remove("ps");
}

TEST_CASE("a script's interpreter is checked too")
{
    auto& g = Guest::get();
    g.start_pod("pi", pod("pi", ksp("proc-interp", R"(process:
  matchPaths:
    - path: /usr/local/bin/sh-copy
action: Block)")));
    REQUIRE(g.run("pi", {"sh", "-c", "printf '#!/usr/local/bin/sh-copy\\necho hi\\n' > /tmp/s && chmod +x /tmp/s"})
                .status == 0);
    CHECK(exec(g, "pi", "/tmp/s") == kEACCES);
    g.remove("pi");
}

TEST_CASE("process Audit allows and reports")
{
    auto& g = Guest::get();
    g.start_pod("pu", pod("pu", ksp("proc-audit", R"(process:
  matchPaths:
    - path: /usr/local/bin/sleep-copy
action: Audit)")));
    size_t mark = g.log_mark();
    CHECK(exec(g, "pu", "/usr/local/bin/sleep-copy", "true") == 0);
    CHECK(g.alert(mark, {"\"PolicyName\":\"proc-audit\"", "\"Action\":\"Audit\"", "\"Operation\":\"Process\""}));
    g.remove("pu");
}

TEST_CASE("process: allowedArgs let only the listed arguments through")
{
    auto& g = Guest::get();
    const std::string sleep = "/usr/local/bin/sleep-copy"; // busybox: argv[0] picks the applet
    // A pod whose one process rule is on sleep-copy with these allowedArgs.
    auto args_pod = [](const std::string& id, const std::string& policy, const std::string& args,
                       const std::string& action) {
        return pod(id,
                   ksp(policy, "process:\n  matchPaths:\n    - path: /usr/local/bin/sleep-copy\n      allowedArgs: " +
                                   args + "\naction: " + action));
    };
    auto run = [&](const std::string& id, std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"exec", sleep});
        return op(g, id, argv);
    };
    // KubeArmor's example: "block all arguments except allowedArgs".
    g.start_pod("args1", args_pod("args1", "args-block", R"(["0", "00"])", "Block"));
    size_t mark = g.log_mark();
    CHECK(run("args1", {"sleep", "0"}) == 0);
    CHECK(run("args1", {"sleep", "0", "00"}) == 0);
    CHECK(run("args1", {"sleep", "1"}) == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"args-block\"", sleep, "\"Action\":\"Block\""}));
    CHECK(run("args1", {"sleep", "0", "1"}) == kEACCES); // every argument must be listed
    CHECK(run("args1", {"sleep"}) == kEACCES);           // bare: argv[0] is not listed
    // At most 20 arguments, as in KubeArmor: more never match.
    std::vector<std::string> twenty(20, "0"), twenty_one(21, "0");
    twenty.insert(twenty.begin(), "sleep");
    twenty_one.insert(twenty_one.begin(), "sleep");
    CHECK(run("args1", twenty) == 0);
    CHECK(run("args1", twenty_one) == kEACCES);
    CHECK(run("args1", {"sleep", std::string(105, '0')}) == kEACCES); // longer than 104 bytes
    // Other programs are not concerned.
    CHECK(g.run("args1", {"sleep", "0"}).status == 0);
    // As a script's interpreter the caller's argv is not the program's:
    // the listed arguments do not let it through.
    REQUIRE(g.run("args1", {"sh", "-c", "printf '#!/usr/local/bin/sleep-copy\\n' >/tmp/s && chmod +x /tmp/s"}).status ==
            0);
    CHECK(op(g, "args1", {"exec", "/tmp/s", "s", "0"}) == kEACCES);
    g.remove("args1");

    // An Allow rule allows those arguments only (and puts execs in
    // allow-list mode, under the default audit posture here).
    g.start_pod("args2", args_pod("args2", "args-allow", R"(["0"])", "Allow"));
    CHECK(run("args2", {"sleep", "0"}) == 0);
    CHECK(run("args2", {"sleep", "00"}) == kEACCES);
    g.remove("args2");

    g.start_pod("args3", args_pod("args3", "args-audit", R"(["0"])", "Audit"));
    mark = g.log_mark();
    CHECK(run("args3", {"sleep", "00"}) == 0);
    CHECK(g.alert(mark, {"\"PolicyName\":\"args-audit\"", "\"Action\":\"Audit\""}));
    g.remove("args3");
}
