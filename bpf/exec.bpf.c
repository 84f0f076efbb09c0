// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process rules and process identity: exec checks, the executable identity
 * cached per task for fromSource, and inheritance of the container tag.
 */
#include "common.bpf.h"
#include "path.bpf.h"

/* Whether `arg` (len bytes in s->arg, zero-padded) is in rule `rule`'s
 * allowedArgs: the keyed hash of the rule index and the argument, as
 * libkadapter's arg_hash() computes it, keys the rule map. */
static __always_inline int kad_arg_listed(void *rules, struct kad_arg *arg, __u32 rule, __u32 len)
{
	struct kad_sip h;
	kad_sip_init(&h);
	kad_sip_word(&h, rule);
	__u32 words = len / 8;
	for (int i = 0; i < KAD_MAX_ARG_LEN / 8; i++) {
		if (i >= words)
			break;
		kad_sip_word(&h, arg->w[i]);
	}
	struct kad_rule_key k = {.kind = KAD_KEY_EXEC_ARG};
	k.hash = kad_sip_finish(&h, arg->w[words & 15], len % 8);
	return bpf_map_lookup_elem(rules, &k) != NULL;
}

/*
 * allowedArgs: whether the arguments of the exec being checked are all in
 * rule `rule`'s list; a bare command (argv[0] alone) matches only when
 * argv[0] is listed, as in KubeArmor. The arguments are read from the
 * execve caller's memory (the kernel's copy is not reachable before the
 * exec commits), so another thread of the caller could change them after
 * the kernel copied them: see docs/policy-semantics.md.
 */
static __noinline int kad_args_match(void *rules, int slot, __u32 rule)
{
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s)
		return 0;
#if defined(__TARGET_ARCH_x86)
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	const char *const *argv;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr == 59) /* execve */
		argv = (const char *const *)BPF_CORE_READ(regs, si);
	else if (nr == 322) /* execveat */
		argv = (const char *const *)BPF_CORE_READ(regs, dx);
	else
		return 0;
#else
	const char *const *argv = NULL;
	return 0; /* no argument reader for this architecture: no match */
#endif
	int first_listed = 0;
	for (int i = 0; i <= KAD_MAX_ARGS + 1; i++) {
		const char *p = NULL;
		if (bpf_probe_read_user(&p, sizeof(p), &argv[i]))
			return 0;
		if (!p)
			return i > 1 ? 1 : first_listed;
		if (i == KAD_MAX_ARGS + 1)
			return 0; /* too many arguments */
		__builtin_memset(&s->arg, 0, sizeof(s->arg));
		long n = bpf_probe_read_user_str(s->arg.s, KAD_MAX_ARG_LEN + 2, p);
		if (n <= 0 || n > KAD_MAX_ARG_LEN + 1)
			return 0; /* unreadable or too long */
		int listed = kad_arg_listed(rules, &s->arg, rule, n - 1);
		if (i == 0)
			first_listed = listed;
		else if (!listed)
			return 0;
	}
	return 0;
}

/*
 * allowedArgs act like ownerOnly: a Block rule lets the listed arguments
 * through, an Allow rule blocks other arguments, an Audit rule reports
 * other arguments. The rule that decided (else the one that audited) is
 * the one whose list counts. On an interpreter's pass ("#!", binfmt_misc)
 * the caller's argv is not the interpreter's: nothing matches then.
 */
__weak __noinline int kad_apply_allowed_args(struct kad_eval_request *req, int interpreter)
{
	if (!req)
		return 0;
	struct kad_verdict *v = &req->verdict;
	__u32 rule = v->decision != KAD_ACTION_NONE ? v->rule : v->audited ? v->audit_rule : ~0u;
	if (rule == ~0u)
		return 0;
	struct kad_header hdr;
	void *rules = kad_rules_of(&req->subject.binding, &hdr);
	/* Swapped since the evaluation: rule indexes may mean other rules. */
	int same = rules && hdr.ruleset_id == req->subject.header.ruleset_id;
	struct kad_rule_key k = {.hash = rule, .kind = KAD_KEY_EXEC_ARGSET};
	if (same && !bpf_map_lookup_elem(rules, &k))
		return 0;
	int match = same && !interpreter && kad_args_match(rules, req->slot, rule);
	if (match) {
		if (v->decision != KAD_ACTION_NONE && v->rule == rule)
			v->decision = KAD_ACTION_ALLOW;
		if (v->audited && v->audit_rule == rule)
			v->audited = 0;
	} else if (v->decision == KAD_ACTION_ALLOW && v->rule == rule) {
		v->decision = KAD_ACTION_BLOCK;
	}
	return 0;
}

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
	    (!cur->header.has_rules[KAD_CAT_PROCESS] && cur->header.fileless_action == KAD_ACTION_NONE &&
	     cur->header.external_exec_action == KAD_ACTION_NONE))
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
		err = kad_preset_finish(cur, cur->header.fileless_action, KAD_REASON_FILELESS, s, KAD_OP_EXEC, 0,
					n - 1);
		if (err)
			goto out;
	}
	/* The exec preset: KubeArmor's "no interactive kubectl exec". A
	 * process the agent started from outside (or its descendant) may not
	 * exec anything while it has a terminal. */
	if (cur->header.external_exec_action != KAD_ACTION_NONE && (cur->task_flags & KAD_TASK_EXTERNAL) &&
	    kad_current_has_tty()) {
		err = kad_preset_finish(cur, cur->header.external_exec_action, KAD_REASON_EXTERNAL_EXEC, s, KAD_OP_EXEC,
					0, n - 1);
		if (err)
			goto out;
	}
	if (!cur->header.has_rules[KAD_CAT_PROCESS])
		goto out;

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
	if (req->subject.header.flags & KAD_HDR_EXEC_ARGS)
		kad_apply_allowed_args(req, BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename));
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
