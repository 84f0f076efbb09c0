/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps, knobs and helpers shared by every kadapter program. Each *.bpf.c
 * file holds the programs of one concern; `bpftool gen object` links them
 * into one object, merging these __weak definitions into single maps.
 */
#ifndef KADAPTER_COMMON_BPF_H
#define KADAPTER_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "abi.h"

#define EPERM 1
#define EACCES 13
/* What a denied operation fails with: "Permission denied", as KubeArmor's
 * BPF-LSM enforcer returns (its EPERM is defined as 13) and as users of
 * KubeArmor see it. */
#define KAD_DENY EACCES
#define ENAMETOOLONG 36

/* Flags of struct file and inode modes we need (not in BTF). */
#define KAD_FMODE_READ 0x1
#define KAD_FMODE_WRITE 0x2
#define KAD_FMODE_EXEC 0x20 /* __FMODE_EXEC in f_flags */
#define KAD_O_ACCMODE 00000003
#define KAD_O_CREAT 00000100
#define KAD_O_TRUNC 00001000
#define KAD_O_APPEND 00002000
#define KAD_S_IFMT 00170000
#define KAD_S_IFDIR 0040000

/* Hides a value's range from clang, so a following mask survives into the
 * object and the verifier sees the bound it needs. */
#define kad_barrier_var(var) asm volatile("" : "+r"(var))

/* The value of a pointer as a plain number, for global functions, which
 * take no kernel pointers on this kernel. */
static __always_inline __u64 kad_ptr_value(const void *p)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* ---- knobs, set by libkadapter between open and load ---- */

/* Secret SipHash key: rule keys are hashes of paths, so the key must be
 * unknown to containers (they cannot read maps: see protect.bpf.c). */
const volatile __u64 kad_hash_key[2] __weak = {0, 0};
/* Alert throttling per container (KubeArmor: 10 per second, 30 s pause). */
const volatile __u32 kad_max_alerts_per_sec __weak = 10;
const volatile __u32 kad_throttle_sec __weak = 30;

/* ---- counters and state shared with user space (.bss) ---- */
struct kad_counters kad_counters __weak = {};
/* Number of pid-namespace bindings; 0 spares every hook that lookup. */
__u32 kad_pidns_bindings __weak = 0;

/* ---- maps ---- */

/* Inner-map template: the real rule maps are sized per rule set.
 * Preallocated: a rule map is filled once and never changes, and freeing
 * a non-preallocated one waits for RCU barriers in the kernel. */
struct kad_rule_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	/* Sizes rather than BTF types: a unit that only passes pointers to
	 * these structs gets forward declarations, which the linker rejects. */
	__uint(key_size, sizeof(struct kad_rule_key));
	__uint(value_size, sizeof(struct kad_rule_value));
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4096);
	__type(key, struct kad_binding_key);
	__array(values, struct kad_rule_map);
} kad_rulesets SEC(".maps") __weak;

/* Inner-map template of the matchPatterns automata (abi.h, kad_dfa). */
struct kad_automata_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KAD_DFA_COUNT);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct kad_dfa));
};

/* Keyed by rule set id, not binding: during a swap the old and the new rule
 * set each find their own automata. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__array(values, struct kad_automata_map);
} kad_automata SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct kad_task_tag);
} kad_task_tags SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} kad_events SEC(".maps") __weak;

struct kad_alert_budget {
	__u64 window_start_ns;
	__u64 throttled_until_ns;
	__u32 count;
	__u32 zero;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct kad_alert_budget);
} kad_alert_budgets SEC(".maps") __weak;

/* Scratch memory for paths and events, too big for the 512-byte stack.
 * LSM programs run with migration disabled but may be preempted, so a
 * per-CPU buffer alone could be reused by a second task on the same CPU:
 * each evaluation claims one of a few per-CPU slots with an atomic bit. */
#define KAD_SCRATCH_SLOTS 4

