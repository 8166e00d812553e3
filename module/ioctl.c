// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the branch-management ABI of uapi/unionfs.h on a live union:
 * list branches, query which branches hold a file, add and remove
 * branches, change a branch's mode, start a new generation. The changes
 * themselves are branch.c's; here are the checks of the request.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "uni.h"
#include "uapi/unionfs.h"

/* The ABI's mode numbers are the core's; keep them from drifting apart. */
static_assert(UNIONFS_BRANCH_RW == UNI_BRANCH_RW);
static_assert(UNIONFS_BRANCH_RO == UNI_BRANCH_RO);
static_assert(UNIONFS_BRANCH_NFSRO == UNI_BRANCH_NFSRO);
static_assert(UNIONFS_MAX_BRANCHES == UNI_MAX_BRANCHES);

static long uni_ioc_get_branch(struct super_block *sb, void __user *arg)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct unionfs_ioc_branch *req;
	struct uni_lower_branch *branch;
	struct uni_layout *layout;
	char *path;
	long err = 0;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (copy_from_user(req, arg, offsetof(struct unionfs_ioc_branch, mode))) {
		err = -EFAULT;
		goto out;
	}
	/*
	 * Shared with operations, exclusive with branch changes: a mode
	 * change writes the branch's mode before it publishes the new
	 * generation, and a listing must never pair the new mode with the
	 * old generation (test 193 saw it).
	 */
	err = down_read_killable(&sbi->namespace_rwsem);
	if (err)
		goto out;
	req->generation = atomic64_read(&sbi->generation);
	layout = uni_layout_locked(sbi);
	if (req->index >= layout->nbranches) {
		err = -EINVAL;
		goto out_unlock;
	}
	branch = layout->branch[req->index];
	path = d_path(&branch->path, req->path, sizeof(req->path));
	if (IS_ERR(path)) {
		err = PTR_ERR(path);
		goto out_unlock;
	}
	memmove(req->path, path, strlen(path) + 1);
	req->mode = READ_ONCE(branch->mode);
	req->count = layout->nbranches;
	req->open_files = atomic_long_read(&branch->open_files);
out_unlock:
	up_read(&sbi->namespace_rwsem);
	if (!err && copy_to_user(arg, req, sizeof(*req)))
		err = -EFAULT;
out:
	kfree(req);
	return err;
}

/* The branches holding the object of info itself (the root, or a name removed meanwhile). */
static long uni_query_info(struct dentry *dentry, struct unionfs_ioc_query *req)
{
	struct uni_dentry_info *info = uni_get_fresh_info(dentry);
	int i;

	if (IS_ERR(info))
		info = uni_get_dentry_info(dentry);	/* gone from the union: what it was made of */
	for (i = info->start; i <= info->end; i++)
		if (info->lower[i])
			req->branches[i / 64] |= 1ULL << (i % 64);
	req->count = info->layout->nbranches;
	uni_put_dentry_info(info);
	return 0;
}

/* Every branch with a copy of the name, not only the top one the union shows. */
static long uni_query_name(struct dentry *dentry, struct unionfs_ioc_query *req)
{
	struct dentry *parent = dget_parent(dentry);
	struct uni_dentry_info *parent_info = uni_get_fresh_info(parent);
	struct name_snapshot name;
	struct uni_lower_set set;
	long err;

	if (IS_ERR(parent_info)) {
		dput(parent);
		return PTR_ERR(parent_info);
	}
	take_dentry_name_snapshot(&name, dentry);
	uni_lower_set_of(parent_info, &set);
	err = uni_lookup_holders(parent_info->layout->table, &uni_lower_ops, parent_info->layout,
				 &set, name.name.name, name.name.len, req->branches,
				 ARRAY_SIZE(req->branches));
	req->count = parent_info->layout->nbranches;
	release_dentry_name_snapshot(&name);
	uni_put_dentry_info(parent_info);
	dput(parent);
	return err;
}

