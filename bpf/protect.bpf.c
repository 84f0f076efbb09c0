// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Self-protection: whatever its policy, a bound container cannot reach the
 * enforcer or the guest init. No bpf(), no ptrace of or by tasks outside its
 * own container, no signals to tasks outside containers (PID 1 among them),
 * no mounts of bpffs, securityfs, tracefs or debugfs nor unmounting or
 * remounting them, no kernel modules or kexec, and nothing the kernel's
 * lockdown would refuse (/dev/mem, /proc/kcore, kprobes, ...), which also
 * keeps the rule-hash key out of reach. Containers with path rules cannot
 * make bind mounts, which would give a blocked file a second path.
 */
#include "common.bpf.h"
#include "protect.bpf.h"

#define KAD_MS_BIND 4096
#define KAD_MS_MOVE 8192
#define KAD_MS_REMOUNT 32

/* Whether `task` belongs to the same container as the current task. */
static __always_inline int kad_same_container(struct kad_context *cur, struct task_struct *task)
{
	struct kad_task_tag *tag = bpf_task_storage_get(&kad_task_tags, task, 0, 0);
	return tag && tag->binding.kind == cur->binding.kind && tag->binding.id == cur->binding.id;
}

/* Tagged, or not yet tagged but in a bound cgroup (a parked process). */
static __always_inline int kad_in_any_container(struct task_struct *task)
{
	struct kad_task_tag *tag = bpf_task_storage_get(&kad_task_tags, task, 0, 0);
	if (tag && tag->binding.kind)
		return 1;
	struct kad_binding_key key = {.id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id), .kind = KAD_BIND_CGROUP};
	return bpf_map_lookup_elem(&kad_rulesets, &key) != NULL;
}

/* bpffs, securityfs, tracefs and debugfs: the enforcer's and the LSMs'. */
static __always_inline int kad_protected_fs(const char *name)
{
	char n[12] = {};
	if (!name || bpf_probe_read_kernel_str(n, sizeof(n), name) <= 0)
		return 0;
	if (n[0] == 'b' && n[1] == 'p' && n[2] == 'f' && n[3] == 0)
		return 1;
	if (n[0] == 's' && n[1] == 'e' && n[2] == 'c' && n[3] == 'u' && n[4] == 'r' && n[5] == 'i' && n[6] == 't' &&
	    n[7] == 'y' && n[8] == 'f' && n[9] == 's' && n[10] == 0)
		return 1;
	if (n[0] == 't' && n[1] == 'r' && n[2] == 'a' && n[3] == 'c' && n[4] == 'e' && n[5] == 'f' && n[6] == 's' &&
	    n[7] == 0)
		return 1;
	if (n[0] == 'd' && n[1] == 'e' && n[2] == 'b' && n[3] == 'u' && n[4] == 'g' && n[5] == 'f' && n[6] == 's' &&
	    n[7] == 0)
		return 1;
	return 0;
}

static __always_inline int kad_has_path_rules(struct kad_context *cur)
{
	return cur->header.has_rules[KAD_CAT_FILE] || cur->header.has_rules[KAD_CAT_PROCESS];
}

SEC("lsm/bpf")
int BPF_PROG(kad_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur))
		return 0;
	return KAD_DENY_WHAT(&cur, "bpf", cmd, 0);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(kad_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || kad_same_container(&cur, child))
		return 0;
	return KAD_DENY_WHAT(&cur, "ptrace", BPF_CORE_READ(child, tgid), mode);
}

SEC("lsm/ptrace_traceme")
int BPF_PROG(kad_ptrace_traceme, struct task_struct *parent, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || kad_same_container(&cur, parent))
		return 0;
	return KAD_DENY_WHAT(&cur, "ptrace traceme", BPF_CORE_READ(parent, tgid), 0);
}

/* Signals between containers of one pod (a shared pid namespace) stay
 * allowed, as Kubernetes intends; tasks outside containers are protected. */
SEC("lsm/task_kill")
int BPF_PROG(kad_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig, const struct cred *cred,
	     int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || kad_in_any_container(p))
		return 0;
	return KAD_DENY_WHAT(&cur, "kill", BPF_CORE_READ(p, tgid), sig);
}

SEC("lsm/sb_mount")
int BPF_PROG(kad_sb_mount, const char *dev_name, const struct path *path, const char *type, unsigned long flags,
	     void *data, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur))
		return 0;
	if (kad_protected_fs(type))
		return KAD_DENY_WHAT(&cur, "mount", 0, flags);
	if ((flags & KAD_MS_REMOUNT) && kad_protected_fs(BPF_CORE_READ(path, mnt, mnt_sb, s_type, name)))
		return KAD_DENY_WHAT(&cur, "remount", 0, flags);
	if ((flags & (KAD_MS_BIND | KAD_MS_MOVE)) && kad_has_path_rules(&cur))
		return KAD_DENY_WHAT(&cur, "bind mount", 0, flags);
	return 0;
}

SEC("lsm/sb_remount")
int BPF_PROG(kad_sb_remount, struct super_block *sb, void *mnt_opts, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !kad_protected_fs(BPF_CORE_READ(sb, s_type, name)))
		return 0;
	return KAD_DENY_WHAT(&cur, "remount", 0, 0);
}

SEC("lsm/sb_umount")
int BPF_PROG(kad_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !kad_protected_fs(BPF_CORE_READ(mnt, mnt_sb, s_type, name)))
		return 0;
	return KAD_DENY_WHAT(&cur, "umount", 0, flags);
}

/* The new mount API attaches detached trees here (open_tree + move_mount). */
SEC("lsm/move_mount")
int BPF_PROG(kad_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !kad_has_path_rules(&cur))
		return 0;
	return KAD_DENY_WHAT(&cur, "move_mount", 0, 0);
}

SEC("lsm/kernel_read_file")
int BPF_PROG(kad_kernel_read_file, struct file *file, enum kernel_read_file_id id, bool contents, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur))
		return 0;
	return KAD_DENY_WHAT(&cur, "kernel read file", id, 0);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(kad_kernel_load_data, enum kernel_load_data_id id, bool contents, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur))
		return 0;
	return KAD_DENY_WHAT(&cur, "kernel load data", id, 0);
}

SEC("lsm/locked_down")
int BPF_PROG(kad_locked_down, enum lockdown_reason what, int ret)
{
	struct kad_context cur;
	if (ret)
		return ret;
	if (!kad_current_context(&cur))
		return 0;
	return KAD_DENY_WHAT(&cur, "lockdown", what, 0);
}