struct kad_verdict {
	__u8 decision; /* KAD_ACTION_ALLOW, KAD_ACTION_BLOCK or NONE */
	__u8 audited;  /* an Audit rule matched at or above the decision */
	__u8 reason;   /* enum kad_reason */
	__u8 zero;
	__u32 rule;	  /* rule of the decision */
	__u32 audit_rule; /* rule of the audit */
};

struct kad_probe {
	__u64 hash;
	__u32 depth;
	__u32 zero;
};

/* State of one pass over a path (path.bpf.h). */
/* SipHash state (siphash.bpf.h). */
struct kad_sip {
	__u64 v0, v1, v2, v3;
	__u64 len; /* bytes compressed (a multiple of 8) */
};

struct kad_path_scan {
	struct kad_sip sip; /* full words of the path so far */
	__u64 tail;	    /* the last, partial word */
	__u64 mask;	    /* directory depths some rule lives at */
	__u32 tail_len;	    /* bytes in tail (0..7) */
	__u32 start;	    /* offset of the path in kad_scratch.path */
	__u32 len;	    /* bytes, without the NUL */
	__u32 pos;	    /* bytes consumed (a multiple of 8) */
	__u32 depth;	    /* '/' seen so far */
	__u32 last_slash;   /* offset just past the last '/' */
	__u32 nprobes;
	__u8 deep;     /* record every prefix deeper than the mask */
	__u8 overflow; /* more prefixes than KAD_MAX_PROBES */
	__u8 zero[2];
	int slot;
};

/* Who acts, and under which rule set. Pointer-free, so it can be copied
 * into scratch memory and handed to global functions. */
struct kad_context {
	struct kad_header header; /* copy of the rule map's header entry */
	struct kad_binding_key binding;
	__u64 exe_hash;	  /* the acting task's executable, 0 = unknown */
	__u32 task_flags; /* enum kad_task_flags */
	__u32 zero;
};

/* Input and output of kad_evaluate() (path.bpf.h). */
struct kad_eval_request {
	struct kad_context subject; /* refreshed when the rule set was swapped */
	__u64 inode_dev;	    /* the file's identity (0 = none) */
	__u64 inode_ino;
	__u32 category;	  /* KAD_CAT_FILE, KAD_CAT_PROCESS, or KAD_CAT_MAX: hash only */
	__u32 conditions; /* KAD_COND_* */
	__u32 start;	  /* offset of the path in kad_scratch.path */
	__u32 len;
	__u8 is_dir;
	__u8 zero[3];
	int slot;
	/* derived from the subject's header for each attempt */
	__u64 inode_hash;
	__u64 name_hash;
	__u64 dir_mask;
	__u64 pattern_accept; /* accept id of the pattern automaton, 0 = none */
	__u32 kind_path, kind_dir, kind_name, kind_inode, kind_pattern;
	__u32 dfa_index; /* enum kad_dfa_index */
	__u8 deep;
	__u8 with_sources;
	__u8 zero2[6];
	/* results */
	struct kad_verdict verdict;
	__u64 path_hash;
	__u8 overflow;	   /* too many prefixes to probe: deny */
	__u8 inconsistent; /* the rule set changed under us */
	__u8 zero3[6];
};
/*
 * Path buffer layout: bpf_d_path writes from 0; the dentry walk (walk.bpf.h)
 * prepends down from KAD_WALK_END into [KAD_PATH_MAX, KAD_WALK_END). Offsets
 * are masked with KAD_PATH_MASK; the slack after it lets a masked offset
 * be followed by a word load or a NAME_MAX copy without leaving the buffer.
 */
#define KAD_PATH_MASK (2 * KAD_PATH_MAX - 1)
#define KAD_WALK_END (2 * KAD_PATH_MAX)
#define KAD_PATH_SLACK 256

/*
 * State that bpf_loop callbacks change lives here, never on the stack:
 * Linux 6.1 verifies a callback once, with the caller's stack as it is
 * before the first iteration, and removes branches that state cannot take
 * as dead code. Map memory is unknown to the verifier, so every branch of
 * a callback that reads its state from here stays in the program.
 */
