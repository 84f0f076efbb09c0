// Validation: every CRD rule and semantic check, each error naming the
// input, line, column, field path and reason; warnings apart from errors.
#include <catch2/catch.hpp>

#include "kadapter/policy.hpp"

using namespace kadapter::policy;

namespace {

// A policy whose spec is `spec` (indented by the caller as under "spec:").
std::string policy_with(const std::string& spec, const std::string& kind = "KubeArmorPolicy")
{
    return "apiVersion: security.kubearmor.com/v1\nkind: " + kind + "\nmetadata:\n  name: t\nspec:\n" + spec;
}

struct Found {
    const Diagnostic* d = nullptr;
    explicit operator bool() const { return d != nullptr; }
};

// The diagnostic of `level` on `field` whose message contains `text`.
Found has(const ParseResult& r, Diagnostic::Level level, const std::string& field, const std::string& text)
{
    for (const auto& d : r.diagnostics)
        if (d.level == level && d.field == field && d.message.find(text) != std::string::npos)
            return Found{&d};
    return {};
}

bool error(const std::string& yaml, const std::string& field, const std::string& text)
{
    auto r = parse(yaml, "t.yaml");
    INFO(yaml);
    INFO("diagnostics:\n"
         << [&] {
                std::string s;
                for (const auto& d : r.diagnostics)
                    s += d.str() + "\n";
                return s;
            }());
    return !r.ok() && r.policies.empty() && has(r, Diagnostic::Level::Error, field, text);
}

bool warning(const std::string& yaml, const std::string& field, const std::string& text)
{
    auto r = parse(yaml, "t.yaml");
    INFO(yaml << "\n" << r.errors());
    return r.ok() && r.policies.size() == 1 && has(r, Diagnostic::Level::Warning, field, text);
}

} // namespace

TEST_CASE("errors name the input, line, column, field and reason")
{
    const std::string yaml = policy_with("  file:\n    matchDirectories:\n      - dir: /etc/ssl/\n"
                                         "      - dir: /run/secrets\n");
    auto r = parse(yaml, "p.yaml");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.count(Diagnostic::Level::Error) == 1);
    const Diagnostic& d = *has(r, Diagnostic::Level::Error, "spec.file.matchDirectories[1].dir", "").d;
    CHECK(d.str() == "p.yaml:9:14: error: spec.file.matchDirectories[1].dir: '/run/secrets' is not a directory "
                     "(it must start and end with '/') (write '/run/secrets/')");
}

TEST_CASE("every error of a document is reported at once")
{
    auto r = parse(policy_with("  action: block\n  severity: 12\n  file:\n    matchPaths:\n      - path: relative\n"
                               "      - pth: /x\n  network:\n    matchProtocols:\n      - protocol: quic\n"),
                   "p.yaml");
    CHECK(has(r, Diagnostic::Level::Error, "spec.action", "'block' is not one of Allow, Audit, Block"));
    CHECK(has(r, Diagnostic::Level::Error, "spec.severity", "12 is not between 1 and 10"));
    CHECK(has(r, Diagnostic::Level::Error, "spec.file.matchPaths[0].path", "'relative' is not an absolute file path"));
    CHECK(has(r, Diagnostic::Level::Error, "spec.file.matchPaths[1].pth", "unknown field"));
    CHECK(has(r, Diagnostic::Level::Error, "spec.file.matchPaths[1].path", "is required"));
    CHECK(has(r, Diagnostic::Level::Error, "spec.network.matchProtocols[0].protocol", "'quic' is not a protocol"));
    CHECK(r.count(Diagnostic::Level::Error) == 6);
    CHECK(r.policies.empty());
}

TEST_CASE("the envelope: apiVersion, kind, metadata")
{
    const std::string body =
        "kind: KubeArmorPolicy\nmetadata: {name: t}\nspec:\n  file:\n    matchPaths: [{path: /a}]\n";
    CHECK(error(body, "apiVersion", "is required"));
    CHECK(error("apiVersion: v1\n" + body, "apiVersion", "'v1' is not security.kubearmor.com/v1"));
    CHECK(error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nspec: {}\n", "metadata.name",
                "is required"));
    CHECK(error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata: {name: Bad_Name}\n",
                "metadata.name", "is not a valid Kubernetes name"));
    CHECK(error("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata: {name: a, namespace: "
                "a.b}\n",
                "metadata.namespace", "is not a valid namespace name"));
    CHECK(error("apiVersion: security.kubearmor.com/v1\n" + body + "extra: 1\n", "extra", "unknown field"));
    CHECK(warning("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorClusterPolicy\nmetadata: {name: t, "
                  "namespace: x}\nspec:\n  file:\n    matchPaths: [{path: /a}]\n",
                  "metadata.namespace", "cluster-scoped"));
}

