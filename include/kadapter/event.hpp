// Audit events: one per Block, Audit or default-posture decision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kadapter/export.h"
#include "kadapter/ruleset.hpp"

KADAPTER_PUBLIC_BEGIN

namespace kadapter {

enum class Operation : uint8_t {
    Exec,
    FileOpen,
    FileWrite,
    FileUnlink,
    FileMkdir,
    FileRmdir,
    FileMknod,
    FileRename,
    FileLink,
    FileTruncate,
    FileChmod,
    FileSymlink,
    FileChown,
    FileCreate,
    Socket,
    DnsQuery, // resource: the name asked for
    Capability,
    SelfProtection,
    AlertThreshold,
};

enum class Reason : uint8_t {
    Rule,         // a rule matched
    Posture,      // allow-list mode and nothing allowed it
    Unresolvable, // path longer/deeper than evaluable: denied
    SelfProtection,
    FilelessExec, // the filelessExec preset
    Inconsistent, // rule set swapped twice during one evaluation: denied
    ProtectEnv,   // the protectEnv preset
    ExternalExec, // the exec preset
};

const char* to_string(Operation);
const char* to_string(Reason);
// KubeArmor's Operation field: Process, File, Network, Capabilities, ...
const char* kubearmor_operation(Operation);

struct Event {
    uint64_t timestamp_ns = 0; // CLOCK_REALTIME
    uint64_t container_id = 0;
    std::string container; // name given at bind time
    uint64_t cgroup_id = 0;
    uint32_t pid = 0; // guest (root pid namespace) ids
    uint32_t tid = 0;
    uint32_t ppid = 0;
    uint32_t uid = 0;
    uint32_t ns_pid = 0;  // as the container's pid namespace sees them
    uint32_t ns_ppid = 0; // 0 when the parent is outside it
    std::string comm;
    std::string executable; // /proc/<pid>/exe when still readable
    Operation operation = Operation::FileOpen;
    std::string resource; // path, "protocol=TCP ...", "CAP_NET_RAW"
    uint32_t flags = 0;   // open flags, socket triple, capability number
    Action action = Action::Block;
    Reason reason = Reason::Rule;
    int error = 0;                  // 0 = passed, else the negative errno returned
    std::optional<RuleOrigin> rule; // the rule, for Reason::Rule
    // AlertThreshold events
    uint32_t max_alerts_per_sec = 0;
    uint32_t throttle_sec = 0;

    bool denied() const { return error != 0; }
};

// The executable of a running process (/proc/<pid>/exe); "" once it is gone.
std::string executable_of(uint32_t pid);

} // namespace kadapter

KADAPTER_PUBLIC_END
