#include "kadapter/kubearmor_alert.hpp"

#include <cstdio>
#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

namespace kadapter {
namespace {

std::string updated_time(uint64_t ns)
{
    time_t secs = static_cast<time_t>(ns / 1000000000ull);
    tm t{};
    gmtime_r(&secs, &t);
    char buf[64];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &t);
    char out[96];
    snprintf(out, sizeof(out), "%s.%06uZ", buf, static_cast<unsigned>((ns / 1000) % 1000000));
    return out;
}

std::string lsm_hook(Operation op)
{
    switch (op) {
    case Operation::Exec:
        return "SECURITY_BPRM_CHECK";
    case Operation::FileOpen:
    case Operation::FileWrite:
        return "FILE_OPEN";
    case Operation::Socket:
        return "SOCKET_CREATE";
    case Operation::DnsQuery:
        return "SOCKET_SENDMSG";
    case Operation::Capability:
        return "CAPABLE";
    case Operation::FileUnlink:
        return "PATH_UNLINK";
    case Operation::FileMkdir:
        return "PATH_MKDIR";
    case Operation::FileRmdir:
        return "PATH_RMDIR";
    case Operation::FileMknod:
    case Operation::FileCreate:
        return "PATH_MKNOD";
    case Operation::FileRename:
        return "PATH_RENAME";
    case Operation::FileLink:
        return "PATH_LINK";
    case Operation::FileTruncate:
        return "PATH_TRUNCATE";
    case Operation::FileChmod:
        return "PATH_CHMOD";
    case Operation::FileChown:
        return "PATH_CHOWN";
    case Operation::FileSymlink:
        return "PATH_SYMLINK";
    default:
        return to_string(op);
    }
}

std::string join(const std::vector<std::string>& v, const char* sep)
{
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}

} // namespace

std::string kubearmor_alert(const Event& e, const ContainerMeta& meta, const std::string& hostname)
{
    using nlohmann::json;
    json j;
    j["Timestamp"] = static_cast<int64_t>(e.timestamp_ns / 1000000000ull);
    j["UpdatedTime"] = updated_time(e.timestamp_ns);
    j["ClusterName"] = "";
    j["HostName"] = hostname;
    j["NamespaceName"] = meta.namespace_;
    j["PodName"] = meta.pod_name;
    j["Labels"] = meta.labels;
    j["ContainerID"] = meta.container_id;
    j["ContainerName"] = meta.container_name;
    j["ContainerImage"] = meta.image;
    j["HostPPID"] = e.ppid;
    j["HostPID"] = e.pid;
    j["PPID"] = e.ns_ppid;
    j["PID"] = e.ns_pid;
    j["UID"] = e.uid;
    j["ParentProcessName"] = executable_of(e.ppid);
    j["ProcessName"] = e.executable.empty() ? e.comm : e.executable;
    j["Source"] = e.executable.empty() ? e.comm : e.executable;
    j["Operation"] = kubearmor_operation(e.operation);
    j["Enforcer"] = "BPFLSM";
    j["Result"] = e.denied() ? "Permission denied" : "Passed";

    if (e.operation == Operation::AlertThreshold) {
        j["Type"] = "SystemEvent";
        j["Operation"] = "AlertThreshold";
        j["MaxAlertsPerSec"] = e.max_alerts_per_sec;
        j["DroppingAlertsInterval"] = e.throttle_sec;
        j["Message"] = "alert threshold reached: alerts are dropped for " + std::to_string(e.throttle_sec) + " s";
        return j.dump();
    }

    j["Type"] = "MatchedPolicy";
    std::string data = "lsm=" + lsm_hook(e.operation);
    if (e.operation == Operation::Capability || e.operation == Operation::Socket)
        data += " " + e.resource;
    j["Resource"] = e.resource;
    j["Data"] = data;
    j["Action"] = to_string(e.action);

    if (e.rule) {
        j["PolicyName"] = e.rule->policy;
        j["Severity"] = e.rule->severity ? std::to_string(e.rule->severity) : "";
        j["Tags"] = join(e.rule->tags, ",");
        j["ATags"] = e.rule->tags;
        j["Message"] = e.rule->message;
    } else if (e.reason == Reason::Posture) {
        j["PolicyName"] = "DefaultPosture";
    } else {
        j["PolicyName"] = "kadapter";
        j["Message"] = std::string("denied: ") + to_string(e.reason);
    }
    return j.dump();
}

} // namespace kadapter