TEST_CASE("unknown and repeated keys")
{
    CHECK(error(policy_with("  file:\n    matchDirectories:\n      - dir: /a/\n        recurive: true\n"),
                "spec.file.matchDirectories[0].recurive", "unknown field (expected one of: dir, recursive"));
    CHECK(error(policy_with("  file:\n    matchpaths: [{path: /a}]\n"), "spec.file.matchpaths",
                "unknown field (did you mean 'matchPaths'?)"));
    // yaml-cpp keeps both; kubectl refuses the file: so do we.
    auto r = parse(policy_with("  action: Allow\n  file:\n    matchPaths: [{path: /a}]\n  action: Block\n"), "d.yaml");
    auto d = has(r, Diagnostic::Level::Error, "spec.action", "is given twice");
    REQUIRE(d);
    CHECK(d.d->line == 9);
    CHECK(d.d->column == 3);
    // Fields a section does not have.
    CHECK(error(policy_with("  process:\n    matchPaths: [{path: /a, readOnly: true}]\n"),
                "spec.process.matchPaths[0].readOnly", "unknown field"));
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: /a, execname: a}]\n"), "spec.file.matchPaths[0].execname",
                "unknown field"));
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: /a, fromSource: [{dir: /b/}]}]\n"),
                "spec.file.matchPaths[0].fromSource[0].dir", "unknown field"));
    CHECK(error(policy_with("  syscalls:\n    action: Block\n    matchSyscalls: [{syscall: [read]}]\n"),
                "spec.syscalls.action", "unknown field"));
}

TEST_CASE("structure: mappings and lists where the CRD has them")
{
    CHECK(error(policy_with("  file: [a]\n"), "spec.file", "must be a mapping, not a list"));
    CHECK(error(policy_with("  file:\n    matchPaths: {path: /a}\n"), "spec.file.matchPaths",
                "must be a list, not a mapping"));
    CHECK(error(policy_with("  file:\n    matchPaths: [/a]\n"), "spec.file.matchPaths[0]", "must be a mapping"));
    CHECK(
        error(policy_with("  tags: security\n  file:\n    matchPaths: [{path: /a}]\n"), "spec.tags", "must be a list"));
    CHECK(error("- just\n- a list\n", "", "a document must be a mapping"));
}

TEST_CASE("actions are Allow, Audit or Block, case-sensitive as in the CRD")
{
    CHECK(error(policy_with("  file:\n    action: audit\n    matchPaths: [{path: /a}]\n"), "spec.file.action",
                "the CRD is case-sensitive: write 'Audit'"));
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: /a, action: Deny}]\n"), "spec.file.matchPaths[0].action",
                "'Deny' is not one of Allow, Audit, Block"));
    CHECK(error(policy_with("  presets: [{name: filelessExec, action: block}]\n"), "spec.presets[0].action",
                "write 'Block'"));
}

TEST_CASE("file and process paths: MatchPathType")
{
    auto path = [](const std::string& p) {
        return policy_with("  file:\n    matchPaths:\n      - path: \"" + p + "\"\n");
    };
    const std::string f = "spec.file.matchPaths[0].path";
    CHECK(error(policy_with("  file:\n    matchPaths:\n      - readOnly: true\n"), f, "is required"));
    CHECK(error(path("etc/passwd"), f, "is not an absolute file path"));
    CHECK(error(path("/etc/"), f, "must start with '/' and not end with '/'"));
    CHECK(error(path("/" + std::string(200, 'a')), f, "is 201 characters long; the CRD allows at most 200"));
    CHECK(parse(path("/" + std::string(199, 'a'))).ok());
    CHECK(parse(path("/" + std::string(99, 'a') + "\u00e9")).ok()); // code points, not bytes
    CHECK(error(path("/var/log/*.log"), f, "contains '*', which KubeArmor matches literally"));
    CHECK(error(path("/etc/pass\\twd"), f, "contains a control character"));
    CHECK(warning(path("/etc//passwd"), f, "kadapter matches '/etc/passwd'"));
    CHECK(warning(path("/etc/ssl/../passwd"), f, "is not a canonical path, so KubeArmor never matches it"));
}

