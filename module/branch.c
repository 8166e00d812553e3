// SPDX-License-Identifier: GPL-2.0
/*
 * branch.c - which directories may be branches, and the changes to a live
 * union's branches shared by the ioctls (ioctl.c) and remount (params.c):
 * add, remove, change a branch's mode, start a new generation. Each
 * change publishes a new layout (layout.c) under namespace_rwsem (write); dentries
 * cached before it are resolved again on their next use (namei.c).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/dcache.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include "uni.h"

/* ---- Which directories may be branches ---- */

/* Is DESC (or anything through mounts above it) the directory ANCESTOR? */
static bool uni_path_is_under(const struct path *desc, const struct path *ancestor)
{
	struct path p = *desc;
	bool found = false;

	path_get(&p);
	for (;;) {
		struct dentry *parent;

		if (p.dentry == ancestor->dentry) {
			found = true;
			break;
		}
		if (p.dentry == p.mnt->mnt_root) {
			if (!follow_up(&p))
				break;	/* reached the root of the namespace */
			continue;
		}
		parent = dget_parent(p.dentry);
		dput(p.dentry);
		p.dentry = parent;
	}
	path_put(&p);
	return found;
}

/* Two branches overlap when one holds the other, through mounts or bind mounts. */
static bool uni_branches_overlap(const struct path *a, const struct path *b)
{
	if (a->dentry->d_sb == b->dentry->d_sb &&
	    (is_subdir(a->dentry, b->dentry) || is_subdir(b->dentry, a->dentry)))
		return true;
	return uni_path_is_under(a, b) || uni_path_is_under(b, a);
}

/*
 * Why the directory at path cannot be a branch beside the count branches
 * of others[], or NULL when it can. For an overlap, *clash is the index
 * of the branch it overlaps. max_depth bounds the lower filesystem's own
 * stacking depth.
 */
const char *uni_branch_refusal(const struct path *path, struct uni_lower_branch *const *others,
			       unsigned int count, int max_depth, unsigned int *clash)
{
	const struct super_block *lower_sb = path->dentry->d_sb;
	unsigned int i;

	*clash = UINT_MAX;	/* only an overlap names another branch */
	if (lower_sb->s_type == &uni_fs_type)
		return "is itself on a unionfs (a union cannot be its own branch)";
	if (lower_sb->s_stack_depth >= max_depth)
		return "is stacked too deep";
	/*
	 * The union mirrors owners as the branch filesystem stores them and
	 * checks permission on them: an idmapped mount would be bypassed.
	 */
	if (is_idmapped_mnt(path->mnt))
		return "is an idmapped mount (not supported as a branch)";
	for (i = 0; i < count; i++) {
		if (uni_branches_overlap(&others[i]->path, path)) {
			*clash = i;
			return "overlaps another branch";
		}
	}
	return NULL;
}

/* ---- Publishing a layout ---- */

/*
 * Starts a new epoch with root_info (the root's info in the current
 * layout, its epoch not yet set; the reference passes to the root): every
 * other cached info is resolved again before it is used. The root's is
 * rebuilt at once, since nothing above it would bring it up to date.
 * Returns the new epoch. Caller holds namespace_rwsem (write).
 */
u64 uni_begin_epoch_locked(struct super_block *sb, struct uni_dentry_info *root_info)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	u64 epoch = atomic64_read(&sbi->epoch) + 1;

	root_info->epoch = epoch;
	uni_set_dentry_info(sb->s_root, root_info);
	uni_inode_update_top(sb->s_root);
	/* From here on, every info of an older epoch is stale. */
	smp_wmb();	/* an info of the new epoch is never met before the root's */
	atomic64_set(&sbi->epoch, epoch);
	return epoch;
}

/*
 * Makes layout the union's current one (the caller's reference passes to
 * the union) with a new generation and a new epoch. Caller holds
 * namespace_rwsem (write).
 */
static int uni_publish_layout(struct super_block *sb, struct uni_layout *layout)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct uni_dentry_info *root_info = uni_root_info(layout, 0);
	struct uni_layout *old;

	if (!root_info) {
		uni_layout_put(layout);
		return -ENOMEM;
	}
	old = rcu_replace_pointer(sbi->layout, layout, lockdep_is_held(&sbi->namespace_rwsem));
	WRITE_ONCE(sb->s_maxbytes, uni_layout_maxbytes(layout));
	uni_begin_epoch_locked(sb, root_info);
	smp_wmb();	/* pairs with uni_ioc_get_branch(): a generation never precedes its layout */
	atomic64_inc(&sbi->generation);
	uni_layout_put(old);
	uni_name_cache_clear(sbi);	/* lists of a removed branch must not outlive it */
	return 0;
}

/*
 * Publishes the count branches of branches[] as the new layout. Caller
 * holds namespace_rwsem (write).
 */
static int uni_publish_branches(struct super_block *sb, struct uni_lower_branch *const *branches,
				unsigned int count)
{
	struct uni_layout *layout = uni_layout_create(UNI_SB(sb), branches, count);

	return layout ? uni_publish_layout(sb, layout) : -ENOMEM;
}

