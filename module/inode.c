// SPDX-License-Identifier: GPL-2.0
/*
 * inode.c - union inodes: one per top lower inode (so hard links on a
 * branch stay one inode), attributes mirrored from it, and the inode
 * operations a read-only union needs: getattr, permission, get_link.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_stack.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/fileattr.h>
#include <linux/posix_acl.h>
#include "uni.h"

static struct kmem_cache *uni_inode_cachep;

static void uni_inode_init_once(void *obj)
{
	struct uni_inode_info *ui = obj;

	inode_init_once(&ui->vfs_inode);
	mutex_init(&ui->copyup_mutex);
	mutex_init(&ui->top_mutex);
}

int uni_init_inode_cache(void)
{
	uni_inode_cachep = kmem_cache_create("uni_inode_cache", sizeof(struct uni_inode_info), 0,
					     SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					     uni_inode_init_once);
	return uni_inode_cachep ? 0 : -ENOMEM;
}

void uni_destroy_inode_cache(void)
{
	/* Inodes are freed after an RCU grace period: wait for them first. */
	rcu_barrier();
	kmem_cache_destroy(uni_inode_cachep);
}

struct inode *uni_alloc_inode(struct super_block *sb)
{
	struct uni_inode_info *ui = alloc_inode_sb(sb, uni_inode_cachep, GFP_KERNEL);

	if (!ui)
		return NULL;
	ui->lower = NULL;
	ui->indexed = false;
	ui->listing = NULL;
	ui->read_through = false;
	RCU_INIT_POINTER(ui->branch, NULL);
	return &ui->vfs_inode;
}

void uni_free_inode(struct inode *inode)
{
	kmem_cache_free(uni_inode_cachep, UNI_I(inode));
}

void uni_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	uni_dir_listing_forget(inode);
	iput(UNI_I(inode)->lower);
	UNI_I(inode)->lower = NULL;
	uni_branch_put(rcu_dereference_protected(UNI_I(inode)->branch, true));
	RCU_INIT_POINTER(UNI_I(inode)->branch, NULL);
}

/* ---- inode operations ---- */

/*
 * Permission is the lower object's own decision (its mode, ACLs and
 * security labels), taken by the lower inode with the caller's
 * credentials. Except for writing to an object that is still on a
 * read-only branch: the write will go to a copy, so its branch's EROFS
 * does not count, only the mode bits we mirror.
 */
int uni_permission(UNI_IDMAP_PARAM, struct inode *inode, int mask)
{
	struct uni_inode_info *ui = UNI_I(inode);
	struct inode *lower = READ_ONCE(ui->lower);
	enum uni_branch_mode mode;

	rcu_read_lock();	/* a branch object replaced meanwhile is freed after a grace period */
	mode = READ_ONCE(rcu_dereference(ui->branch)->mode);
	rcu_read_unlock();
	if ((mask & MAY_WRITE) && mode != UNI_BRANCH_RW)
		return generic_permission(UNI_IDMAP_ARG, inode, mask);
	/* Fine in RCU walk too: the lower handles MAY_NOT_BLOCK itself. */
	return uni_do_permission(lower, mask);
}

int uni_getattr(UNI_IDMAP_PARAM, const struct path *path, struct kstat *stat,
		       u32 request_mask, unsigned int flags)
{
	struct dentry *dentry = path->dentry;
	struct inode *inode = d_inode(dentry);
	struct uni_dentry_info *info = uni_get_dentry_info(dentry);
	bool merged = info->end > info->start;
	struct path lower_path;
	int err = -ESTALE;

	uni_top_lower_path_of(dentry, info, &lower_path);
	uni_put_dentry_info(info);
	if (lower_path.dentry && d_is_positive(lower_path.dentry))
		err = uni_do_getattr(&lower_path, stat, request_mask, flags);
	if (!err)
		fsstack_copy_attr_all(inode, d_inode(lower_path.dentry));
	/* An indexed copy's links: its names, not the index's; and the lower names. */
	if (!err && READ_ONCE(UNI_I(inode)->indexed) && stat->nlink)
		stat->nlink = stat->nlink - 1 + uni_index_lower_links(lower_path.dentry);
	dput(lower_path.dentry);
	if (err)
		return err;

	stat->dev = dentry->d_sb->s_dev;
	stat->ino = inode->i_ino;
	/*
	 * A merged directory's subdirectories are spread over branches: a link
	 * count of 1 tells find(1) and friends not to count on nlink - 2.
	 */
	if (S_ISDIR(inode->i_mode) && merged)
		stat->nlink = 1;
	return 0;
}