TEST_CASE("strings must be UTF-8, as Kubernetes and the compact form need")
{
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: \"ex\xff"
                            "ample.com\"}]\n"),
                "spec.network.matchDNSQueries[0].domain", "is not valid UTF-8"));
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: \"/etc/\xed\xa0\x80\"}]\n"), // a surrogate
                "spec.file.matchPaths[0].path", "is not valid UTF-8"));
    CHECK(parse(policy_with("  file:\n    matchPaths: [{path: \"/etc/caf\xc3\xa9\"}]\n")).ok());
}

TEST_CASE("process matchPaths: a path or an execname")
{
    const std::string f = "spec.process.matchPaths[0]";
    CHECK(error(policy_with("  process:\n    matchPaths: [{ownerOnly: true}]\n"), f, "needs a path or an execname"));
    CHECK(error(policy_with("  process:\n    matchPaths: [{path: /bin/nc, execname: nc}]\n"), f,
                "has both path and execname"));
    CHECK(error(policy_with("  process:\n    matchPaths: [{execname: bin/nc}]\n"), f + ".execname",
                "must be a file name without '/'"));
    CHECK(warning(policy_with("  process:\n    matchPaths: [{execname: nc, fromSource: [{path: /bin/sh}]}]\n"), f,
                  "KubeArmor never matches an execname rule that has fromSource"));
}

TEST_CASE("allowedArgs: at most 20")
{
    std::string args;
    for (int i = 0; i < 21; ++i)
        args += (i ? ", " : "") + std::to_string(i) + "x";
    CHECK(error(policy_with("  process:\n    matchPaths: [{path: /bin/x, allowedArgs: [" + args + "]}]\n"),
                "spec.process.matchPaths[0].allowedArgs", "has 21 arguments; the CRD allows at most 20"));
    CHECK(warning(
        policy_with("  process:\n    matchPaths: [{path: /bin/x, allowedArgs: [" + std::string(105, 'a') + "]}]\n"),
        "spec.process.matchPaths[0].allowedArgs[0]", "longer than 104 bytes"));
}

TEST_CASE("directories: MatchDirectoryType")
{
    const std::string f = "spec.process.matchDirectories[0].dir";
    CHECK(error(policy_with("  process:\n    matchDirectories: [{recursive: true}]\n"), f, "is required"));
    CHECK(error(policy_with("  process:\n    matchDirectories: [{dir: /usr/bin}]\n"), f, "(write '/usr/bin/')"));
    CHECK(error(policy_with("  process:\n    matchDirectories: [{dir: usr/}]\n"), f, "is not a directory"));
    CHECK(error(policy_with("  process:\n    matchDirectories: [{dir: /home/*/}]\n"), f, "contains '*'"));
    CHECK(parse(policy_with("  process:\n    matchDirectories: [{dir: /}]\n")).ok());
}

TEST_CASE("patterns: kadapter's glob syntax")
{
    auto pat = [](const std::string& p) {
        return policy_with("  file:\n    matchPatterns:\n      - pattern: '" + p + "'\n");
    };
    const std::string f = "spec.file.matchPatterns[0].pattern";
    CHECK(error(policy_with("  file:\n    matchPatterns: [{readOnly: true}]\n"), f, "is required"));
    CHECK(error(pat("/etc/[abc"), f, "without its closing ']'"));
    CHECK(error(pat("/etc/{a,b}"), f, "alternation is not supported"));
    CHECK(error(pat("/etc/x\\"), f, "unfinished escape"));
    CHECK(error(pat("/etc/***"), f, "has '***'"));
    CHECK(error(policy_with("  file:\n    matchPatterns:\n      - pattern: \"/etc/*\\r\"\n"), f,
                "contains a control character"));
    CHECK(warning(pat("dbus-daemon"), f, "can never match: paths are absolute"));
    CHECK(parse(pat("/home/**/.ssh/[!.]*")).ok());
    auto r = parse(pat("/etc/passwd"));
    CHECK(has(r, Diagnostic::Level::Note, f, "has no wildcard"));
}

