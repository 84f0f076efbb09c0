// The compiler: KubeArmor's inheritance, expansion, selection, per-category
// allow-list mode and posture, deduplication, canonical order, conflicts,
// and what kadapter cannot enforce.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kadapter/error.hpp"
#include "kadapter/policy.hpp"

using namespace kadapter;
using namespace kadapter::policy;

namespace {

std::vector<Policy> policies(const std::string& yaml)
{
    auto r = parse(yaml, "t.yaml");
    INFO(r.errors());
    REQUIRE(r.ok());
    return r.policies;
}

std::string ksp(const std::string& name, const std::string& spec, const std::string& extra_meta = "")
{
    return "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\nmetadata:\n  name: " + name + "\n" +
           extra_meta + "spec:\n" + spec;
}

const PodIdentity kAnyPod{};

} // namespace

TEST_CASE("inheritance: rule, then section, then spec, Block by default")
{
    auto ps = policies(ksp("inherit", R"(  severity: 1
  tags: [spec]
  message: from spec
  file:
    severity: 5
    action: Audit
    matchPaths:
      - path: /rule
        severity: 9
        tags: [rule]
        message: from rule
        action: Allow
      - path: /section
  process:
    matchPaths:
      - path: /spec
)"));
    RuleSet rs = compile(ps, kAnyPod);
    auto origin = [&](const std::vector<PathRule>& rules, const std::string& path) {
        auto it = std::find_if(rules.begin(), rules.end(), [&](const PathRule& r) { return r.path == path; });
        REQUIRE(it != rules.end());
        CHECK(it->action == rs.origins.at(it->origin).action);
        return rs.origins.at(it->origin);
    };
    RuleOrigin rule = origin(rs.file, "/rule");
    CHECK(rule.severity == 9);
    CHECK(rule.tags == std::vector<std::string>{"rule"});
    CHECK(rule.message == "from rule");
    CHECK(rule.action == Action::Allow);
    CHECK(rule.action_from == ActionSource::Rule);

    RuleOrigin section = origin(rs.file, "/section");
    CHECK(section.severity == 5);
    CHECK(section.tags == std::vector<std::string>{"spec"}); // the section sets none
    CHECK(section.message == "from spec");
    CHECK(section.action == Action::Audit);
    CHECK(section.action_from == ActionSource::Section);

    RuleOrigin spec = origin(rs.process, "/spec");
    CHECK(spec.severity == 1);
    CHECK(spec.action == Action::Block);
    CHECK(spec.action_from == ActionSource::Default);
    CHECK(spec.policy == "inherit");
    CHECK(spec.field == "spec.process.matchPaths[0]");

    auto with_spec_action = policies(ksp("a", "  action: Allow\n  process:\n    matchPaths: [{path: /x}]\n"));
    RuleSet allow = compile(with_spec_action, kAnyPod);
    CHECK(allow.process.at(0).action == Action::Allow);
    CHECK(allow.origins.at(0).action_from == ActionSource::Spec);
}

TEST_CASE("rule kinds and options")
{
    auto ps = policies(ksp("kinds", R"(  process:
    matchPaths:
      - path: /bin//sh
        ownerOnly: true
        pts: false
      - execname: nc
    matchDirectories:
      - dir: /sbin/
      - dir: /usr/local/bin/
        recursive: true
    matchPatterns:
      - pattern: /usr/*/ncat
  file:
    matchPaths:
      - path: /etc/shadow
        readOnly: true
        pts: true
)"));
    RuleSet rs = compile(ps, kAnyPod);
    REQUIRE(rs.process.size() == 5);
    auto find = [&](PathMatch m) {
        auto it = std::find_if(rs.process.begin(), rs.process.end(), [&](const PathRule& r) { return r.match == m; });
        REQUIRE(it != rs.process.end());
        return *it;
    };
    PathRule sh = find(PathMatch::Exact);
    CHECK(sh.path == "/bin/sh"); // normalised
    CHECK(sh.owner_only);
    CHECK(sh.no_tty);
    CHECK(find(PathMatch::ExecName).path == "nc");
    CHECK(find(PathMatch::Directory).path == "/sbin/");
    CHECK(find(PathMatch::RecursiveDirectory).path == "/usr/local/bin/");
    CHECK(find(PathMatch::Pattern).path == "/usr/*/ncat");
    REQUIRE(rs.file.size() == 1);
    CHECK(rs.file[0].read_only);
    CHECK_FALSE(rs.file[0].no_tty); // pts: true is "regardless of terminal"
}

TEST_CASE("one rule per fromSource")
{
    auto ps = policies(ksp("src", R"(  file:
    matchPaths:
      - path: /etc/hosts
        fromSource: [{path: /bin/cat}, {path: /bin/../usr/bin/head}]
)"));
    RuleSet rs = compile(ps, kAnyPod);
    REQUIRE(rs.file.size() == 2);
    CHECK(rs.file[0].source == "/bin/cat");
    CHECK(rs.file[1].source == "/usr/bin/head");
    CHECK(rs.file[0].origin == rs.file[1].origin);
}

TEST_CASE("protocols: every item of a comma list, all, any case")
{
    auto ps = policies(ksp("net", R"(  network:
    matchProtocols:
      - protocol: TCP, udp
        pts: false
      - protocol: ICMPv6
      - protocol: all
        action: Allow
        fromSource: [{path: /usr/bin/curl}]
)"));
    RuleSet rs = compile(ps, kAnyPod);
    auto count = [&](Protocol p, Action a) {
        return std::count_if(rs.network.begin(), rs.network.end(),
                             [&](const NetworkRule& r) { return r.protocol == p && r.action == a; });
    };
    CHECK(count(Protocol::Tcp, Action::Block) == 1);
    CHECK(count(Protocol::Udp, Action::Block) == 1);
    CHECK(count(Protocol::Icmpv6, Action::Block) == 1);
    for (Protocol p : {Protocol::Stream, Protocol::Dgram, Protocol::Raw, Protocol::Rdm, Protocol::Seqpacket,
                       Protocol::Dccp, Protocol::Packet})
        CHECK(count(p, Action::Allow) == 1);
    CHECK(rs.network.size() == 10);
    for (const auto& r : rs.network) {
        CHECK(r.no_tty == (r.protocol == Protocol::Tcp || r.protocol == Protocol::Udp));
        CHECK(r.source == (r.action == Action::Allow ? "/usr/bin/curl" : ""));
    }
    CHECK(rs.allow_list(Category::Network));
}

TEST_CASE("capabilities: names with or without cap_, any case, comma lists")
{
    auto ps = policies(ksp("caps", R"(  capabilities:
    matchCapabilities:
      - capability: net_raw, cap_sys_admin
      - capability: CAP_NET_RAW
      - capability: checkpoint_restore
)"));
    RuleSet rs = compile(ps, kAnyPod);
    std::vector<int> numbers;
    for (const auto& r : rs.capabilities)
        numbers.push_back(r.capability);
    CHECK(numbers == std::vector<int>{13, 21, 40}); // net_raw once: deduplicated
}

TEST_CASE("allow-list mode and posture are per category, process follows file")
{
    auto ps = policies(ksp("allow-files", R"(  file:
    matchDirectories: [{dir: /app/, recursive: true, action: Allow}]
  process:
    matchPaths: [{path: /bin/sh}]
  capabilities:
    matchCapabilities: [{capability: net_raw, action: Allow}]
)"));
    Postures postures;
    postures.file = Posture::Block;
    postures.network = Posture::Block;
    RuleSet rs = compile(ps, kAnyPod, postures);
    CHECK(rs.allow_list(Category::File));
    CHECK_FALSE(rs.allow_list(Category::Process)); // an Allow file rule does not make execs allow-listed
    CHECK(rs.allow_list(Category::Capabilities));
    CHECK_FALSE(rs.allow_list(Category::Network));
    CHECK(rs.posture(Category::File) == Posture::Block);
    CHECK(rs.posture(Category::Process) == Posture::Block);
    CHECK(rs.posture(Category::Network) == Posture::Block);
    CHECK(rs.posture(Category::Capabilities) == Posture::Audit); // KubeArmor's default
    // Audit rules never switch a category to allow-list mode.
    auto audit = policies(ksp("audit", "  file:\n    matchPaths: [{path: /a, action: Audit}]\n"));
    CHECK_FALSE(compile(audit, kAnyPod).allow_list(Category::File));
}

TEST_CASE("identical rules are merged and the order is canonical")
{
    const std::string a = ksp("a", "  file:\n    matchPaths: [{path: /etc/b}, {path: /etc/a}]\n");
    const std::string b = ksp("b", "  file:\n    matchPaths: [{path: /etc/a}]\n    matchDirectories: [{dir: /x/}]\n");
    auto ab = policies(a + "---\n" + b);
    auto ba = policies(b + "---\n" + a);
    RuleSet x = compile(ab, kAnyPod);
    RuleSet y = compile(ba, kAnyPod);
    CHECK(x == y); // whatever order the policies came in
    REQUIRE(x.file.size() == 3);
    CHECK(x.file[0].path == "/etc/a");
    CHECK(x.origins.at(x.file[0].origin).policy == "a"); // of duplicates, the first policy by name
    CHECK(x.file[1].path == "/etc/b");
    CHECK(x.file[2].match == PathMatch::Directory);
    CHECK(x.origins.size() == 3);
}

TEST_CASE("Allow and Block on the same key: kept, with a warning that Block wins")
{
    auto ps = policies(ksp("allow", "  file:\n    matchPaths: [{path: /etc/hosts, action: Allow}]\n") + "---\n" +
                       ksp("block", "  file:\n    matchPaths: [{path: /etc/hosts, action: Block}]\n"));
    std::vector<Diagnostic> diags;
    RuleSet rs = compile(ps, kAnyPod, {}, &diags);
    CHECK(rs.file.size() == 2);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].level == Diagnostic::Level::Warning);
    CHECK(diags[0].input == "t.yaml");
    CHECK(diags[0].line == 15);
    CHECK(diags[0].message.find("path /etc/hosts is both allowed (allow spec.file.matchPaths[0]) and blocked "
                                "(block spec.file.matchPaths[0]): Block wins") != std::string::npos);
}

TEST_CASE("filelessExec: the preset's action, else the spec's, the strictest of several")
{
    auto ps = policies(ksp("f1", "  action: Audit\n  presets: [{name: filelessExec}]\n"));
    CHECK(compile(ps, kAnyPod).fileless_exec == Action::Audit);
    auto two = policies(ksp("f1", "  presets: [{name: filelessExec, action: Audit}]\n") + "---\n" +
                        ksp("f2", "  presets: [{name: filelessExec, action: Block}]\n"));
    std::vector<Diagnostic> diags;
    CHECK(compile(two, kAnyPod, {}, &diags).fileless_exec == Action::Block);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.find("the strictest, Block, applies") != std::string::npos);
    CHECK(compile(policies(ksp("none", "  file:\n    matchPaths: [{path: /a}]\n")), kAnyPod).fileless_exec ==
          std::nullopt);
}

TEST_CASE("protectEnv and exec presets: each preset keeps its own action")
{
    auto ps = policies(ksp("p1", "  action: Audit\n  presets: [{name: protectEnv}, {name: exec, action: Block}]\n") +
                       "---\n" + ksp("p2", "  presets: [{name: protectEnv, action: Allow}]\n"));
    std::vector<Diagnostic> diags;
    RuleSet rs = compile(ps, kAnyPod, {}, &diags);
    CHECK(rs.protect_env == Action::Audit); // stricter than p2's Allow
    CHECK(rs.external_exec == Action::Block);
    CHECK(rs.fileless_exec == std::nullopt);
    CHECK(rs.size() == 2);
    REQUIRE(diags.size() == 1);
    CHECK(diags[0].message.find("protectEnv is given different actions; the strictest, Audit, applies") !=
          std::string::npos);
}

TEST_CASE("what kadapter cannot enforce fails compilation, naming every field")
{
    auto ps = policies(ksp("unsupported", R"(  process:
    matchPaths: [{path: /usr/bin/python3, ownerOnly: true, allowedArgs: [-m, random]}]
  presets: [{name: protectProc}, {name: anonymousMapExec}]
)"));
    try {
        compile(ps, kAnyPod);
        FAIL("compiled");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::Unsupported);
        std::string m = e.what();
        CHECK(m.find("t.yaml:7:73: error: spec.process.matchPaths[0].allowedArgs: policy unsupported: kadapter "
                     "cannot enforce allowedArgs together with ownerOnly in one rule") != std::string::npos);
        CHECK(m.find("spec.presets[0].name") != std::string::npos);
        CHECK(m.find("spec.presets[1].name") != std::string::npos);
    }
    CHECK(unenforceable(ps[0]).size() == 3);
    // Only the policies that select the container are compiled for it.
    auto narrowed = policies(ksp("proc-for-c", "  selector:\n    matchLabels: {kubearmor.io/container.name: \"[c]\"}\n"
                                               "  presets: [{name: protectProc}]\n"));
    CHECK_THROWS_AS(compile(narrowed, {"c", "", {}, false}), Error);
    CHECK(compile(narrowed, {"other", "", {}, false}).empty());
}

TEST_CASE("allowedArgs travel with their process rule")
{
    auto ps = policies(ksp("args", "  process:\n    matchPaths:\n"
                                   "      - {path: /usr/bin/python3, allowedArgs: [-m, random]}\n"
                                   "      - {path: /usr/bin/python3}\n"));
    RuleSet rs = compile(ps, kAnyPod);
    REQUIRE(rs.process.size() == 2); // not deduplicated: the arguments differ
    CHECK(rs.process[0].allowed_args.empty());
    CHECK(rs.process[1].allowed_args == std::vector<std::string>{"-m", "random"});
}

TEST_CASE("matchDNSQueries: trimmed, lower case, with the cluster resolver's search suffixes")
{
    auto ps = policies(ksp("dns",
                           "  network:\n    matchDNSQueries:\n"
                           "      - {domain: \".Example.COM.\", action: Allow}\n"
                           "      - {domain: \"a.com,b.com\", fromSource: [{path: /bin/curl}]}\n",
                           "  namespace: default\n"));
    RuleSet rs = compile(ps, kAnyPod);
    std::vector<std::string> names;
    for (const auto& r : rs.dns)
        names.push_back(r.domain + (r.source.empty() ? "" : " from " + r.source) + " " + to_string(r.action));
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{
                       "a.com from /bin/curl Block",
                       "a.com.cluster.local from /bin/curl Block",
                       "a.com.default.svc.cluster.local from /bin/curl Block",
                       "a.com.svc.cluster.local from /bin/curl Block",
                       "b.com from /bin/curl Block",
                       "b.com.cluster.local from /bin/curl Block",
                       "b.com.default.svc.cluster.local from /bin/curl Block",
                       "b.com.svc.cluster.local from /bin/curl Block",
                       "example.com Allow",
                       "example.com.cluster.local Allow",
                       "example.com.default.svc.cluster.local Allow",
                       "example.com.svc.cluster.local Allow",
                   });
    CHECK(rs.dns_allow_list());
    CHECK_FALSE(rs.allow_list(Category::Network)); // protocols have their own mode
}

TEST_CASE("compile refuses a policy that does not validate")
{
    Policy p;
    p.kind = "KubeArmorPolicy";
    p.name = "hand-made";
    p.file.present = true;
    p.file.paths.push_back({});
    p.file.paths[0].field = "spec.file.matchPaths[0]";
    try {
        compile({p}, kAnyPod);
        FAIL("compiled");
    } catch (const Error& e) {
        CHECK(e.code() == Errc::InvalidPolicy);
        CHECK(std::string(e.what()).find("spec.file.matchPaths[0].path: is required") != std::string::npos);
    }
}

TEST_CASE("selectors: labels, expressions, namespaces, container names")
{
    auto ps = policies(ksp("web", R"(  selector:
    matchLabels:
      app: web
      kubearmor.io/container.name: "[nginx, proxy]"
  file:
    matchPaths: [{path: /a}]
)",
                           "  namespace: shop\n"));
    const Policy& p = ps.at(0);
    CHECK(selects(p, {"nginx", "shop", {{"app", "web"}, {"tier", "x"}}, true}));
    CHECK(selects(p, {"proxy", "shop", {{"app", "web"}}, true}));
    CHECK_FALSE(selects(p, {"db", "shop", {{"app", "web"}}, true}));   // another container
    CHECK_FALSE(selects(p, {"nginx", "shop", {{"app", "db"}}, true})); // other labels
    CHECK_FALSE(selects(p, {"nginx", "dev", {{"app", "web"}}, true})); // other namespace
    CHECK(selects(p, {"nginx", "", {}, false}));                       // resolved upstream

    auto exprs = policies(ksp("exprs", R"(  selector:
    matchExpressions:
      - {key: label, operator: In, values: [tier=front]}
      - {key: label, operator: In, values: [tier=edge]}
  file:
    matchPaths: [{path: /a}]
)"));
    // The In values of all expressions form one set (KubeArmor).
    CHECK(selects(exprs[0], {"", "", {{"tier", "edge"}}, true}));
    CHECK(selects(exprs[0], {"", "", {{"tier", "front"}}, true}));
    CHECK_FALSE(selects(exprs[0], {"", "", {{"tier", "back"}}, true}));

    auto notin = policies(ksp("notin", R"(  selector:
    matchExpressions:
      - {key: label, operator: NotIn, values: [env=prod]}
  file:
    matchPaths: [{path: /a}]
)"));
    CHECK(selects(notin[0], {"", "", {{"env", "dev"}}, true}));
    CHECK_FALSE(selects(notin[0], {"", "", {{"env", "prod"}}, true}));
}

TEST_CASE("cluster policies select namespaces with In and NotIn")
{
    auto csp = [](const std::string& expr) {
        return policies("apiVersion: security.kubearmor.com/v1\nkind: KubeArmorClusterPolicy\nmetadata: {name: c}\n"
                        "spec:\n  selector:\n    matchExpressions:\n" +
                        expr + "  file:\n    matchPaths: [{path: /a}]\n")
            .at(0);
    };
    Policy in = csp("      - {key: namespace, operator: In, values: [shop, web]}\n");
    CHECK(selects(in, {"", "shop", {}, false}));
    CHECK_FALSE(selects(in, {"", "dev", {}, false}));
    Policy notin = csp("      - {key: namespace, operator: NotIn, values: [kube-system]}\n");
    CHECK(selects(notin, {"", "shop", {}, false}));
    CHECK_FALSE(selects(notin, {"", "kube-system", {}, false}));
    // A cluster policy's own namespace, if any, is ignored.
    CHECK(compile({notin}, {"", "shop", {}, false}).origins.at(0).namespace_.empty());
}

TEST_CASE("compile_policy ignores the selector")
{
    auto ps = policies(ksp("narrow", R"(  selector:
    matchLabels: {kubearmor.io/container.name: "[c]"}
  file:
    matchPaths: [{path: /a}]
)"));
    CHECK(compile(ps, kAnyPod).empty());
    CHECK(compile_policy(ps[0]).file.size() == 1);
}
