// KubeArmorPolicy: parse YAML (one or many documents), validate, and
// compile the policies that select a container into its RuleSet.
//
// The model below holds a policy as written (structurally typed, values not
// yet normalised), so the compact annotation form can carry it and the guest
// validates it exactly as it validates YAML. Semantics, precedence and the
// deviations from KubeArmor are documented in docs/policy-semantics.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kadapter/export.h"
#include "kadapter/ruleset.hpp"

KADAPTER_PUBLIC_BEGIN

namespace kadapter::policy {

struct Diagnostic {
    enum class Level { Error, Warning, Note };
    Level level = Level::Error;
    std::string input; // file name or "annotation"
    int line = 0;      // 1-based; 0 when unknown
    int column = 0;
    std::string field; // e.g. spec.file.matchDirectories[1].dir
    std::string message;

    // "input:line:column: error: field: message"
    std::string str() const;
};

// severity/tags/message/action at spec, section or rule level. Unset
// values are inherited: rule, then section, then spec.
struct Meta {
    int severity = 0; // 0 = unset
    std::vector<std::string> tags;
    std::string message;
    std::optional<Action> action;

    bool operator==(const Meta&) const = default;
};

struct FromSource {
    std::string path; // executable
    std::string dir;  // syscalls section only
    bool recursive = false;

    bool operator==(const FromSource&) const = default;
};

struct MatchPath {
    std::string path;
    std::string execname; // process rules: basename instead of path
    bool owner_only = false;
    bool read_only = false; // file rules
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    std::vector<std::string> allowed_args; // process rules
    Meta meta;
    std::string field; // spec.process.matchPaths[0]

    bool operator==(const MatchPath&) const = default;
};

struct MatchDirectory {
    std::string dir;
    bool recursive = false;
    bool owner_only = false;
    bool read_only = false; // file rules
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;

    bool operator==(const MatchDirectory&) const = default;
};

struct MatchPattern {
    std::string pattern;
    bool owner_only = false;
    bool read_only = false; // file rules
    Meta meta;
    std::string field;

    bool operator==(const MatchPattern&) const = default;
};

struct PathSection {
    bool present = false;
    std::vector<MatchPath> paths;
    std::vector<MatchDirectory> directories;
    std::vector<MatchPattern> patterns;
    Meta meta;

    bool operator==(const PathSection&) const = default;
};

struct MatchProtocol {
    std::vector<std::string> protocols; // "tcp,UDP" as written, split at commas
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;

    bool operator==(const MatchProtocol&) const = default;
};

struct MatchDnsQuery {
    std::vector<std::string> domains; // split at commas
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;

    bool operator==(const MatchDnsQuery&) const = default;
};

struct NetworkSection {
    bool present = false;
    std::vector<MatchProtocol> protocols;
    std::vector<MatchDnsQuery> dns_queries;
    Meta meta;

    bool operator==(const NetworkSection&) const = default;
};

struct MatchCapability {
    std::vector<std::string> capabilities; // as written ("net_raw", "CAP_NET_RAW"), split at commas
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;

    bool operator==(const MatchCapability&) const = default;
};

struct CapabilitiesSection {
    bool present = false;
    std::vector<MatchCapability> capabilities;
    Meta meta;

    bool operator==(const CapabilitiesSection&) const = default;
};

// syscalls.matchSyscalls[] and syscalls.matchPaths[] (the latter with a path).
struct MatchSyscall {
    std::vector<std::string> syscalls;
    std::string path; // matchPaths only: a file or a directory
    bool recursive = false;
    std::vector<FromSource> from_source; // path or dir
    std::string field;

    bool operator==(const MatchSyscall&) const = default;
};

struct SyscallsSection {
    bool present = false;
    std::vector<MatchSyscall> match_syscalls;
    std::vector<MatchSyscall> match_paths;
    Meta meta; // no action: syscalls are audit only

    bool operator==(const SyscallsSection&) const = default;
};

struct Preset {
    std::string name;
    std::optional<Action> action;
    std::string field;