/* Returns the target from the lower symlink; the delayed call frees it. */
static const char *uni_get_link(struct dentry *dentry, struct inode *inode,
				struct delayed_call *done)
{
	struct path lower;
	const char *target;

	if (!dentry)
		return ERR_PTR(-ECHILD);	/* lower get_link may sleep */
	uni_get_top_lower_path(dentry, &lower);
	/* The string lives with the lower inode, which our inode pins. */
	target = uni_do_get_link(lower.dentry, done);
	dput(lower.dentry);
	return target;
}

/*
 * Changes attributes on the object's writable copy (made first when it is
 * on a read-only branch; a truncation copies only what it keeps). The
 * caller's right to make the change (owner, time and set-id rules) is
 * checked on the union inode first, so a refused change copies nothing.
 */
int uni_setattr(UNI_IDMAP_PARAM, struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	unsigned long long keep = UNI_COPY_ALL;
	struct iattr lower_attr;
	struct path lower;
	int err;

	err = setattr_prepare(UNI_IDMAP_ARG, dentry, attr);
	if (err)
		return err;
	lower_attr = *attr;
	if (attr->ia_valid & ATTR_SIZE)
		keep = attr->ia_size;
	err = uni_get_writable_top(dentry, keep, &lower);
	if (err)
		return err;

	/* ia_file is our file, not the lower's; the lower needs no file for this. */
	lower_attr.ia_valid &= ~ATTR_FILE;
	lower_attr.ia_file = NULL;
	/* The VFS already dropped set-id bits as the change requires, on our inode. */
	if (lower_attr.ia_valid & (ATTR_KILL_SUID | ATTR_KILL_SGID))
		lower_attr.ia_valid &= ~ATTR_MODE;
	err = uni_do_want_write(lower.mnt);
	if (!err) {
		inode_lock(d_inode(lower.dentry));
		err = uni_do_setattr(lower.mnt, lower.dentry, &lower_attr);
		inode_unlock(d_inode(lower.dentry));
		uni_do_drop_write(lower.mnt);
	}
	if (!err) {
		fsstack_copy_attr_all(inode, d_inode(lower.dentry));
		fsstack_copy_inode_size(inode, d_inode(lower.dentry));
	}
	dput(lower.dentry);
	return err;
}

/* A reference to the inode's current top lower inode; caller must iput() it. */
struct inode *uni_lower_inode_get(struct inode *inode)
{
	struct inode *lower;

	spin_lock(&inode->i_lock);
	lower = UNI_I(inode)->lower;
	ihold(lower);
	spin_unlock(&inode->i_lock);
	return lower;
}

/* FS_IOC_FIEMAP (filefrag): the extents are the top lower file's. */
int uni_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len)
{
	struct inode *lower = uni_lower_inode_get(inode);
	int err = uni_do_fiemap(lower, fieinfo, start, len);

	iput(lower);
	return err;
}

/* lsattr, FS_IOC_FSGETXATTR: the top lower object's flags. */
int uni_fileattr_get(struct dentry *dentry, struct fileattr *fa)
{
	struct path lower;
	int err;

	uni_get_top_lower_path(dentry, &lower);
	err = uni_do_fileattr_get(lower.dentry, fa);
	dput(lower.dentry);
	return err;
}

/*
 * chattr, FS_IOC_FSSETXATTR: set on the object's writable copy (made
 * first, like any modification). The VFS has checked ownership and
 * CAP_LINUX_IMMUTABLE on our inode; the lower checks again on its own.
 */
int uni_fileattr_set(UNI_IDMAP_PARAM, struct dentry *dentry, struct fileattr *fa)
{
	struct path lower;
	int err;

	err = uni_get_writable_top(dentry, UNI_COPY_ALL, &lower);
	if (err)
		return err;
	err = uni_do_want_write(lower.mnt);
	if (!err) {
		err = uni_do_fileattr_set(lower.mnt, lower.dentry, fa);
		uni_do_drop_write(lower.mnt);
	}
	/* Append-only and immutable are enforced on our inode too: mirror i_flags. */
	fsstack_copy_attr_all(d_inode(dentry), d_inode(lower.dentry));
	dput(lower.dentry);
	return err;
}

static const struct inode_operations uni_file_iops = {
	.permission = uni_permission,
	.getattr = uni_getattr,
	.setattr = uni_setattr,
	.listxattr = uni_listxattr,
	.fiemap = uni_fiemap,
	.fileattr_get = uni_fileattr_get,
	.fileattr_set = uni_fileattr_set,
#if UNI_ACL_API
	.get_inode_acl = uni_get_inode_acl,
	.get_acl = uni_get_acl,
	.set_acl = uni_set_acl,
#endif
};

