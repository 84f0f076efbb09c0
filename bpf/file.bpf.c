// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * File rules: opens for reading and writing, and every operation that
 * changes a path (create, unlink, rename and link on both ends, mkdir,
 * rmdir, mknod, symlink, truncate, chmod, chown), so that readOnly and Block
 * on a path mean what a user thinks.
 */
#include "common.bpf.h"
#include "path.bpf.h"
#include "walk.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define KAD_S_IFREG 0100000

/* 1 when the open may modify the file. Branch-free on purpose: a 0/1
 * constant per path would have the verifier walk the rest twice. */
static __always_inline __u32 kad_file_is_write(struct file *file)
{
	__u32 mode = BPF_CORE_READ(file, f_mode);
	__u32 flags = BPF_CORE_READ(file, f_flags);
	return ((mode >> 1) | (flags >> 9) | (flags >> 10)) & 1; /* FMODE_WRITE, O_TRUNC, O_APPEND */
}

static __always_inline __u32 kad_owner_condition(struct inode *inode)
{
	struct task_struct *task = bpf_get_current_task_btf();
	return BPF_CORE_READ(task, cred, fsuid.val) == BPF_CORE_READ(inode, i_uid.val) ? KAD_COND_OWNER : 0;
}

#define KAD_PROC_SUPER_MAGIC 0x9fa0

/*
 * The protectEnv preset: is `file` the environment of another process
 * (/proc/<pid>/environ, /proc/<pid>/task/<tid>/environ)? Decided by the
 * inode, not the path, so a procfs mounted elsewhere is covered too: every
 * per-process procfs inode records the struct pid it describes. A task may
 * read its own environment (/proc/self/environ).
 */
static __always_inline int kad_foreign_environ(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != KAD_PROC_SUPER_MAGIC)
		return 0;
	union {
		char s[8];
		__u64 word;
	} name = {}, environ = {.s = "environ"};
	const unsigned char *dname = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	if (bpf_probe_read_kernel_str(name.s, sizeof(name.s), dname) != sizeof(name.s) || name.word != environ.word)
		return 0;
	struct proc_inode *pi = (void *)inode - bpf_core_field_offset(struct proc_inode, vfs_inode);
	struct pid *target = BPF_CORE_READ(pi, pid);
	if (!target)
		return 0; /* not a per-process file */
	struct task_struct *task = bpf_get_current_task_btf();
	return target != BPF_CORE_READ(task, thread_pid) && target != BPF_CORE_READ(task, signal, pids[PIDTYPE_TGID]);
}

SEC("lsm/file_open")
int BPF_PROG(kad_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	/* Opens for exec are judged by the process rules (exec.bpf.c). The
	 * kernel marks them in f_flags (__FMODE_EXEC), not in f_mode. */
	if (BPF_CORE_READ(file, f_flags) & KAD_FMODE_EXEC)
		return 0;

	/* The context goes straight into the scratch slot: the stack is
	 * needed by the evaluation's call chain. Claiming costs an ungoverned
	 * task two uncontended atomics. */
	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s) {
		kad_scratch_release(slot);
		return -KAD_DENY; /* cannot evaluate: fail closed */
	}
	int err = 0;
	struct kad_context *cur = &s->req.subject;
	if (!kad_current_context(cur))
		goto out;
	/* protectEnv alone costs a look at the inode, not a path. */
	int foreign_environ = cur->header.protect_env_action != KAD_ACTION_NONE && kad_foreign_environ(file);
	if (!foreign_environ && !cur->header.has_rules[KAD_CAT_FILE])
		goto out;

	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u32 write = kad_file_is_write(file);
	__u16 op = KAD_OP_FILE_OPEN + write; /* KAD_OP_FILE_WRITE when writing */
	long n = bpf_d_path(&file->f_path, s->path, KAD_PATH_MAX);
	if (n <= 0) {
		static const char what[] = "<path longer than PATH_MAX>";
		err = kad_deny_unresolvable(cur, s, op, what, sizeof(what) - 1);
		goto out;
	}

	if (foreign_environ) {
		err = kad_preset_finish(cur, cur->header.protect_env_action, KAD_REASON_PROTECT_ENV, s, op, 0, n - 1);
		if (err)
			goto out;
	}
	if (!cur->header.has_rules[KAD_CAT_FILE])
		goto out;

	struct kad_eval_request *req = kad_request(s, slot, cur, KAD_CAT_FILE, 0, n - 1);
	req->is_dir = (BPF_CORE_READ(inode, i_mode) & KAD_S_IFMT) == KAD_S_IFDIR;
	req->conditions =
		(write * KAD_COND_WRITE) | kad_owner_condition(inode) | (kad_current_has_tty() ? KAD_COND_TTY : 0);
	req->inode_dev = BPF_CORE_READ(inode, i_sb, s_dev);
	req->inode_ino = BPF_CORE_READ(inode, i_ino);
	kad_evaluate(req);
	if (req->overflow) {
		err = kad_deny_unresolvable(&req->subject, s, op, s->path, n - 1);
		goto out;
	}
	struct kad_verdict v = req->verdict;

	s->event.aux = 0;
	s->event.aux2 = BPF_CORE_READ(file, f_flags);
	err = kad_finish(&req->subject, &v, KAD_CAT_FILE, s, op, 0, n - 1);
