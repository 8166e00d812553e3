// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - the branch-management ABI of uapi/unionfs.h on a live union:
 * list branches, query which branches hold a file, change a branch's mode,
 * bump the generation. Adding and removing branches on a live union is
 * not implemented yet (those requests get ENOTTY).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/mount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "ufs.h"
#include "uapi/unionfs.h"

/* The ABI's mode numbers are the core's; keep them from drifting apart. */
static_assert(UNIONFS_BRANCH_RW == UFS_BRANCH_RW);
static_assert(UNIONFS_BRANCH_RO == UFS_BRANCH_RO);
static_assert(UNIONFS_BRANCH_NFSRO == UFS_BRANCH_NFSRO);
static_assert(UNIONFS_MAX_BRANCHES == UFS_MAX_BRANCHES);

static long ufs_ioc_get_branch(struct super_block *sb, void __user *arg)
{
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct unionfs_ioc_branch *req;
	struct ufs_lower_branch *branch;
	char *path;
	long err = 0;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (copy_from_user(req, arg, offsetof(struct unionfs_ioc_branch, mode))) {
		err = -EFAULT;
		goto out;
	}
	if (req->index >= sbi->nbranches) {
		err = -EINVAL;
		goto out;
	}
	branch = &sbi->branches[req->index];
	path = d_path(&branch->path, req->path, sizeof(req->path));
	if (IS_ERR(path)) {
		err = PTR_ERR(path);
		goto out;
	}
	memmove(req->path, path, strlen(path) + 1);
	req->mode = READ_ONCE(branch->mode);
	req->count = sbi->nbranches;
	req->open_files = atomic_long_read(&branch->open_files);
	req->generation = atomic64_read(&sbi->generation);
	if (copy_to_user(arg, req, sizeof(*req)))
		err = -EFAULT;
out:
	kfree(req);
	return err;
}

static long ufs_ioc_query(struct file *file, void __user *arg)
{
	struct dentry *dentry = file->f_path.dentry;
	struct unionfs_ioc_query req = {};
	struct ufs_dentry_info *info = ufs_get_dentry_info(dentry);
	int i;

	for (i = info->start; i <= info->end; i++)
		if (info->lower[i])
			req.branches[i / 64] |= 1ULL << (i % 64);
	req.count = info->nbranches;
	ufs_put_dentry_info(info);
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long ufs_ioc_set_mode(struct super_block *sb, void __user *arg)
{
	struct unionfs_ioc_index req;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.mode > UNIONFS_BRANCH_NFSRO)
		return -EINVAL;
	return ufs_set_branch_mode(UFS_SB(sb), req.index, req.mode);
}

static long ufs_ioc_incgen(struct super_block *sb, void __user *arg)
{
	u64 generation;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	generation = ufs_bump_generation(UFS_SB(sb));
	return copy_to_user(arg, &generation, sizeof(generation)) ? -EFAULT : 0;
}

long ufs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct super_block *sb = file_inode(file)->i_sb;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case UNIONFS_IOC_GET_BRANCH:
		return ufs_ioc_get_branch(sb, uarg);
	case UNIONFS_IOC_QUERY:
		return ufs_ioc_query(file, uarg);
	case UNIONFS_IOC_SET_MODE:
		return ufs_ioc_set_mode(sb, uarg);
	case UNIONFS_IOC_INCGEN:
		return ufs_ioc_incgen(sb, uarg);
	}
	return -ENOTTY;
}