static const struct inode_operations uni_symlink_iops = {
	.get_link = uni_get_link,
	.permission = uni_permission,
	.getattr = uni_getattr,
	.setattr = uni_setattr,
	.listxattr = uni_listxattr,
};

/*
 * Points inode at lower on branch (caller holds top_mutex) and re-keys the
 * inode cache by lower. Returns the old lower inode, or NULL when lower
 * was the inode's already; the caller puts it once the mutex is dropped.
 */
static struct inode *uni_inode_rekey(struct inode *inode, struct inode *lower,
				     struct uni_lower_branch *branch)
{
	struct uni_inode_info *ui = UNI_I(inode);
	struct uni_lower_branch *old_branch;
	struct inode *old;

	old_branch = rcu_dereference_protected(ui->branch, lockdep_is_held(&ui->top_mutex));
	if (branch != old_branch) {
		rcu_assign_pointer(ui->branch, uni_branch_get(branch));
		uni_branch_put(old_branch);
	}
	if (lower == ui->lower)
		return NULL;
	old = ui->lower;
	ihold(lower);
	remove_inode_hash(inode);
	spin_lock(&inode->i_lock);	/* against uni_lower_inode_get() */
	WRITE_ONCE(ui->lower, lower);
	spin_unlock(&inode->i_lock);
	__insert_inode_hash(inode, (unsigned long)lower);
	return old;
}

/*
 * Makes inode read top (on branch bi of layout) from now on (caller holds
 * top_mutex): re-keyed, numbered and with the attributes of its new top.
 * Returns the old lower inode, or NULL when top was the inode's already.
 */
static struct inode *uni_inode_take_top(struct inode *inode, const struct uni_layout *layout,
					unsigned int bi, struct dentry *top)
{
	struct uni_inode_info *ui = UNI_I(inode);
	struct inode *lower = d_inode(top);
	struct inode *old = uni_inode_rekey(inode, lower, layout->branch[bi]);

	if (!old)
		return NULL;
	/*
	 * A copy is numbered from its origin, unless that was a hard link the
	 * copy parted from its other names: then it takes the number it will
	 * have when read again (uni_object_ino()).
	 */
	if (!S_ISDIR(lower->i_mode)) {
		bool indexed;

		WRITE_ONCE(inode->i_ino, uni_object_identity(layout, bi, top, &indexed));
		WRITE_ONCE(ui->indexed, indexed);
	}
	forget_all_cached_acls(inode);	/* the copy's ACLs are asked for anew */
	fsstack_copy_attr_all(inode, lower);
	fsstack_copy_inode_size(inode, lower);
	return old;
}

/*
 * The object of a union inode moved to another lower inode (copyup, a
 * directory made on a new branch): after publishing dentry's new info,
 * follow its top, and re-key the inode cache so later lookups of the new
 * lower inode find this same union inode. Reads the dentry's info under
 * top_mutex, so of two operations that published one after the other the
 * inode ends up following the later one. The old lower inode is put after.
 */
void uni_inode_update_top(struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);
	struct uni_inode_info *ui = UNI_I(inode);
	struct uni_dentry_info *info;
	struct inode *old = NULL;

	mutex_lock(&ui->top_mutex);
	info = uni_get_dentry_info(dentry);
	/* Another name copied the object up: this one reads the copy already. */
	if (uni_top_lags_inode(dentry, info))
		goto out;
	old = uni_inode_take_top(inode, info->layout, info->start, info->lower[info->start]);
out:
	mutex_unlock(&ui->top_mutex);
	uni_put_dentry_info(info);
	iput(old);
}

/* Caller holds top_mutex: the inode reads the indexed copy of its hard link (index.c). */
static struct inode *uni_inode_take_indexed(struct inode *inode, struct dentry *copy,
					    struct uni_lower_branch *branch)
{
	struct inode *old = uni_inode_rekey(inode, d_inode(copy), branch);

	WRITE_ONCE(UNI_I(inode)->indexed, true);
	return old;
}

/*
 * The object a union inode still in memory reads (original) was copied
 * to copy, on branch bi of layout, under another name (a directory rename
 * copies the names below the directory): the inode, and the files open on
 * it, follow the copy, as after a copyup. indexed: copy is the indexed
 * copy of a hard link, numbered as the original (index.c), so its other
 * names read what is written through the new one. An inode that reads
 * another object by now is left alone.
 */
