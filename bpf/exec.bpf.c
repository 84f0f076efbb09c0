// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process rules and process identity: exec checks, the executable identity
 * cached per task for fromSource, and inheritance of the container tag.
 */
#include "common.bpf.h"
#include "path.bpf.h"

/*
 * Runs for every binfmt pass: for a "#!" script once for the script and
 * again for its interpreter, so both must be allowed. The filelessExec
 * preset applies first: an executable with no link left (a memfd, or a file
 * deleted after it was opened) is what it guards against.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(kad_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s) {
		kad_scratch_release(slot);
		return -KAD_DENY;
	}
	int err = 0;
	struct kad_context *cur = &s->req.subject;
	if (!kad_current_context(cur) ||
	    (!cur->header.has_rules[KAD_CAT_PROCESS] && cur->header.fileless_action == KAD_ACTION_NONE))
		goto out;

	struct file *file = bprm->file; /* a BTF pointer, as bpf_d_path needs */
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	long n = bpf_d_path(&file->f_path, s->path, KAD_PATH_MAX);
	if (n <= 0) {
		static const char what[] = "<executable path longer than PATH_MAX>";
		err = kad_deny_unresolvable(cur, s, KAD_OP_EXEC, what, sizeof(what) - 1);
		goto out;
	}

	if (cur->header.fileless_action != KAD_ACTION_NONE && BPF_CORE_READ(inode, __i_nlink) == 0) {
		struct kad_verdict f = {.decision = KAD_ACTION_NONE, .audited = 1, .reason = KAD_REASON_FILELESS};
		f.audit_rule = ~0u;
		if (cur->header.fileless_action == KAD_ACTION_BLOCK) {
			f.decision = KAD_ACTION_BLOCK;
			f.rule = ~0u;
			f.audited = 0;
		}
		s->event.aux = 0;
		s->event.aux2 = 0;
		err = kad_finish(cur, &f, KAD_CAT_MAX, s, KAD_OP_EXEC, 0, n - 1);
		if (err || !cur->header.has_rules[KAD_CAT_PROCESS])
			goto out;
	}

	struct task_struct *task = bpf_get_current_task_btf();
	struct kad_eval_request *req = kad_request(s, slot, cur, KAD_CAT_PROCESS, 0, n - 1);
	req->conditions =
		(BPF_CORE_READ(task, cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val) ? KAD_COND_OWNER : 0) |
		(kad_current_has_tty() ? KAD_COND_TTY : 0);
	req->inode_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	req->inode_ino = BPF_CORE_READ(inode, i_ino);
	kad_evaluate(req);
	if (req->overflow) {
		err = kad_deny_unresolvable(&req->subject, s, KAD_OP_EXEC, s->path, n - 1);
		goto out;
	}
	struct kad_verdict v = req->verdict;

	s->event.aux = 0;
	s->event.aux2 = 0;
	err = kad_finish(&req->subject, &v, KAD_CAT_PROCESS, s, KAD_OP_EXEC, 0, n - 1);
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
			struct kad_eval_request *req = kad_request(s, slot, &cur, KAD_CAT_MAX, 0, n - 1);
			kad_evaluate(req);
			tag->exe_hash = req->path_hash;
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
