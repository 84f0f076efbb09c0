// KubeArmorPolicy: parse YAML (one or many documents), validate, and
// compile the policies that select a container into its RuleSet.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kadapter/ruleset.hpp"

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
};

struct FromSource {
    std::string path; // executable
    std::string dir;  // syscalls section only
    bool recursive = false;
};

struct MatchPath {
    std::string path;
    std::string execname; // process rules: basename instead of path
    bool owner_only = false;
    bool read_only = false; // file rules
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    std::vector<std::string> allowed_args;
    Meta meta;
    std::string field; // spec.process.matchPaths[0]
};

struct MatchDirectory {
    std::string dir;
    bool recursive = false;
    bool owner_only = false;
    bool read_only = false;
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;
};

struct MatchPattern {
    std::string pattern;
    bool owner_only = false;
    bool read_only = false;
    Meta meta;
    std::string field;
};

struct PathSection {
    bool present = false;
    std::vector<MatchPath> paths;
    std::vector<MatchDirectory> directories;
    std::vector<MatchPattern> patterns;
    Meta meta;
};

struct MatchProtocol {
    std::string protocol; // one name per rule after comma expansion
    std::optional<bool> pts;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;
};

struct MatchDnsQuery {
    std::string domain;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;
};

struct NetworkSection {
    bool present = false;
    std::vector<MatchProtocol> protocols;
    std::vector<MatchDnsQuery> dns_queries;
    Meta meta;
};

struct MatchCapability {
    std::string capability; // lowercase, without cap_
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;
};

struct CapabilitiesSection {
    bool present = false;
    std::vector<MatchCapability> capabilities;
    Meta meta;
};

struct MatchSyscall {
    std::vector<std::string> syscalls;
    std::string path; // matchPaths only
    bool recursive = false;
    std::vector<FromSource> from_source;
    Meta meta;
    std::string field;
};

struct SyscallsSection {
    bool present = false;
    std::vector<MatchSyscall> match_syscalls;
    std::vector<MatchSyscall> match_paths;
    Meta meta; // no action: syscalls are audit only
};

struct Preset {
    std::string name;
    std::optional<Action> action;
    std::string field;
};

struct MatchExpression {
    std::string key; // "label" (KSP) or "label" | "namespace" (cluster policy)
    std::string op;  // In | NotIn
    std::vector<std::string> values;
};

struct Selector {
    std::map<std::string, std::string> match_labels; // without kubearmor.io/container.name
    std::vector<MatchExpression> match_expressions;
    std::vector<std::string> container_names; // kubearmor.io/container.name
};

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
    std::string input; // where it was read from
    int line = 0;      // line of its document
};

struct ParseResult {
    std::vector<Policy> policies;
    std::vector<Diagnostic> diagnostics;
    bool ok() const;            // no errors
    std::string errors() const; // every error, one per line
};

// Parses and validates every KubeArmorPolicy and KubeArmorClusterPolicy in
// `yaml`; other kinds are skipped with a note. A document with any error
// contributes no policy.
ParseResult parse(std::string_view yaml, std::string_view input = "<input>");

struct PodIdentity {
    std::string container_name; // io.kubernetes.cri.container-name
    std::string namespace_;
    std::map<std::string, std::string> labels; // empty: selectors were resolved upstream
    bool labels_known = false;
};

struct Postures {
    Posture file = Posture::Audit;
    Posture network = Posture::Audit;
    Posture capabilities = Posture::Audit;
};

// Whether a policy applies to the given pod container.
bool selects(const Policy& policy, const PodIdentity& pod);

// Compiles the policies that select `pod` into one deduplicated RuleSet.
// Throws Error(InvalidPolicy) for a policy that cannot be enforced as
// written.
RuleSet compile(const std::vector<Policy>& policies, const PodIdentity& pod, const Postures& postures = {});

} // namespace kadapter::policy
