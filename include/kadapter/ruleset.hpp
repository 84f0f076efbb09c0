// The normalised rules of one container: what the policy compiler produces
// and the one structure the enforcement engine consumes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kadapter/export.h"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

enum class Action : uint8_t { Allow, Audit, Block };
enum class Posture : uint8_t { Audit, Block };
enum class Category : uint8_t { Process, File, Network, Capabilities };

const char* to_string(Action);
const char* to_string(Posture);
const char* to_string(Category);

// The level of a policy that set a rule's action: KubeArmor inherits it from
// the rule, then its section, then the spec, and uses Block when none does.
enum class ActionSource : uint8_t { Rule, Section, Spec, Default };

// Where a rule came from, for alerts and `kadapter explain`.
struct RuleOrigin {
    std::string policy;     // metadata.name
    std::string namespace_; // metadata.namespace ("" for cluster policies)
    std::string field;      // e.g. "spec.file.matchDirectories[1]"
    int severity = 0;       // 1..10, 0 when unset
    std::vector<std::string> tags;
    std::string message;
    Action action = Action::Block;
    ActionSource action_from = ActionSource::Rule; // documentation: where `action` came from

    bool operator==(const RuleOrigin&) const = default;
};

enum class PathMatch : uint8_t {
    Exact,              // path: the file itself
    Directory,          // dir/: the directory and its immediate children
    RecursiveDirectory, // dir/: the directory and everything below it
    Pattern,            // glob over the whole path
    ExecName,           // basename of the executed file (process rules only)
};

struct PathRule {
    PathMatch match = PathMatch::Exact;
    std::string path; // absolute path, directory with trailing '/', glob, or basename
    Action action = Action::Block;
    bool read_only = false;  // file rules: reads pass, writes get the verdict
    bool owner_only = false; // only the file's owner passes
    bool no_tty = false;     // pts: false — tasks with a terminal get the verdict
    std::string source;      // fromSource executable; empty = any process
    uint32_t origin = 0;     // index into RuleSet::origins
    // Process rules: execs whose arguments are all listed pass (allowedArgs).
    std::vector<std::string> allowed_args;

    bool operator==(const PathRule&) const = default;
};

// Socket kinds a network rule names (KubeArmor's protocol enum).
enum class Protocol : uint8_t { Tcp, Udp, Icmp, Icmpv6, Sctp, Raw, Stream, Dgram, Rdm, Seqpacket, Dccp, Packet };

struct NetworkRule {
    Protocol protocol = Protocol::Tcp;
    Action action = Action::Block;
    bool no_tty = false;
    std::string source;
    uint32_t origin = 0;

    bool operator==(const NetworkRule&) const = default;
};

// matchDNSQueries: queries for `domain` or any name below it.
struct DnsRule {
    std::string domain; // lower case, no leading or trailing '.'
    Action action = Action::Block;
    std::string source;
    uint32_t origin = 0;

    bool operator==(const DnsRule&) const = default;
};

struct CapabilityRule {
    int capability = 0; // Linux capability number (CAP_NET_RAW = 13)
    Action action = Action::Block;
    std::string source;
    uint32_t origin = 0;

    bool operator==(const CapabilityRule&) const = default;
};

struct RuleSet {
    std::vector<PathRule> process;
    std::vector<PathRule> file;
    std::vector<NetworkRule> network;
    std::vector<DnsRule> dns; // own allow-list mode, the network posture
    std::vector<CapabilityRule> capabilities;

    // Postures apply to categories in allow-list mode (some Allow rule);
    // process follows the file posture, as in KubeArmor.
    Posture file_posture = Posture::Audit;
    Posture network_posture = Posture::Audit;
    Posture capabilities_posture = Posture::Audit;

    // Presets, each counting as one rule.
    std::optional<Action> fileless_exec; // filelessExec: executing a file with no link (memfd, deleted)
    std::optional<Action> protect_env;   // protectEnv: reading another process's environment
    std::optional<Action> external_exec; // exec: execs with a terminal in processes the agent
                                         // started from outside (ExecProcess, `kubectl exec -it`)

    std::vector<RuleOrigin> origins;

    size_t size() const
    {
        return process.size() + file.size() + network.size() + dns.size() + capabilities.size() +
               (fileless_exec ? 1 : 0) + (protect_env ? 1 : 0) + (external_exec ? 1 : 0);
    }
    bool empty() const { return size() == 0; }
    bool allow_list(Category) const;
    bool dns_allow_list() const;
    Posture posture(Category) const;

    bool operator==(const RuleSet&) const = default;
};

} // namespace kadapter

KADAPTER_PUBLIC_END
