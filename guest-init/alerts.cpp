#include "alerts.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace guest_init {
namespace {

constexpr size_t kRecentLines = 4096;

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

std::string lsm_hook(kadapter::Operation op)
{
    using kadapter::Operation;
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

std::string kubearmor_alert(const kadapter::Event& e, const ContainerMeta& meta, const std::string& hostname)
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
    j["ParentProcessName"] = kadapter::executable_of(e.ppid);
    j["ProcessName"] = e.executable.empty() ? e.comm : e.executable;
    j["Source"] = e.executable.empty() ? e.comm : e.executable;
    j["Operation"] = kadapter::kubearmor_operation(e.operation);
    j["Enforcer"] = "BPFLSM";
    j["Result"] = e.denied() ? "Permission denied" : "Passed";

    if (e.operation == kadapter::Operation::AlertThreshold) {
        j["Type"] = "SystemEvent";
        j["Operation"] = "AlertThreshold";
        j["MaxAlertsPerSec"] = e.max_alerts_per_sec;
        j["DroppingAlertsInterval"] = e.throttle_sec;
        j["Message"] = "alert threshold reached: alerts are dropped for " + std::to_string(e.throttle_sec) + " s";
        return j.dump();
    }

    j["Type"] = "MatchedPolicy";
    std::string data = "lsm=" + lsm_hook(e.operation);
    if (e.operation == kadapter::Operation::Capability || e.operation == kadapter::Operation::Socket)
        data += " " + e.resource;
    j["Resource"] = e.resource;
    j["Data"] = data;
    j["Action"] = kadapter::to_string(e.action);

    if (e.rule) {
        j["PolicyName"] = e.rule->policy;
        j["Severity"] = e.rule->severity ? std::to_string(e.rule->severity) : "";
        j["Tags"] = join(e.rule->tags, ",");
        j["ATags"] = e.rule->tags;
        j["Message"] = e.rule->message;
    } else if (e.reason == kadapter::Reason::Posture) {
        j["PolicyName"] = "DefaultPosture";
    } else {
        j["PolicyName"] = "kadapter";
        j["Message"] = std::string("denied: ") + to_string(e.reason);
    }
    return j.dump();
}

void AlertLog::add_sink(int fd, const std::string& name)
{
    std::lock_guard lock(mu_);
    sinks_[fd] = name;
}

void AlertLog::remove_sink(int fd)
{
    std::lock_guard lock(mu_);
    sinks_.erase(fd);
}

void AlertLog::publish(const std::string& line, const std::string& container_id)
{
    std::lock_guard lock(mu_);
    recent_.push_back({next_seq_++, container_id, line});
    while (recent_.size() > kRecentLines)
        recent_.pop_front();
    std::string out = line + "\n";
    for (auto it = sinks_.begin(); it != sinks_.end();) {
        // Never let a stalled log reader slow the hooks' consumer down.
        pollfd pfd{it->first, POLLOUT, 0};
        bool ok = ::poll(&pfd, 1, 0) > 0 && !(pfd.revents & (POLLERR | POLLHUP | POLLNVAL)) &&
                  ::write(it->first, out.data(), out.size()) == static_cast<ssize_t>(out.size());
        (void)ok;
        ++it;
    }
    cv_.notify_all();
}

AlertLog::Batch AlertLog::read(const std::string& reader, const std::string& container_id, size_t max,
                               std::chrono::milliseconds timeout)
{
    std::unique_lock lock(mu_);
    uint64_t& cursor = cursors_[reader];
    auto pending = [&] { return !recent_.empty() && recent_.back().seq > cursor; };
    if (!pending() && timeout.count() > 0)
        cv_.wait_for(lock, timeout, pending);
    Batch b;
    if (!recent_.empty() && recent_.front().seq > cursor + 1 && cursor != 0)
        b.dropped = recent_.front().seq - cursor - 1;
    for (const auto& l : recent_) {
        if (l.seq <= cursor)
            continue;
        if (max && b.lines.size() >= max)
            break;
        cursor = l.seq;
        if (container_id.empty() || l.container_id == container_id)
            b.lines.push_back(l.text);
    }
    return b;
}

} // namespace guest_init
