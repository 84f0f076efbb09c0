// matchPatterns in the guest kernel: globs compiled into one automaton per
// category, run over the path in the LSM hook.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

kadapter::UpdatePolicyRequest update(const std::string& id, const std::string& policy)
{
    kadapter::UpdatePolicyRequest r;
    r.set_container_id(id);
    r.set_policy(policy);
    return r;
}

} // namespace

TEST_CASE("file matchPatterns: '**' crosses directories, '*' and '?' do not")
{
    auto& g = Guest::get();
    g.start_pod("pat", pod("pat", ksp("file-patterns", R"(file:
  matchPatterns:
    - pattern: /etc/ssl/**.pem
    - pattern: /var/*
    - pattern: /var/log/app.lo?
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(op(g, "pat", {"open", "/etc/ssl/certs/ca.pem"}) == kEACCES);
    CHECK(g.alert(
        mark, {"\"PolicyName\":\"file-patterns\"", "\"Resource\":\"/etc/ssl/certs/ca.pem\"", "\"Action\":\"Block\""}));
    CHECK(op(g, "pat", {"open", "/var/marker"}) == kEACCES);
    CHECK(op(g, "pat", {"open", "/var/log/app.log"}) == kEACCES);
    // No pattern matches these.
    CHECK(op(g, "pat", {"open", "/var/lib/app/deep/file"}) == 0); // '*' stops at '/'
    CHECK(op(g, "pat", {"open", "/etc/hostname"}) == 0);
    // A file that does not exist yet is matched by its path when created.
    CHECK(op(g, "pat", {"open", "/var/new-file", "c"}) == kEACCES);
    CHECK(op(g, "pat", {"open", "/var/log/app.lo", "c"}) == 0); // '?' is exactly one character
    CHECK(op(g, "pat", {"unlink", "/var/log/app.lo"}) == 0);
    g.remove("pat");
}

TEST_CASE("process matchPatterns block every executable the glob names")
{
    auto& g = Guest::get();
    g.start_pod("ppat", pod("ppat", ksp("exec-patterns", R"(process:
  matchPatterns:
    - pattern: /usr/local/bin/*-copy
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(op(g, "ppat", {"exec", "/usr/local/bin/sleep-copy", "sleep", "0"}) == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"exec-patterns\"", "\"Resource\":\"/usr/local/bin/sleep-copy\"",
                         "\"Operation\":\"Process\""}));
    CHECK(op(g, "ppat", {"exec", "/usr/local/bin/cat-copy", "cat", "/etc/hostname"}) == kEACCES);
    CHECK(op(g, "ppat", {"exec", "/bin/sleep", "sleep", "0"}) == 0);
    g.remove("ppat");
}

TEST_CASE("matchPatterns rank below exact paths and above directories")
{
    auto& g = Guest::get();
    // The exact path's Allow outranks the pattern's Block; the pattern's
    // Block outranks the directory's Audit.
    g.start_pod("prec", pod("prec", ksp("pattern-precedence", R"(file:
  matchPaths:
    - path: /etc/hostname
      action: Allow
  matchPatterns:
    - pattern: /etc/*
      action: Block
  matchDirectories:
    - dir: /etc/
      recursive: true
      action: Audit)")));
    CHECK(op(g, "prec", {"open", "/etc/hostname"}) == 0);
    CHECK(op(g, "prec", {"open", "/etc/passwd"}) == kEACCES);
    g.remove("prec");
}

TEST_CASE("pattern automata follow the rule set: swapped atomically, freed on removal")
{
    auto& g = Guest::get();
    auto before = g.agent().stats();
    REQUIRE(before.enforcing());
    g.start_pod("pswap", pod("pswap", ksp("p1", "file:\n  matchPatterns:\n    - pattern: /etc/host*\naction: Block")));
    CHECK(g.agent().stats().kernel_automata() == before.kernel_automata() + 1);
    CHECK(op(g, "pswap", {"open", "/etc/hostname"}) == kEACCES);
    CHECK(op(g, "pswap", {"open", "/etc/passwd"}) == 0);

    g.agent().update_policy(
        update("pswap", ksp("p2", "file:\n  matchPatterns:\n    - pattern: /etc/pass*\naction: Block")));
    CHECK(op(g, "pswap", {"open", "/etc/hostname"}) == 0);
    CHECK(op(g, "pswap", {"open", "/etc/passwd"}) == kEACCES);
    CHECK(g.agent().stats().kernel_automata() == before.kernel_automata() + 1); // the old one is gone

    // A policy without patterns publishes no automaton.
    g.agent().update_policy(update("pswap", ksp("p3", "file:\n  matchPaths:\n    - path: /etc/group\naction: Block")));
    CHECK(g.agent().stats().kernel_automata() == before.kernel_automata());
    CHECK(op(g, "pswap", {"open", "/etc/passwd"}) == 0);
    g.remove("pswap");
    CHECK(g.agent().stats().kernel_automata() == before.kernel_automata());
}

TEST_CASE("patterns that do not fit the kernel's automaton fail the container instead of running it weaker")
{
    auto& g = Guest::get();
    std::string spec = "file:\n  matchPatterns:\n";
    for (char c = 'a'; c <= 'z'; ++c)
        spec += std::string("    - pattern: /**") + c + "*" + c + "*" + c + "/**\n";
    spec += "action: Block";
    try {
        g.agent().create_container(g.spec("too-many", pod("too-many", ksp("huge", spec))).request("too-many"));
        FAIL("CreateContainer accepted patterns the kernel cannot hold");
    } catch (const ttrpc::RpcError& e) {
        CHECK(std::string(e.what()).find("matchPatterns") != std::string::npos);
    }
    CHECK(g.agent().list_containers().containers_size() == 0);
}