struct kad_walk {
	__u64 dentry; /* struct dentry *, probe-read only */
	__u64 mnt;    /* struct mount * */
	__u64 root_dentry;
	__u64 root_mnt; /* struct vfsmount * */
	__u32 pos;	/* the path so far is path[pos, KAD_WALK_END) */
	__u8 overflow;
	__u8 done;
	__u8 zero[2];
};

/* A pattern automaton running over the path (path.bpf.h). */
struct kad_dfa_run {
	__u32 state;
	__u32 pos;
	__u32 end;
	__u32 zero;
};

struct kad_name_hash {
	struct kad_sip sip;
	__u64 tail;
	__u32 n;
	__u32 from;
	__u32 len;
	__u32 zero;
};

/* Input and output of kad_path_of() (file.bpf.c). Only scalars, as global
 * functions require; the pointers are probe-read. */
struct kad_path_op_request {
	__u64 dentry; /* struct dentry * */
	__u64 mnt;    /* struct vfsmount * */
	__u32 start;  /* result: where the path starts in kad_scratch.path */
	int slot;
};

/* One argument of an exec, for allowedArgs. */
struct kad_arg {
	union {
		char s[128];
		__u64 w[16];
	};
};

/* A DNS query being parsed (dns.bpf.c). */
#define KAD_DNS_PACKET 320 /* header, a name of up to 255 bytes, type, class */
struct kad_dns {
	__u8 packet[512 + 64];
	char reversed[256 + 64]; /* "www.example.com" as "com.example.www", lower case */
	__u16 label_start[KAD_DNS_MAX_LABELS];
	__u8 label_len[KAD_DNS_MAX_LABELS];
	__u64 level_hash[KAD_DNS_MAX_LABELS]; /* [i]: the i+1 last labels */
	struct kad_sip sip;
	__u64 tail;
	__u32 n;
	__u32 packet_len;
	__u32 pos;
	__u32 labels;
	__u32 name_len; /* of the forward name in kad_scratch.path */
	__u32 rev_len;
	__u32 levels;
	__u32 failed;
	__u64 source; /* exe hash for fromSource keys, 0 = none */
};

struct kad_scratch {
	char path[2 * KAD_PATH_MAX + KAD_PATH_SLACK];
	struct kad_arg arg;
	struct kad_dns dns;
	struct kad_probe probes[KAD_MAX_PROBES];
	struct kad_event event;
	struct kad_eval_request req;
	struct kad_path_scan scan;
	struct kad_path_op_request op;
	struct kad_walk walk;
	struct kad_name_hash name;
	struct kad_dfa_run dfa;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KAD_SCRATCH_SLOTS);
	__type(key, __u32);
	__type(value, struct kad_scratch);
} kad_scratch SEC(".maps") __weak;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} kad_scratch_busy SEC(".maps") __weak;

static __always_inline int kad_scratch_claim(void)
{
	__u32 zero = 0;
	__u32 *busy = bpf_map_lookup_elem(&kad_scratch_busy, &zero);
	if (!busy)
		return -1;
	for (int i = 0; i < KAD_SCRATCH_SLOTS; i++) {
		__u32 bit = 1u << i;
		if (!(__sync_fetch_and_or(busy, bit) & bit)) {
			/* Keep the slot number unknown to the verifier: a constant
			 * per slot would have it verify the caller once per slot. */
			int slot = i;
			kad_barrier_var(slot);
			return slot;
		}
	}
	__sync_fetch_and_add(&kad_counters.scratch_busy, 1);
	return -1;
}

static __always_inline void kad_scratch_release(int slot)
{
	__u32 zero = 0;
	__u32 *busy = bpf_map_lookup_elem(&kad_scratch_busy, &zero);
	if (busy && slot >= 0)
		__sync_fetch_and_and(busy, ~(1u << slot));
}

static __always_inline struct kad_scratch *kad_scratch_get(int slot)
{
	__u32 key = slot;
	return bpf_map_lookup_elem(&kad_scratch, &key);
}

