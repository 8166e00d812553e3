// SPDX-License-Identifier: GPL-2.0
/*
 * branch.c - changes to a live union's branches, shared by the ioctls
 * (ioctl.c) and remount (params.c): a branch's mode, and the generation
 * every change starts, against which cached dentries revalidate.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/mount.h>
#include "ufs.h"

/* Every change of the branch layout or modes starts a new generation. */
u64 ufs_bump_generation(struct ufs_sb_info *sbi)
{
	return atomic64_inc_return(&sbi->generation);
}

/*
 * Sets branch index's mode. A branch whose filesystem (or mount) is
 * read-only cannot become rw: writes would only meet EROFS there later.
 */
int ufs_set_branch_mode(struct ufs_sb_info *sbi, unsigned int index, enum ufs_branch_mode mode)
{
	struct ufs_lower_branch *branch;
	int err;

	if (index >= sbi->nbranches)
		return -EINVAL;
	branch = &sbi->branches[index];
	if (mode == UFS_BRANCH_RW && __mnt_is_readonly(branch->path.mnt))
		return -EROFS;

	mutex_lock(&sbi->write_mutex);
	err = ufs_branch_table_set_mode(sbi->table, index, mode);
	if (!err) {
		WRITE_ONCE(branch->mode, mode);
		ufs_bump_generation(sbi);
	}
	mutex_unlock(&sbi->write_mutex);
	return err;
}

/* The index of the branch whose directory is path, or -ENOENT. */
int ufs_find_branch(struct ufs_sb_info *sbi, const struct path *path)
{
	unsigned int i;

	for (i = 0; i < sbi->nbranches; i++)
		if (sbi->branches[i].path.dentry == path->dentry)
			return i;
	return -ENOENT;
}