TEST_CASE("fromSource paths")
{
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: /a, fromSource: [{path: bin/sh}]}]\n"),
                "spec.file.matchPaths[0].fromSource[0].path", "is not an absolute file path"));
    CHECK(error(policy_with("  file:\n    matchPaths: [{path: /a, fromSource: [{}]}]\n"),
                "spec.file.matchPaths[0].fromSource[0].path", "is required"));
    CHECK(error(policy_with("  network:\n    matchProtocols: [{protocol: tcp, fromSource: [{path: /usr/*/curl}]}]\n"),
                "spec.network.matchProtocols[0].fromSource[0].path", "contains '*'"));
}

TEST_CASE("protocols: the full enum, all, comma lists, any case")
{
    const std::string f = "spec.network.matchProtocols[0].protocol";
    auto proto = [](const std::string& p) {
        return policy_with("  network:\n    matchProtocols: [{protocol: \"" + p + "\"}]\n");
    };
    for (const char* p : {"tcp", "UDP", "icmp", "ICMPV6", "sctp", "raw", "stream", "dgram", "rdm", "seqpacket", "dccp",
                          "packet", "all", "ALL", "tcp,udp", "tcp, udp,icmp"})
        CHECK(parse(proto(p)).ok());
    CHECK(error(proto("xtcp"), f, "'xtcp' is not a protocol")); // the CRD's unanchored pattern lets it pass
    CHECK(error(proto("tcp,"), f, "empty item"));
    CHECK(error(policy_with("  network:\n    matchProtocols: [{pts: false}]\n"), f, "is required"));
    CHECK(warning(proto("Tcp"), f, "KubeArmor's CRD rejects 'Tcp'"));
    CHECK(warning(proto("tcp,TCP"), f, "lists 'tcp' twice"));
}

TEST_CASE("DNS queries")
{
    const std::string f = "spec.network.matchDNSQueries[0].domain";
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{fromSource: [{path: /a}]}]\n"), f, "is required"));
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: ..}]\n"), f, "is not a domain name"));
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: \"a b.com\"}]\n"), f, "characters a domain"));
    CHECK(warning(policy_with("  network:\n    matchDNSQueries: [{domain: " + std::string(40, 'a') + "." +
                              std::string(40, 'b') + ".com}]\n"),
                  f, "KubeArmor never matches it"));
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: " + std::string(64, 'a') + ".com}]\n"), f,
                "label longer than 63"));
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: \"*.example.com\"}]\n"), f,
                "wildcards never match"));
    CHECK(error(policy_with("  network:\n    matchDNSQueries: [{domain: a..example.com}]\n"), f, "empty label"));
}

TEST_CASE("capabilities: with or without cap_, any case")
{
    const std::string f = "spec.capabilities.matchCapabilities[0].capability";
    auto cap = [](const std::string& c) {
        return policy_with("  capabilities:\n    matchCapabilities: [{capability: \"" + c + "\"}]\n");
    };
    CHECK(parse(cap("net_raw")).ok());
    CHECK(parse(cap("cap_net_raw")).ok());
    CHECK(parse(cap("chown,kill")).ok());
    CHECK(error(cap("net_rawr"), f, "'net_rawr' is not a Linux capability"));
    CHECK(
        error(policy_with("  capabilities:\n    matchCapabilities: [{fromSource: [{path: /a}]}]\n"), f, "is required"));
    CHECK(warning(cap("CAP_NET_RAW"), f, "KubeArmor's CRD rejects 'CAP_NET_RAW'"));
    CHECK(warning(cap("bpf"), f, "KubeArmor's CRD does not list 'bpf'"));
}

TEST_CASE("syscalls: the x86-64 names, audit only")
{
    CHECK(error(policy_with("  syscalls:\n    matchSyscalls: [{syscall: [openat, frobnicate]}]\n"),
                "spec.syscalls.matchSyscalls[0].syscall[1]", "'frobnicate' is not an x86-64 system call"));
    CHECK(error(policy_with("  syscalls:\n    matchPaths: [{syscall: [unlink]}]\n"), "spec.syscalls.matchPaths[0].path",
                "is required"));
    CHECK(error(policy_with("  syscalls:\n    matchPaths: [{path: tmp, syscall: [unlink]}]\n"),
                "spec.syscalls.matchPaths[0].path", "neither an absolute file path nor a directory"));
    CHECK(error(policy_with("  syscalls:\n    matchSyscalls: [{syscall: [rmdir], fromSource: [{dir: bin/}]}]\n"),
                "spec.syscalls.matchSyscalls[0].fromSource[0].dir", "not an absolute directory"));
    CHECK(warning(policy_with("  syscalls:\n    matchSyscalls: [{syscall: [rseq], fromSource: [{dir: /bin}]}]\n"),
                  "spec.syscalls", "audit-only"));
}

