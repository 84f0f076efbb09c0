#include "event_decode.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "kadapter/capability.hpp"

namespace kadapter {
namespace {

Operation operation_of(uint16_t op)
{
    switch (op) {
    case KAD_OP_EXEC:
        return Operation::Exec;
    case KAD_OP_FILE_OPEN:
        return Operation::FileOpen;
    case KAD_OP_FILE_WRITE:
        return Operation::FileWrite;
    case KAD_OP_FILE_UNLINK:
        return Operation::FileUnlink;
    case KAD_OP_FILE_MKDIR:
        return Operation::FileMkdir;
    case KAD_OP_FILE_RMDIR:
        return Operation::FileRmdir;
    case KAD_OP_FILE_MKNOD:
        return Operation::FileMknod;
    case KAD_OP_FILE_RENAME:
        return Operation::FileRename;
    case KAD_OP_FILE_LINK:
        return Operation::FileLink;
    case KAD_OP_FILE_TRUNCATE:
        return Operation::FileTruncate;
    case KAD_OP_FILE_CHMOD:
        return Operation::FileChmod;
    case KAD_OP_FILE_SYMLINK:
        return Operation::FileSymlink;
    case KAD_OP_CHOWN:
        return Operation::FileChown;
    case KAD_OP_FILE_CREATE:
        return Operation::FileCreate;
    case KAD_OP_SOCKET:
        return Operation::Socket;
    case KAD_OP_DNS:
        return Operation::DnsQuery;
    case KAD_OP_CAPABILITY:
        return Operation::Capability;
    case KAD_OP_PROTECT:
        return Operation::SelfProtection;
    case KAD_OP_THROTTLE:
        return Operation::AlertThreshold;
    }
    return Operation::FileOpen;
}

Reason reason_of(uint8_t r)
{
    switch (r) {
    case KAD_REASON_POSTURE:
        return Reason::Posture;
    case KAD_REASON_UNRESOLVABLE:
        return Reason::Unresolvable;
    case KAD_REASON_SELF_PROTECT:
        return Reason::SelfProtection;
    case KAD_REASON_FILELESS:
        return Reason::FilelessExec;
    case KAD_REASON_INCONSISTENT:
        return Reason::Inconsistent;
    case KAD_REASON_PROTECT_ENV:
        return Reason::ProtectEnv;
    case KAD_REASON_EXTERNAL_EXEC:
        return Reason::ExternalExec;
    default:
        return Reason::Rule;
    }
}

const char* family_name(uint32_t f)
{
    switch (f) {
    case 2:
        return "AF_INET";
    case 10:
        return "AF_INET6";
    case 17:
        return "AF_PACKET";
    default:
        return "AF_UNKNOWN";
    }
}

const char* socket_type_name(uint32_t t)
{
    static const char* names[] = {"SOCK_UNKNOWN", "SOCK_STREAM",    "SOCK_DGRAM", "SOCK_RAW",
                                  "SOCK_RDM",     "SOCK_SEQPACKET", "SOCK_DCCP",  "SOCK_UNKNOWN",
                                  "SOCK_UNKNOWN", "SOCK_UNKNOWN",   "SOCK_PACKET"};
    return t < 11 ? names[t] : "SOCK_UNKNOWN";
}

// KubeArmor-like resource text for operations without a path.
std::string describe(const kad_event& raw, const std::string& what)
{
    switch (raw.op) {
    case KAD_OP_SOCKET:
        return std::string("domain=") + family_name(raw.aux >> 16) +
               " type=" + socket_type_name((raw.aux >> 8) & 0xff) + " protocol=" + std::to_string(raw.aux2);
    case KAD_OP_CAPABILITY:
        return capability_name(static_cast<int>(raw.aux));
    case KAD_OP_PROTECT:
        if (what == "kill")
            return "kill pid=" + std::to_string(raw.aux) + " signal=" + std::to_string(raw.aux2);
        if (what == "ptrace" || what == "ptrace traceme")
            return what + " pid=" + std::to_string(raw.aux);
        if (what == "bpf")
            return "bpf cmd=" + std::to_string(raw.aux);
        if (what == "lockdown")
            return "lockdown reason=" + std::to_string(raw.aux);
        return what;
    default:
        return what;
    }
}

} // namespace

std::string executable_of(uint32_t pid)
{
    char buf[4096];
    std::string link = "/proc/" + std::to_string(pid) + "/exe";
    ssize_t n = readlink(link.c_str(), buf, sizeof(buf));
    return n > 0 ? std::string(buf, n) : std::string{};
}

Event decode_event(const kad_event& raw, size_t size)
{
    Event e;
    e.container_id = raw.container;
    e.cgroup_id = raw.cgroup_id;
    e.pid = raw.pid;
    e.tid = raw.tid;
    e.ppid = raw.ppid;
    e.uid = raw.uid;
    e.ns_pid = raw.ns_pid;
    e.ns_ppid = raw.ns_ppid;
    e.comm.assign(raw.comm, strnlen(raw.comm, sizeof(raw.comm)));
    e.executable = executable_of(raw.pid);
    e.operation = operation_of(raw.op);
    e.action = raw.action == KAD_ACTION_ALLOW   ? Action::Allow
               : raw.action == KAD_ACTION_AUDIT ? Action::Audit
                                                : Action::Block;
    e.reason = reason_of(raw.reason);
    e.error = raw.error;
    e.flags = raw.aux2;

    size_t avail = size - offsetof(kad_event, resource);
    size_t len = std::min<size_t>({raw.resource_len, avail, sizeof(raw.resource)});
    e.resource = describe(raw, std::string(raw.resource, strnlen(raw.resource, len)));

    if (e.operation == Operation::AlertThreshold) {
        e.max_alerts_per_sec = raw.aux;
        e.throttle_sec = raw.aux2;
    } else if (e.operation == Operation::Capability || e.operation == Operation::Socket) {
        e.flags = raw.aux;
    }
    return e;
}

const char* to_string(Operation o)
{
    switch (o) {
    case Operation::Exec:
        return "exec";
    case Operation::FileOpen:
        return "open";
    case Operation::FileWrite:
        return "open-write";
    case Operation::FileUnlink:
        return "unlink";
    case Operation::FileMkdir:
        return "mkdir";
    case Operation::FileRmdir:
        return "rmdir";
    case Operation::FileMknod:
        return "mknod";
    case Operation::FileRename:
        return "rename";
    case Operation::FileLink:
        return "link";
    case Operation::FileTruncate:
        return "truncate";
    case Operation::FileChmod:
        return "chmod";
    case Operation::FileSymlink:
        return "symlink";
    case Operation::FileChown:
        return "chown";
    case Operation::FileCreate:
        return "create";
    case Operation::Socket:
        return "socket";
    case Operation::DnsQuery:
        return "dns";
    case Operation::Capability:
        return "capability";
    case Operation::SelfProtection:
        return "self-protection";
    case Operation::AlertThreshold:
        return "alert-threshold";
    }
    return "?";
}

const char* kubearmor_operation(Operation o)
{
    switch (o) {
    case Operation::Exec:
        return "Process";
    case Operation::Socket:
    case Operation::DnsQuery:
        return "Network";
    case Operation::Capability:
        return "Capabilities";
    case Operation::SelfProtection:
        return "Syscall";
    case Operation::AlertThreshold:
        return "AlertThreshold";
    default:
        return "File";
    }
}

const char* to_string(Reason r)
{
    switch (r) {
    case Reason::Rule:
        return "rule";
    case Reason::Posture:
        return "default posture";
    case Reason::Unresolvable:
        return "unresolvable path";
    case Reason::SelfProtection:
        return "self-protection";
    case Reason::FilelessExec:
        return "fileless exec";
    case Reason::Inconsistent:
        return "rule set changing";
    case Reason::ProtectEnv:
        return "protectEnv preset";
    case Reason::ExternalExec:
        return "exec preset";
    }
    return "?";
}

} // namespace kadapter
