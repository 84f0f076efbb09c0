// `kadapter annotate` end to end: the annotations it writes on a
// Deployment's pod template, passed to the guest as the runtime passes pod
// annotations, enforce what the policy file enforces.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <yaml-cpp/yaml.h>

#include "guest_suite.hpp"
#include "kadapter/annotations.hpp"

using namespace kadapter::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPolicy = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: web-block-sa
  namespace: default
spec:
  selector:
    matchLabels:
      app: web
  file:
    matchDirectories:
      - dir: /run/secrets/kubernetes.io/serviceaccount/
  process:
    matchPaths:
      - path: /usr/local/bin/cat-copy
  action: Block
)";

constexpr const char* kManifests = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      runtimeClassName: kata
      containers:
        - name: web
          image: busybox
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: db
  namespace: default
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers: [{name: db, image: busybox}]
)";

// A scratch directory with the policy and the manifests in it.
class Workdir {
public:
    Workdir()
    {
        char tmpl[] = "/tmp/kadapter-annotate-XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        dir_ = tmpl;
        std::ofstream(dir_ / "policy.yaml") << kPolicy;
        std::ofstream(dir_ / "deploy.yaml") << kManifests;
    }
    ~Workdir() { fs::remove_all(dir_); }
    fs::path path(const char* name) const { return dir_ / name; }

private:
    fs::path dir_;
};

// Runs the kadapter CLI and returns its standard output; fails the test
// unless it exits 0.
std::string run_cli(const std::vector<std::string>& args)
{
    std::string cmd = KADAPTER_CLI_PATH;
    for (const auto& a : args)
        cmd += " '" + a + "'"; // our own paths and words: no quotes inside
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;)
        out.append(buf, n);
    int status = pclose(p);
    INFO(cmd);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return out;
}

// The pod template annotations of the Deployment `name` in `manifests`.
std::map<std::string, std::string> template_annotations(const std::string& manifests, const std::string& name)
{
    for (const auto& doc : YAML::LoadAll(manifests)) {
        if (doc["kind"].as<std::string>() != "Deployment" || doc["metadata"]["name"].as<std::string>() != name)
            continue;
        std::map<std::string, std::string> out;
        if (const auto a = doc["spec"]["template"]["metadata"]["annotations"])
            for (const auto& kv : a)
                out[kv.first.as<std::string>()] = kv.second.as<std::string>();
        return out;
    }
    FAIL("no Deployment " << name << " in the output");
    return {};
}

// What a person sees running a few commands in the pod.
struct Outcome {
    int token = -1; // cat the service account token (the file rule)
    bool token_denied = false;
    int exec = -1; // run /usr/local/bin/cat-copy (the process rule)
    bool exec_denied = false;
    int passwd = -1; // an unrelated file
    bool operator==(const Outcome&) const = default;
};

Outcome outcome(Guest& g, const std::string& id)
{
    Outcome o;
    auto token = g.run(id, {"cat", kToken});
    o.token = token.status;
    o.token_denied = token.err.find("Permission denied") != std::string::npos;
    auto exec = g.run(id, {"sh", "-c", "/usr/local/bin/cat-copy"});
    o.exec = exec.status;
    o.exec_denied = exec.err.find("Permission denied") != std::string::npos;
    o.passwd = g.run(id, {"cat", "/etc/passwd"}).status;
    return o;
}

PodOptions web_pod(std::map<std::string, std::string> annotations)
{
    PodOptions o;
    o.name = "web";
    o.annotations = std::move(annotations);
    o.args = {"sleep", "3600"};
    return o;
}

} // namespace

TEST_CASE("kadapter annotate output enforces the same outcome as the policy file")
{
    auto& g = Guest::get();
    Workdir w;

    // 1. The policy file itself, as the foundation passes it.
    PodOptions direct;
    direct.name = "web";
    direct.labels = "app=web";
    direct.policy = kPolicy;
    g.start_pod("ann-direct", direct);
    Outcome expected = outcome(g, "ann-direct");
    g.remove("ann-direct");
    CHECK(expected.token == 1);
    CHECK(expected.token_denied);
    CHECK(expected.exec == 126); // the shell could not execute it
    CHECK(expected.exec_denied);
    CHECK(expected.passwd == 0);

    // 2. What `kadapter annotate` writes, in both forms.
    for (const char* form : {"yaml", "compact"}) {
        INFO("form " << form);
        std::string out = run_cli({"annotate", "--form", form, "-p", w.path("policy.yaml"), w.path("deploy.yaml")});
        auto web = template_annotations(out, "web");
        REQUIRE(web.count(kadapter::kPolicyAnnotation));
        CHECK(web.at(kadapter::kLabelsAnnotation) == "app=web");
        if (std::string(form) == "compact")
            CHECK(web.at(kadapter::kPolicyAnnotation).starts_with("kadapter:v1:"));
        CHECK(template_annotations(out, "db").empty()); // no policy selects it

        const std::string id = std::string("ann-") + form;
        g.start_pod(id, web_pod(web));
        size_t mark = g.log_mark();
        Outcome got = outcome(g, id);
        CHECK(got == expected);
        CHECK(got.token == 1);
        CHECK(got.token_denied);
        CHECK(g.alert(mark, {"\"PolicyName\":\"web-block-sa\"", kToken, "\"Action\":\"Block\""}).has_value());
        g.remove(id);
    }
}

TEST_CASE("a pod whose Deployment no policy selects gets no annotation and no restriction")
{
    auto& g = Guest::get();
    Workdir w;
    std::string out = run_cli({"annotate", "-p", w.path("policy.yaml"), w.path("deploy.yaml")});
    auto db = template_annotations(out, "db");
    CHECK(db.empty());
    PodOptions o;
    o.name = "db";
    o.annotations = db;
    g.start_pod("ann-db", o);
    auto r = g.run("ann-db", {"cat", kToken});
    CHECK(r.status == 0);
    CHECK(r.out.find("kadapter-test-token") != std::string::npos);
    g.remove("ann-db");
}