out:
	kad_scratch_release(slot);
	return err;
}

/* Writes the path of r->dentry into the scratch slot; a global function,
 * so its walk state is verified once and stays off the evaluation's chain.
 * Returns the length (start in r->start), or 0 when longer than PATH_MAX. */
__weak __noinline int kad_path_of(struct kad_path_op_request *r)
{
	if (!r)
		return 0;
	struct kad_scratch *s = kad_scratch_get(r->slot);
	if (!s)
		return 0;
	__u32 start = 0;
	__u32 len = kad_walk_path(s, r->slot, (struct dentry *)r->dentry, (struct vfsmount *)r->mnt, &start);
	r->start = start;
	return len;
}

/*
 * One write-class operation on the file at `dentry` (possibly not yet
 * existing) on `mnt`. The owner of a file still to be created is the owner
 * of its directory, as in KubeArmor. A global function taking plain
 * numbers: the hooks that call it keep almost no stack.
 */
__weak __noinline int kad_path_check(__u64 dentry_ptr, __u64 mnt, __u32 op, __u32 is_dir)
{
	struct dentry *dentry = (struct dentry *)dentry_ptr;
	/* The context goes straight into the scratch slot, not on the stack:
	 * this function is the top of the deepest call chain. */
	int slot = kad_scratch_claim();
	struct kad_scratch *s = kad_scratch_get(slot);
	if (!s) {
		kad_scratch_release(slot);
		return -KAD_DENY;
	}
	struct kad_context *cur = &s->req.subject;
	int err = 0;
	if (!kad_current_context(cur) || !cur->header.has_rules[KAD_CAT_FILE])
		goto out;
	struct kad_path_op_request *r = &s->op;
	r->dentry = dentry_ptr;
	r->mnt = mnt;
	r->slot = slot;
	__u32 len = kad_path_of(r);
	__u32 start = r->start;
	if (!len) {
		static const char what[] = "<path longer than PATH_MAX>";
		err = kad_deny_unresolvable(cur, s, op, what, sizeof(what) - 1);
		goto out;
	}

	struct inode *inode = BPF_CORE_READ(dentry, d_inode);
	struct inode *owner = inode ? inode : BPF_CORE_READ(dentry, d_parent, d_inode);
	struct kad_eval_request *req = kad_request(s, slot, cur, KAD_CAT_FILE, start, len);
	req->is_dir = is_dir;
	if (inode && (BPF_CORE_READ(inode, i_mode) & KAD_S_IFMT) == KAD_S_IFDIR)
		req->is_dir = 1;
	req->conditions = KAD_COND_WRITE | kad_owner_condition(owner) | (kad_current_has_tty() ? KAD_COND_TTY : 0);
	if (inode) {
		req->inode_dev = BPF_CORE_READ(inode, i_sb, s_dev);
		req->inode_ino = BPF_CORE_READ(inode, i_ino);
	}
	kad_evaluate(req);
	if (req->overflow) {
		err = kad_deny_unresolvable(cur, s, op, &s->path[start & KAD_PATH_MASK], len);
		goto out;
	}
	struct kad_verdict v = req->verdict;
	s->event.aux = 0;
	s->event.aux2 = 0;
	err = kad_finish(&req->subject, &v, KAD_CAT_FILE, s, op, start, len);
out:
	kad_scratch_release(slot);
	return err;
}

