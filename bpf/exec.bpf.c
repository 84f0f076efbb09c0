// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process rules and process identity: exec checks, the executable identity
 * cached per task for fromSource, and inheritance of the container tag.
 */
#include "common.bpf.h"
#include "path.bpf.h"

/*
 * Runs for every binfmt pass: for a "#!" script once for the script and
 * again for its interpreter, so both must be allowed.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(kad_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct kad_context cur;

	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !cur.header.has_rules[KAD_CAT_PROCESS])
		return 0;

	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s) {
		kad_scratch_release(slot);
		return -KAD_DENY;
	}

	int err;
	struct file *file = bprm->file; /* a BTF pointer, as bpf_d_path needs */
	long n = bpf_d_path(&file->f_path, s->path, KAD_PATH_MAX);
	if (n <= 0) {
		static const char what[] = "<executable path longer than PATH_MAX>";
		err = kad_deny_unresolvable(&cur, s, KAD_OP_EXEC, what, sizeof(what) - 1);
		goto out;
	}

	struct task_struct *task = bpf_get_current_task_btf();
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 conditions =
		(BPF_CORE_READ(task, cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val) ? KAD_COND_OWNER : 0) |
		(kad_current_has_tty() ? KAD_COND_TTY : 0);
	struct kad_path_kinds kinds = {
		.path = KAD_KEY_EXEC_PATH,
		.dir = KAD_KEY_EXEC_DIR,
		.name = (cur.header.flags & KAD_HDR_EXEC_NAMES) ? KAD_KEY_EXEC_NAME : 0,
		.inode = KAD_KEY_EXEC_INODE,
	};
	kad_evaluate(&cur, s, slot, n - 1, conditions, &kinds, cur.header.exec_dir_depths,
		     !!(cur.header.flags & KAD_HDR_DEEP_EXEC_DIRS), 0, !!(cur.header.flags & KAD_HDR_EXEC_SOURCES));
	if (s->req.overflow) {
		err = kad_deny_unresolvable(&cur, s, KAD_OP_EXEC, s->path, n - 1);
		goto out;
	}
	struct kad_verdict v = s->req.verdict;

	s->event.aux = 0;
	s->event.aux2 = 0;
	err = kad_finish(&cur, &v, KAD_CAT_PROCESS, s, KAD_OP_EXEC, 0, n - 1);
out:
	kad_scratch_release(slot);
	return err;
}

/* After a successful exec: remember the new executable, so fromSource
 * checks of this task (and its children) are a single lookup. */
SEC("lsm/bprm_committed_creds")
void BPF_PROG(kad_bprm_committed, struct linux_binprm *bprm)
{
	struct kad_context cur;

	if (!kad_current_context(&cur))
		return;
	struct kad_task_tag *tag = bpf_task_storage_get(&kad_task_tags, bpf_get_current_task_btf(), 0, 0);
	if (!tag)
		return;

	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (s) {
		struct file *file = bprm->file; /* a BTF pointer, as bpf_d_path needs */
		long n = bpf_d_path(&file->f_path, s->path, KAD_PATH_MAX);
		if (n > 0) {
			struct kad_path_kinds none = {};
			kad_evaluate(&cur, s, slot, n - 1, 0, &none, 0, 0, 0, 0);
			tag->exe_hash = s->req.path_hash;
		} else {
			tag->exe_hash = 0;
		}
	}
	kad_scratch_release(slot);
}

/* Children inherit the container tag of their parent. Failing to tag a
 * child of a governed task fails the fork rather than let it run unbound. */
SEC("lsm/task_alloc")
int BPF_PROG(kad_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	if (ret)
		return ret;
	struct kad_task_tag *tag = bpf_task_storage_get(&kad_task_tags, bpf_get_current_task_btf(), 0, 0);
	if (!tag)
		return 0;
	if (!bpf_task_storage_get(&kad_task_tags, task, tag, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -12; /* -ENOMEM */
	return 0;
}