/* ---- the container of the current task ---- */

static __always_inline void *kad_rules_of(struct kad_binding_key *binding, struct kad_header *hdr)
{
	struct kad_binding_key key = *binding; /* map keys must live on the stack */
	void *rules = bpf_map_lookup_elem(&kad_rulesets, &key);
	if (!rules)
		return NULL;
	struct kad_rule_key hk = {.kind = KAD_KEY_HEADER};
	struct kad_rule_value *v = bpf_map_lookup_elem(rules, &hk);
	if (!v)
		return NULL;
	__builtin_memcpy(hdr, &v->header, sizeof(*hdr));
	return rules;
}

/* Inode number of the task's own (active) pid namespace. */
static __always_inline __u64 kad_task_pidns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid;

	if (bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 31]))
		return 0;
	return BPF_CORE_READ(upid.ns, ns.inum);
}

/*
 * Finds the rule set governing the current task. A task is governed once it
 * has run in a bound cgroup: its tag is created then and inherited by every
 * child (task_alloc), so later cgroup moves do not unbind it. Tasks outside
 * bound containers (guest-init itself) cost one storage and one hash miss.
 * Returns 1 when the task is governed.
 */
static __always_inline int kad_current_context(struct kad_context *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct kad_task_tag *tag = bpf_task_storage_get(&kad_task_tags, task, 0, 0);

	/* Fully defined on every path: the verifier rejects reads of
	 * registers clang left undefined where it proved them unused. */
	__builtin_memset(ctx, 0, sizeof(*ctx));

	if (tag && tag->binding.kind) {
		ctx->binding = tag->binding;
		ctx->exe_hash = tag->exe_hash;
		ctx->task_flags = tag->flags;
		return kad_rules_of(&ctx->binding, &ctx->header) != NULL;
	}

	ctx->binding.id = bpf_get_current_cgroup_id();
	ctx->binding.kind = KAD_BIND_CGROUP;
	ctx->binding.zero = 0;
	ctx->exe_hash = 0;
	void *rules = kad_rules_of(&ctx->binding, &ctx->header);
	if (!rules && kad_pidns_bindings) {
		ctx->binding.id = kad_task_pidns(task);
		ctx->binding.kind = KAD_BIND_PIDNS;
		rules = kad_rules_of(&ctx->binding, &ctx->header);
	}
	if (!rules)
		return 0;

	/* First sight of this task in a bound container: tag it. */
	tag = bpf_task_storage_get(&kad_task_tags, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (tag) {
		tag->binding = ctx->binding;
		tag->exe_hash = 0;
		tag->flags = 0;
	}
	return 1;
}

/* ---- events ---- */

/* Per-container alert budget; returns 1 if this alert may be sent. When
 * the budget trips, one KAD_OP_THROTTLE record is sent instead. */
static __always_inline int kad_alert_allowed(__u64 container, int *threshold_event)
{
	__u64 now = bpf_ktime_get_ns();
	struct kad_alert_budget *b = bpf_map_lookup_elem(&kad_alert_budgets, &container);

	*threshold_event = 0;
	if (!b) {
		struct kad_alert_budget init = {.window_start_ns = now, .count = 1};
		bpf_map_update_elem(&kad_alert_budgets, &container, &init, BPF_ANY);
		return 1;
	}
	if (kad_max_alerts_per_sec == 0)
		return 1;
	if (now < b->throttled_until_ns) {
		__sync_fetch_and_add(&kad_counters.events_throttled, 1);
		return 0;
	}
	if (now - b->window_start_ns >= 1000000000ull) {
		b->window_start_ns = now;
		b->count = 0;
	}
	if (b->count >= kad_max_alerts_per_sec) {
		b->throttled_until_ns = now + (__u64)kad_throttle_sec * 1000000000ull;
		*threshold_event = 1;
		__sync_fetch_and_add(&kad_counters.events_throttled, 1);
		return 0;
	}
	b->count++;
	return 1;
}

/* The number of a process in the pid namespace at `level`, or 0 when it
 * is not visible there. */
static __always_inline __u32 kad_pid_at_level(struct task_struct *t, unsigned int level, void *ns)
{
	struct pid *pid = BPF_CORE_READ(t, group_leader, thread_pid);
	struct upid up;

	if (!pid || BPF_CORE_READ(pid, level) < level)
		return 0;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level & 31]))
		return 0;
	return !ns || up.ns == ns ? up.nr : 0;
}

