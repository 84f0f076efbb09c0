// File rules in the guest kernel: every action, option and write-class
// operation. Each case asserts the exact errno and the alert.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

TEST_CASE("file Block on a path denies reads and writes with EACCES and reports them")
{
    auto& g = Guest::get();
    g.start_pod("fb", pod("fb", ksp("file-block", R"(file:
  matchPaths:
    - path: /etc/hostname
  severity: 7
  tags: [PCI-DSS]
  message: hostname is off limits
action: Block)")));
    size_t mark = g.log_mark();
    CHECK(op(g, "fb", {"open", "/etc/hostname", "r"}) == kEACCES);
    auto alert =
        g.alert(mark, {"\"PolicyName\":\"file-block\"", "\"Resource\":\"/etc/hostname\"", "\"Action\":\"Block\"",
                       "\"Severity\":\"7\"", "\"Tags\":\"PCI-DSS\"", "\"Message\":\"hostname is off limits\"",
                       "\"Operation\":\"File\"", "\"Result\":\"Permission denied\""});
    CHECK(alert.has_value());
    CHECK(op(g, "fb", {"open", "/etc/hostname", "w"}) == kEACCES);
    CHECK(op(g, "fb", {"open", "/etc/hostname", "a"}) == kEACCES);
    CHECK(op(g, "fb", {"open", "/etc/passwd", "r"}) == 0);
    CHECK(op(g, "fb", {"open", "/etc/passwd", "w"}) == 0);
    g.remove("fb");
}

TEST_CASE("file Audit allows and reports")
{
    auto& g = Guest::get();
    g.start_pod("fa", pod("fa", ksp("file-audit", R"(file:
  matchPaths:
    - path: /etc/hostname
action: Audit)")));
    size_t mark = g.log_mark();
    CHECK(op(g, "fa", {"open", "/etc/hostname"}) == 0);
    CHECK(g.alert(mark, {"\"PolicyName\":\"file-audit\"", "\"Action\":\"Audit\"", "\"Result\":\"Passed\""}));
    g.remove("fa");
}

TEST_CASE("file allow-list: what is not allowed gets the posture")
{
    auto& g = Guest::get();
    const std::string policy = ksp("file-allow", R"(file:
  matchPaths:
    - path: /etc/passwd
  matchDirectories:
    - dir: /tmp/
      recursive: true
    - dir: /usr/local/bin/
action: Allow)");
    SECTION("block posture denies, with a DefaultPosture alert")
    {
        PodOptions o = pod("allow-block", policy);
        o.annotations["io.katacontainers.kadapter.posture"] = "file=block";
        g.start_pod("allow-block", o);
        size_t mark = g.log_mark();
        CHECK(op(g, "allow-block", {"open", "/etc/passwd"}) == 0);
        CHECK(op(g, "allow-block", {"open", "/tmp/new", "c"}) == 0);
        CHECK(op(g, "allow-block", {"open", "/etc/hostname"}) == kEACCES);
        CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "/etc/hostname", "\"Action\":\"Block\""}));
        g.remove("allow-block");
    }
    SECTION("audit posture (the default) allows and reports")
    {
        g.start_pod("allow-audit", pod("allow-audit", policy));
        size_t mark = g.log_mark();
        CHECK(op(g, "allow-audit", {"open", "/etc/hostname"}) == 0);
        CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "/etc/hostname", "\"Action\":\"Audit\""}));
        g.remove("allow-audit");
    }
}

