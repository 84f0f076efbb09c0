/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between the BPF programs and libkadapter: map keys and
 * values, event records and constants. Included by BPF code (after
 * vmlinux.h) and by C++ (after <linux/types.h>), so it uses only __uXX types.
 *
 * Layout of the enforcement state:
 *
 *   rulesets   HASH_OF_MAPS  binding key -> rule map (HASH, immutable once published)
 *   automata   HASH_OF_MAPS  ruleset id  -> pattern automata (ARRAY of one)
 *   task_tags  TASK_STORAGE  task        -> binding key + executable identity
 *
 * A rule map holds every rule of one container plus a header entry. It is
 * built in full by user space and only then published with one update of
 * `rulesets`, so a program always evaluates one complete rule set: the old
 * one or the new one. Automata are published under the new ruleset id before
 * that swap and removed after it; a program that finds its automaton gone
 * re-reads the binding once and otherwise fails closed.
 */
#ifndef KADAPTER_BPF_ABI_H
#define KADAPTER_BPF_ABI_H

/* Longest path we evaluate, including the NUL: PATH_MAX. */
#define KAD_PATH_MAX 4096
/* Directory rules at depths 1..64 are probed from a bit mask; deeper
 * directory rules set KAD_HDR_DEEP_DIRS and every deeper prefix is probed. */
#define KAD_DEPTH_MASK_BITS 64
/* Most prefix probes one path can need; beyond it the access is denied. */
#define KAD_MAX_PROBES 128

/* Rule map key kinds. */
enum kad_key_kind {
	KAD_KEY_HEADER = 1,
	KAD_KEY_FILE_PATH = 2, /* exact file path */
	KAD_KEY_FILE_DIR = 3,  /* directory prefix, with trailing '/' */
	KAD_KEY_EXEC_PATH = 4,
	KAD_KEY_EXEC_DIR = 5,
	KAD_KEY_EXEC_NAME = 6,	/* basename of the executed file */
	KAD_KEY_NETWORK = 7,	/* hash = kad_net_key(family class, type, protocol) */
	KAD_KEY_CAPABILITY = 8, /* hash = capability number */
	KAD_KEY_FILE_INODE = 9, /* hash = kad_inode_key(dev, ino) */
	KAD_KEY_EXEC_INODE = 10,
	KAD_KEY_FILE_PATTERN = 11, /* hash = accepting DFA state */
	KAD_KEY_EXEC_PATTERN = 12,
	KAD_KEY_EXEC_ARGSET = 13, /* hash = rule index: that rule has allowedArgs */
	KAD_KEY_EXEC_ARG = 14,	  /* hash = kad_arg_hash(rule index, argument) */
	KAD_KEY_DNS = 15,	  /* hash of the domain with its labels reversed: "com.example" */
};

/*
 * Network keys: the socket type (KubeArmor's stream, dgram, raw, rdm,
 * seqpacket, dccp, packet) or the protocol class (tcp, udp, icmp, icmpv6,
 * sctp) of a socket. Protocol names apply to AF_INET and AF_INET6 only;
 * raw and packet also to AF_PACKET. Other families are not network.
 */
#define KAD_NET_TYPE_KEY(type) (0x100ull | (__u64)(type))
#define KAD_NET_PROTO_KEY(cls) (0x200ull | (__u64)(cls))
enum kad_net_class {
	KAD_NET_TCP = 1,
	KAD_NET_UDP = 2,
	KAD_NET_ICMP = 3,
	KAD_NET_ICMPV6 = 4,
	KAD_NET_SCTP = 5,
};
/* Capability keys: the capability number. */

struct kad_rule_key {
	__u64 hash;   /* keyed SipHash-1-3 of the path, or a small number */
	__u64 source; /* hash of the source executable's path; 0 = any source */
	__u32 kind;   /* enum kad_key_kind */
	__u32 zero;   /* must be 0 */
};

/* Rule actions, as user space writes them into decision cells. */
enum kad_action {
	KAD_ACTION_NONE = 0,
	KAD_ACTION_ALLOW = 1,
	KAD_ACTION_BLOCK = 2,
	KAD_ACTION_AUDIT = 3, /* only in events: a cell's audit is a separate bit */
};

/*
 * The conditions a rule's options depend on form a 4-bit index into the
 * decision table of a key: user space evaluates every rule stored under the
 * key for all 16 combinations, so the kernel does one load per key.
 */
enum kad_condition_bits {
	KAD_COND_WRITE = 1 << 0, /* the operation modifies the file */
	KAD_COND_OWNER = 1 << 1, /* the task's fsuid owns the file */
	KAD_COND_TTY = 1 << 2,	 /* the task has a controlling terminal */
	KAD_COND_DEEP = 1 << 3,	 /* directory match below the immediate children */
};
#define KAD_CONDITIONS 16

