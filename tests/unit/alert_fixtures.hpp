// An event and its alert, shared by the renderer's tests in C++ and in C.
#pragma once

#include "kadapter/event.hpp"
#include "kadapter/kubearmor_alert.hpp"

namespace kadapter::testing {

// A Block by a file rule, as the engine decodes one. The parent pid names
// no process, so ParentProcessName is "" wherever this runs.
inline kadapter::Event blocked_open()
{
    kadapter::Event e;
    e.timestamp_ns = 1700000000123456789ull;
    e.container_id = 7;
    e.container = "web";
    e.cgroup_id = 4321;
    e.pid = 4242;
    e.tid = 4242;
    e.ppid = 0x7ffffff0;
    e.uid = 1000;
    e.ns_pid = 12;
    e.ns_ppid = 1;
    e.comm = "cat";
    e.executable = "/bin/busybox";
    e.operation = kadapter::Operation::FileOpen;
    e.resource = "/etc/shadow";
    e.action = kadapter::Action::Block;
    e.reason = kadapter::Reason::Rule;
    e.error = -13;
    kadapter::RuleOrigin rule;
    rule.policy = "block-shadow";
    rule.namespace_ = "shop";
    rule.field = "spec.file.matchPaths[0]";
    rule.severity = 7;
    rule.tags = {"MITRE", "T1003"};
    rule.message = "no shadow, please";
    e.rule = rule;
    return e;
}

inline kadapter::ContainerMeta web_meta()
{
    return {"0123abcd", "nginx", "web-0", "shop", "nginx:1.25", "app=web,tier=front"};
}

inline const char* const kBlockedOpenAlert =
    R"({"ATags":["MITRE","T1003"],"Action":"Block","ClusterName":"","ContainerID":"0123abcd",)"
    R"("ContainerImage":"nginx:1.25","ContainerName":"nginx","Data":"lsm=FILE_OPEN","Enforcer":"BPFLSM",)"
    R"("HostName":"guest","HostPID":4242,"HostPPID":2147483632,"Labels":"app=web,tier=front",)"
    R"("Message":"no shadow, please","NamespaceName":"shop","Operation":"File","PID":12,"PPID":1,)"
    R"("ParentProcessName":"","PodName":"web-0","PolicyName":"block-shadow","ProcessName":"/bin/busybox",)"
    R"("Resource":"/etc/shadow","Result":"Permission denied","Severity":"7","Source":"/bin/busybox",)"
    R"("Tags":"MITRE,T1003","Timestamp":1700000000,"Type":"MatchedPolicy","UID":1000,)"
    R"("UpdatedTime":"2023-11-14T22:13:20.123456Z"})";

} // namespace kadapter::testing