void uni_inode_follow_copy(struct super_block *sb, struct inode *original,
			   const struct uni_layout *layout, unsigned int bi, struct dentry *copy,
			   bool indexed)
{
	struct inode *inode = uni_ilookup_lower(sb, original);
	struct uni_inode_info *ui;
	struct inode *old = NULL;

	if (!inode)
		return;
	ui = UNI_I(inode);
	mutex_lock(&ui->top_mutex);
	if (ui->lower == original)
		old = indexed ? uni_inode_take_indexed(inode, copy, layout->branch[bi]) :
				uni_inode_take_top(inode, layout, bi, copy);
	mutex_unlock(&ui->top_mutex);
	iput(old);
	iput(inode);
}

/*
 * A union inode whose top is still the original of a hard-linked file
 * follows its indexed copy (copy: the index entry, or a name of it),
 * which all its names now read (index.c). Its number stays: the copy is
 * numbered as the original.
 */
void uni_inode_follow_index(struct inode *inode, struct dentry *copy,
			    struct uni_lower_branch *branch)
{
	struct uni_inode_info *ui = UNI_I(inode);
	struct inode *old;

	mutex_lock(&ui->top_mutex);
	old = uni_inode_take_indexed(inode, copy, branch);
	mutex_unlock(&ui->top_mutex);
	iput(old);
}

/* A reference to the branch the inode's top object is on. */
struct uni_lower_branch *uni_inode_branch_get(struct inode *inode)
{
	struct uni_lower_branch *branch;

	rcu_read_lock();
	do {
		/* Zero only when replaced meanwhile: then the new one is there. */
		branch = rcu_dereference(UNI_I(inode)->branch);
	} while (!refcount_inc_not_zero(&branch->count));
	rcu_read_unlock();
	return branch;
}

/* A directory's times and link count changed below it: mirror its top lower. */
void uni_copy_dir_attrs(struct inode *dir)
{
	fsstack_copy_attr_all(dir, READ_ONCE(UNI_I(dir)->lower));
}

/* ---- inode cache ---- */

static int uni_inode_test(struct inode *inode, void *lower)
{
	return UNI_I(inode)->lower == lower;
}

/* Called under the inode hash lock: must not fail or sleep. */
static int uni_inode_set(struct inode *inode, void *lower)
{
	ihold(lower);	/* our lower dentry keeps it alive until now */
	UNI_I(inode)->lower = lower;
	return 0;
}

static void uni_init_new_inode(struct inode *inode, struct inode *lower, u64 ino)
{
	inode->i_ino = ino;
	inode->i_mode = lower->i_mode;
	fsstack_copy_attr_all(inode, lower);
	fsstack_copy_inode_size(inode, lower);

	switch (lower->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &uni_dir_iops;
		inode->i_fop = &uni_dir_fops;
		break;
	case S_IFLNK:
		inode->i_op = &uni_symlink_iops;
		break;
	case S_IFREG:
		inode->i_op = &uni_file_iops;
		inode->i_fop = &uni_file_fops;	/* no a_ops: the data is the lower file's */
		break;
	default:
		inode->i_op = &uni_file_iops;
		init_special_inode(inode, lower->i_mode, lower->i_rdev);
		break;
	}
}

/* The union inode whose top is lower, if one is in memory (referenced), else NULL. */
struct inode *uni_ilookup_lower(struct super_block *sb, struct inode *lower)
{
	return ilookup5(sb, (unsigned long)lower, uni_inode_test, lower);
}

/*
 * Is info's object one name of a hard-linked file on a branch the union
 * does not write? Its names are one object when its copies go to a branch
 * with an index (index.c). Elsewhere a copyup makes a name a file of its
 * own (doc/design.md, "Inodes"), so such names must not share one union
 * inode: each gets an unhashed one. They show the same st_ino and data
 * while they are one lower file; the one that is copied up is re-keyed by
 * its copy (uni_inode_update_top()).
 */
static bool uni_lower_link_may_part(const struct uni_dentry_info *info)
{
	struct inode *lower = d_inode(info->lower[info->start]);

	return !S_ISDIR(lower->i_mode) && lower->i_nlink > 1 &&
	       READ_ONCE(info->layout->branch[info->start]->mode) != UNI_BRANCH_RW;
}

/* A union inode of its own for one name of a lower hard link. */
static struct inode *uni_new_unhashed_inode(struct super_block *sb, struct inode *lower)
{
	struct inode *inode = new_inode(sb);

	if (inode)
		uni_inode_set(inode, lower);
	return inode;
}

