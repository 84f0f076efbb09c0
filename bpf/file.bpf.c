// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* File rules: opens for reading and writing. */
#include "common.bpf.h"
#include "path.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 1 when the open may modify the file. Branch-free on purpose: a 0/1
 * constant per path would have the verifier walk the rest twice. */
static __always_inline __u32 kad_file_is_write(struct file *file)
{
	__u32 mode = BPF_CORE_READ(file, f_mode);
	__u32 flags = BPF_CORE_READ(file, f_flags);
	return ((mode >> 1) | (flags >> 9) | (flags >> 10)) & 1; /* FMODE_WRITE, O_TRUNC, O_APPEND */
}

static __always_inline __u8 kad_current_owns(struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val);
}

SEC("lsm/file_open")
int BPF_PROG(kad_file_open, struct file *file, int ret)
{
	struct kad_context cur;

	if (ret)
		return ret;
	if (!kad_current_context(&cur) || !cur.header.has_rules[KAD_CAT_FILE])
		return 0;
	/* Opens for exec are judged by the process rules (exec.bpf.c). */
	if (BPF_CORE_READ(file, f_mode) & KAD_FMODE_EXEC)
		return 0;

	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s) {
		kad_scratch_release(slot);
		return -KAD_DENY; /* cannot evaluate: fail closed */
	}

	int err;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 write = kad_file_is_write(file);
	__u16 op = KAD_OP_FILE_OPEN + write; /* KAD_OP_FILE_WRITE when writing */
	long n = bpf_d_path(&file->f_path, s->path, KAD_PATH_MAX);
	if (n <= 0) {
		static const char what[] = "<path longer than PATH_MAX>";
		err = kad_deny_unresolvable(&cur, s, op, what, sizeof(what) - 1);
		goto out;
	}

	__u8 is_dir = (BPF_CORE_READ(inode, i_mode) & KAD_S_IFMT) == KAD_S_IFDIR;
	__u32 conditions = (write * KAD_COND_WRITE) | (kad_current_owns(inode) ? KAD_COND_OWNER : 0) |
			   (kad_current_has_tty() ? KAD_COND_TTY : 0);
	struct kad_path_kinds kinds = {
		.path = KAD_KEY_FILE_PATH,
		.dir = KAD_KEY_FILE_DIR,
		.inode = KAD_KEY_FILE_INODE,
	};
	kad_evaluate(&cur, s, slot, n - 1, conditions, &kinds, cur.header.file_dir_depths,
		     !!(cur.header.flags & KAD_HDR_DEEP_FILE_DIRS), is_dir,
		     !!(cur.header.flags & KAD_HDR_FILE_SOURCES));
	if (s->req.overflow) {
		err = kad_deny_unresolvable(&cur, s, op, s->path, n - 1);
		goto out;
	}
	struct kad_verdict v = s->req.verdict;

	s->event.aux = 0;
	s->event.aux2 = BPF_CORE_READ(file, f_flags);
	err = kad_finish(&cur, &v, KAD_CAT_FILE, s, op, 0, n - 1);
out:
	kad_scratch_release(slot);
	return err;
}
