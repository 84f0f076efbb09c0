/*
 * libkadapter's C API, for guest agents written in C, Rust or Go.
 *
 * The same engine as kadapter::Enforcer (enforcer.hpp) behind opaque
 * handles. Every call that can fail returns a kadapter_status; on failure
 * kadapter_last_error() holds a message for a person (per thread, until the
 * next failing call) and nothing was changed.
 *
 *   kadapter_enforcer *e;
 *   kadapter_ruleset *rules;
 *   kadapter_container_id id;
 *   if (kadapter_enforcer_open(NULL, &e) != KADAPTER_OK) die(kadapter_last_error());
 *   kadapter_ruleset_from_policy(yaml, "web", "app=web", "file=block", &rules);
 *   kadapter_bind_cgroup(e, "web", cgroup_id, rules, NULL, &id);
 *   kadapter_set_event_handler(e, on_event, ctx);
 *   kadapter_poll_events(e, 100);
 *   kadapter_unbind(e, id);
 *   kadapter_ruleset_free(rules);
 *   kadapter_enforcer_close(e);
 *
 * Handles may be used from several threads; the event handler runs on the
 * thread that polls.
 *
 * Structs that may grow start with `size`, so that programs and libraries
 * of different releases work together:
 *   - a struct the caller passes in (options, container metadata) or out
 *     (container info, stats): set `size` to its sizeof before the call.
 *     The library reads the fields within `size` and takes defaults for the
 *     rest; a struct longer than it knows must hold zeros past its end (a
 *     setting it cannot honour is refused, not ignored). It writes only
 *     within `size`, and sets `size` to the bytes it wrote.
 *   - a struct the library passes to the caller (events): `size` is the
 *     bytes it filled; KADAPTER_HAS_FIELD() tells whether a newer field is
 *     there.
 */
#ifndef KADAPTER_KADAPTER_H
#define KADAPTER_KADAPTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kadapter/export.h"
#include "kadapter/version.h"

