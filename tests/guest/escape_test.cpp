// Attempts to get around a Block rule, and the self-protection of the
// enforcer and the guest init. Each asserts the exact errno.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"

using namespace kadapter::testing;

namespace {

const char* kBlockHostname = R"(file:
  matchPaths:
    - path: /etc/hostname
action: Block)";

} // namespace

TEST_CASE("escape: symlinks, .. and /proc/self/root resolve to the blocked file")
{
    auto& g = Guest::get();
    g.start_pod("e1", pod("e1", ksp("esc-paths", kBlockHostname)));
    REQUIRE(g.run("e1", {"ln", "-s", "/etc/hostname", "/tmp/link"}).status == 0);
    CHECK(op(g, "e1", {"open", "/tmp/link"}) == kEACCES);
    CHECK(op(g, "e1", {"open", "/tmp/../etc/./hostname"}) == kEACCES);
    CHECK(op(g, "e1", {"open", "/proc/self/root/etc/hostname"}) == kEACCES);
    CHECK(op(g, "e1", {"open", "//etc//hostname"}) == kEACCES);
    g.remove("e1");
}

TEST_CASE("escape: hard links to a blocked file, new or already in the image")
{
    auto& g = Guest::get();
    g.start_pod("e2", pod("e2", ksp("esc-links", kBlockHostname)));
    // A new link is refused (path_link on the blocked end).
    CHECK(op(g, "e2", {"link", "/etc/hostname", "/etc/hostname-link"}) == kEACCES);
    // The image already links it as /opt/hostname-alias: the inode is blocked.
    CHECK(op(g, "e2", {"open", "/opt/hostname-alias"}) == kEACCES);
    g.remove("e2");
}