/* The container fields of an event; kad_event_send() adds the task's. */
static __always_inline void kad_event_task(struct kad_event *e, struct kad_context *ctx)
{
	e->container = ctx->header.container;
	e->ruleset_id = ctx->header.ruleset_id;
}

/* The task fields of an event, for the current task. */
static __always_inline void kad_event_fill_task(struct kad_event *e)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	e->timestamp_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	struct pid *own = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(own, level);
	struct upid up = {};
	bpf_core_read(&up, sizeof(up), &own->numbers[level & 31]);
	e->ns_pid = kad_pid_at_level(task, level, NULL);
	e->ns_ppid = kad_pid_at_level(BPF_CORE_READ(task, real_parent), level, up.ns);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* Sends the event staged in `e` with `resource_len` bytes of resource.
 * A global function: verified once however many hooks send events. */
__weak __noinline int kad_event_send(struct kad_event *e, __u32 resource_len)
{
	if (!e)
		return 0;
	kad_event_fill_task(e);
	int threshold = 0;

	if (!kad_alert_allowed(e->container, &threshold)) {
		if (!threshold)
			return 0;
		/* Replace this alert by the one-off threshold record. */
		e->op = KAD_OP_THROTTLE;
		e->rule = ~0u;
		e->aux = kad_max_alerts_per_sec;
		e->aux2 = kad_throttle_sec;
		resource_len = 0;
	}
	if (resource_len > KAD_EVENT_RESOURCE_MAX - 1)
		resource_len = KAD_EVENT_RESOURCE_MAX - 1;
	kad_barrier_var(resource_len);
	resource_len &= KAD_EVENT_RESOURCE_MAX - 1;
	e->resource_len = resource_len;
	if (bpf_ringbuf_output(&kad_events, e, offsetof(struct kad_event, resource) + resource_len + 1, 0))
		__sync_fetch_and_add(&kad_counters.events_dropped, 1);
	return 0;
}

/* ---- verdicts ---- */

/*
 * Applies the decision table stored under one key. Keys are visited from
 * the most to the least specific; the first key whose cell says Allow or
 * Block decides. An Audit match is remembered when it is at least as
 * specific as the decision. Returns 1 once decided.
 */
static __always_inline int kad_apply_key(void *rules, struct kad_rule_key *key, __u32 conditions, struct kad_verdict *v)
{
	struct kad_rule_value *val = bpf_map_lookup_elem(rules, key);
	if (!val)
		return 0;
	kad_barrier_var(conditions); /* keep the mask next to the index */
	__u8 cell = val->decision.cells[conditions & (KAD_CONDITIONS - 1)];
	if ((cell & KAD_CELL_AUDIT) && !v->audited) {
		v->audited = 1;
		v->audit_rule = val->decision.rules[KAD_CELL_AUDIT_SLOT(cell)];
	}
	if (KAD_CELL_DECISION(cell) == KAD_ACTION_NONE)
		return 0;
	v->decision = KAD_CELL_DECISION(cell);
	v->rule = val->decision.rules[KAD_CELL_DECISION_SLOT(cell)];
	v->reason = KAD_REASON_RULE;
	return 1;
}

/* Resource of an event that is already staged in the event record. */
#define KAD_RESOURCE_STAGED 0xffffffffu

/* Stages the event record: task fields, and the resource copied from the
 * path buffer unless the caller staged it already. Done only for events. */