/* allowedArgs, as KubeArmor limits it: at most this many arguments after
 * argv[0], each at most this long; more or longer never match. */
#define KAD_MAX_ARGS 20
#define KAD_MAX_ARG_LEN 104

/* matchDNSQueries: names of at most this many labels are evaluated; a
 * query for a longer one is denied as unresolvable. */
#define KAD_DNS_MAX_LABELS 32

/* One decision cell: what applies and which rule to report. */
#define KAD_CELL_DECISION(c) ((c)&0x3)		     /* enum kad_action: NONE, ALLOW or BLOCK */
#define KAD_CELL_DECISION_SLOT(c) (((c) >> 2) & 0x3) /* index into rules[] */
#define KAD_CELL_AUDIT (1 << 4)			     /* an Audit rule matches too */
#define KAD_CELL_AUDIT_SLOT(c) (((c) >> 5) & 0x3)
#define KAD_RULES_PER_KEY 4 /* distinct rules one key can name */

/* Categories, each with its own allow-list mode and posture. */
enum kad_category {
	KAD_CAT_PROCESS = 0,
	KAD_CAT_FILE = 1,
	KAD_CAT_NETWORK = 2,
	KAD_CAT_CAPABILITY = 3,
	KAD_CAT_MAX = 4,
};

enum kad_header_flags {
	KAD_HDR_DEEP_FILE_DIRS = 1 << 0, /* a file directory rule deeper than the mask */
	KAD_HDR_DEEP_EXEC_DIRS = 1 << 1,
	KAD_HDR_FILE_SOURCES = 1 << 2, /* some file rule has fromSource */
	KAD_HDR_EXEC_SOURCES = 1 << 3,
	KAD_HDR_NET_SOURCES = 1 << 4,
	KAD_HDR_CAP_SOURCES = 1 << 5,
	KAD_HDR_EXEC_NAMES = 1 << 6,  /* some process rule uses execname */
	KAD_HDR_FILE_INODES = 1 << 7, /* inode identities of blocked files */
	KAD_HDR_EXEC_INODES = 1 << 8,
	KAD_HDR_FILE_PATTERNS = 1 << 9, /* a pattern automaton is published */
	KAD_HDR_EXEC_PATTERNS = 1 << 10,
	KAD_HDR_EXEC_ARGS = 1 << 11, /* some process rule has allowedArgs */
	KAD_HDR_DNS = 1 << 12,	     /* matchDNSQueries rules */
	KAD_HDR_DNS_SOURCES = 1 << 13,
	KAD_HDR_DNS_ALLOW_LIST = 1 << 14, /* some DNS rule allows: DNS is in allow-list mode */
	KAD_HDR_DNS_DENIES = 1 << 15,	  /* a DNS rule or the posture can deny a query */
};

/* Default posture of a category in allow-list mode. */
enum kad_posture {
	KAD_POSTURE_AUDIT = 0,
	KAD_POSTURE_BLOCK = 1,
};

struct kad_header {
	__u64 ruleset_id;      /* unique per published rule set, never reused */
	__u64 container;       /* the container number libkadapter assigned; in events */
	__u64 file_dir_depths; /* bit d-1 set: a file directory rule of depth d */
	__u64 exec_dir_depths;
	__u32 flags;		      /* enum kad_header_flags */
	__u8 allow_list[KAD_CAT_MAX]; /* category is in allow-list mode */
	__u8 posture[KAD_CAT_MAX];    /* enum kad_posture */
	__u8 fileless_action;	      /* enum kad_action for the filelessExec preset */
	__u8 has_rules[KAD_CAT_MAX];  /* category has any rule at all */
	__u8 protect_env_action;      /* the protectEnv preset */
	__u8 external_exec_action;    /* the exec preset */
	__u8 zero;
};

struct kad_decision {
	__u8 cells[KAD_CONDITIONS];
	__u32 rules[KAD_RULES_PER_KEY]; /* rule indexes, for events */
};

/* Every rule map value is one of these; which one follows from the key. */
struct kad_rule_value {
	union {
		struct kad_header header;
		struct kad_decision decision;
	};
};

/*
 * matchPatterns: all of a rule set's globs for one category compiled into
 * one deterministic automaton over byte classes, so matching costs one
 * table load per path byte however many patterns there are. A path ends
 * in a state whose accept id keys the rule map (KAD_KEY_*_PATTERN).
 */
#define KAD_DFA_STATES 2048 /* state 0 is the dead state */
#define KAD_DFA_CELLS 16384 /* states x byte classes */

struct kad_dfa {
	__u16 states;
	__u16 classes;
	__u16 start;
	__u16 zero;
	__u8 byte_class[256];
	__u16 next[KAD_DFA_CELLS];    /* next[state * classes + class] */
	__u16 accept[KAD_DFA_STATES]; /* accept id, 0 = none */
};

