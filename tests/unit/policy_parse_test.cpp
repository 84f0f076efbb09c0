// The parser: every field of the CRD reaches the model, YAML types are read
// as the API server reads them, and documents of other kinds are skipped.
#include <catch2/catch.hpp>

#include "kadapter/policy.hpp"

using namespace kadapter;
using namespace kadapter::policy;

namespace {

constexpr const char* kEveryField = R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata:
  name: every-field
  namespace: shop
  labels: {team: sec}
spec:
  severity: 7
  tags: [MITRE, T1059]
  message: spec message
  action: Audit
  selector:
    matchLabels:
      app: web
      kubearmor.io/container.name: "[nginx, sidecar]"
    matchExpressions:
      - key: label
        operator: In
        values: [tier=front]
  process:
    severity: 3
    action: Allow
    matchPaths:
      - path: /bin/sh
        ownerOnly: true
        pts: false
        fromSource:
          - path: /usr/bin/python3
        allowedArgs: ["-c", "true"]
        severity: 9
        tags: [rule]
        message: rule message
        action: Block
      - execname: nc
    matchDirectories:
      - dir: /sbin/
        recursive: true
        pts: true
    matchPatterns:
      - pattern: /usr/*/ncat
        ownerOnly: true
  file:
    tags: [section]
    matchPaths:
      - path: /etc/shadow
        readOnly: true
    matchDirectories:
      - dir: /etc/ssl/
        readOnly: true
        ownerOnly: true
        fromSource: [{path: /usr/sbin/nginx}]
    matchPatterns:
      - pattern: /home/**/.ssh/*
        readOnly: true
  network:
    message: net section
    matchProtocols:
      - protocol: TCP,udp
        pts: false
        fromSource: [{path: /usr/bin/curl}]
      - protocol: all
    matchDNSQueries:
      - domain: example.com,.internal.
  capabilities:
    action: Block
    matchCapabilities:
      - capability: net_raw,CAP_SYS_ADMIN
        fromSource: [{path: /bin/ping}]
  syscalls:
    severity: 2
    matchSyscalls:
      - syscall: [unlink, rmdir]
        fromSource: [{dir: /usr/bin/, recursive: true}]
    matchPaths:
      - path: /tmp/
        recursive: true
        syscall: [openat]
  presets:
    - name: filelessExec
      action: Block
  apparmor: "#include <tunables/global>"
)";

const Diagnostic* find(const ParseResult& r, Diagnostic::Level level, const std::string& field)
{
    for (const auto& d : r.diagnostics)
        if (d.level == level && d.field == field)
            return &d;
    return nullptr;
}

} // namespace

TEST_CASE("every field of the CRD reaches the model")
{
    auto r = parse(kEveryField, "every.yaml");
    INFO(r.errors());
    REQUIRE(r.ok());
    REQUIRE(r.policies.size() == 1);
    const Policy& p = r.policies[0];
    CHECK(p.kind == "KubeArmorPolicy");
    CHECK(p.name == "every-field");
    CHECK(p.namespace_ == "shop");
    CHECK(p.meta.severity == 7);
    CHECK(p.meta.tags == std::vector<std::string>{"MITRE", "T1059"});
    CHECK(p.meta.message == "spec message");
    CHECK(p.meta.action == Action::Audit);

    CHECK(p.selector.match_labels == std::map<std::string, std::string>{{"app", "web"}});
    CHECK(p.selector.container_names == std::vector<std::string>{"nginx", "sidecar"});
    REQUIRE(p.selector.match_expressions.size() == 1);
    CHECK(p.selector.match_expressions[0].key == "label");
    CHECK(p.selector.match_expressions[0].op == "In");
    CHECK(p.selector.match_expressions[0].values == std::vector<std::string>{"tier=front"});

    REQUIRE(p.process.paths.size() == 2);
    const MatchPath& sh = p.process.paths[0];
    CHECK(sh.path == "/bin/sh");
    CHECK(sh.owner_only);
    CHECK(sh.pts == false);
    CHECK(sh.from_source.at(0).path == "/usr/bin/python3");
    CHECK(sh.allowed_args == std::vector<std::string>{"-c", "true"});
    CHECK(sh.meta.severity == 9);
    CHECK(sh.meta.tags == std::vector<std::string>{"rule"});
    CHECK(sh.meta.message == "rule message");
    CHECK(sh.meta.action == Action::Block);
    CHECK(sh.field == "spec.process.matchPaths[0]");
    CHECK(p.process.paths[1].execname == "nc");
    CHECK_FALSE(p.process.paths[1].pts.has_value());
    CHECK(p.process.meta.severity == 3);
    CHECK(p.process.meta.action == Action::Allow);
    CHECK(p.process.directories.at(0).dir == "/sbin/");
    CHECK(p.process.directories.at(0).recursive);
    CHECK(p.process.directories.at(0).pts == true);
    CHECK(p.process.patterns.at(0).pattern == "/usr/*/ncat");
    CHECK(p.process.patterns.at(0).owner_only);

