// The foundation slice: a pod annotation becomes a denied syscall.
#include <catch2/catch.hpp>

#include "guest_suite.hpp"
#include "kadapter/annotations.hpp"
#include "poster_policy.hpp"

using namespace kadapter::testing;

namespace {

PodOptions nginx_pod()
{
    PodOptions o;
    o.name = "nginx";
    o.labels = "app=nginx";
    o.policy = kadapter::demo::kPosterPolicy;
    return o;
}

} // namespace

TEST_CASE("the agent answers Health and reports BPF-LSM enforcement")
{
    auto& g = Guest::get();
    CHECK(g.agent().check().status() == grpc::HealthCheckResponse::SERVING);
    CHECK(g.agent().version().agent_version().find("kadapter-init") != std::string::npos);
    auto details = g.agent().guest_details();
    CHECK(details.agent_details().init_daemon());
    const auto& f = details.agent_details().extra_features();
    CHECK(std::find(f.begin(), f.end(), "bpf-lsm") != f.end());
}

TEST_CASE("the poster's policy denies the service account token in the app=nginx pod")
{
    auto& g = Guest::get();
    g.start_pod("nginx-1", nginx_pod());
    size_t mark = g.log_mark();

    auto r = g.run("nginx-1", {"cat", kToken});
    CHECK(r.status == 1);
    CHECK(r.err.find("Permission denied") != std::string::npos);
    CHECK(r.out.empty());

    auto alert = g.alert(mark, {"\"PolicyName\":\"ksp-nginx-block-sa\"", kToken, "\"Action\":\"Block\"",
                                "\"Result\":\"Permission denied\"", "\"ContainerName\":\"nginx\""});
    CHECK(alert.has_value());

    // Listing the directory is covered by the directory rule too.
    auto ls = g.run("nginx-1", {"ls", kServiceAccountDir});
    CHECK(ls.status != 0);
    CHECK(ls.err.find("Permission denied") != std::string::npos);

    // Everything else in the container still works.
    auto ok = g.run("nginx-1", {"cat", "/etc/passwd"});
    CHECK(ok.status == 0);
    CHECK(ok.out.find("root:x:0:0") != std::string::npos);
    g.remove("nginx-1");
}

TEST_CASE("the same command succeeds in a pod without the annotation")
{
    auto& g = Guest::get();
    PodOptions plain;
    plain.labels = "app=nginx"; // same labels, but no policy annotation
    g.start_pod("plain-1", plain);
    auto r = g.run("plain-1", {"cat", kToken});
    CHECK(r.status == 0);
    CHECK(r.out.find("kadapter-test-token") != std::string::npos);
    g.remove("plain-1");
}

TEST_CASE("the policy's selector decides: another app's pod is not restricted")
{
    auto& g = Guest::get();
    PodOptions web = nginx_pod();
    web.name = "web";
    web.labels = "app=web";
    g.start_pod("web-1", web);
    CHECK(g.run("web-1", {"cat", kToken}).status == 0);
    g.remove("web-1");
}

TEST_CASE("access is allowed again once the container is removed and a new one starts without policy")
{
    auto& g = Guest::get();
    g.start_pod("nginx-2", nginx_pod());
    CHECK(g.run("nginx-2", {"cat", kToken}).status == 1);
    g.remove("nginx-2");
    CHECK(g.agent().list_containers().containers_size() == 0);

    PodOptions plain;
    g.start_pod("nginx-2", plain); // the same id, now without the annotation
    auto r = g.run("nginx-2", {"cat", kToken});
    CHECK(r.status == 0);
    CHECK(r.out.find("kadapter-test-token") != std::string::npos);
    g.remove("nginx-2");
}

TEST_CASE("an invalid policy fails CreateContainer and runs nothing")
{
    auto& g = Guest::get();
    PodOptions bad = nginx_pod();
    bad.policy = std::string(kadapter::demo::kPosterPolicy)
                     .replace(std::string(kadapter::demo::kPosterPolicy).find("serviceaccount/"), 15, "serviceaccount");
    try {
        g.agent().create_container(g.spec("bad-1", bad).request("bad-1"));
        FAIL("CreateContainer accepted an invalid policy");
    } catch (const ttrpc::RpcError& e) {
        CHECK(e.code() == ttrpc::Code::InvalidArgument);
        CHECK(std::string(e.what()).find("spec.file.matchDirectories[0].dir") != std::string::npos);
    }
    CHECK(g.agent().list_containers().containers_size() == 0);
    // The id is free again: nothing was left behind.
    PodOptions plain;
    g.start_pod("bad-1", plain);
    g.remove("bad-1");
}

TEST_CASE("exact path and recursive directory rules")
{
    auto& g = Guest::get();
    PodOptions o;
    o.name = "files";
    o.policy = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: files
spec:
  file:
    matchPaths:
      - path: /etc/hostname
    matchDirectories:
      - dir: /etc/ssl/
        recursive: true
      - dir: /var/
  action: Block
)";
    g.start_pod("files-1", o);
    auto blocked = [&](const char* path) {
        auto r = g.run("files-1", {"cat", path});
        INFO(path << ": status " << r.status << ", stderr " << r.err);
        return r.status == 1 && r.err.find("Permission denied") != std::string::npos;
    };
    auto allowed = [&](const char* path) {
        auto r = g.run("files-1", {"cat", path});
        INFO(path << ": status " << r.status << ", stderr " << r.err);
        return r.status == 0;
    };
    CHECK(blocked("/etc/hostname"));         // exact path
    CHECK(allowed("/etc/passwd"));           // its neighbour
    CHECK(blocked("/etc/ssl/certs/ca.pem")); // below a recursive directory
    CHECK(blocked("/var/marker"));           // a direct child of a non-recursive one
    CHECK(allowed("/var/log/app.log"));      // deeper than a non-recursive directory
    CHECK(allowed("/var/lib/app/deep/file"));
    g.remove("files-1");
}

TEST_CASE("two containers side by side, each under its own policy")
{
    auto& g = Guest::get();
    g.start_pod("side-a",
                pod("side-a", ksp("side-a", "file:\n  matchPaths:\n    - path: /etc/hostname\naction: Block")));
    g.start_pod("side-b", pod("side-b", ksp("side-b", "file:\n  matchPaths:\n    - path: /etc/passwd\naction: Block")));
    CHECK(op(g, "side-a", {"open", "/etc/hostname"}) == kEACCES);
    CHECK(op(g, "side-a", {"open", "/etc/passwd"}) == 0);
    CHECK(op(g, "side-b", {"open", "/etc/hostname"}) == 0);
    CHECK(op(g, "side-b", {"open", "/etc/passwd"}) == kEACCES);
    // Removing one leaves the other's policy in force.
    g.remove("side-a");
    CHECK(op(g, "side-b", {"open", "/etc/passwd"}) == kEACCES);
    CHECK(op(g, "side-b", {"open", "/etc/hostname"}) == 0);
    g.remove("side-b");
}