#ifdef __cplusplus
extern "C" {
#endif

KADAPTER_PUBLIC_BEGIN

typedef enum kadapter_status {
    KADAPTER_OK = 0,
    KADAPTER_ERR_INVALID_ARGUMENT = -1,   /* bad input: rule, path, id, NULL */
    KADAPTER_ERR_UNSUPPORTED = -2,        /* the kernel or this build cannot enforce it */
    KADAPTER_ERR_NOT_FOUND = -3,          /* no such container */
    KADAPTER_ERR_ALREADY_EXISTS = -4,     /* container already bound */
    KADAPTER_ERR_RESOURCE_EXHAUSTED = -5, /* a limit was exceeded */
    KADAPTER_ERR_SYSTEM = -6,             /* a system call failed: kadapter_last_errno() */
    KADAPTER_ERR_INVALID_POLICY = -7,     /* the policy text is invalid */
    KADAPTER_ERR_NO_MEMORY = -8,
    KADAPTER_ERR_INTERNAL = -9,
} kadapter_status;

/* The message of this thread's last failed call ("" when none). */
const char* kadapter_last_error(void);
/* The errno behind this thread's last failed call, 0 when none. */
int kadapter_last_errno(void);
/* "ok", "invalid argument", ... */
const char* kadapter_status_string(kadapter_status status);

/* Whether the struct at `ptr` (with its `size`) holds `field` entirely. */
#define KADAPTER_HAS_FIELD(ptr, type, field) ((ptr)->size >= offsetof(type, field) + sizeof(((type*)0)->field))

typedef struct kadapter_enforcer kadapter_enforcer;
typedef struct kadapter_ruleset kadapter_ruleset;
typedef uint64_t kadapter_container_id;

/* ---- rule sets ---- */

/*
 * Compiles the KubeArmorPolicy / KubeArmorClusterPolicy documents in
 * `policy` (YAML, or the annotation's compact form) that select a container
 * into its rule set.
 *   container_name  io.kubernetes.cri.container-name (NULL: none)
 *   labels          the pod's labels "k=v,k=v" ("": it has none); NULL: not
 *                   known, so label selectors are not compared
 *   postures        "file=block,network=audit,capabilities=audit" or NULL
 * A policy kadapter cannot enforce as written is an error, never weakened.
 */
kadapter_status kadapter_ruleset_from_policy(const char* policy, const char* container_name, const char* labels,
                                             const char* postures, kadapter_ruleset** out);
/* A rule set with no rules: the container is bound but nothing is denied. */
kadapter_status kadapter_ruleset_new_empty(kadapter_ruleset** out);
size_t kadapter_ruleset_rule_count(const kadapter_ruleset* rules);
void kadapter_ruleset_free(kadapter_ruleset* rules);

/* ---- the enforcer ---- */

struct kadapter_enforcer_options {
    size_t size;                 /* sizeof(struct kadapter_enforcer_options) */
    uint32_t max_alerts_per_sec; /* per container; 0 = unlimited (default 10) */
    uint32_t throttle_sec;       /* pause after the limit trips (default 30) */
};

/* Loads and attaches the BPF-LSM programs. `options` may be NULL. */
kadapter_status kadapter_enforcer_open(const struct kadapter_enforcer_options* options, kadapter_enforcer** out);
/* Detaches everything; every container it bound is unbound. */
void kadapter_enforcer_close(kadapter_enforcer* enforcer);

/*
 * Binds a cgroup v2 (by id, see kadapter_cgroup_id) and applies `rules`
 * before returning. `root` is the container's root as seen from the caller,
 * used to resolve rule paths; NULL: the caller's own root.
 */
kadapter_status kadapter_bind_cgroup(kadapter_enforcer* enforcer, const char* name, uint64_t cgroup_id,
                                     const kadapter_ruleset* rules, const char* root, kadapter_container_id* out);
/* Binds the container process `pid` runs in: its own cgroup, or its pid
 * namespace when the cgroup is shared with the caller. */
kadapter_status kadapter_bind_pid(kadapter_enforcer* enforcer, const char* name, pid_t pid,
                                  const kadapter_ruleset* rules, const char* root, kadapter_container_id* out);
/* Replaces the container's whole rule set atomically. `root` NULL: keep. */
kadapter_status kadapter_apply(kadapter_enforcer* enforcer, kadapter_container_id id, const kadapter_ruleset* rules,
                               const char* root);
kadapter_status kadapter_unbind(kadapter_enforcer* enforcer, kadapter_container_id id);
/* Marks a process the agent started in the container from outside (an
 * exec, as `kubectl exec` makes), before it runs anything: the `exec`
 * preset governs it and its descendants. It is bound to the container. */
kadapter_status kadapter_mark_external(kadapter_enforcer* enforcer, kadapter_container_id id, pid_t pid);

/* The id of a cgroup v2 directory, e.g. "/sys/fs/cgroup/pod1/ctr1". */
kadapter_status kadapter_cgroup_id(const char* cgroup_dir, uint64_t* out);

enum kadapter_binding_kind {
    KADAPTER_BIND_CGROUP = 0,
    KADAPTER_BIND_PID_NAMESPACE = 1,
};

struct kadapter_container_info {
    size_t size; /* set by the caller: sizeof(struct kadapter_container_info) */
    kadapter_container_id id;
    char name[256];       /* truncated if longer */
    int kind;             /* enum kadapter_binding_kind */
    uint64_t key;         /* cgroup id or pid namespace inode */
    uint64_t ruleset_id;  /* changes with every apply */
    uint64_t map_entries; /* entries in its kernel rule map */
};

/* Set out->size first (see the top of this file). */
kadapter_status kadapter_get_container_info(const kadapter_enforcer* enforcer, kadapter_container_id id,
                                            struct kadapter_container_info* out);
/* Writes up to `capacity` ids; *count is the number of bound containers. */
kadapter_status kadapter_containers(const kadapter_enforcer* enforcer, kadapter_container_id* ids, size_t capacity,
                                    size_t* count);

struct kadapter_stats {
    size_t size;                   /* set by the caller: sizeof(struct kadapter_stats) */
    uint64_t events_dropped;       /* ring buffer full */
    uint64_t events_throttled;     /* per-container rate limit */
    uint64_t unresolvable;         /* accesses denied: path not evaluable */
    uint64_t inconsistent;         /* rule set swapped twice in one evaluation */
    uint64_t kernel_bindings;      /* containers bound in the kernel */
    uint64_t kernel_alert_budgets; /* per-container alert budgets in the kernel */
    uint64_t kernel_automata;      /* matchPatterns automata in the kernel */
    uint32_t hooks;                /* attached LSM hooks */
};

/* Set out->size first (see the top of this file). */
kadapter_status kadapter_get_stats(const kadapter_enforcer* enforcer, struct kadapter_stats* out);

/* ---- events ---- */

/* One Block, Audit or default-posture decision. Strings are never NULL and
 * live until the handler returns. */
struct kadapter_event {
    size_t size;           /* set by the library: the bytes it filled */
    uint64_t timestamp_ns; /* CLOCK_REALTIME */
    kadapter_container_id container_id;
    const char* container; /* name given at bind time */
    uint64_t cgroup_id;
    uint32_t pid, tid, ppid, uid; /* guest ids */
    uint32_t ns_pid, ns_ppid;     /* as the container sees them */
    const char* comm;
    const char* executable;
    const char* operation;           /* "open", "exec", "socket", "capability", ... */
    const char* kubearmor_operation; /* "File", "Process", "Network", ... */
    const char* resource;            /* path, "protocol=TCP ...", "CAP_NET_RAW" */
    uint32_t flags;
    const char* action; /* "Block", "Audit", "Allow" */
    const char* reason; /* "rule", "default posture", "unresolvable path", ... */
    int error;          /* 0 = passed, else the negative errno returned */
    /* The rule, when a rule decided; "" and 0 otherwise. */
    const char* policy;
    const char* policy_namespace;
    const char* rule_field; /* e.g. "spec.file.matchPaths[0]" */
    int severity;
    const char* message;
    const char* tags; /* comma-separated */
    /* "AlertThreshold" events */
    uint32_t max_alerts_per_sec, throttle_sec;
};

typedef void (*kadapter_event_fn)(const struct kadapter_event* event, void* user);

/* NULL removes the handler. */
kadapter_status kadapter_set_event_handler(kadapter_enforcer* enforcer, kadapter_event_fn handler, void* user);
/* Readable when events are pending: for poll/epoll loops. */
int kadapter_event_fd(const kadapter_enforcer* enforcer);
/* Delivers pending events, waiting up to timeout_ms for the first; returns
 * the number delivered, or a negative kadapter_status. */
int kadapter_poll_events(kadapter_enforcer* enforcer, int timeout_ms);

/* ---- alerts ---- */

/* What a KubeArmor alert says about the container besides the event: what
 * the agent knows from the pod and the container's spec. NULL is "". */
struct kadapter_container_meta {
    size_t size;                 /* sizeof(struct kadapter_container_meta) */
    const char* host_name;       /* HostName: the node (the guest's hostname) */
    const char* namespace_name;  /* NamespaceName */
    const char* pod_name;        /* PodName */
    const char* labels;          /* Labels: the pod's labels, "k=v,k=v" */
    const char* container_id;    /* ContainerID */
    const char* container_name;  /* ContainerName */
    const char* container_image; /* ContainerImage */
};

/*
 * Renders `event` as one KubeArmor alert: a JSON object on one line (no
 * newline) with the field names KubeArmor's own alerts have, as karmor and
 * kubearmor-relay read them. `meta` may be NULL (its fields are all "").
 *
 * Call it from the event handler, with the event it was given: the event's
 * strings end with the handler, and an event that is not being delivered
 * (a copy, or one kept past its handler) is refused with
 * KADAPTER_ERR_INVALID_ARGUMENT rather than read. On success *alert is a
 * string from malloc() for the caller to free(); on failure it is NULL.
 */
kadapter_status kadapter_event_render_kubearmor(const struct kadapter_event* event,
                                                const struct kadapter_container_meta* meta, char** alert);

KADAPTER_PUBLIC_END

#ifdef __cplusplus
}
#endif

#endif /* KADAPTER_KADAPTER_H */
