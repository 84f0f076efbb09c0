// A guest agent in C++, as someone outside this project writes one: the
// C++ API of the installed package (find_package(kadapter)), over
// libkadapter.so. It boots as the guest's init (oneshot_init.h), loads the
// programs, binds a cgroup, applies rule sets compiled from policy YAML,
// and checks a denial and its KubeArmor alert.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <kadapter/annotations.hpp>
#include <kadapter/enforcer.hpp>
#include <kadapter/error.hpp>
#include <kadapter/kubearmor_alert.hpp>
#include <kadapter/policy.hpp>
#include <kadapter/version.h>

#include "oneshot_init.h"

namespace {

int checks = 0, failures = 0;

#define CHECK(cond) check((cond), #cond, __LINE__)

void check(bool ok, const char* what, int line)
{
    ++checks;
    if (!ok) {
        ++failures;
        std::printf("consumer-cpp: FAILED line %d: %s\n", line, what);
    }
}

const std::string kSecret = "/etc/consumer-secret";
const std::string kOther = "/etc/consumer-other";
const std::string kCgroup = "/sys/fs/cgroup/consumer-cpp";

kadapter::RuleSet block(const std::string& policy_name, const std::string& path)
{
    const std::string yaml = "apiVersion: security.kubearmor.com/v1\n"
                             "kind: KubeArmorPolicy\n"
                             "metadata:\n  name: " +
                             policy_name +
                             "\n  namespace: shop\n"
                             "spec:\n"
                             "  selector:\n    matchLabels:\n      app: web\n"
                             "  severity: 7\n"
                             "  tags: [consumer, cpp]\n"
                             "  message: no secrets here\n"
                             "  file:\n    matchPaths:\n      - path: " +
                             path + "\n  action: Block\n";
    auto policies = kadapter::require_policies(kadapter::parse_policy_text(yaml, policy_name), policy_name);
    kadapter::policy::PodIdentity pod;
    pod.container_name = "web";
    pod.labels = kadapter::parse_labels("app=web");
    pod.labels_known = true;
    return kadapter::policy::compile(policies, pod);
}

// Opens `path` in a child that joins the bound cgroup: 0 or the errno.
int open_in_container(const std::string& path, pid_t& pid)
{
    pid = fork();
    if (pid == 0) {
        int fd = open((kCgroup + "/cgroup.procs").c_str(), O_WRONLY);
        if (fd < 0 || write(fd, "0", 1) != 1)
            _exit(100);
        close(fd);
        _exit(open(path.c_str(), O_RDONLY) >= 0 ? 0 : errno);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

// The alert for `pid`'s access to `path`.
std::optional<std::string> alert_for(kadapter::Enforcer& enforcer, pid_t pid, const std::string& path)
{
    const kadapter::ContainerMeta meta{"c0ffee", "web", "web-0", "shop", "busybox:stable", "app=web"};
    std::optional<std::string> alert;
    enforcer.set_event_handler([&](const kadapter::Event& e) {
        if (!alert && e.pid == static_cast<uint32_t>(pid) && e.resource == path)
            alert = kadapter::kubearmor_alert(e, meta, "consumer-host");
    });
    for (int i = 0; i < 50 && !alert; ++i)
        enforcer.poll_events(100);
    enforcer.set_event_handler(nullptr);
    return alert;
}

void check_alert(const std::optional<std::string>& alert, const std::string& policy, const std::string& path)
{
    CHECK(alert.has_value());
    if (!alert)
        return;
    std::printf("consumer-cpp: alert %s\n", alert->c_str());
    auto has = [&](const std::string& field) { return alert->find(field) != std::string::npos; };
    CHECK(has("\"PolicyName\":\"" + policy + "\""));
    CHECK(has("\"Resource\":\"" + path + "\""));
    CHECK(has("\"Result\":\"Permission denied\""));
    CHECK(has("\"Action\":\"Block\""));
    CHECK(has("\"Operation\":\"File\""));
    CHECK(has("\"Severity\":\"7\""));
    CHECK(has("\"ATags\":[\"consumer\",\"cpp\"]"));
    CHECK(has("\"HostName\":\"consumer-host\""));
    CHECK(has("\"ContainerImage\":\"busybox:stable\""));
    CHECK(has("\"Enforcer\":\"BPFLSM\""));
}

void run()
{
    std::printf("consumer-cpp: built against %s, running %s\n", KADAPTER_VERSION_STRING, kadapter::version());
    CHECK(std::string(kadapter::version()) == KADAPTER_VERSION_STRING);
    std::ofstream(kSecret) << "secret\n";
    std::ofstream(kOther) << "other\n";

    // An invalid policy is a kadapter::Error, caught here across the
    // shared library's boundary, naming the field.
    try {
        block("bad", "relative/path");
        CHECK(false);
    } catch (const kadapter::Error& e) {
        CHECK(e.code() == kadapter::Errc::InvalidPolicy);
        CHECK(std::string(e.what()).find("spec.file.matchPaths[0]") != std::string::npos);
    }

    kadapter::EnforcerOptions options;
    options.max_alerts_per_sec = 0;
    kadapter::Enforcer enforcer(options);

    CHECK(mkdir(kCgroup.c_str(), 0755) == 0);
    const kadapter::RuleSet secret = block("consumer-block-secret", kSecret);
    const kadapter::RuleSet other = block("consumer-block-other", kOther);
    CHECK(secret.file.size() == 1);
    const kadapter::ContainerId id = enforcer.bind_cgroup("web", kadapter::cgroup_id_of(kCgroup), secret);
    CHECK(enforcer.container(id).name == "web");

    pid_t pid = 0, unused = 0;
    CHECK(open_in_container(kSecret, pid) == EACCES);
    CHECK(open_in_container(kOther, unused) == 0);
    check_alert(alert_for(enforcer, pid, kSecret), "consumer-block-secret", kSecret);

    // The swap: now the other file is blocked and the secret is not.
    enforcer.apply(id, other);
    CHECK(open_in_container(kSecret, unused) == 0);
    CHECK(open_in_container(kOther, pid) == EACCES);
    check_alert(alert_for(enforcer, pid, kOther), "consumer-block-other", kOther);

    enforcer.unbind(id);
    CHECK(open_in_container(kOther, unused) == 0);
    try {
        enforcer.unbind(id);
        CHECK(false);
    } catch (const kadapter::Error& e) {
        CHECK(e.code() == kadapter::Errc::NotFound);
    }
}

} // namespace

int main()
{
    kadapter_oneshot_begin();
    try {
        run();
    } catch (const std::exception& e) {
        std::printf("consumer-cpp: FAILED: %s\n", e.what());
        ++failures;
    }
    std::printf("consumer-cpp: %d checks, %d failed\n", checks, failures);
    kadapter_oneshot_end(failures ? 1 : 0);
    return 0;
}