TEST_CASE("escape: a second mount of a blocked file is blocked by its identity")
{
    auto& g = Guest::get();
    PodOptions o = pod("e3", ksp("esc-mount", R"(file:
  matchPaths:
    - path: /run/secrets/kubernetes.io/serviceaccount/token
action: Block)"));
    // The same service account mounted a second time by the pod spec.
    auto spec = g.spec("e3b", o);
    spec.mount("/opt/kadapter/testdata/serviceaccount", "/mnt/sa", "bind", {"rbind", "ro"});
    g.agent().create_container(spec.request("e3b"));
    g.agent().start_container("e3b");
    CHECK(op(g, "e3b", {"open", kToken}) == kEACCES);
    CHECK(op(g, "e3b", {"open", "/mnt/sa/token"}) == kEACCES);
    CHECK(op(g, "e3b", {"open", "/mnt/sa/namespace"}) == 0);
    g.remove("e3b");
}

TEST_CASE("escape: a container with path rules cannot bind-mount a blocked directory elsewhere")
{
    auto& g = Guest::get();
    PodOptions o = pod("e4", ksp("esc-bind", R"(file:
  matchDirectories:
    - dir: /etc/ssl/
      recursive: true
action: Block)"));
    auto spec = g.spec("e4", o);
    spec.capabilities({"CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETUID", "CAP_SETGID"});
    g.agent().create_container(spec.request("e4"));
    g.agent().start_container("e4");
    REQUIRE(g.run("e4", {"mkdir", "/tmp/ssl"}).status == 0);
    CHECK(op(g, "e4", {"mount-bind", "/etc/ssl", "/tmp/ssl"}) == kEACCES);
    CHECK(op(g, "e4", {"open", "/tmp/ssl/certs/ca.pem"}) == 2); // ENOENT: nothing was mounted
    // The new mount API: a detached copy of the tree attached elsewhere.
    size_t mark = g.log_mark();
    CHECK(op(g, "e4", {"move-mount", "/etc/ssl", "/tmp/ssl"}) == kEACCES);
    CHECK(g.alert(mark, {"move_mount", "\"Action\":\"Block\""}));
    CHECK(op(g, "e4", {"open", "/tmp/ssl/certs/ca.pem"}) == 2);
    g.remove("e4");
}

TEST_CASE("escape: paths longer than PATH_MAX or deeper than 64 components")
{
    auto& g = Guest::get();
    std::string deep_dir = "/tmp";
    for (int i = 0; i < 70; ++i)
        deep_dir += "/d";
    g.start_pod("e5", pod("e5", ksp("esc-deep", "file:\n  matchDirectories:\n    - dir: " + deep_dir +
                                                    "/\n      recursive: true\naction: Block")));
    // A rule 71 components deep matches below it, not beside it.
    CHECK(op(g, "e5", {"deep-open", "/tmp", "80", "d", "leaf"}) == kEACCES);
    CHECK(op(g, "e5", {"deep-open", "/tmp", "69", "d", "leaf"}) == 0);
    // Beyond PATH_MAX the path cannot be evaluated: denied, not truncated.
    const std::string name(200, 'n');
    size_t mark = g.log_mark();
    CHECK(op(g, "e5", {"deep-open", "/tmp", "30", name, "leaf"}) == kEACCES);
    CHECK(g.alert(mark, {"\"Action\":\"Block\"", "unresolvable"}, std::chrono::seconds(5)).has_value());
    g.remove("e5");
}

TEST_CASE("escape: a blocked binary copied, renamed or hard-linked still does not run")
{
    auto& g = Guest::get();
    g.start_pod("e6", pod("e6", ksp("esc-binary", R"(process:
  matchPaths:
    - path: /usr/local/bin/sleep-copy
action: Block)")));
    // Copying needs to read it: refused.
    CHECK(op(g, "e6", {"open", "/usr/local/bin/sleep-copy"}) == kEACCES);
    CHECK(g.run("e6", {"cp", "/usr/local/bin/sleep-copy", "/tmp/s"}).status != 0);
    // Renaming or linking it is a write to its path: refused.
    CHECK(op(g, "e6", {"rename", "/usr/local/bin/sleep-copy", "/usr/local/bin/renamed"}) == kEACCES);
    CHECK(op(g, "e6", {"link", "/usr/local/bin/sleep-copy", "/usr/local/bin/linked"}) == kEACCES);
    // A link the image already has is the same file: its identity is blocked.
    CHECK(op(g, "e6", {"exec", "/usr/local/bin/sleep-alias", "true"}) == kEACCES);
    CHECK(op(g, "e6", {"open", "/usr/local/bin/sleep-alias"}) == kEACCES);
    // A script naming it through an allowed interpreter: still an exec.
    auto script = g.run("e6", {"sh", "-c", "/usr/local/bin/sleep-copy 0"});
    CHECK(script.err.find("Permission denied") != std::string::npos);
    g.remove("e6");
}

TEST_CASE("escape: fileless execution with the filelessExec preset")
{
    auto& g = Guest::get();
    g.start_pod("e7", preset_pod("e7", "filelessExec", "Block"));
    size_t mark = g.log_mark();
    CHECK(op(g, "e7", {"memfd-exec", "/bin/busybox"}) == kEACCES);
    CHECK(g.alert(mark, {"\"Operation\":\"Process\"", "memfd:", "\"Action\":\"Block\""}));
    CHECK(op(g, "e7", {"deleted-exec", "/bin/busybox"}) == kEACCES);
    CHECK(op(g, "e7", {"exec", "/bin/busybox", "true"}) == 0);
    g.remove("e7");

    PodOptions plain;
    g.start_pod("e7b", plain);
    CHECK(op(g, "e7b", {"memfd-exec", "/bin/busybox"}) == 0); // without the preset it runs
    g.remove("e7b");
}

TEST_CASE("self-protection: containers cannot use bpf() or touch bpffs and securityfs")
{
    auto& g = Guest::get();
    PodOptions o; // no policy at all: self-protection applies to every container
    auto spec = g.spec("p1", o);
    spec.capabilities({"CAP_SYS_ADMIN", "CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN", "CAP_SYS_PTRACE", "CAP_KILL",
                       "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_DAC_OVERRIDE"});
    g.agent().create_container(spec.request("p1"));
    g.agent().start_container("p1");
    size_t mark = g.log_mark();
    CHECK(op(g, "p1", {"bpf"}) == kEACCES);
    CHECK(g.alert(mark, {"\"Operation\":\"Syscall\"", "bpf cmd=0", "\"Action\":\"Block\""}));
    // The agent API listens on vsock, reachable in the guest through
    // vsock_loopback: a container could otherwise rewrite its own policy.
    CHECK(op(g, "p1", {"vsock-connect", "1", "1024"}) == kEACCES);
    CHECK(g.alert(mark, {"\"Operation\":\"Syscall\"", "vsock socket", "\"Action\":\"Block\""}));
    REQUIRE(g.run("p1", {"mkdir", "-p", "/tmp/bpffs", "/tmp/secfs"}).status == 0);
    CHECK(op(g, "p1", {"mount", "bpf", "/tmp/bpffs"}) == kEACCES);
    CHECK(op(g, "p1", {"mount", "securityfs", "/tmp/secfs"}) == kEACCES);
    g.remove("p1");
}

TEST_CASE("self-protection: a privileged container in the guest's pid namespace cannot reach PID 1")
{
    auto& g = Guest::get();
    PodOptions o;
    auto spec = g.spec("p2", o);
    spec.capabilities({"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_KILL", "CAP_SYS_CHROOT"});
    auto req = spec.request("p2");
    auto* ns = req.mutable_oci()->mutable_linux()->add_namespaces();
    ns->set_type("pid");
    ns->set_path("/proc/1/ns/pid"); // like a hostPID pod: PID 1 is guest-init
    g.agent().create_container(req);
    g.agent().start_container("p2");
    size_t mark = g.log_mark();
    CHECK(op(g, "p2", {"kill", "1", "0"}) == kEACCES);
    CHECK(g.alert(mark, {"\"Operation\":\"Syscall\"", "kill pid=1 signal=0", "\"Action\":\"Block\""}));
    CHECK(op(g, "p2", {"kill", "1", "15"}) == kEACCES);
    CHECK(op(g, "p2", {"ptrace", "1"}) == kEACCES);
    CHECK(g.alert(mark, {"ptrace pid=1", "\"Action\":\"Block\""}));
    // /proc of PID 1 is as closed as ptrace: its namespaces, its memory.
    CHECK(op(g, "p2", {"open", "/proc/1/ns/pid"}) == kEACCES);
    CHECK(op(g, "p2", {"open", "/proc/1/environ"}) == kEACCES);
    // Its own processes it may signal and trace.
    auto self = g.run("p2", {"sh", "-c", "sleep 60 & kill $!; echo done"});
    CHECK(self.out == "done\n");
    g.remove("p2");
}

TEST_CASE("self-protection: no kernel modules, no lockdown-guarded access, no remount or unmount of a protected fs")
{
    auto& g = Guest::get();
    PodOptions o; // no policy: self-protection applies to every container
    auto spec = g.spec("p3", o);
    spec.capabilities({"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO"});
    // A protected filesystem the runtime mounted for it, as a spec may ask.
    spec.mount("debugfs", "/mnt/debug", "debugfs", {});
    g.agent().create_container(spec.request("p3"));
    g.agent().start_container("p3");
    size_t mark = g.log_mark();

    // Without the hooks: ENOEXEC (not an ELF module) and success (ioperm).
    CHECK(op(g, "p3", {"init-module"}) == kEACCES);
    CHECK(g.alert(mark, {"kernel load data", "\"Action\":\"Block\""}));
    CHECK(op(g, "p3", {"finit-module", "/etc/hostname"}) == kEACCES);
    CHECK(g.alert(mark, {"kernel read file", "\"Action\":\"Block\""}));
    CHECK(op(g, "p3", {"ioperm"}) == 1); // EPERM: ioperm() turns any lockdown refusal into it
    CHECK(g.alert(mark, {"lockdown reason=", "\"Action\":\"Block\""}));

    // Its parent is guest-init, outside every container.
    CHECK(op(g, "p3", {"traceme"}) == kEACCES);
    CHECK(g.alert(mark, {"ptrace traceme", "\"Action\":\"Block\""}));

    // Neither the new mount API's reconfigure nor an unmount.
    CHECK(op(g, "p3", {"reconfigure", "/mnt/debug"}) == kEACCES);
    CHECK(g.alert(mark, {"remount", "\"Action\":\"Block\""}));
    CHECK(op(g, "p3", {"umount", "/mnt/debug"}) == kEACCES);
    CHECK(g.alert(mark, {"umount", "\"Action\":\"Block\""}));
    g.remove("p3");
}

TEST_CASE("escape: leaving the container's cgroup unbinds neither the process nor its children")
{
    auto& g = Guest::get();
    PodOptions o = pod("e-cg", ksp("esc-cgroup", kBlockHostname));
    auto spec = g.spec("e-cg", o);
    spec.capabilities({"CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE"});
    spec.mount("cgroup", "/sys/fs/cgroup", "cgroup", {}); // the guest's whole hierarchy
    g.agent().create_container(spec.request("e-cg"));
    g.agent().start_container("e-cg");
    // The shell moves itself to an unbound cgroup, then forks cat there.
    auto r = g.run("e-cg", {"sh", "-c",
                            "mkdir -p /sys/fs/cgroup/kadapter-escape && echo $$ > "
                            "/sys/fs/cgroup/kadapter-escape/cgroup.procs && cat /proc/self/cgroup && "
                            "cat /etc/hostname; echo status=$?"}); // not the last command: forked
    INFO(r.out << r.err);
    CHECK(r.out.find("0::/kadapter-escape") != std::string::npos); // it did move
    CHECK(r.out.find("status=1") != std::string::npos);
    CHECK(r.err.find("Permission denied") != std::string::npos);
    g.run("e-cg", {"rmdir", "/sys/fs/cgroup/kadapter-escape"});
    g.remove("e-cg");
}