    bool operator==(const Preset&) const = default;
};

struct MatchExpression {
    std::string key; // "label" (KSP) or "label" | "namespace" (cluster policy)
    std::string op;  // In | NotIn
    std::vector<std::string> values;
    std::string field;

    bool operator==(const MatchExpression&) const = default;
};

struct Selector {
    bool present = false;
    std::map<std::string, std::string> match_labels; // without kubearmor.io/container.name
    std::vector<MatchExpression> match_expressions;
    std::vector<std::string> container_names; // kubearmor.io/container.name

    bool operator==(const Selector&) const = default;
};

inline constexpr const char* kContainerNameLabel = "kubearmor.io/container.name";

// field path -> 1-based line and column where it was written
using Positions = std::map<std::string, std::pair<int, int>>;

struct Policy {
    std::string kind; // KubeArmorPolicy | KubeArmorClusterPolicy
    std::string name;
    std::string namespace_;
    Selector selector;
    PathSection process;
    PathSection file;
    NetworkSection network;
    CapabilitiesSection capabilities;
    SyscallsSection syscalls;
    std::vector<Preset> presets;
    std::string apparmor;
    Meta meta;
    std::string input;   // where it was read from
    int line = 0;        // line of its document
    std::string yaml;    // its document, re-emitted (empty when decoded from the compact form)
    Positions positions; // where its fields were written (YAML only)

    bool operator==(const Policy&) const = default;
};

struct ParseResult {
    std::vector<Policy> policies;
    std::vector<Diagnostic> diagnostics;
    bool ok() const;            // no errors
    std::string errors() const; // every error, one per line
    size_t count(Diagnostic::Level) const;
};

// Parses and validates every KubeArmorPolicy and KubeArmorClusterPolicy in
// `yaml`; other kinds are skipped with a note. Every error of a document is
// reported; a document with any error contributes no policy. Callers must
// not use a result with errors (nothing is partially accepted).
ParseResult parse(std::string_view yaml, std::string_view input = "<input>");

// The CRD and semantic checks that parse() applies, for a policy built
// another way (the compact annotation form). Field paths name the rules;
// positions are unknown.
std::vector<Diagnostic> validate(const Policy& policy, std::string_view input);

// Built by kadapter::pod_identity() (annotations.hpp), whose one rule says
// when labels are known.
struct PodIdentity {
    std::string container_name; // io.kubernetes.cri.container-name
    std::string namespace_;     // empty: not compared
    std::map<std::string, std::string> labels;
    bool labels_known = false; // false: selectors were resolved upstream
};

struct Postures {
    Posture file = Posture::Audit; // process follows file, as in KubeArmor
    Posture network = Posture::Audit;
    Posture capabilities = Posture::Audit;
};

// Whether a policy applies to the given pod container.
bool selects(const Policy& policy, const PodIdentity& pod);

// What kadapter cannot enforce in a (valid) policy, as errors naming each
// field: DNS rules, allowedArgs, presets other than filelessExec.
std::vector<Diagnostic> unenforceable(const Policy& policy);

// Compiles the policies that select `pod` into one deduplicated RuleSet in
// canonical order. Throws Error(Unsupported) naming every field kadapter
// cannot enforce. Overlaps worth a person's attention (Allow and Block on
// the same key across policies) are added to `diagnostics` as warnings.
RuleSet compile(const std::vector<Policy>& policies, const PodIdentity& pod, const Postures& postures = {},
                std::vector<Diagnostic>* diagnostics = nullptr);

// "tcp", "stream", ...: the policy language's word for a protocol.
const char* protocol_word(Protocol protocol);

// A policy as KubeArmorPolicy YAML (what the compact form is shown as);
// parse(render_yaml(p)) gives p back.
std::string render_yaml(const Policy& policy);
// Several policies as one YAML stream ("---" apart), each as it was written
// when it came from YAML, else rendered: the verbatim annotation value.
std::string verbatim_yaml(const std::vector<Policy>& policies);

// One policy, whatever its selector (for lint and explain).
RuleSet compile_policy(const Policy& policy, const Postures& postures = {},
                       std::vector<Diagnostic>* diagnostics = nullptr);

} // namespace kadapter::policy

KADAPTER_PUBLIC_END