static __always_inline __u32 kad_event_stage(struct kad_context *ctx, struct kad_scratch *s, __u16 op, __u32 path_start,
					     __u32 len)
{
	kad_event_task(&s->event, ctx);
	s->event.op = op;
	if (len > KAD_EVENT_RESOURCE_MAX - 1)
		len = KAD_EVENT_RESOURCE_MAX - 1;
	kad_barrier_var(len);
	len &= KAD_EVENT_RESOURCE_MAX - 1;
	if (path_start != KAD_RESOURCE_STAGED) {
		bpf_probe_read_kernel(s->event.resource, len, &s->path[path_start & (2 * KAD_PATH_MAX - 1)]);
		s->event.resource[len] = 0;
	}
	return len;
}

/* The action a verdict comes to: Block denies; with no decision, allow-list
 * mode applies the category's posture. Returns the hook's return value. */
static __always_inline int kad_outcome(const struct kad_context *ctx, struct kad_verdict *v, int category, __u8 *action)
{
	*action = KAD_ACTION_NONE;
	if (v->decision == KAD_ACTION_BLOCK) {
		*action = KAD_ACTION_BLOCK;
		return -KAD_DENY;
	}
	/* Checks outside the categories (presets) have no posture. */
	if (v->decision == KAD_ACTION_NONE && category < KAD_CAT_MAX &&
	    ctx->header.allow_list[category & (KAD_CAT_MAX - 1)]) {
		v->reason = KAD_REASON_POSTURE;
		v->rule = ~0u;
		if (ctx->header.posture[category & (KAD_CAT_MAX - 1)] == KAD_POSTURE_BLOCK) {
			*action = KAD_ACTION_BLOCK;
			return -KAD_DENY;
		}
		*action = KAD_ACTION_AUDIT;
	}
	return 0;
}

/*
 * Turns a verdict into the hook's return value and sends the alerts; Audit
 * matches are reported in addition. `path_start`/`len` name the resource in
 * s->path, or KAD_RESOURCE_STAGED.
 */
static __always_inline int kad_finish(struct kad_context *ctx, struct kad_verdict *v, int category,
				      struct kad_scratch *s, __u16 op, __u32 path_start, __u32 len)
{
	__u8 action;
	int err = kad_outcome(ctx, v, category, &action);
	if (action == KAD_ACTION_NONE && !v->audited)
		return err;

	len = kad_event_stage(ctx, s, op, path_start, len);
	struct kad_event *e = &s->event;
	if (action != KAD_ACTION_NONE) {
		e->action = action;
		e->reason = v->reason;
		e->rule = v->rule;
		e->error = err;
		kad_event_send(e, len);
	}
	if (v->audited) {
		e->action = KAD_ACTION_AUDIT;
		e->reason = v->audit_rule == ~0u ? v->reason : KAD_REASON_RULE; /* presets have no rule */
		e->rule = v->audit_rule;
		e->error = err;
		kad_event_send(e, len);
	}
	return err;
}

/*
 * A preset whose condition held: Block denies, Audit reports. Presets are
 * not rules, so the event names no rule and `reason` says which preset.
 */
static __always_inline int kad_preset_finish(struct kad_context *ctx, __u8 preset_action, __u8 reason,
					     struct kad_scratch *s, __u16 op, __u32 path_start, __u32 len)
{
	struct kad_verdict v = {.decision = KAD_ACTION_NONE, .audited = 1, .reason = reason};
	v.rule = ~0u;
	v.audit_rule = ~0u;
	if (preset_action == KAD_ACTION_BLOCK) {
		v.decision = KAD_ACTION_BLOCK;
		v.audited = 0;
	}
	s->event.aux = 0;
	s->event.aux2 = 0;
	return kad_finish(ctx, &v, KAD_CAT_MAX, s, op, path_start, len);
}

/* Whether the current task has a controlling terminal (KubeArmor's pts). */
static __always_inline __u8 kad_current_has_tty(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, signal, tty) != NULL;
}

#endif /* KADAPTER_COMMON_BPF_H */
