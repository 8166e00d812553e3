// SPDX-License-Identifier: GPL-2.0
/*
 * layout.c - the life cycle of branch objects and layouts (uni_types.h):
 * references, building a layout from branch objects, and reading the
 * union's current one. What changes a layout is in branch.c.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/slab.h>
#include "uni.h"

/* ---- Branch objects ---- */

/*
 * A branch object for path (a new reference is taken). fs_index is the
 * one of a branch in others[] on the same filesystem, so a filesystem
 * keeps one inode-number space, or a new one.
 */
struct uni_lower_branch *uni_branch_create(struct uni_sb_info *sbi, const struct path *path,
					   enum uni_branch_mode mode,
					   struct uni_lower_branch *const *others, unsigned int count)
{
	struct uni_lower_branch *branch = kzalloc(sizeof(*branch), GFP_KERNEL);
	unsigned int i;

	if (!branch)
		return NULL;
	refcount_set(&branch->count, 1);
	branch->path = *path;
	path_get(&branch->path);
	branch->mode = mode;
	atomic_long_set(&branch->open_files, 0);
	branch->can_index = uni_index_probe(path);
	branch->fs_index = sbi->next_fs_index;
	for (i = 0; i < count; i++) {
		if (others[i]->path.dentry->d_sb == path->dentry->d_sb) {
			branch->fs_index = others[i]->fs_index;
			return branch;
		}
	}
	sbi->next_fs_index++;
	return branch;
}

struct uni_lower_branch *uni_branch_get(struct uni_lower_branch *branch)
{
	refcount_inc(&branch->count);
	return branch;
}

/* Drops a reference; the last one unpins the directory. May sleep. */
void uni_branch_put(struct uni_lower_branch *branch)
{
	if (!branch || !refcount_dec_and_test(&branch->count))
		return;
	path_put(&branch->path);
	kfree_rcu(branch, rcu);	/* RCU walkers may still read its mode */
}

/* ---- Layouts ---- */

/*
 * The largest file the union can hold (its s_maxbytes): what its most
 * limited writable branch can hold, since a file grows only on a writable
 * branch; with no writable branch, what its largest branch holds. NFS
 * clients take it as the export's largest file and buffer writes up to
 * it: a limit above the branch's would let a client's write past the
 * branch's end succeed, and fail only at writeback, data lost.
 */
loff_t uni_layout_maxbytes(const struct uni_layout *layout)
{
	loff_t writable = MAX_LFS_FILESIZE, largest = 0;
	bool any_writable = false;
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++) {
		const struct uni_lower_branch *branch = layout->branch[i];
		loff_t branch_max = branch->path.dentry->d_sb->s_maxbytes;

		largest = max(largest, branch_max);
		if (READ_ONCE(branch->mode) == UNI_BRANCH_RW) {
			writable = min(writable, branch_max);
			any_writable = true;
		}
	}
	return any_writable ? writable : largest;
}

/*
 * A layout of the count branches in branches[] (each gets a reference),
 * in that order, with their current modes. NULL on ENOMEM.
 */
struct uni_layout *uni_layout_create(struct uni_sb_info *sbi,
				     struct uni_lower_branch *const *branches, unsigned int count)
{
	struct uni_layout *layout;
	unsigned int i;

	layout = kzalloc(struct_size(layout, branch, count), GFP_KERNEL);
	if (!layout)
		return NULL;
	refcount_set(&layout->count, 1);
	layout->sbi = sbi;
	layout->table = uni_branch_table_create(count);
	if (!layout->table)
		goto fail;
	for (i = 0; i < count; i++) {
		struct uni_lower_branch *branch = branches[i];
		struct uni_branch entry = {
			.env = branch,
			.mode = READ_ONCE(branch->mode),
			.fs_index = branch->fs_index,
		};

		if (uni_branch_table_insert(layout->table, i, &entry))
			goto fail;
		layout->branch[i] = uni_branch_get(branch);
		layout->nbranches = i + 1;
	}
	return layout;
fail:
	uni_layout_put(layout);
	return NULL;
}

struct uni_layout *uni_layout_get(struct uni_layout *layout)
{
	refcount_inc(&layout->count);
	return layout;
}

/* Drops a reference; the last one drops the branches. May sleep. */
void uni_layout_put(struct uni_layout *layout)
{
	unsigned int i;

	if (!layout || !refcount_dec_and_test(&layout->count))
		return;
	for (i = 0; i < layout->nbranches; i++)
		uni_branch_put(layout->branch[i]);
	if (layout->table)
		uni_branch_table_destroy(layout->table);
	kfree_rcu(layout, rcu);	/* RCU walkers may still look through it */
}

/* A reference to the union's current layout. */
struct uni_layout *uni_current_layout(struct uni_sb_info *sbi)
{
	struct uni_layout *layout;

	rcu_read_lock();
	do {
		/* A replaced layout may be on its way out: then read the new one. */
		layout = rcu_dereference(sbi->layout);
	} while (!refcount_inc_not_zero(&layout->count));
	rcu_read_unlock();
	return layout;
}

/* The index of the branch whose directory is path in layout, or -ENOENT. */
int uni_layout_find(const struct uni_layout *layout, const struct path *path)
{
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++)
		if (layout->branch[i]->path.dentry == path->dentry)
			return i;	/* through whatever mount: branches never share a directory */
	return -ENOENT;
}