/* 0 when the caller's idea of the union (expected; 0 = none) is still right. */
int uni_check_generation(struct uni_sb_info *sbi, u64 expected)
{
	if (expected && expected != (u64)atomic64_read(&sbi->generation))
		return -ESTALE;
	return 0;
}

/* ---- The changes; each caller holds namespace_rwsem (write) ---- */

/* A new generation with the same branches: every cached dentry is resolved again. */
int uni_incgen_locked(struct super_block *sb)
{
	return uni_publish_layout(sb, uni_layout_get(uni_layout_locked(UNI_SB(sb))));
}

/*
 * Sets branch index's mode. A branch whose filesystem (or mount) is
 * read-only cannot become rw: writes would only meet EROFS there later.
 */
int uni_set_mode_locked(struct super_block *sb, unsigned int index, enum uni_branch_mode mode,
			const char **why)
{
	struct uni_layout *layout = uni_layout_locked(UNI_SB(sb));
	struct uni_lower_branch *branch;
	enum uni_branch_mode old_mode;
	int err;

	if (index >= layout->nbranches) {
		*why = "there is no such branch";
		return -EINVAL;
	}
	branch = layout->branch[index];
	if (mode == UNI_BRANCH_RW && __mnt_is_readonly(branch->path.mnt)) {
		*why = "the branch's filesystem is mounted read-only";
		return -EROFS;
	}
	old_mode = branch->mode;
	WRITE_ONCE(branch->mode, mode);
	err = uni_publish_branches(sb, layout->branch, layout->nbranches);
	if (err)
		WRITE_ONCE(branch->mode, old_mode);
	return err;
}

/*
 * Adds the directory at path as branch index (nbranches = at the bottom)
 * with mode. On EINVAL for an overlap, *clash is the branch it overlaps.
 */
int uni_add_branch_locked(struct super_block *sb, const struct path *path, unsigned int index,
			  enum uni_branch_mode mode, const char **why, unsigned int *clash)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct uni_layout *layout = uni_layout_locked(sbi);
	unsigned int n = layout->nbranches;
	struct uni_lower_branch **branches, *branch;
	int err;

	*clash = n;
	if (index > n) {
		*why = "the position is out of range";
		return -EINVAL;
	}
	if (n >= UNI_MAX_BRANCHES) {
		*why = "the union has the most branches it can have";
		return -EINVAL;
	}
	if (path->dentry->d_sb == sb) {
		*why = "lies inside the union";
		return -EINVAL;
	}
	/* Unions stacked on this one counted its depth when they were mounted. */
	*why = uni_branch_refusal(path, layout->branch, n, sb->s_stack_depth, clash);
	if (*why)
		return -EINVAL;
	if (mode == UNI_BRANCH_RW && __mnt_is_readonly(path->mnt)) {
		*why = "its filesystem is mounted read-only";
		return -EROFS;
	}

	branches = kmalloc_array(n + 1, sizeof(*branches), GFP_KERNEL);
	branch = uni_branch_create(sbi, path, mode, layout->branch, n);
	err = -ENOMEM;
	if (branches && branch) {
		memcpy(branches, layout->branch, index * sizeof(*branches));
		branches[index] = branch;
		memcpy(branches + index + 1, layout->branch + index, (n - index) * sizeof(*branches));
		err = uni_publish_branches(sb, branches, n + 1);
	}
	uni_branch_put(branch);
	kfree(branches);
	return err;
}

/*
 * Removes branch index, unless it is the last one or files are open on
 * it through the union (they would lose the branch they work on).
 * Caller calls uni_forget_unused() after dropping namespace_rwsem (write).
 */
int uni_del_branch_locked(struct super_block *sb, unsigned int index, const char **why)
{
	struct uni_layout *layout = uni_layout_locked(UNI_SB(sb));
	unsigned int n = layout->nbranches;
	struct uni_lower_branch **branches;
	int err;

	if (index >= n) {
		*why = "there is no such branch";
		return -EINVAL;
	}
	if (n == 1) {
		*why = "it is the union's last branch";
		return -EBUSY;
	}
	if (atomic_long_read(&layout->branch[index]->open_files)) {
		*why = "it has open files (opened through the union)";
		return -EBUSY;
	}
	branches = kmalloc_array(n - 1, sizeof(*branches), GFP_KERNEL);
	if (!branches)
		return -ENOMEM;
	memcpy(branches, layout->branch, index * sizeof(*branches));
	memcpy(branches + index, layout->branch + index + 1, (n - index - 1) * sizeof(*branches));
	err = uni_publish_branches(sb, branches, n - 1);
	kfree(branches);
	return err;
}

/*
 * After a branch was removed: unused cached dentries (and, with them, the
 * union inodes) are dropped, so nothing of the union pins the removed
 * directory once nobody uses what came from it.
 */
void uni_forget_unused(struct super_block *sb)
{
	shrink_dcache_sb(sb);
}