TEST_CASE("an Audit match in allow-list mode still gets the posture, and is reported")
{
    auto& g = Guest::get();
    PodOptions o = pod("audit-allow", ksp("audit-in-allow", R"(file:
  matchPaths:
    - path: /etc/passwd
      action: Allow
    - path: /etc/hostname
      action: Audit)"));
    o.annotations["io.katacontainers.kadapter.posture"] = "file=block";
    g.start_pod("audit-allow", o);
    size_t mark = g.log_mark();
    CHECK(op(g, "audit-allow", {"open", "/etc/hostname"}) == kEACCES);
    CHECK(g.alert(mark, {"\"PolicyName\":\"audit-in-allow\"", "/etc/hostname", "\"Action\":\"Audit\""}));
    CHECK(g.alert(mark, {"\"PolicyName\":\"DefaultPosture\"", "/etc/hostname", "\"Action\":\"Block\""}));
    g.remove("audit-allow");
}

TEST_CASE("readOnly: reads pass, every write-class operation is denied")
{
    auto& g = Guest::get();
    g.start_pod("ro", pod("ro", ksp("read-only", R"(file:
  matchDirectories:
    - dir: /var/
      recursive: true
      readOnly: true
action: Block)")));
    CHECK(op(g, "ro", {"open", "/var/marker", "r"}) == 0);
    CHECK(op(g, "ro", {"open", "/var/lib/app/deep/file", "r"}) == 0);
    CHECK(op(g, "ro", {"open", "/var/marker", "w"}) == kEACCES);
    CHECK(op(g, "ro", {"open", "/var/marker", "a"}) == kEACCES);
    CHECK(op(g, "ro", {"open", "/var/marker", "t"}) == kEACCES);
    CHECK(op(g, "ro", {"open", "/var/created", "c"}) == kEACCES);
    CHECK(op(g, "ro", {"truncate", "/var/marker"}) == kEACCES);
    CHECK(op(g, "ro", {"unlink", "/var/marker"}) == kEACCES);
    CHECK(op(g, "ro", {"mkdir", "/var/newdir"}) == kEACCES);
    CHECK(op(g, "ro", {"rmdir", "/var/lib/app/deep"}) == kEACCES);
    CHECK(op(g, "ro", {"mkfifo", "/var/fifo"}) == kEACCES);
    CHECK(op(g, "ro", {"symlink", "/etc/passwd", "/var/link"}) == kEACCES);
    CHECK(op(g, "ro", {"chmod", "/var/marker"}) == kEACCES);
    CHECK(op(g, "ro", {"chown", "/var/marker"}) == kEACCES);
    // rename and link on both ends (same filesystem: the rootfs).
    CHECK(op(g, "ro", {"rename", "/var/marker", "/etc/moved"}) == kEACCES);
    CHECK(op(g, "ro", {"rename", "/etc/hostname", "/var/moved"}) == kEACCES);
    CHECK(op(g, "ro", {"link", "/var/marker", "/etc/linked"}) == kEACCES);
    CHECK(op(g, "ro", {"link", "/etc/hostname", "/var/linked"}) == kEACCES);
    // Outside the directory everything still works.
    CHECK(op(g, "ro", {"open", "/etc/fresh", "c"}) == 0);
    CHECK(op(g, "ro", {"rename", "/etc/fresh", "/etc/fresh2"}) == 0);
    CHECK(op(g, "ro", {"unlink", "/etc/fresh2"}) == 0);
    g.remove("ro");
}

TEST_CASE("Block on a directory covers every write-class operation and reports each")
{
    auto& g = Guest::get();
    g.start_pod("wb", pod("wb", ksp("write-block", R"(file:
  matchDirectories:
    - dir: /var/lib/
      recursive: true
action: Block)")));
    struct Case {
        std::vector<std::string> args;
        const char* data;
    };
    const Case cases[] = {
        {{"unlink", "/var/lib/app/deep/file"}, "lsm=PATH_UNLINK"},
        {{"mkdir", "/var/lib/new"}, "lsm=PATH_MKDIR"},
        {{"rmdir", "/var/lib/app/deep"}, "lsm=PATH_RMDIR"},
        {{"mkfifo", "/var/lib/fifo"}, "lsm=PATH_MKNOD"},
        {{"open", "/var/lib/created", "c"}, "lsm=PATH_MKNOD"},
        {{"symlink", "/etc/passwd", "/var/lib/link"}, "lsm=PATH_SYMLINK"},
        {{"truncate", "/var/lib/app/deep/file"}, "lsm=PATH_TRUNCATE"},
        {{"chmod", "/var/lib/app/deep/file"}, "lsm=PATH_CHMOD"},
        {{"chown", "/var/lib/app/deep/file"}, "lsm=PATH_CHOWN"},
        {{"rename", "/var/lib/app/deep/file", "/etc/out"}, "lsm=PATH_RENAME"},
        {{"link", "/var/lib/app/deep/file", "/etc/out"}, "lsm=PATH_LINK"},
    };
    for (const auto& c : cases) {
        size_t mark = g.log_mark();
        INFO(c.args[0] << " " << c.args[1]);
        CHECK(op(g, "wb", c.args) == kEACCES);
        CHECK(g.alert(mark, {"\"PolicyName\":\"write-block\"", c.data, "\"Action\":\"Block\""}));
    }
    g.remove("wb");
}

TEST_CASE("ownerOnly: only the file's owner may use it")
{
    auto& g = Guest::get();
    g.start_pod("oo", pod("oo", ksp("owner-only", R"(file:
  matchDirectories:
    - dir: /tmp/owned/
      ownerOnly: true
action: Block)")));
    // Root makes the directory and gives it to uid 1000, who creates the
    // file (a new file's owner is its directory's owner, as in KubeArmor).
    REQUIRE(g.run("oo", {"sh", "-c", "mkdir -m 777 /tmp/owned && chown 1000:1000 /tmp/owned"}).status == 0);
    REQUIRE(g.run_as("oo", 1000, {"sh", "-c", "echo mine > /tmp/owned/file"}).status == 0);
    CHECK(g.run_as("oo", 1000, {"/usr/bin/kadapter-probe", "open", "/tmp/owned/file"}).status == 0);
    CHECK(g.run_as("oo", 2000, {"/usr/bin/kadapter-probe", "open", "/tmp/owned/file"}).status == kEACCES);
    CHECK(op(g, "oo", {"open", "/tmp/owned/file"}) == kEACCES); // root is not the owner
    g.remove("oo");
}

TEST_CASE("fromSource: a rule applies only to the named executable")
{
    auto& g = Guest::get();
    g.start_pod("fs", pod("fs", ksp("from-source", R"(file:
  matchPaths:
    - path: /etc/hostname
      fromSource:
        - path: /usr/local/bin/cat-copy
action: Block)")));
    // cat-copy is busybox under another name: argv[0] "cat" runs its cat.
    auto via_copy = g.probe("fs", {"exec", "/usr/local/bin/cat-copy", "cat", "/etc/hostname"});
    CHECK(via_copy.status == 1);
    CHECK(via_copy.err.find("Permission denied") != std::string::npos);
    auto via_busybox = g.run("fs", {"cat", "/etc/hostname"});
    CHECK(via_busybox.status == 0);
    CHECK(via_busybox.out == "busybox\n");
    g.remove("fs");
}

TEST_CASE("the most specific rule wins: a deeper Allow inside a blocked directory")
{
    auto& g = Guest::get();
    g.start_pod("spec", pod("spec", ksp("specific", R"(file:
  matchDirectories:
    - dir: /var/
      recursive: true
      action: Block
    - dir: /var/log/
      recursive: true
      action: Allow
  matchPaths:
    - path: /var/log/app.log
      action: Block)")));
    CHECK(op(g, "spec", {"open", "/var/marker"}) == kEACCES);      // /var/
    CHECK(op(g, "spec", {"open", "/var/log/other", "c"}) == 0);    // /var/log/ beats /var/
    CHECK(op(g, "spec", {"open", "/var/log/app.log"}) == kEACCES); // the exact path beats both
    g.remove("spec");
}