    CHECK(p.file.meta.tags == std::vector<std::string>{"section"});
    CHECK(p.file.paths.at(0).read_only);
    CHECK(p.file.directories.at(0).read_only);
    CHECK(p.file.directories.at(0).owner_only);
    CHECK(p.file.directories.at(0).from_source.at(0).path == "/usr/sbin/nginx");
    CHECK(p.file.patterns.at(0).read_only);

    REQUIRE(p.network.protocols.size() == 2);
    CHECK(p.network.protocols[0].protocols == std::vector<std::string>{"TCP", "udp"});
    CHECK(p.network.protocols[0].pts == false);
    CHECK(p.network.protocols[1].protocols == std::vector<std::string>{"all"});
    CHECK(p.network.meta.message == "net section");
    CHECK(p.network.dns_queries.at(0).domains == std::vector<std::string>{"example.com", ".internal."});

    CHECK(p.capabilities.meta.action == Action::Block);
    CHECK(p.capabilities.capabilities.at(0).capabilities == std::vector<std::string>{"net_raw", "CAP_SYS_ADMIN"});
    CHECK(p.capabilities.capabilities.at(0).from_source.at(0).path == "/bin/ping");

    CHECK(p.syscalls.meta.severity == 2);
    CHECK(p.syscalls.match_syscalls.at(0).syscalls == std::vector<std::string>{"unlink", "rmdir"});
    CHECK(p.syscalls.match_syscalls.at(0).from_source.at(0).dir == "/usr/bin/");
    CHECK(p.syscalls.match_syscalls.at(0).from_source.at(0).recursive);
    CHECK(p.syscalls.match_paths.at(0).path == "/tmp/");
    CHECK(p.syscalls.match_paths.at(0).recursive);

    REQUIRE(p.presets.size() == 1);
    CHECK(p.presets[0].name == "filelessExec");
    CHECK(p.presets[0].action == Action::Block);
    CHECK(p.apparmor == "#include <tunables/global>");

    // Valid but with consequences a person should hear about.
    CHECK(find(r, Diagnostic::Level::Warning, "spec.syscalls"));
    CHECK(find(r, Diagnostic::Level::Warning, "spec.apparmor"));
    CHECK_FALSE(find(r, Diagnostic::Level::Warning, "spec.network.matchProtocols[0].protocol"));
}

TEST_CASE("a KubeArmorClusterPolicy selects by namespace and label expressions")
{
    auto r = parse(R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorClusterPolicy
metadata: {name: csp}
spec:
  selector:
    matchExpressions:
      - {key: namespace, operator: NotIn, values: [kube-system]}
  file:
    matchPaths: [{path: /etc/passwd}]
)",
                   "csp.yaml");
    REQUIRE(r.ok());
    CHECK(r.policies.at(0).kind == "KubeArmorClusterPolicy");
    CHECK(r.policies[0].selector.match_expressions.at(0).key == "namespace");

    auto bad = parse(R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorClusterPolicy
metadata: {name: csp}
spec:
  selector:
    matchLabels: {app: x}
  file:
    matchPaths: [{path: /etc/passwd}]
)",
                     "csp.yaml");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.errors().find("spec.selector.matchLabels: unknown field") != std::string::npos);
}