static long uni_ioc_query(struct file *file, void __user *arg)
{
	struct dentry *dentry = file->f_path.dentry;
	struct unionfs_ioc_query req = {};
	long err;

	if (IS_ROOT(dentry) || d_unhashed(dentry))
		err = uni_query_info(dentry, &req);
	else
		err = uni_query_name(dentry, &req);
	if (err)
		return err;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

/* Explains a refused change in the kernel log (unionctl says it in the user's terms). */
static void uni_ioc_refused(const char *what, unsigned int index, const char *why, int err)
{
	if (why)
		pr_info_ratelimited("%s branch %u refused: %s (error %d)\n", what, index, why, err);
}

/* Reads a privileged request of struct unionfs_ioc_index; max_mode bounds its mode. */
static long uni_ioc_read_index(void __user *arg, struct unionfs_ioc_index *req, u32 max_mode)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(req, arg, sizeof(*req)))
		return -EFAULT;
	if (req->mode > max_mode || req->reserved[0] || req->reserved[1])
		return -EINVAL;
	return 0;
}

static long uni_ioc_set_mode(struct super_block *sb, void __user *arg)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct unionfs_ioc_index req;
	const char *why = NULL;
	long err = uni_ioc_read_index(arg, &req, UNIONFS_BRANCH_NFSRO);

	if (err)
		return err;
	err = down_write_killable(&sbi->namespace_rwsem);
	if (err)
		return err;
	err = uni_check_generation(sbi, req.generation);
	if (!err)
		err = uni_set_mode_locked(sb, req.index, req.mode, &why);
	up_write(&sbi->namespace_rwsem);
	uni_ioc_refused("mode of", req.index, why, err);
	return err;
}

static long uni_ioc_del_branch(struct super_block *sb, void __user *arg)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct unionfs_ioc_index req;
	const char *why = NULL;
	long err = uni_ioc_read_index(arg, &req, 0);	/* a removal has no mode */

	if (err)
		return err;
	err = down_write_killable(&sbi->namespace_rwsem);
	if (err)
		return err;
	err = uni_check_generation(sbi, req.generation);
	if (!err)
		err = uni_del_branch_locked(sb, req.index, &why);
	up_write(&sbi->namespace_rwsem);
	if (!err)
		uni_forget_unused(sb);
	uni_ioc_refused("removing", req.index, why, err);
	return err;
}

static long uni_ioc_add_branch(struct super_block *sb, void __user *arg)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct unionfs_ioc_add req;
	const char *why = NULL;
	unsigned int clash;
	struct file *dir;
	long err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.mode > UNIONFS_BRANCH_NFSRO || req.reserved)
		return -EINVAL;
	dir = fget(req.dirfd);
	if (!dir)
		return -EBADF;
	err = -ENOTDIR;
	if (d_is_dir(dir->f_path.dentry))
		err = down_write_killable(&sbi->namespace_rwsem);
	if (!err) {
		err = uni_check_generation(sbi, req.generation);
		if (!err)
			err = uni_add_branch_locked(sb, &dir->f_path, req.index, req.mode,
						    &why, &clash);
		up_write(&sbi->namespace_rwsem);
	}
	fput(dir);
	uni_ioc_refused("adding", req.index, why, err);
	return err;
}

static long uni_ioc_incgen(struct super_block *sb, void __user *arg)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	u64 generation;
	int err;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	err = down_write_killable(&sbi->namespace_rwsem);
	if (err)
		return err;
	err = uni_incgen_locked(sb);
	generation = atomic64_read(&sbi->generation);
	up_write(&sbi->namespace_rwsem);
	if (err)
		return err;
	return copy_to_user(arg, &generation, sizeof(generation)) ? -EFAULT : 0;
}

long uni_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case UNIONFS_IOC_GET_BRANCH:
		return uni_ioc_get_branch(sb, uarg);
	case UNIONFS_IOC_QUERY:
		return uni_ioc_query(file, uarg);
	case UNIONFS_IOC_SET_MODE:
		return uni_ioc_set_mode(sb, uarg);
	case UNIONFS_IOC_ADD_BRANCH:
		return uni_ioc_add_branch(sb, uarg);
	case UNIONFS_IOC_DEL_BRANCH:
		return uni_ioc_del_branch(sb, uarg);
	case UNIONFS_IOC_INCGEN:
		return uni_ioc_incgen(sb, uarg);
	}
	return -ENOTTY;
}
