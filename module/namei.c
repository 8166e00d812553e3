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

/* Returns a zeroed info, one reference, one lower slot per branch; or NULL. */
struct ufs_dentry_info *ufs_alloc_dentry_info(struct super_block *sb)
{
	unsigned int nbranches = UFS_SB(sb)->nbranches;
	struct ufs_dentry_info *info;

	info = kzalloc(struct_size(info, lower, nbranches), GFP_KERNEL);
	if (!info)
		return NULL;
	refcount_set(&info->count, 1);
	info->nbranches = nbranches;
	info->generation = atomic64_read(&UFS_SB(sb)->generation);
	return info;
}

/* Returns a counted reference to the dentry's current info (NULL if it has none). */
struct ufs_dentry_info *ufs_get_dentry_info(struct dentry *dentry)
{
	struct ufs_dentry_info *info;

	spin_lock(&dentry->d_lock);
	info = dentry->d_fsdata;
	if (info)
		refcount_inc(&info->count);
	spin_unlock(&dentry->d_lock);
	return info;
}

/* Drops a reference; the last one puts the lower dentries. May sleep. */
void ufs_put_dentry_info(struct ufs_dentry_info *info)
{
	unsigned int i;

	if (!info || !refcount_dec_and_test(&info->count))
		return;
	for (i = 0; i < info->nbranches; i++)
		dput(info->lower[i]);
	kfree_rcu(info, rcu);	/* RCU walkers may still be reading it */
}

/* Publishes info (whose reference passes to the dentry) and drops the old one. */
void ufs_set_dentry_info(struct dentry *dentry, struct ufs_dentry_info *info)
{
	struct ufs_dentry_info *old;

	spin_lock(&dentry->d_lock);
	old = dentry->d_fsdata;
	rcu_assign_pointer(dentry->d_fsdata, info);
	spin_unlock(&dentry->d_lock);
	ufs_put_dentry_info(old);
}

/* The top lower object of a positive union dentry, as a path; caller must dput(out->dentry). */
void ufs_get_top_lower_path(struct dentry *dentry, struct path *out)
{
	struct ufs_dentry_info *info = ufs_get_dentry_info(dentry);

	out->mnt = UFS_SB(dentry->d_sb)->branches[info->start].path.mnt;
	out->dentry = dget(info->lower[info->start]);
	ufs_put_dentry_info(info);
}

/* Borrowed view of an info as the core's lower set; valid while the info is held. */
void ufs_lower_set_of(const struct ufs_dentry_info *info, struct ufs_lower_set *set)
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
	struct ufs_dentry_info *info, *parent_info;
	struct ufs_lower_set parent, found;
	struct inode *inode = NULL;
	int err;

	if (dentry->d_name.len > UFS_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	info = ufs_alloc_dentry_info(sb);
	if (!info)
		return ERR_PTR(-ENOMEM);

	parent_info = ufs_get_dentry_info(dentry->d_parent);
	ufs_lower_set_of(parent_info, &parent);
	found.handles = (void **)info->lower;
	err = ufs_lookup_resolve(sbi->table, &ufs_lower_ops, sbi, &parent,
				 dentry->d_name.name, dentry->d_name.len, &found);
	ufs_put_dentry_info(parent_info);
	if (err) {
		ufs_put_dentry_info(info);	/* the core left every slot NULL */
		return ERR_PTR(err);
	}
	info->start = found.start;
	info->end = found.end;
	info->kind = found.kind;

	if (info->kind != UFS_KIND_NONE) {
		inode = ufs_iget(sb, info);
		if (IS_ERR(inode)) {
			ufs_put_dentry_info(info);
			return ERR_CAST(inode);
		}
	}
	ufs_set_dentry_info(dentry, info);
	return d_splice_alias(inode, dentry);
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
static int ufs_revalidate_info(struct ufs_sb_info *sbi,
			       const struct ufs_dentry_info *info, unsigned int flags)
{
	int i, ret;

	/* Branch modes or layout changed since: resolve the name again. */
	if (info->generation != atomic64_read(&sbi->generation))
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

static int ufs_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct ufs_sb_info *sbi = UFS_SB(dentry->d_sb);
	struct ufs_dentry_info *info;
	int ret;

	if (flags & LOOKUP_RCU) {
		/* The walk holds rcu_read_lock(); infos are freed after a grace period. */
		info = rcu_dereference(dentry->d_fsdata);
		return info ? ufs_revalidate_info(sbi, info, flags) : 0;
	}
	info = ufs_get_dentry_info(dentry);
	if (!info)
		return 0;
	ret = ufs_revalidate_info(sbi, info, flags);
	ufs_put_dentry_info(info);
	return ret;
}

static void ufs_d_release(struct dentry *dentry)
{
	ufs_put_dentry_info(dentry->d_fsdata);
}

const struct dentry_operations ufs_dentry_ops = {
	.d_revalidate = ufs_d_revalidate,
	.d_release = ufs_d_release,
};