TEST_CASE("YAML types are those the API server sees")
{
    auto doc = [](const std::string& rule) {
        return "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata: {name: t}\nspec:\n  file:\n"
               "    matchPaths:\n      - " +
               rule + "\n";
    };
    SECTION("booleans: true/false and YAML 1.1's yes/no/on/off")
    {
        auto r = parse(doc("{path: /a, readOnly: yes, ownerOnly: off}"));
        REQUIRE(r.ok());
        CHECK(r.policies[0].file.paths[0].read_only);
        CHECK_FALSE(r.policies[0].file.paths[0].owner_only);
    }
    SECTION("a quoted boolean is a string")
    {
        auto r = parse(doc("{path: /a, readOnly: \"true\"}"));
        REQUIRE_FALSE(r.ok());
        CHECK(r.errors().find("spec.file.matchPaths[0].readOnly: must be true or false, not a string") !=
              std::string::npos);
    }
    SECTION("an unquoted number is not a string")
    {
        auto r = parse(doc("{path: /a, message: 12}"));
        REQUIRE_FALSE(r.ok());
        CHECK(r.errors().find("message: must be a string, not a number (quote it to make it one)") !=
              std::string::npos);
        CHECK(parse(doc("{path: /a, message: \"12\"}")).ok());
    }
    SECTION("severity is an integer from 1 to 10")
    {
        CHECK(parse(doc("{path: /a, severity: 10}")).ok());
        CHECK(parse(doc("{path: /a, severity: 0}")).errors().find("severity: 0 is not between 1 and 10") !=
              std::string::npos);
        CHECK(parse(doc("{path: /a, severity: 11}")).errors().find("11 is not between 1 and 10") != std::string::npos);
        CHECK(parse(doc("{path: /a, severity: \"5\"}")).errors().find("must be an integer, not a string") !=
              std::string::npos);
        CHECK(parse(doc("{path: /a, severity: 2.5}")).errors().find("must be an integer, not a number") !=
              std::string::npos);
    }
    SECTION("null values count as absent, as the API server prunes them")
    {
        auto r = parse(doc("{path: /a, action: ~, tags: }"));
        REQUIRE(r.ok());
        CHECK_FALSE(r.policies[0].file.paths[0].meta.action.has_value());
        CHECK(find(r, Diagnostic::Level::Note, "spec.file.matchPaths[0].action"));
    }
}

TEST_CASE("documents of other kinds are skipped, host policies with a warning")
{
    auto r = parse(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: c}
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorHostPolicy
metadata: {name: h}
spec: {}
---
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata: {name: p}
spec:
  process:
    matchPaths: [{path: /bin/sleep}]
)",
                   "mixed.yaml");
    REQUIRE(r.ok());
    REQUIRE(r.policies.size() == 1);
    CHECK(r.policies[0].name == "p");
    CHECK(r.policies[0].line == 11);
    auto note = find(r, Diagnostic::Level::Note, "kind");
    REQUIRE(note);
    CHECK(note->message == "skipping a document of kind 'ConfigMap'");
    CHECK(note->line == 2);
    auto host = find(r, Diagnostic::Level::Warning, "kind");
    REQUIRE(host);
    CHECK(host->message.find("KubeArmorHostPolicy") != std::string::npos);
}

TEST_CASE("a document with errors contributes nothing, the others still parse")
{
    auto r = parse(R"(apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata: {name: good}
spec:
  file:
    matchPaths: [{path: /etc/passwd}]
---
apiVersion: security.kubearmor.com/v1
kind: KubeArmorPolicy
metadata: {name: bad}
spec:
  file:
    matchPaths: [{path: etc/passwd}]
)",
                   "two.yaml");
    CHECK_FALSE(r.ok());
    REQUIRE(r.policies.size() == 1);
    CHECK(r.policies[0].name == "good");
}

TEST_CASE("invalid YAML is one located error")
{
    auto r = parse("apiVersion: v1\nkind: [unclosed\n", "broken.yaml");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].input == "broken.yaml");
    CHECK(r.diagnostics[0].line >= 2);
    CHECK(r.diagnostics[0].message.starts_with("not valid YAML"));
}

TEST_CASE("input on which yaml-cpp 0.7 would loop forever is an error")
{
    for (const char* text : {",", "\n\n,", "a: b\n---\n,\n"}) {
        auto r = parse(text, "loop.yaml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.errors().find("the YAML parser makes no progress here") != std::string::npos);
    }
}

TEST_CASE("render_yaml gives back the policy it was made from")
{
    auto r = parse(kEveryField, "every.yaml");
    REQUIRE(r.ok());
    Policy p = r.policies.at(0);
    std::string yaml = render_yaml(p);
    auto again = parse(yaml, "rendered.yaml");
    INFO(yaml << again.errors());
    REQUIRE(again.ok());
    Policy q = again.policies.at(0);
    for (Policy* x : {&p, &q}) {
        x->input.clear();
        x->line = 0;
        x->yaml.clear();
        x->positions.clear();
    }
    CHECK(p == q);
}