/* The automata of one rule set: an ARRAY of these two, published in
 * `automata` under the rule set's id. */
enum kad_dfa_index {
	KAD_DFA_FILE = 0,
	KAD_DFA_EXEC = 1,
	KAD_DFA_COUNT = 2,
};

/* Container keys: how a task is tied to a container. */
enum kad_binding_kind {
	KAD_BIND_CGROUP = 1, /* cgroup v2 id */
	KAD_BIND_PIDNS = 2,  /* pid namespace inode, when the cgroup is shared */
};

struct kad_binding_key {
	__u64 id;
	__u32 kind; /* enum kad_binding_kind */
	__u32 zero;
};

/* Per-task state, created when a task is first seen in a bound container
 * and inherited by its children, so moving cgroup does not unbind it. */
struct kad_task_tag {
	struct kad_binding_key binding;
	__u64 exe_hash; /* hash of the task's executable path; 0 = unknown */
	__u32 flags;	/* enum kad_task_flags */
	__u32 zero;
};

enum kad_task_flags {
	/* Started by the agent from outside the container (ExecProcess, i.e.
	 * `kubectl exec`), or a descendant of such a process; set by user
	 * space through a pidfd before the process runs. */
	KAD_TASK_EXTERNAL = 1 << 0,
};

/* Operations reported in events. */
enum kad_op {
	KAD_OP_EXEC = 1,
	KAD_OP_FILE_OPEN = 2,  /* open for read */
	KAD_OP_FILE_WRITE = 3, /* open for write/append/truncate/create */
	KAD_OP_FILE_UNLINK = 4,
	KAD_OP_FILE_MKDIR = 5,
	KAD_OP_FILE_RMDIR = 6,
	KAD_OP_FILE_MKNOD = 7,
	KAD_OP_FILE_RENAME = 8,
	KAD_OP_FILE_LINK = 9,
	KAD_OP_FILE_TRUNCATE = 10,
	KAD_OP_FILE_CHMOD = 11,
	KAD_OP_FILE_SYMLINK = 12,
	KAD_OP_SOCKET = 13,
	KAD_OP_CAPABILITY = 14,
	KAD_OP_PROTECT = 15,  /* self-protection denial */
	KAD_OP_THROTTLE = 16, /* alert threshold reached */
	KAD_OP_CHOWN = 17,
	KAD_OP_FILE_CREATE = 18, /* a new regular file (open with O_CREAT) */
	KAD_OP_DNS = 19,	 /* a DNS query (resource: the name asked for) */
};

/* Why a decision was reached. */
enum kad_reason {
	KAD_REASON_RULE = 1,	     /* a rule matched */
	KAD_REASON_POSTURE = 2,	     /* allow-list mode, nothing allowed it */
	KAD_REASON_UNRESOLVABLE = 3, /* path too long/deep or unreadable: fail closed */
	KAD_REASON_SELF_PROTECT = 4,
	KAD_REASON_FILELESS = 5,
	KAD_REASON_INCONSISTENT = 6,  /* rule set vanished mid-update twice: fail closed */
	KAD_REASON_PROTECT_ENV = 7,   /* the protectEnv preset */
	KAD_REASON_EXTERNAL_EXEC = 8, /* the exec preset */
};

#define KAD_EVENT_RESOURCE_MAX KAD_PATH_MAX

struct kad_event {
	__u64 timestamp_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 container;
	__u64 ruleset_id;
	__u64 cgroup_id;
	__u32 pid; /* thread group id in the guest's root pid namespace */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 ns_pid;	    /* the same, as the container's pid namespace sees them */
	__u32 ns_ppid;	    /* 0 when the parent is outside that namespace */
	__u32 rule;	    /* rule index, or ~0 when no rule applies */
	__u16 op;	    /* enum kad_op */
	__u8 action;	    /* enum kad_action that was applied */
	__u8 reason;	    /* enum kad_reason */
	__s32 error;	    /* 0 = allowed, else the negative errno returned */
	__u32 aux;	    /* op-specific: capability number, (family<<16|type<<8|proto) */
	__u32 aux2;	    /* op-specific: open flags */
	__u16 resource_len; /* bytes of resource[] used, without NUL */
	__u16 zero;
	char comm[16];
	char resource[KAD_EVENT_RESOURCE_MAX];
};

/* Counters in the .bss, read by user space for diagnostics. */
struct kad_counters {
	__u64 events_dropped;	/* ring buffer full */
	__u64 events_throttled; /* per-container rate limit */
	__u64 unresolvable;	/* fail-closed path failures */
	__u64 inconsistent;	/* rule set swapped twice during one evaluation */
	__u64 scratch_busy;	/* no scratch slot free */
};

#endif /* KADAPTER_BPF_ABI_H */
