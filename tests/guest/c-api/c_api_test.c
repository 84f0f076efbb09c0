/*
 * The C API (kadapter.h) driving the whole Enforcer, from C. It boots as
 * the guest's init (run_program(), oneshot_init.h): it must own the kernel's
 * BPF-LSM state, and inside the main test guest only the agent may call
 * bpf(). Forked children in bound cgroups stand in for containers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kadapter/kadapter.h"
#include "oneshot_init.h"

static int checks, failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(int ok, const char* what, int line)
{
    checks++;
    if (!ok) {
        failures++;
        printf("c-api-test: FAILED line %d: %s (last error: %s)\n", line, what, kadapter_last_error());
    }
}

static const char* const kSecret = "/etc/c-api-secret";
static const char* const kOther = "/etc/c-api-other";

static void write_file(const char* path, const char* text)
{
    FILE* f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        printf("c-api-test: cannot write %s: %s\n", path, strerror(errno));
}

/* Creates /sys/fs/cgroup/<name> and returns its id (0 on failure). */
static uint64_t make_cgroup(const char* name)
{
    char dir[256];
    uint64_t id = 0;
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s", name);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return 0;
    return kadapter_cgroup_id(dir, &id) == KADAPTER_OK ? id : 0;
}

static void join_cgroup(const char* name)
{
    char procs[256];
    snprintf(procs, sizeof(procs), "/sys/fs/cgroup/%s/cgroup.procs", name);
    write_file(procs, "0");
}

/* Opens `path` for reading in a child that first joins the cgroup (NULL:
 * stays in ours). Returns 0 or the errno; *pid gets the child's pid. */
