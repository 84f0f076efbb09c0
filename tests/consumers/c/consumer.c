/*
 * A guest agent in C, as someone outside this project writes one: it sees
 * only the installed package (pkg-config kadapter) and is linked statically
 * from it (`pkg-config --static`), since it boots as the guest's init
 * (oneshot_init.h). It loads the programs, binds a cgroup, applies rule
 * sets from policy YAML, and checks a denial and its KubeArmor alert.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <kadapter/kadapter.h>

#include "oneshot_init.h"

static int checks, failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char* what, int line)
{
    checks++;
    if (!ok) {
        failures++;
        printf("consumer-c: FAILED line %d: %s (last error: %s)\n", line, what, kadapter_last_error());
    }
}

static const char* const kSecret = "/etc/consumer-secret";
static const char* const kOther = "/etc/consumer-other";
static const char* const kCgroup = "/sys/fs/cgroup/consumer-c";

static kadapter_ruleset* block(const char* policy_name, const char* path)
{
    char yaml[1024];
    snprintf(yaml, sizeof(yaml),
             "apiVersion: security.kubearmor.com/v1\n"
             "kind: KubeArmorPolicy\n"
             "metadata:\n  name: %s\n  namespace: shop\n"
             "spec:\n"
             "  selector:\n    matchLabels:\n      app: web\n"
             "  severity: 7\n"
             "  tags: [consumer, c]\n"
             "  message: no secrets here\n"
             "  file:\n    matchPaths:\n      - path: %s\n"
             "  action: Block\n",
             policy_name, path);
    kadapter_ruleset* rules = NULL;
    if (kadapter_ruleset_from_policy(yaml, "web", "app=web", NULL, &rules) != KADAPTER_OK)
        printf("consumer-c: policy %s: %s\n", policy_name, kadapter_last_error());
    return rules;
}

/* Opens `path` in a child that joins the bound cgroup: 0 or the errno. */
static int open_in_container(const char* path, pid_t* pid)
{
    pid_t child = fork();
    if (child == 0) {
        char procs[256];
        snprintf(procs, sizeof(procs), "%s/cgroup.procs", kCgroup);
        int fd = open(procs, O_WRONLY);
        if (fd < 0 || write(fd, "0", 1) != 1)
            _exit(100);
        close(fd);
        _exit(open(path, O_RDONLY) >= 0 ? 0 : errno);
    }
    int status = 0;
    waitpid(child, &status, 0);
    *pid = child;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

/* The alert for `pid`'s access to `path`, rendered in the handler. */
struct wanted {
    pid_t pid;
    const char* path;
    char* alert;
};

static void on_event(const struct kadapter_event* event, void* user)
{
    struct wanted* w = user;
    if (w->alert || event->pid != (uint32_t)w->pid || strcmp(event->resource, w->path) != 0)
        return;
    struct kadapter_container_meta meta = {
        .size = sizeof(meta),
        .host_name = "consumer-host",
        .namespace_name = "shop",
        .pod_name = "web-0",
        .labels = "app=web",
        .container_id = "c0ffee",
        .container_name = "web",
        .container_image = "busybox:stable",
    };
    if (kadapter_event_render_kubearmor(event, &meta, &w->alert) != KADAPTER_OK)
        printf("consumer-c: rendering: %s\n", kadapter_last_error());
}

static char* alert_for(kadapter_enforcer* e, pid_t pid, const char* path)
{
    struct wanted w = {pid, path, NULL};
    CHECK(kadapter_set_event_handler(e, on_event, &w) == KADAPTER_OK);
    for (int i = 0; i < 50 && !w.alert; i++)
        kadapter_poll_events(e, 100);
    CHECK(kadapter_set_event_handler(e, NULL, NULL) == KADAPTER_OK);
    return w.alert;
}

static void check_alert(const char* alert, const char* policy, const char* path)
{
    CHECK(alert != NULL);
    if (!alert)
        return;
    printf("consumer-c: alert %s\n", alert);
    char field[512];
    snprintf(field, sizeof(field), "\"PolicyName\":\"%s\"", policy);
    CHECK(strstr(alert, field) != NULL);
    snprintf(field, sizeof(field), "\"Resource\":\"%s\"", path);
    CHECK(strstr(alert, field) != NULL);
    CHECK(strstr(alert, "\"Result\":\"Permission denied\"") != NULL);
    CHECK(strstr(alert, "\"Action\":\"Block\"") != NULL);
    CHECK(strstr(alert, "\"Operation\":\"File\"") != NULL);
    CHECK(strstr(alert, "\"Type\":\"MatchedPolicy\"") != NULL);
    CHECK(strstr(alert, "\"Severity\":\"7\"") != NULL);
    CHECK(strstr(alert, "\"Tags\":\"consumer,c\"") != NULL);
    CHECK(strstr(alert, "\"Message\":\"no secrets here\"") != NULL);
    CHECK(strstr(alert, "\"HostName\":\"consumer-host\"") != NULL);
    CHECK(strstr(alert, "\"PodName\":\"web-0\"") != NULL);
    CHECK(strstr(alert, "\"ContainerName\":\"web\"") != NULL);
    CHECK(strstr(alert, "\"Enforcer\":\"BPFLSM\"") != NULL);
}

static void write_file(const char* path)
{
    FILE* f = fopen(path, "w");
    CHECK(f != NULL && fputs("data\n", f) >= 0 && fclose(f) == 0);
}

int main(void)
{
    kadapter_oneshot_begin();
    printf("consumer-c: built against %s, running %s\n", KADAPTER_VERSION_STRING, kadapter_version());
    CHECK(strcmp(kadapter_version(), KADAPTER_VERSION_STRING) == 0);
    write_file(kSecret);
    write_file(kOther);

    kadapter_enforcer* e = NULL;
    struct kadapter_enforcer_options options = {.size = sizeof(options), .max_alerts_per_sec = 0};
    if (kadapter_enforcer_open(&options, &e) != KADAPTER_OK) {
        printf("consumer-c: FAILED: kadapter_enforcer_open: %s\n", kadapter_last_error());
        kadapter_oneshot_end(1);
    }

    CHECK(mkdir(kCgroup, 0755) == 0);
    uint64_t cgroup = 0;
    CHECK(kadapter_cgroup_id(kCgroup, &cgroup) == KADAPTER_OK);
    kadapter_ruleset* secret = block("consumer-block-secret", kSecret);
    kadapter_ruleset* other = block("consumer-block-other", kOther);
    CHECK(secret && other && kadapter_ruleset_rule_count(secret) == 1);
    kadapter_container_id id = 0;
    CHECK(kadapter_bind_cgroup(e, "web", cgroup, secret, NULL, &id) == KADAPTER_OK);

    pid_t pid = 0, unused = 0;
    CHECK(open_in_container(kSecret, &pid) == EACCES);
    CHECK(open_in_container(kOther, &unused) == 0);
    char* alert = alert_for(e, pid, kSecret);
    check_alert(alert, "consumer-block-secret", kSecret);
    free(alert);

    /* The swap: now the other file is blocked and the secret is not. */
    CHECK(kadapter_apply(e, id, other, NULL) == KADAPTER_OK);
    CHECK(open_in_container(kSecret, &unused) == 0);
    CHECK(open_in_container(kOther, &pid) == EACCES);
    alert = alert_for(e, pid, kOther);
    check_alert(alert, "consumer-block-other", kOther);
    free(alert);

    CHECK(kadapter_unbind(e, id) == KADAPTER_OK);
    CHECK(open_in_container(kOther, &unused) == 0);
    kadapter_ruleset_free(secret);
    kadapter_ruleset_free(other);
    kadapter_enforcer_close(e);

    printf("consumer-c: %d checks, %d failed\n", checks, failures);
    kadapter_oneshot_end(failures ? 1 : 0);
    return 0;
}