/* Another LSM's denial stands; otherwise check the operation. */
#define KAD_PATH_HOOK(dentry, mnt, op, is_dir)                                                                         \
	(ret ? ret : kad_path_check(kad_ptr_value(dentry), kad_ptr_value(mnt), (op), (is_dir)))

SEC("lsm/path_unlink")
int BPF_PROG(kad_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return KAD_PATH_HOOK(dentry, BPF_CORE_READ(dir, mnt), KAD_OP_FILE_UNLINK, 0);
}

SEC("lsm/path_mkdir")
int BPF_PROG(kad_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return KAD_PATH_HOOK(dentry, BPF_CORE_READ(dir, mnt), KAD_OP_FILE_MKDIR, 1);
}

SEC("lsm/path_rmdir")
int BPF_PROG(kad_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return KAD_PATH_HOOK(dentry, BPF_CORE_READ(dir, mnt), KAD_OP_FILE_RMDIR, 1);
}

/* Also the creation of regular files by open(O_CREAT). */
SEC("lsm/path_mknod")
int BPF_PROG(kad_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode, unsigned int dev, int ret)
{
	__u16 op = (mode & KAD_S_IFMT) == KAD_S_IFREG || !(mode & KAD_S_IFMT) ? KAD_OP_FILE_CREATE : KAD_OP_FILE_MKNOD;
	return KAD_PATH_HOOK(dentry, BPF_CORE_READ(dir, mnt), op, 0);
}

SEC("lsm/path_symlink")
int BPF_PROG(kad_path_symlink, const struct path *dir, struct dentry *dentry, const char *old_name, int ret)
{
	return KAD_PATH_HOOK(dentry, BPF_CORE_READ(dir, mnt), KAD_OP_FILE_SYMLINK, 0);
}

/* Both ends: a hard link to a protected file is refused. */
SEC("lsm/path_link")
int BPF_PROG(kad_path_link, struct dentry *old_dentry, const struct path *new_dir, struct dentry *new_dentry, int ret)
{
	struct vfsmount *mnt = BPF_CORE_READ(new_dir, mnt);
	int err = KAD_PATH_HOOK(old_dentry, mnt, KAD_OP_FILE_LINK, 0);
	return err ? err : KAD_PATH_HOOK(new_dentry, mnt, KAD_OP_FILE_LINK, 0);
}

SEC("lsm/path_rename")
int BPF_PROG(kad_path_rename, const struct path *old_dir, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	int err = KAD_PATH_HOOK(old_dentry, BPF_CORE_READ(old_dir, mnt), KAD_OP_FILE_RENAME, 0);
	return err ? err : KAD_PATH_HOOK(new_dentry, BPF_CORE_READ(new_dir, mnt), KAD_OP_FILE_RENAME, 0);
}

SEC("lsm/path_truncate")
int BPF_PROG(kad_path_truncate, const struct path *path, int ret)
{
	return KAD_PATH_HOOK(BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), KAD_OP_FILE_TRUNCATE, 0);
}

SEC("lsm/path_chmod")
int BPF_PROG(kad_path_chmod, const struct path *path, umode_t mode, int ret)
{
	return KAD_PATH_HOOK(BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), KAD_OP_FILE_CHMOD, 0);
}

/* kuid_t/kgid_t are passed by value: BPF_PROG2 unpacks struct arguments. */
SEC("lsm/path_chown")
int BPF_PROG2(kad_path_chown, const struct path *, path, kuid_t, uid, kgid_t, gid, int, ret)
{
	return KAD_PATH_HOOK(BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), KAD_OP_CHOWN, 0);
}