static int open_in(const char* cgroup, const char* path, pid_t* pid)
{
    pid_t child = fork();
    if (child == 0) {
        if (cgroup)
            join_cgroup(cgroup);
        int fd = open(path, O_RDONLY);
        _exit(fd >= 0 ? 0 : errno);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (pid)
        *pid = child;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static kadapter_ruleset* block_policy(const char* name, const char* path)
{
    char yaml[1024];
    kadapter_ruleset* rules = NULL;
    snprintf(yaml, sizeof(yaml),
             "apiVersion: security.kubearmor.com/v1\n"
             "kind: KubeArmorPolicy\n"
             "metadata:\n  name: %s\n"
             "spec:\n"
             "  severity: 5\n"
             "  tags: [c-api]\n"
             "  file:\n    matchPaths:\n      - path: %s\n"
             "  action: Block\n",
             name, path);
    if (kadapter_ruleset_from_policy(yaml, "app", NULL, NULL, &rules) != KADAPTER_OK)
        printf("c-api-test: policy %s: %s\n", name, kadapter_last_error());
    return rules;
}

/* ---- events ---- */

struct seen_events {
    int count;
    int found; /* the Block of kSecret by `pid` */
    pid_t pid;
    char policy[64], operation[32], kubearmor_operation[32], action[16], container[64], tags[64];
    int error, severity;
    size_t size;
    int has_throttle_sec;
    char* alert;                        /* its KubeArmor alert, rendered in the handler */
    char* bare;                         /* the same with no metadata */
    int render_errors;                  /* what a bad call to the renderer returned, as a bit set */
    const struct kadapter_event* stale; /* the event pointer, kept past its handler */
};

/* Renders `e` as the handler may, and as it may not. */
static void render_alerts(const struct kadapter_event* e, struct seen_events* seen)
{
    struct kadapter_container_meta meta = {
        .size = sizeof(meta),
        .host_name = "c-api-host",
        .namespace_name = "c-api-ns",
        .pod_name = "c-api-pod",
        .labels = "app=c-api",
        .container_id = "c-api-id",
        .container_name = "app",
        .container_image = "busybox:latest",
    };
    if (kadapter_event_render_kubearmor(e, &meta, &seen->alert) != KADAPTER_OK)
        printf("c-api-test: rendering the alert: %s\n", kadapter_last_error());
    if (kadapter_event_render_kubearmor(e, NULL, &seen->bare) != KADAPTER_OK)
        printf("c-api-test: rendering the bare alert: %s\n", kadapter_last_error());

    char* alert = NULL;
    struct kadapter_event copy = *e; /* not the event being delivered */
    if (kadapter_event_render_kubearmor(&copy, &meta, &alert) == KADAPTER_ERR_INVALID_ARGUMENT && alert == NULL &&
        strstr(kadapter_last_error(), "not being delivered"))
        seen->render_errors |= 1;
    struct kadapter_container_meta unset = {0};
    if (kadapter_event_render_kubearmor(e, &unset, &alert) == KADAPTER_ERR_INVALID_ARGUMENT && alert == NULL &&
        strstr(kadapter_last_error(), "set it to sizeof(struct kadapter_container_meta)"))
        seen->render_errors |= 2;
    /* A newer caller's metadata: zeros past the struct are fine, a value is
     * a setting this library cannot honour. */
    struct {
        struct kadapter_container_meta meta;
        const char* newer_field;
    } newer = {{.size = sizeof(newer), .container_name = "newer"}, NULL};
    if (kadapter_event_render_kubearmor(e, &newer.meta, &alert) == KADAPTER_OK &&
        strstr(alert, "\"ContainerName\":\"newer\""))
        seen->render_errors |= 4;
    free(alert);
    alert = NULL;
    newer.newer_field = "set";
    if (kadapter_event_render_kubearmor(e, &newer.meta, &alert) == KADAPTER_ERR_UNSUPPORTED && alert == NULL)
        seen->render_errors |= 8;
    /* An older caller's metadata, which ended after the pod name. */
    struct kadapter_container_meta older = meta;
    older.size = offsetof(struct kadapter_container_meta, labels);
    if (kadapter_event_render_kubearmor(e, &older, &alert) == KADAPTER_OK &&
        strstr(alert, "\"PodName\":\"c-api-pod\"") && strstr(alert, "\"Labels\":\"\"") &&
        strstr(alert, "\"ContainerImage\":\"\""))
        seen->render_errors |= 16;
    free(alert);
    seen->stale = e;
}

static void on_event(const struct kadapter_event* e, void* user)
{
    struct seen_events* seen = user;
    seen->count++;
    if (strcmp(e->resource, kSecret) == 0 && e->pid == (uint32_t)seen->pid) {
        seen->found = 1;
        snprintf(seen->policy, sizeof(seen->policy), "%s", e->policy);
        snprintf(seen->operation, sizeof(seen->operation), "%s", e->operation);
        snprintf(seen->kubearmor_operation, sizeof(seen->kubearmor_operation), "%s", e->kubearmor_operation);
        snprintf(seen->action, sizeof(seen->action), "%s", e->action);
        snprintf(seen->container, sizeof(seen->container), "%s", e->container);
        snprintf(seen->tags, sizeof(seen->tags), "%s", e->tags);
        seen->error = e->error;
        seen->severity = e->severity;
        seen->size = e->size;
        seen->has_throttle_sec = KADAPTER_HAS_FIELD(e, struct kadapter_event, throttle_sec);
        render_alerts(e, seen);
    }
}

static void timed(const char* name, void (*fn)(kadapter_enforcer*), kadapter_enforcer* e)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    fn(e);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("c-api-test: %s: %ld ms\n", name, (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000);
}

/* ---- cases ---- */

static void errors_are_codes_and_messages(void)
{
    kadapter_ruleset* rules = NULL;
    const char* misspelled = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
                             "metadata:\n  name: bad\nspec:\n  file:\n    matchPaths:\n      - pth: /x\n"
                             "  action: Block\n";
    CHECK(kadapter_ruleset_from_policy(misspelled, NULL, NULL, NULL, &rules) == KADAPTER_ERR_INVALID_POLICY);
    CHECK(rules == NULL);
    CHECK(strstr(kadapter_last_error(), "spec.file.matchPaths[0]") != NULL);

    CHECK(kadapter_ruleset_from_policy(NULL, NULL, NULL, NULL, &rules) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(strstr(kadapter_last_error(), "policy is NULL") != NULL);
    CHECK(kadapter_ruleset_from_policy("kind: ConfigMap\n", NULL, NULL, NULL, &rules) == KADAPTER_ERR_INVALID_POLICY);
    const char* valid = "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
                        "metadata:\n  name: good\nspec:\n  file:\n    matchPaths:\n      - path: /x\n"
                        "  action: Block\n";
    CHECK(kadapter_ruleset_from_policy(valid, NULL, "no-equals-sign", NULL, &rules) == KADAPTER_ERR_INVALID_POLICY);
    CHECK(kadapter_ruleset_from_policy(valid, NULL, NULL, "file=maybe", &rules) == KADAPTER_ERR_INVALID_POLICY);
    CHECK(strstr(kadapter_last_error(), "maybe") != NULL);
    CHECK(kadapter_ruleset_from_policy(valid, NULL, NULL, "file=block", &rules) == KADAPTER_OK);
    CHECK(kadapter_ruleset_rule_count(rules) == 1);
    kadapter_ruleset_free(rules);
    rules = NULL;
    CHECK(strcmp(kadapter_status_string(KADAPTER_ERR_NOT_FOUND), "not found") == 0);

    struct kadapter_enforcer_options tiny = {.size = 1};
    kadapter_enforcer* e = NULL;
    CHECK(kadapter_enforcer_open(&tiny, &e) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(e == NULL);
    /* A newer program's options with a setting this library does not know:
     * refused, not ignored. */
    struct {
        struct kadapter_enforcer_options options;
        uint32_t newer_setting;
    } newer = {{.size = sizeof(newer), .max_alerts_per_sec = 5}, 1};
    CHECK(kadapter_enforcer_open(&newer.options, &e) == KADAPTER_ERR_UNSUPPORTED);
    CHECK(strstr(kadapter_last_error(), "does not know") != NULL);
    CHECK(e == NULL);

    CHECK(strcmp(kadapter_version(), KADAPTER_VERSION_STRING) == 0);
    CHECK(KADAPTER_VERSION_NUMBER ==
          KADAPTER_VERSION_ENCODE(KADAPTER_VERSION_MAJOR, KADAPTER_VERSION_MINOR, KADAPTER_VERSION_PATCH));
}

/* Structs from programs built against a shorter (older) or a longer
 * (newer) kadapter.h. */
static void structs_of_other_sizes(kadapter_enforcer* e)
{
    struct kadapter_stats unset = {0};
    CHECK(kadapter_get_stats(e, &unset) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(strstr(kadapter_last_error(), "out->size is 0: set it to sizeof(struct kadapter_stats)") != NULL);

    /* Older: its struct ended after events_throttled. Nothing past it is written. */
    union {
        struct kadapter_stats stats;
        unsigned char bytes[sizeof(struct kadapter_stats)];
    } older;
    const size_t older_size = offsetof(struct kadapter_stats, unresolvable);
    memset(&older, 0xa5, sizeof(older));
    older.stats.size = older_size;
    CHECK(kadapter_get_stats(e, &older.stats) == KADAPTER_OK);
    CHECK(older.stats.size == older_size);
    CHECK(older.stats.events_dropped == 0);
    int untouched = 1;
    for (size_t i = older_size; i < sizeof(older); i++)
        untouched &= older.bytes[i] == 0xa5;
    CHECK(untouched);

    /* Newer: filled as far as this library knows, and `size` says how far. */
    struct {
        struct kadapter_stats stats;
        uint64_t newer_field;
    } newer;
    memset(&newer, 0xa5, sizeof(newer));
    newer.stats.size = sizeof(newer);
    CHECK(kadapter_get_stats(e, &newer.stats) == KADAPTER_OK);
    CHECK(newer.stats.size == sizeof(struct kadapter_stats));
    CHECK(newer.stats.hooks >= 20);
    CHECK(newer.newer_field == 0xa5a5a5a5a5a5a5a5ull);

    /* Container info from an older program whose struct ended after the name. */
    kadapter_ruleset* rules = block_policy("c-api-sizes", kSecret);
    kadapter_container_id id = 0;
    CHECK(kadapter_bind_cgroup(e, "sizes", make_cgroup("sizes"), rules, NULL, &id) == KADAPTER_OK);
    union {
        struct kadapter_container_info info;
        unsigned char bytes[sizeof(struct kadapter_container_info)];
    } info;
    const size_t info_size = offsetof(struct kadapter_container_info, kind);
    memset(&info, 0xa5, sizeof(info));
    info.info.size = info_size;
    CHECK(kadapter_get_container_info(e, id, &info.info) == KADAPTER_OK);
    CHECK(info.info.id == id && strcmp(info.info.name, "sizes") == 0);
    untouched = 1;
    for (size_t i = info_size; i < sizeof(info); i++)
        untouched &= info.bytes[i] == 0xa5;
    CHECK(untouched);
    info.info.size = 0;
    CHECK(kadapter_get_container_info(e, id, &info.info) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(kadapter_unbind(e, id) == KADAPTER_OK);
    kadapter_ruleset_free(rules);
}

static void bind_apply_unbind(kadapter_enforcer* e)
{
    struct seen_events seen = {0};
    CHECK(kadapter_set_event_handler(e, on_event, &seen) == KADAPTER_OK);

    uint64_t cg = make_cgroup("c1");
    CHECK(cg != 0);
    kadapter_ruleset* secret = block_policy("c-api-block", kSecret);
    kadapter_ruleset* other = block_policy("c-api-other", kOther);
    CHECK(secret && other);
    CHECK(kadapter_ruleset_rule_count(secret) == 1);
    kadapter_container_id id = 0;
    CHECK(kadapter_bind_cgroup(e, "c1", cg, secret, NULL, &id) == KADAPTER_OK);

    /* The container is denied; this init, outside it, is not. */
    CHECK(open_in("c1", kSecret, &seen.pid) == EACCES);
    CHECK(open_in("c1", kOther, NULL) == 0);
    CHECK(open_in(NULL, kSecret, NULL) == 0);

    for (int i = 0; i < 20 && !seen.found; i++)
        kadapter_poll_events(e, 100);
    CHECK(seen.found);
    CHECK(strcmp(seen.policy, "c-api-block") == 0);
    CHECK(strcmp(seen.operation, "open") == 0);
    CHECK(strcmp(seen.kubearmor_operation, "File") == 0);
    CHECK(strcmp(seen.action, "Block") == 0);
    CHECK(strcmp(seen.container, "c1") == 0);
    CHECK(strcmp(seen.tags, "c-api") == 0);
    CHECK(seen.severity == 5);
    CHECK(seen.error == -EACCES);
    CHECK(seen.size == sizeof(struct kadapter_event));
    CHECK(seen.has_throttle_sec);

    /* The alert, in KubeArmor's format, with the caller's metadata. */
    CHECK(seen.alert != NULL);
    if (seen.alert) {
        printf("c-api-test: alert %s\n", seen.alert);
        CHECK(strstr(seen.alert, "\"PolicyName\":\"c-api-block\"") != NULL);
        CHECK(strstr(seen.alert, "\"Resource\":\"/etc/c-api-secret\"") != NULL);
        CHECK(strstr(seen.alert, "\"Operation\":\"File\"") != NULL);
        CHECK(strstr(seen.alert, "\"Action\":\"Block\"") != NULL);
        CHECK(strstr(seen.alert, "\"Result\":\"Permission denied\"") != NULL);
        CHECK(strstr(seen.alert, "\"Severity\":\"5\"") != NULL);
        CHECK(strstr(seen.alert, "\"ATags\":[\"c-api\"]") != NULL);
        CHECK(strstr(seen.alert, "\"HostName\":\"c-api-host\"") != NULL);
        CHECK(strstr(seen.alert, "\"NamespaceName\":\"c-api-ns\"") != NULL);
        CHECK(strstr(seen.alert, "\"PodName\":\"c-api-pod\"") != NULL);
        CHECK(strstr(seen.alert, "\"Labels\":\"app=c-api\"") != NULL);
        CHECK(strstr(seen.alert, "\"ContainerID\":\"c-api-id\"") != NULL);
        CHECK(strstr(seen.alert, "\"ContainerImage\":\"busybox:latest\"") != NULL);
        CHECK(strstr(seen.alert, "\"Data\":\"lsm=FILE_OPEN\"") != NULL);
        CHECK(strchr(seen.alert, '\n') == NULL);
    }
    CHECK(seen.bare != NULL && strstr(seen.bare, "\"PodName\":\"\"") != NULL &&
          strstr(seen.bare, "\"PolicyName\":\"c-api-block\"") != NULL);
    free(seen.alert);
    free(seen.bare);
    CHECK(seen.render_errors == 31);
    /* Past its handler, the event is refused, not read. */
    char* late = NULL;
    CHECK(kadapter_event_render_kubearmor(seen.stale, NULL, &late) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(late == NULL);
    CHECK(kadapter_event_render_kubearmor(seen.stale, NULL, NULL) == KADAPTER_ERR_INVALID_ARGUMENT);

    struct kadapter_container_info before = {.size = sizeof(before)}, after = {.size = sizeof(after)};
    CHECK(kadapter_get_container_info(e, id, &before) == KADAPTER_OK);
    CHECK(strcmp(before.name, "c1") == 0);
    CHECK(before.kind == KADAPTER_BIND_CGROUP);
    CHECK(before.key == cg);

    /* The swap: the other file is blocked now, the secret no longer. */
    CHECK(kadapter_apply(e, id, other, NULL) == KADAPTER_OK);
    CHECK(open_in("c1", kSecret, NULL) == 0);
    CHECK(open_in("c1", kOther, NULL) == EACCES);
    CHECK(kadapter_get_container_info(e, id, &after) == KADAPTER_OK);
    CHECK(after.ruleset_id > before.ruleset_id);

    /* Errors change nothing. */
    kadapter_container_id again = 0;
    CHECK(kadapter_bind_cgroup(e, "c1-again", cg, secret, NULL, &again) == KADAPTER_ERR_ALREADY_EXISTS);
    CHECK(strstr(kadapter_last_error(), "c1") != NULL);
    CHECK(kadapter_apply(e, 999999, secret, NULL) == KADAPTER_ERR_NOT_FOUND);
    CHECK(kadapter_unbind(e, 999999) == KADAPTER_ERR_NOT_FOUND);
    CHECK(kadapter_apply(e, id, NULL, NULL) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(open_in("c1", kOther, NULL) == EACCES);

    /* A process an agent starts from outside (an exec) is bound by marking
     * it before it runs, wherever its cgroup is: this child stays in ours. */
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t marked = fork();
    if (marked == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(100);
        int fd = open(kOther, O_RDONLY);
        _exit(fd >= 0 ? 0 : errno);
    }
    close(go[0]);
    CHECK(kadapter_mark_external(e, 999999, marked) == KADAPTER_ERR_NOT_FOUND);
    CHECK(kadapter_mark_external(e, id, 0) == KADAPTER_ERR_INVALID_ARGUMENT);
    CHECK(kadapter_mark_external(e, id, marked) == KADAPTER_OK);
    CHECK(write(go[1], "g", 1) == 1);
    close(go[1]);
    int status = 0;
    CHECK(waitpid(marked, &status, 0) == marked && WIFEXITED(status) && WEXITSTATUS(status) == EACCES);

    CHECK(kadapter_unbind(e, id) == KADAPTER_OK);
    CHECK(open_in("c1", kOther, NULL) == 0);
    CHECK(kadapter_set_event_handler(e, NULL, NULL) == KADAPTER_OK);
    kadapter_ruleset_free(secret);
    kadapter_ruleset_free(other);
}

static void bind_by_pid(kadapter_enforcer* e)
{
    kadapter_ruleset* secret = block_policy("c-api-pid", kSecret);

    /* A process in its own cgroup: bound by cgroup. */
    int go[2], done[2];
    CHECK(pipe(go) == 0 && pipe(done) == 0);
    make_cgroup("c2");
    pid_t child = fork();
    if (child == 0) {
        join_cgroup("c2");
        char b;
        if (write(done[1], "r", 1) != 1 || read(go[0], &b, 1) != 1)
            _exit(101);
        int fd = open(kSecret, O_RDONLY);
        _exit(fd >= 0 ? 0 : errno);
    }
    char b;
    CHECK(read(done[0], &b, 1) == 1); /* it is in c2 now */
    kadapter_container_id id = 0;
    CHECK(kadapter_bind_pid(e, "by-pid", child, secret, NULL, &id) == KADAPTER_OK);
    struct kadapter_container_info info = {.size = sizeof(info)};
    CHECK(kadapter_get_container_info(e, id, &info) == KADAPTER_OK);
    CHECK(info.kind == KADAPTER_BIND_CGROUP);
    CHECK(write(go[1], "g", 1) == 1);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EACCES);
    CHECK(kadapter_unbind(e, id) == KADAPTER_OK);

    /* A process sharing our cgroup but with its own pid namespace: bound
     * by the namespace. The middle child creates it; its first child is
     * the namespace's init. */
    int pidpipe[2];
    CHECK(pipe(pidpipe) == 0);
    pid_t middle = fork();
    if (middle == 0) {
        if (unshare(CLONE_NEWPID) != 0)
            _exit(100);
        pid_t inner = fork();
        if (inner == 0) {
            char c;
            if (read(go[0], &c, 1) != 1)
                _exit(101);
            int fd = open(kSecret, O_RDONLY);
            _exit(fd >= 0 ? 0 : errno);
        }
        if (write(pidpipe[1], &inner, sizeof(inner)) != sizeof(inner))
            _exit(102);
        int st = 0;
        waitpid(inner, &st, 0);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 255);
    }
    pid_t inner = 0;
    CHECK(read(pidpipe[0], &inner, sizeof(inner)) == sizeof(inner));
    CHECK(kadapter_bind_pid(e, "by-pidns", inner, secret, NULL, &id) == KADAPTER_OK);
    CHECK(kadapter_get_container_info(e, id, &info) == KADAPTER_OK);
    CHECK(info.kind == KADAPTER_BIND_PID_NAMESPACE);
    CHECK(write(go[1], "g", 1) == 1);
    waitpid(middle, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == EACCES);
    CHECK(open_in(NULL, kSecret, NULL) == 0); /* we share the cgroup, not the namespace */
    CHECK(kadapter_unbind(e, id) == KADAPTER_OK);

    /* Our own process cannot be bound: that would bind the agent. */
    CHECK(kadapter_bind_pid(e, "self", getpid(), secret, NULL, &id) == KADAPTER_ERR_INVALID_ARGUMENT);
    kadapter_ruleset_free(secret);
    close(go[0]);
    close(go[1]);
    close(done[0]);
    close(done[1]);
    close(pidpipe[0]);
    close(pidpipe[1]);
}

/* 1,024 containers bound at once, and one with 10,000 rules. */
static void capacity(kadapter_enforcer* e)
{
    enum { kContainers = 1024 };
    static kadapter_container_id ids[kContainers];
    struct kadapter_stats before = {.size = sizeof(before)}, during = before, after = before;
    CHECK(kadapter_get_stats(e, &before) == KADAPTER_OK);

    kadapter_ruleset* secret = block_policy("c-api-many", kSecret);
    int bound = 0;
    for (int i = 0; i < kContainers; i++) {
        char name[32];
        snprintf(name, sizeof(name), "many-%d", i);
        uint64_t cg = make_cgroup(name);
        if (cg && kadapter_bind_cgroup(e, name, cg, secret, NULL, &ids[i]) == KADAPTER_OK)
            bound++;
        else
            printf("c-api-test: binding %s: %s\n", name, kadapter_last_error());
    }
    CHECK(bound == kContainers);
    size_t count = 0;
    CHECK(kadapter_containers(e, NULL, 0, &count) == KADAPTER_OK);
    CHECK(count == kContainers);
    CHECK(open_in("many-0", kSecret, NULL) == EACCES);
    CHECK(open_in("many-777", kSecret, NULL) == EACCES);
    CHECK(open_in("many-1023", kSecret, NULL) == EACCES);
    CHECK(open_in("many-1023", kOther, NULL) == 0);

    /* 10,000 file rules in one container. */
    size_t cap = 64 * 10000 + 1024;
    char* yaml = malloc(cap);
    size_t n = (size_t)snprintf(yaml, cap,
                                "apiVersion: security.kubearmor.com/v1\nkind: KubeArmorPolicy\n"
                                "metadata:\n  name: ten-thousand\nspec:\n  file:\n    matchPaths:\n"
                                "      - path: %s\n",
                                kSecret);
    for (int i = 1; i < 10000; i++)
        n += (size_t)snprintf(yaml + n, cap - n, "      - path: /data/%d/file-%d\n", i % 97, i);
    snprintf(yaml + n, cap - n, "  action: Block\n");
    kadapter_ruleset* big = NULL;
    CHECK(kadapter_ruleset_from_policy(yaml, NULL, NULL, NULL, &big) == KADAPTER_OK);
    free(yaml);
    CHECK(kadapter_ruleset_rule_count(big) == 10000);
    kadapter_container_id big_id = 0;
    uint64_t cg = make_cgroup("big");
    CHECK(kadapter_bind_cgroup(e, "big", cg, big, NULL, &big_id) == KADAPTER_OK);
    struct kadapter_container_info info = {.size = sizeof(info)};
    CHECK(kadapter_get_container_info(e, big_id, &info) == KADAPTER_OK);
    CHECK(info.map_entries > 10000);
    CHECK(open_in("big", kSecret, NULL) == EACCES);
    CHECK(open_in("big", kOther, NULL) == 0);

    CHECK(kadapter_get_stats(e, &during) == KADAPTER_OK);
    CHECK(during.kernel_bindings == before.kernel_bindings + kContainers + 1);

    int unbound = 0;
    for (int i = 0; i < kContainers; i++)
        unbound += kadapter_unbind(e, ids[i]) == KADAPTER_OK;
    CHECK(unbound == kContainers);
    CHECK(kadapter_unbind(e, big_id) == KADAPTER_OK);
    CHECK(kadapter_get_stats(e, &after) == KADAPTER_OK);
    CHECK(after.kernel_bindings == before.kernel_bindings); /* nothing left behind */
    CHECK(after.kernel_automata == before.kernel_automata);
    CHECK(open_in("many-777", kSecret, NULL) == 0);
    kadapter_ruleset_free(secret);
    kadapter_ruleset_free(big);
}

/* Opens `path` `n` times in a child in `cgroup`; returns how many failed
 * with EACCES. */
static int denied_opens(const char* cgroup, const char* path, int n)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t child = fork();
    if (child == 0) {
        join_cgroup(cgroup);
        int denied = 0;
        for (int i = 0; i < n; i++) {
            int fd = open(path, O_RDONLY);
            if (fd >= 0)
                close(fd);
            else if (errno == EACCES)
                denied++;
        }
        _exit(write(fds[1], &denied, sizeof(denied)) == sizeof(denied) ? 0 : 1);
    }
    close(fds[1]);
    int denied = -1;
    if (read(fds[0], &denied, sizeof(denied)) != sizeof(denied))
        denied = -1;
    close(fds[0]);
    waitpid(child, NULL, 0);
    return denied;
}

struct alert_counts {
    int noisy, noisy_threshold, quiet;
    uint32_t max_alerts_per_sec, throttle_sec;
};

static void count_alert(const struct kadapter_event* e, void* user)
{
    struct alert_counts* c = user;
    if (strcmp(e->container, "noisy") == 0 && strcmp(e->kubearmor_operation, "AlertThreshold") == 0) {
        c->noisy_threshold++;
        c->max_alerts_per_sec = e->max_alerts_per_sec;
        c->throttle_sec = e->throttle_sec;
    } else if (strcmp(e->container, "noisy") == 0) {
        c->noisy++;
    } else if (strcmp(e->container, "quiet") == 0) {
        c->quiet++;
    }
}

/* The per-container alert budget: a container that trips it gets one
 * threshold record and no more alerts for a while, but every operation is
 * still enforced, and other containers' alerts still flow. */
static void alert_rate_limit(void)
{
    kadapter_enforcer* e = NULL;
    /* Options from a program built when the struct ended before
     * throttle_sec: its throttle_sec (99 here) is not read, the default
     * (30 s) applies. */
    struct kadapter_enforcer_options options = {
        .size = offsetof(struct kadapter_enforcer_options, throttle_sec), .max_alerts_per_sec = 5, .throttle_sec = 99};
    CHECK(kadapter_enforcer_open(&options, &e) == KADAPTER_OK);
    if (!e)
        return;
    struct alert_counts counts = {0};
    CHECK(kadapter_set_event_handler(e, count_alert, &counts) == KADAPTER_OK);
    kadapter_ruleset* secret = block_policy("c-api-noisy", kSecret);
    kadapter_container_id noisy = 0, quiet = 0;
    CHECK(kadapter_bind_cgroup(e, "noisy", make_cgroup("noisy"), secret, NULL, &noisy) == KADAPTER_OK);
    CHECK(kadapter_bind_cgroup(e, "quiet", make_cgroup("quiet"), secret, NULL, &quiet) == KADAPTER_OK);

    CHECK(denied_opens("noisy", kSecret, 200) == 200); /* enforced, every one */
    CHECK(denied_opens("quiet", kSecret, 3) == 3);
    for (int i = 0; i < 10; i++)
        kadapter_poll_events(e, 100);

    printf("c-api-test: rate limit: noisy %d alerts + %d threshold records, quiet %d alerts\n", counts.noisy,
           counts.noisy_threshold, counts.quiet);
    /* 200 denials in well under a second (and at most one window boundary). */
    CHECK(counts.noisy >= 5 && counts.noisy <= 10);
    CHECK(counts.noisy_threshold >= 1 && counts.noisy_threshold <= 2);
    CHECK(counts.max_alerts_per_sec == 5);
    CHECK(counts.throttle_sec == 30);
    CHECK(counts.quiet == 3);
    struct kadapter_stats stats = {.size = sizeof(stats)};
    CHECK(kadapter_get_stats(e, &stats) == KADAPTER_OK);
    CHECK(stats.events_throttled >= 180);

    kadapter_ruleset_free(secret);
    kadapter_enforcer_close(e);
}

int main(void)
{
    kadapter_oneshot_begin();
    write_file(kSecret, "secret\n");
    write_file(kOther, "other\n");

    errors_are_codes_and_messages();

    kadapter_enforcer* e = NULL;
    struct kadapter_enforcer_options options = {.size = sizeof(options), .max_alerts_per_sec = 0};
    if (kadapter_enforcer_open(&options, &e) != KADAPTER_OK) {
        printf("c-api-test: FAILED: kadapter_enforcer_open: %s\n", kadapter_last_error());
        kadapter_oneshot_end(1);
    }
    struct kadapter_stats stats = {.size = sizeof(stats)};
    CHECK(kadapter_get_stats(e, &stats) == KADAPTER_OK);
    CHECK(stats.hooks >= 20);
    CHECK(kadapter_event_fd(e) >= 0);

    timed("bind, apply, unbind, events", bind_apply_unbind, e);
    timed("structs of other sizes", structs_of_other_sizes, e);
    timed("bind by pid", bind_by_pid, e);
    timed("1,024 containers and 10,000 rules", capacity, e);

    /* Closing detaches the programs: a bound cgroup is free again. */
    kadapter_ruleset* secret = block_policy("c-api-close", kSecret);
    kadapter_container_id id = 0;
    CHECK(kadapter_bind_cgroup(e, "c1", make_cgroup("c1"), secret, NULL, &id) == KADAPTER_OK);
    CHECK(open_in("c1", kSecret, NULL) == EACCES);
    kadapter_enforcer_close(e);
    CHECK(open_in("c1", kSecret, NULL) == 0);
    kadapter_ruleset_free(secret);

    alert_rate_limit(); /* with an enforcer of its own */

    printf("c-api-test: %d checks, %d failed\n", checks, failures);
    kadapter_oneshot_end(failures ? 1 : 0);
    return 0;
}
