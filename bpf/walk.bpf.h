/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Paths for the path_* hooks, where bpf_d_path is not allowed: a walk from
 * the dentry up to the task's root, crossing mounts like the kernel's own
 * prepend_path(). One step per bpf_loop iteration, so depth is bounded only
 * by PATH_MAX; a path that does not fit is reported, never truncated.
 */
#ifndef KADAPTER_WALK_BPF_H
#define KADAPTER_WALK_BPF_H

#include "common.bpf.h"

/* One step up; the state is in the scratch slot (see struct kad_walk). */
static long kad_walk_step(__u32 i, void *data)
{
	struct kad_scratch *s = kad_scratch_get(*(int *)data);
	if (!s)
		return 1;
	struct kad_walk *w = &s->walk;
	struct dentry *d = (struct dentry *)w->dentry;
	struct mount *m = (struct mount *)w->mnt;
	__u64 vfsmnt = w->mnt + bpf_core_field_offset(struct mount, mnt);

	if (w->dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->done = 1; /* reached the task's root: the container's "/" */
		return 1;
	}
	if (w->dentry == (__u64)BPF_CORE_READ(m, mnt.mnt_root)) {
		struct mount *parent = BPF_CORE_READ(m, mnt_parent);
		if (parent == m) {
			w->done = 1; /* the namespace root: nothing above */
			return 1;
		}
		w->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		w->mnt = (__u64)parent;
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (!parent || parent == d) {
		w->done = 1;
		return 1;
	}

	__u32 len = BPF_CORE_READ(d, d_name.len);
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	if (len > 255 || w->pos < KAD_PATH_MAX + len + 1) {
		w->overflow = 1; /* longer than PATH_MAX */
		return 1;
	}
	w->pos -= len;
	kad_barrier_var(len);
	bpf_probe_read_kernel(&s->path[w->pos & KAD_PATH_MASK], len & 255, name);
	w->pos -= 1;
	s->path[w->pos & KAD_PATH_MASK] = '/';
	w->dentry = (__u64)parent;
	return 0;
}

/*
 * Writes the path of `dentry` on mount `vfsmnt`, as the current task sees
 * it, into s->path[*start, KAD_WALK_END). Returns its length, or 0 when it
 * is longer than PATH_MAX.
 */
static __always_inline __u32 kad_walk_path(struct kad_scratch *s, int slot, struct dentry *dentry,
					   struct vfsmount *vfsmnt, __u32 *start)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct kad_walk *w = &s->walk;
	w->dentry = (__u64)dentry;
	w->mnt = (__u64)vfsmnt - bpf_core_field_offset(struct mount, mnt);
	w->root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	w->root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	w->pos = KAD_WALK_END;
	w->overflow = 0;
	w->done = 0;
	bpf_loop(KAD_PATH_MAX, kad_walk_step, &slot, 0);
	if (w->overflow || !w->done) /* too long, or a chain that did not end */
		return 0;
	if (w->pos == KAD_WALK_END) { /* the root itself */
		w->pos--;
		s->path[w->pos & KAD_PATH_MASK] = '/';
	}
	*start = w->pos;
	return KAD_WALK_END - w->pos;
}

#endif /* KADAPTER_WALK_BPF_H */