TEST_CASE("presets")
{
    CHECK(error(policy_with("  presets: [{name: filelessexec}]\n"), "spec.presets[0].name",
                "'filelessexec' is not a KubeArmor preset"));
    CHECK(error(policy_with("  presets: [{action: Block}]\n"), "spec.presets[0].name", "is required"));
    CHECK(error(policy_with("  presets: [{name: filelessExec}, {name: filelessExec, action: Audit}]\n"),
                "spec.presets[1].name", "is given twice"));
    for (const char* p : {"filelessExec", "anonymousMapExec", "protectEnv", "exec", "protectProc"})
        CHECK(parse(policy_with(std::string("  presets: [{name: ") + p + "}]\n")).ok());
}

TEST_CASE("selectors")
{
    auto expr = [](const std::string& e, const std::string& kind = "KubeArmorPolicy") {
        return policy_with(
            "  selector:\n    matchExpressions:\n      - " + e + "\n  file:\n    matchPaths: [{path: /a}]\n", kind);
    };
    const std::string f = "spec.selector.matchExpressions[0]";
    CHECK(error(expr("{key: namespace, operator: In, values: [a]}"), f + ".key", "'namespace' is not 'label'"));
    CHECK(parse(expr("{key: namespace, operator: In, values: [a]}", "KubeArmorClusterPolicy")).ok());
    CHECK(error(expr("{key: label, operator: Exists, values: [a=b]}"), f + ".operator", "is not In or NotIn"));
    CHECK(error(expr("{operator: In, values: [a=b]}"), f + ".key", "is required"));
    CHECK(error(expr("{key: label, values: [a=b]}"), f + ".operator", "is required"));
    CHECK(warning(expr("{key: label, operator: In, values: []}"), f + ".values", "selects nothing"));
    CHECK(warning(expr("{key: label, operator: In, values: [nginx]}"), f + ".values[0]",
                  "label values are written key=value"));
    CHECK(warning(policy_with("  selector:\n    matchExpressions:\n      - {key: label, operator: NotIn, values: "
                              "[a=b]}\n      - {key: label, operator: In, values: [c=d]}\n  file:\n    matchPaths: "
                              "[{path: /a}]\n"),
                  "spec.selector.matchExpressions", "NotIn expressions on label are ignored"));
    CHECK(warning(policy_with("  selector:\n    matchLabels:\n      kubearmor.io/container.name: nginx\n  file:\n    "
                              "matchPaths: [{path: /a}]\n"),
                  "spec.selector.matchLabels.kubearmor.io/container.name", "KubeArmor expects the form '[name, ...]'"));
    CHECK(error(policy_with("  selector:\n    matchLabels:\n      app: 1\n  file:\n    matchPaths: [{path: /a}]\n"),
                "spec.selector.matchLabels.app", "must be a string, not a number"));
}

TEST_CASE("policies and sections without rules")
{
    CHECK(warning(policy_with("  action: Block\n"), "spec", "the policy has no rules and changes nothing"));
    CHECK(
        warning(policy_with("  process: {}\n  file:\n    matchPaths: [{path: /a}]\n"), "spec.process", "has no rules"));
}

TEST_CASE("validate() applies the same checks to a policy built another way")
{
    Policy p;
    p.kind = "KubeArmorPolicy";
    p.name = "built";
    p.file.present = true;
    MatchDirectory d;
    d.dir = "/no-slash";
    d.field = "spec.file.matchDirectories[0]";
    p.file.directories.push_back(d);
    auto diags = validate(p, "compact");
    REQUIRE(diags.size() == 2);
    CHECK(diags[0].str() == "compact: note: spec: no selector: the policy applies to every pod of its namespace");
    CHECK(diags[1].str() == "compact: error: spec.file.matchDirectories[0].dir: '/no-slash' is not a directory (it "
                            "must start and end with '/') (write '/no-slash/')");
}