/* Sets up a new union inode for lower (on branch bi of layout) numbered ino. */
static void uni_init_inode_on(struct inode *inode, const struct uni_layout *layout,
			      unsigned int bi, struct inode *lower, u64 ino, bool indexed)
{
	rcu_assign_pointer(UNI_I(inode)->branch, uni_branch_get(layout->branch[bi]));
	UNI_I(inode)->indexed = indexed;
	uni_init_new_inode(inode, lower, ino);
}

/* Sets up a new union inode for lower (on branch bi of layout, found as lower_dentry). */
static void uni_init_found_inode(struct inode *inode, const struct uni_layout *layout,
				 unsigned int bi, struct dentry *lower_dentry)
{
	bool indexed;
	/* A copy keeps its origin's number (origin.c). */
	u64 ino = uni_object_identity(layout, bi, lower_dentry, &indexed);

	uni_init_inode_on(inode, layout, bi, d_inode(lower_dentry), ino, indexed);
}

/*
 * The union inode whose top is lower_dentry (branch bi of layout), cached
 * by its inode. just_made: a create has just made the lower object, a new
 * inode with no copy and no other name, so it is numbered as itself
 * without reading an origin record it cannot have.
 */
static struct inode *uni_iget_cached(struct super_block *sb, const struct uni_layout *layout,
				     unsigned int bi, struct dentry *lower_dentry, bool just_made)
{
	struct inode *lower = d_inode(lower_dentry);
	struct inode *inode = iget5_locked(sb, (unsigned long)lower, uni_inode_test,
					   uni_inode_set, lower);

	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;
	if (just_made)
		uni_init_inode_on(inode, layout, bi, lower, uni_own_ino(layout, bi, lower), false);
	else
		uni_init_found_inode(inode, layout, bi, lower_dentry);
	unlock_new_inode(inode);
	return inode;
}

static struct inode *uni_iget_hashed(struct super_block *sb, const struct uni_layout *layout,
				     unsigned int bi, struct dentry *lower_dentry)
{
	return uni_iget_cached(sb, layout, bi, lower_dentry, false);
}

/*
 * The union inode of a name of a lower hard link whose copies are kept
 * in an index (index.c): the inode of the indexed copy when there is one,
 * on whichever writable branch above it is, else the original's, shared
 * by all its names.
 */
static struct inode *uni_iget_linked(struct super_block *sb, const struct uni_dentry_info *info)
{
	const struct uni_layout *layout = info->layout;
	struct dentry *top = info->lower[info->start];
	struct inode *inode;
	struct dentry *copy;
	unsigned int where;

	for (;;) {
		copy = uni_index_find_above(layout, info->start, d_inode(top), &where);
		if (IS_ERR(copy))
			return ERR_CAST(copy);
		if (copy) {
			inode = uni_iget_hashed(sb, layout, where, copy);
			dput(copy);
			return inode;
		}
		inode = iget5_locked(sb, (unsigned long)d_inode(top), uni_inode_test, uni_inode_set,
				     d_inode(top));
		if (!inode)
			return ERR_PTR(-ENOMEM);
		if (!(inode->i_state & I_NEW))
			return inode;
		/*
		 * A new inode: the one the other names had may have followed
		 * their copy meanwhile. The copy is indexed before that, so
		 * one more look at the index tells.
		 */
		copy = uni_index_find_above(layout, info->start, d_inode(top), &where);
		if (IS_ERR_OR_NULL(copy))
			break;
		dput(copy);
		iget_failed(inode);
	}
	uni_init_found_inode(inode, layout, info->start, top);
	unlock_new_inode(inode);
	return inode;
}

/* The union inode of an object a create has just made as info's top. */
struct inode *uni_iget_made(struct super_block *sb, const struct uni_dentry_info *info)
{
	return uni_iget_cached(sb, info->layout, info->start, info->lower[info->start], true);
}

/* Returns a referenced union inode for the top lower object of INFO, or an ERR_PTR. */
struct inode *uni_iget(struct super_block *sb, const struct uni_dentry_info *info)
{
	struct dentry *top = info->lower[info->start];
	struct inode *inode;
	int target;

	if (!uni_lower_link_may_part(info))
		return uni_iget_hashed(sb, info->layout, info->start, top);
	target = uni_copyup_target(info);
	if (target >= 0 && uni_index_wanted(info->layout->branch[info->start],
					    info->layout->branch[target], d_inode(top)))
		return uni_iget_linked(sb, info);
	/* No index where its copies would go: each name its own inode. */
	inode = uni_new_unhashed_inode(sb, d_inode(top));
	if (!inode)
		return ERR_PTR(-ENOMEM);
	uni_init_found_inode(inode, info->layout, info->start, top);
	return inode;
}
