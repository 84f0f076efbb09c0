// `kadapter push` end to end: the CLI on the host changes the policy of a
// running container over a second agent port (as an operator would over
// Kata's agent socket) while the suite holds the first.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "guest_suite.hpp"

using namespace kadapter::testing;
namespace fs = std::filesystem;

namespace {

std::string block_policy(const std::string& name, const std::string& section)
{
    return "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n  name: " + name +
           "\n  namespace: default\nspec:\n  selector:\n    matchLabels:\n      app: web\n" + section +
           "  action: Block\n";
}

struct CliRun {
    int status = -1;
    std::string output; // stdout and stderr
};

CliRun push(const std::vector<std::string>& args)
{
    std::string cmd = std::string(KADAPTER_CLI_PATH) + " push --addr '" + Guest::get().vm().tools_address() + "'";
    for (const auto& a : args)
        cmd += " '" + a + "'"; // our own paths and words: no quotes inside
    cmd += " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    CliRun r;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;)
        r.output.append(buf, n);
    int status = pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace

TEST_CASE("kadapter push changes a running container's policy; what it cannot apply changes nothing")
{
    auto& g = Guest::get();
    char tmpl[] = "/tmp/kadapter-push-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const fs::path dir = tmpl;
    std::ofstream(dir / "token.yaml") << block_policy(
        "push-token", "  file:\n    matchDirectories:\n      - dir: /run/secrets/kubernetes.io/serviceaccount/\n");
    std::ofstream(dir / "hostname.yaml") << block_policy("push-hostname",
                                                         "  file:\n    matchPaths:\n      - path: /etc/hostname\n");
    std::ofstream(dir / "invalid.yaml") << block_policy("push-invalid",
                                                        "  file:\n    matchDirectories:\n      - dir: /etc\n");

    PodOptions o;
    o.name = "web";
    o.labels = "app=web";
    g.start_pod("push-1", o);
    REQUIRE(g.run("push-1", {"cat", kToken}).status == 0);

    auto r = push({"-c", "push-1", "--labels", "app=web", (dir / "token.yaml").string()});
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("push-1: rule set ") != std::string::npos);
    auto denied = g.run("push-1", {"cat", kToken});
    CHECK(denied.status == 1);
    CHECK(denied.err.find("Permission denied") != std::string::npos);

    // An invalid policy is refused on the host: the container keeps its rules.
    r = push({"-c", "push-1", "--labels", "app=web", (dir / "invalid.yaml").string()});
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(r.output.find("spec.file.matchDirectories[0].dir") != std::string::npos);
    CHECK(g.run("push-1", {"cat", kToken}).status == 1);

    // The compact form, replacing the whole rule set at once.
    r = push({"-c", "push-1", "--labels", "app=web", "--form", "compact", (dir / "hostname.yaml").string()});
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(g.run("push-1", {"cat", kToken}).status == 0);
    CHECK(g.run("push-1", {"cat", "/etc/hostname"}).status == 1);

    // A container the guest does not have: refused there, named here.
    r = push({"-c", "no-such-container", "--labels", "app=web", (dir / "token.yaml").string()});
    INFO(r.output);
    CHECK(r.status == 1);
    CHECK(r.output.find("no-such-container: refused by the guest") != std::string::npos);

    g.remove("push-1");
    fs::remove_all(dir);
}
