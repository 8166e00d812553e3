// SPDX-License-Identifier: GPL-2.0
/*
 * namei.c - lookup across branches and the union dentry's life cycle.
 * The core decides which lower objects make up a name (precedence,
 * whiteouts, opaque directories); this file caches its answer in the
 * dentry and keeps the cache honest.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/namei.h>
#include <linux/slab.h>
#include "ufs.h"

/* Returns a zeroed info with one lower slot per branch, or NULL. */
struct ufs_dentry_info *ufs_alloc_dentry_info(struct super_block *sb)
{
	struct ufs_dentry_info *info;

	info = kzalloc(struct_size(info, lower, UFS_SB(sb)->nbranches), GFP_KERNEL);
	return info;
}

void ufs_free_dentry_info(struct ufs_dentry_info *info, unsigned int nbranches)
{
	unsigned int i;

	for (i = 0; i < nbranches; i++)
		dput(info->lower[i]);
	kfree(info);
}

static void ufs_lower_set_of(const struct ufs_dentry_info *info, struct ufs_lower_set *set)
{
	set->start = info->start;
	set->end = info->end;
	set->kind = info->kind;
	set->handles = (void **)info->lower;
}

struct dentry *ufs_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct super_block *sb = dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_lower_set parent, found;
	struct ufs_dentry_info *info;
	struct inode *inode = NULL;
	int err;

	if (dentry->d_name.len > UFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	info = ufs_alloc_dentry_info(sb);
	if (!info)
		return ERR_PTR(-ENOMEM);

	ufs_lower_set_of(UFS_D(dentry->d_parent), &parent);
	found.handles = (void **)info->lower;
	err = ufs_lookup_resolve(sbi->table, &ufs_lower_ops, sbi, &parent,
				 dentry->d_name.name, dentry->d_name.len, &found);
	if (err)
		goto out_free;
	info->start = found.start;
	info->end = found.end;
	info->kind = found.kind;

	if (info->kind != UFS_KIND_NONE) {
		inode = ufs_iget(sb, info);
		if (IS_ERR(inode)) {
			err = PTR_ERR(inode);
			goto out_put;
		}
	}
	dentry->d_fsdata = info;
	return d_splice_alias(inode, dentry);

out_put:
	ufs_free_dentry_info(info, sbi->nbranches);
	return ERR_PTR(err);
out_free:
	kfree(info);
	return ERR_PTR(err);
}

static bool ufs_has_nfsro_branch(const struct ufs_sb_info *sbi)
{
	unsigned int i;

	for (i = 0; i < sbi->nbranches; i++)
		if (sbi->branches[i].mode == UFS_BRANCH_NFSRO)
			return true;
	return false;
}

/*
 * A cached union dentry stays valid while every lower dentry it was built
 * from is still valid: one removed or renamed directly on its branch
 * (unhashed) or rejected by its own filesystem's revalidation forces a
 * fresh lookup. Negative dentries are not trusted when a branch may change
 * underneath us (nfsro). Safe in RCU walk: lower revalidation gets our flags.
 */
static int ufs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct ufs_dentry_info *info = UFS_D(dentry);
	struct ufs_sb_info *sbi = UFS_SB(dentry->d_sb);
	int i, ret;

	if (!info)
		return 0;
	if (info->kind == UFS_KIND_NONE)
		return !ufs_has_nfsro_branch(sbi);

	for (i = info->start; i <= info->end; i++) {
		struct dentry *lower = info->lower[i];

		if (!lower)
			continue;
		if (d_unhashed(lower))
			return 0;
		if (lower->d_flags & DCACHE_OP_REVALIDATE) {
			ret = lower->d_op->d_revalidate(lower, flags);
			if (ret <= 0)
				return ret;
		}
	}
	return 1;
}

static void ufs_d_release(struct dentry *dentry)
{
	struct ufs_dentry_info *info = UFS_D(dentry);

	if (info)
		ufs_free_dentry_info(info, UFS_SB(dentry->d_sb)->nbranches);
}

const struct dentry_operations ufs_dentry_ops = {
	.d_revalidate = ufs_d_revalidate,
	.d_release = ufs_d_release,
};
