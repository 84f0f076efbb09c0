// kadapter explain: for one pod container, what is allowed, audited and
// blocked, and why: the policies that select it, each category's mode and
// posture, and its rules in the order they take precedence
// (docs/policy-semantics.md).
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "command.hpp"
#include "inputs.hpp"
#include "kadapter/capability.hpp"
#include "ruleset_json.hpp"

namespace kadapter::cli {
namespace {

struct ExplainOptions {
    std::vector<std::string> files;
    PodOptions pod;
};

using Row = std::vector<std::string>;

void print_table(const std::vector<Row>& rows)
{
    std::vector<size_t> width;
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size(); ++i) {
            width.resize(std::max(width.size(), r.size()));
            width[i] = std::max(width[i], r[i].size());
        }
    for (const auto& r : rows) {
        std::string line = "  ";
        for (size_t i = 0; i < r.size(); ++i)
            line += r[i] + (i + 1 < r.size() ? std::string(width[i] - r[i].size() + 2, ' ') : "");
        std::cout << line << "\n";
    }
}

// What a rule does, given its options (the "static actions" of
// docs/policy-semantics.md, as the engine's decision tables apply them).
std::string effect(Action action, bool read_only, bool owner_only, bool no_tty,
                   const std::vector<std::string>& args = {})
{
    std::vector<std::string> v; // the conditions under which the options object
    if (!args.empty()) {
        std::string list;
        for (const auto& a : args)
            list += (list.empty() ? "" : " ") + a;
        v.push_back("arguments other than [" + list + "]");
    }
    if (read_only)
        v.push_back("writing");
    if (owner_only)
        v.push_back("not the owner");
    if (no_tty)
        v.push_back("from a terminal");
    std::string when;
    for (size_t i = 0; i < v.size(); ++i)
        when += (i ? " or " : "") + v[i];
    switch (action) {
    case Action::Allow:
        return v.empty() ? "allow" : "allow, but block if " + when;
    case Action::Block:
        if (v.empty())
            return "block";
        return "block if " + when +
               (owner_only      ? "; allow the owner"
                : !args.empty() ? "; allow those"
                                : "; else less specific rules decide");
    case Action::Audit:
        return v.empty() ? "audit" : "audit if " + when;
    }
    return "?";
}

std::string why(const RuleSet& rs, uint32_t origin)
{
    const RuleOrigin& o = rs.origins.at(origin);
    std::string from = o.action_from == ActionSource::Default
                           ? "Block by default"
                           : std::string("action from the ") + action_source(o.action_from);
    return o.policy + " " + o.field + " (" + from + ")";
}

int depth(const std::string& dir)
{
    return static_cast<int>(std::count(dir.begin(), dir.end(), '/'));
}

int action_rank(Action a)
{
    return a == Action::Block ? 0 : a == Action::Allow ? 1 : 2;
}

// Most specific first: with a source before without; exact path, then
// execname, then pattern, then directories from the deepest; Block, Allow,
// Audit at equal rank.
auto path_rank(const PathRule& r)
{
    int kind = r.match == PathMatch::Exact      ? 0
               : r.match == PathMatch::ExecName ? 1
               : r.match == PathMatch::Pattern  ? 2
                                                : 3;
    return std::make_tuple(r.source.empty(), kind, -depth(r.path), r.path, action_rank(r.action));
}

std::string target(const PathRule& r)
{
    switch (r.match) {
    case PathMatch::Exact:
        return r.path;
    case PathMatch::Directory:
        return r.path + " and its files";
    case PathMatch::RecursiveDirectory:
        return r.path + " and everything below";
    case PathMatch::Pattern:
        return "paths matching " + r.path;
    case PathMatch::ExecName:
        return "any executable named " + r.path;
    }
    return r.path;
}

std::string source(const std::string& s)
{
    return s.empty() ? "any process" : s;
}

void mode(const RuleSet& rs, Category c, bool any_rules)
{
    std::cout << "\n" << to_string(c) << ": ";
    if (!any_rules) {
        std::cout << "no rules; everything is allowed\n";
        return;
    }
    if (!rs.allow_list(c)) {
        std::cout << "deny-list mode (no rule allows): what no rule decides is allowed\n";
        return;
    }
    std::string posture = rs.posture(c) == Posture::Block ? "blocked" : "audited (allowed, with an alert)";
    std::cout << "allow-list mode (a rule allows): what no rule allows is " << posture << " by the "
              << (c == Category::Process ? "file posture, which process follows"
                                         : std::string(to_string(c)) + " posture")
              << " (" << to_string(rs.posture(c)) << ")\n";
}

void path_category(const RuleSet& rs, Category c, std::vector<PathRule> rules)
{
    mode(rs, c, !rules.empty());
    if (rules.empty())
        return;
    std::stable_sort(rules.begin(), rules.end(),
                     [](const PathRule& a, const PathRule& b) { return path_rank(a) < path_rank(b); });
    std::vector<Row> rows = {{"EFFECT", "TARGET", "SOURCE", "RULE"}};
    for (const auto& r : rules)
        rows.push_back({effect(r.action, r.read_only, r.owner_only, r.no_tty, r.allowed_args), target(r),
                        source(r.source), why(rs, r.origin)});
    print_table(rows);
}

int run(const ExplainOptions& o)
{
    const policy::PodIdentity pod = pod_identity(o.pod);
    const policy::Postures postures = pod_postures(o.pod);
    Loaded loaded = load_policies(o.files, false);
    if (loaded.errors)
        return kExitInvalid;

    std::string selecting, others;
    for (const auto& p : loaded.policies)
        (policy::selects(p, pod) ? selecting : others) += "\n  " + p.name + " (" + p.input + ")";
    std::vector<policy::Diagnostic> diagnostics;
    RuleSet rs = policy::compile(loaded.policies, pod, postures, &diagnostics);
    print_diagnostics(diagnostics);

    std::cout << "pod: " << describe(pod) << "\n";
    std::cout << "policies that select it:" << (selecting.empty() ? " none" : selecting) << "\n";
    if (!others.empty())
        std::cout << "policies that do not:" << others << "\n";
    std::cout << "rules are listed most specific first: the first that decides wins (docs/policy-semantics.md)\n";

    path_category(rs, Category::Process, rs.process);
    path_category(rs, Category::File, rs.file);

    mode(rs, Category::Network, !rs.network.empty());
    if (!rs.network.empty()) {
        auto rules = rs.network;
        std::stable_sort(rules.begin(), rules.end(), [](const NetworkRule& a, const NetworkRule& b) {
            return std::make_tuple(a.source.empty(), a.protocol, action_rank(a.action)) <
                   std::make_tuple(b.source.empty(), b.protocol, action_rank(b.action));
        });
        std::vector<Row> rows = {{"EFFECT", "TARGET", "SOURCE", "RULE"}};
        for (const auto& r : rules)
            rows.push_back({effect(r.action, false, false, r.no_tty),
                            std::string(policy::protocol_word(r.protocol)) + " sockets", source(r.source),
                            why(rs, r.origin)});
        print_table(rows);
    }
    if (!rs.dns.empty()) {
        std::cout << "\nDNS queries (a rule covers the names below its domain too): "
                  << (rs.dns_allow_list()
                          ? std::string("allow-list mode: what no rule allows is ") +
                                (rs.posture(Category::Network) == Posture::Block ? "blocked" : "audited") +
                                " by the network posture\n"
                          : "deny-list mode: what no rule decides is allowed\n");
        std::vector<Row> rows = {{"EFFECT", "TARGET", "SOURCE", "RULE"}};
        for (const auto& r : rs.dns)
            rows.push_back({effect(r.action, false, false, false), r.domain, source(r.source), why(rs, r.origin)});
        print_table(rows);
    }
    mode(rs, Category::Capabilities, !rs.capabilities.empty());
    if (!rs.capabilities.empty()) {
        auto rules = rs.capabilities;
        std::stable_sort(rules.begin(), rules.end(), [](const CapabilityRule& a, const CapabilityRule& b) {
            return std::make_tuple(a.source.empty(), a.capability, action_rank(a.action)) <
                   std::make_tuple(b.source.empty(), b.capability, action_rank(b.action));
        });
        std::vector<Row> rows = {{"EFFECT", "TARGET", "SOURCE", "RULE"}};
        for (const auto& r : rules)
            rows.push_back({effect(r.action, false, false, false), capability_name(r.capability), source(r.source),
                            why(rs, r.origin)});
        print_table(rows);
    }
    if (rs.fileless_exec)
        std::cout << "\npreset filelessExec: " << to_string(*rs.fileless_exec) << " (executing memory-backed files)\n";
    if (rs.protect_env)
        std::cout << "\npreset protectEnv: " << to_string(*rs.protect_env)
                  << " (reading another process's /proc/<pid>/environ)\n";
    if (rs.external_exec)
        std::cout << "\npreset exec: " << to_string(*rs.external_exec)
                  << " (execs with a terminal in processes started by `kubectl exec`)\n";
    return kExitOk;
}

} // namespace

Command explain_command()
{
    return {"explain",
            "For one pod container: what is allowed, audited and blocked, and why (policies, modes, postures, "
            "rules in order of precedence)",
            [](CLI::App& sub) -> Run {
                auto o = std::make_shared<ExplainOptions>();
                sub.add_option("files", o->files, "Policy YAML files, '-' for standard input")->required();
                add_pod_options(sub, o->pod);
                return [o] { return run(*o); };
            }};
}

} // namespace kadapter::cli
