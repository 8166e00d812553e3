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
#include "uni.h"

/*
 * Returns a zeroed info of layout (which it references) stamped with
 * epoch, one reference, one lower slot per branch; or NULL.
 */
struct uni_dentry_info *uni_alloc_dentry_info(struct uni_layout *layout, u64 epoch)
{
	struct uni_dentry_info *info;

	info = kzalloc(struct_size(info, lower, layout->nbranches), GFP_KERNEL);
	if (!info)
		return NULL;
	refcount_set(&info->count, 1);
	info->layout = uni_layout_get(layout);
	info->epoch = epoch;
	return info;
}

/* An info resolved in the same layout and epoch as model (e.g. its parent). */
struct uni_dentry_info *uni_alloc_info_like(const struct uni_dentry_info *model)
{
	return uni_alloc_dentry_info(model->layout, model->epoch);
}

/* An info of the current layout; caller holds namespace_rwsem. */
struct uni_dentry_info *uni_alloc_current_info(struct uni_sb_info *sbi)
{
	return uni_alloc_dentry_info(uni_layout_locked(sbi), atomic64_read(&sbi->epoch));
}

/* Returns a counted reference to the dentry's current info (NULL if it has none). */
struct uni_dentry_info *uni_get_dentry_info(struct dentry *dentry)
{
	struct uni_dentry_info *info;

	spin_lock(&dentry->d_lock);
	info = dentry->d_fsdata;
	if (info)
		refcount_inc(&info->count);
	spin_unlock(&dentry->d_lock);
	return info;
}

/* Drops a reference; the last one puts the lower dentries. May sleep. */
void uni_put_dentry_info(struct uni_dentry_info *info)
{
	unsigned int i;

	if (!info || !refcount_dec_and_test(&info->count))
		return;
	for (i = 0; i < info->layout->nbranches; i++)
		dput(info->lower[i]);
	uni_layout_put(info->layout);
	kfree_rcu(info, rcu);	/* RCU walkers may still be reading it */
}

/* Publishes info (whose reference passes to the dentry) and drops the old one. */
void uni_set_dentry_info(struct dentry *dentry, struct uni_dentry_info *info)
{
	struct uni_dentry_info *old;

	spin_lock(&dentry->d_lock);
	old = dentry->d_fsdata;
	rcu_assign_pointer(dentry->d_fsdata, info);
	spin_unlock(&dentry->d_lock);
	uni_put_dentry_info(old);
}

/*
 * Publishes info (whose reference passes to the dentry) in place of
 * expected, which is dropped; false, with nothing changed, when the
 * dentry's info is no longer expected (another operation replaced it).
 */
bool uni_replace_dentry_info(struct dentry *dentry, struct uni_dentry_info *expected,
			     struct uni_dentry_info *info)
{
	spin_lock(&dentry->d_lock);
	if (dentry->d_fsdata != expected) {
		spin_unlock(&dentry->d_lock);
		return false;
	}
	rcu_assign_pointer(dentry->d_fsdata, info);
	spin_unlock(&dentry->d_lock);
	uni_put_dentry_info(expected);
	return true;
}

/*
 * Does the name lag behind its union inode: a regular file whose inode
 * has moved up to a copy made through another of its names (a lower hard
 * link, index.c), while this name's top is still the original below?
 * Safe in RCU walk.
 */
bool uni_top_lags_inode(struct dentry *dentry, const struct uni_dentry_info *info)
{
	struct inode *inode = d_inode(dentry);
	const struct uni_lower_branch *branch;
	bool above = false;
	int i;

	if (!inode || !S_ISREG(inode->i_mode) || info->kind != UNI_KIND_OTHER ||
	    d_inode(info->lower[info->start]) == READ_ONCE(UNI_I(inode)->lower))
		return false;
	rcu_read_lock();
	branch = rcu_dereference(UNI_I(inode)->branch);
	for (i = 0; i < info->start && !above; i++)
		above = info->layout->branch[i] == branch;
	rcu_read_unlock();
	return above;
}

/*
 * The top lower object of a positive union dentry, as a path; caller must
 * dput(out->dentry). For a name that lags behind its inode, the copy the
 * inode moved to (uni_index_alias).
 */
void uni_get_top_lower_path(struct dentry *dentry, struct path *out)
{
	struct uni_dentry_info *info = uni_get_dentry_info(dentry);

	uni_top_lower_path_of(dentry, info, out);
	uni_put_dentry_info(info);
}

/* uni_get_top_lower_path() for a caller that holds the dentry's info already. */
void uni_top_lower_path_of(struct dentry *dentry, const struct uni_dentry_info *info,
			   struct path *out)
{
	struct dentry *top = info->lower[info->start];

	if (!uni_top_lags_inode(dentry, info) ||
	    !uni_index_alias(d_inode(dentry), d_inode(top), out)) {
		out->mnt = uni_info_mnt(info, info->start);
		out->dentry = dget(top);
	}
}

/* Borrowed view of an info as the core's lower set; valid while the info is held. */
void uni_lower_set_of(const struct uni_dentry_info *info, struct uni_lower_set *set)
{
	set->start = info->start;
	set->end = info->end;
	set->kind = info->kind;
	set->handles = (void **)info->lower;
	set->known = info->known;
}

/* ---- Infos resolved before a layout change ---- */

static bool uni_info_is_current(struct uni_sb_info *sbi, const struct uni_dentry_info *info)
{
	return info->epoch == (u64)atomic64_read(&sbi->epoch);
}

/*
 * Resolves name in the directory of parent_info into a new info (one
 * reference) with parent_info's layout and epoch; or an ERR_PTR.
 */
static struct uni_dentry_info *uni_resolve_name(const struct uni_dentry_info *parent_info,
						const struct qstr *name)
{
	struct uni_lower_set parent, found;
	struct uni_dentry_info *info = uni_alloc_info_like(parent_info);
	int err;

	if (!info)
		return ERR_PTR(-ENOMEM);
	uni_lower_set_of(parent_info, &parent);
	found.handles = (void **)info->lower;
	err = uni_lookup_resolve(parent_info->layout->table, &uni_lower_ops, parent_info->layout,
				 &parent, name->name, name->len, &found);
	if (err) {
		uni_put_dentry_info(info);	/* the core left every slot NULL */
		return ERR_PTR(err);
	}
	info->start = found.start;
	info->end = found.end;
	info->kind = found.kind;
	info->known = found.known;
	return info;
}

/*
 * The union inode number of name in the directory of dir_info, as lookup
 * would give it (a copy keeps its origin's, origin.c); 0 when the name
 * is gone or cannot be resolved now.
 */
u64 uni_child_ino(const struct uni_dentry_info *dir_info, const char *name, unsigned int len)
{
	struct qstr qname = QSTR_INIT(name, len);
	struct uni_dentry_info *info = uni_resolve_name(dir_info, &qname);
	u64 ino = 0;

	if (IS_ERR(info))
		return 0;
	if (info->kind != UNI_KIND_NONE)
		ino = uni_object_ino(info->layout, info->start, info->lower[info->start]);
	uni_put_dentry_info(info);
	return ino;
}

/*
 * Is fresh (the name resolved again) still the object the dentry stands
 * for? A directory stays itself when another branch's instance becomes its
 * top (its inode follows); anything else must keep its kind and top
 * inode, or have a union inode that follows the new top already (a copy
 * a directory rename made: uni_inode_follow_copy).
 */
static bool uni_same_object(struct dentry *dentry, const struct uni_dentry_info *old,
			    const struct uni_dentry_info *fresh)
{
	struct inode *top;

	if (old->kind != fresh->kind)
		return false;
	if (old->kind == UNI_KIND_NONE || old->kind == UNI_KIND_DIR)
		return true;
	top = d_inode(fresh->lower[fresh->start]);
	return d_inode(old->lower[old->start]) == top ||
	       (d_really_is_positive(dentry) && READ_ONCE(UNI_I(d_inode(dentry))->lower) == top);
}

/*
 * Brings dentry's info up to date by resolving its name again in its
 * parent's current info. -ESTALE when the name now is another object:
 * the dentry has to be looked up anew. Takes no lock: an info another
 * operation installed meanwhile is newer than ours and stays (the
 * caller looks again). The name is a snapshot: a rename may change it.
 */
static int uni_refresh_dentry(struct dentry *dentry, const struct uni_dentry_info *parent_info)
{
	struct uni_dentry_info *old = uni_get_dentry_info(dentry), *fresh;
	struct name_snapshot name;
	int err = 0;

	if (!old)
		return -ESTALE;
	take_dentry_name_snapshot(&name, dentry);
	fresh = uni_resolve_name(parent_info, &name.name);
	release_dentry_name_snapshot(&name);
	if (IS_ERR(fresh)) {
		err = PTR_ERR(fresh);
	} else if (!uni_same_object(dentry, old, fresh)) {
		uni_put_dentry_info(fresh);
		err = -ESTALE;
	} else {
		refcount_inc(&fresh->count);	/* ours, past the dentry's */
		if (!uni_replace_dentry_info(dentry, old, fresh))
			uni_put_dentry_info(fresh);	/* the dentry's: never published */
		else if (fresh->kind != UNI_KIND_NONE && d_really_is_positive(dentry))
			uni_inode_update_top(dentry);
		uni_put_dentry_info(fresh);
	}
	uni_put_dentry_info(old);
	return err;
}

/*
 * Returns a referenced info of dentry in the current layout, resolving
 * again, top down, every ancestor cached before the last change; or an
 * ERR_PTR (-ESTALE: the dentry, or a directory above it, is another
 * object now). The root is always current: changes rebuild its info.
 * Needs no lock: each info carries the layout it was resolved in, and a
 * layout change during the walk only makes it go round once more.
 */
struct uni_dentry_info *uni_get_fresh_info(struct dentry *dentry)
{
	struct uni_sb_info *sbi = UNI_SB(dentry->d_sb);

	for (;;) {
		struct uni_dentry_info *info = uni_get_dentry_info(dentry), *parent_info;
		struct dentry *stale, *parent;
		int err;

		if (!info)
			return ERR_PTR(-ESTALE);
		if (uni_info_is_current(sbi, info))
			return info;
		uni_put_dentry_info(info);

		/* The highest stale dentry on the way up: its parent is current. */
		stale = dget(dentry);
		for (;;) {
			if (IS_ROOT(stale)) {
				dput(stale);
				return ERR_PTR(-ESTALE);	/* disconnected */
			}
			parent = dget_parent(stale);
			parent_info = uni_get_dentry_info(parent);
			if (parent_info && uni_info_is_current(sbi, parent_info))
				break;
			uni_put_dentry_info(parent_info);
			dput(stale);
			stale = parent;
		}
		err = uni_refresh_dentry(stale, parent_info);
		uni_put_dentry_info(parent_info);
		dput(parent);
		dput(stale);
		if (err)
			return ERR_PTR(err);
	}
}

/* ---- Lookup and revalidation ---- */

struct dentry *uni_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct super_block *sb = dir->i_sb;
	struct uni_dentry_info *info, *parent_info;
	struct inode *inode = NULL;

	if (dentry->d_name.len > UNI_NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);

	parent_info = uni_get_fresh_info(dentry->d_parent);
	if (IS_ERR(parent_info))
		return ERR_CAST(parent_info);
	info = uni_resolve_name(parent_info, &dentry->d_name);
	uni_put_dentry_info(parent_info);
	if (IS_ERR(info))
		return ERR_CAST(info);

	if (info->kind != UNI_KIND_NONE) {
		inode = uni_iget(sb, info);
		if (IS_ERR(inode)) {
			uni_put_dentry_info(info);
			return ERR_CAST(inode);
		}
	}
	uni_set_dentry_info(dentry, info);
	return d_splice_alias(inode, dentry);
}

static bool uni_has_nfsro_branch(const struct uni_layout *layout)
{
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++)
		if (READ_ONCE(layout->branch[i]->mode) == UNI_BRANCH_NFSRO)
			return true;
	return false;
}

/*
 * A cached union dentry (of the current layout) stays valid while every lower dentry it was built
 * from is still valid: one removed or renamed directly on its branch
 * (unhashed) or rejected by its own filesystem's revalidation forces a
 * fresh lookup. Negative dentries are not trusted when a branch may change
 * underneath us (nfsro). Safe in RCU walk: lower revalidation gets our flags.
 */
static int uni_revalidate_info(const struct uni_dentry_info *info, unsigned int flags)
{
	int i, ret;

	if (info->kind == UNI_KIND_NONE)
		return !uni_has_nfsro_branch(info->layout);
	for (i = info->start; i <= info->end; i++) {
		struct dentry *lower = info->lower[i];

		if (!lower)
			continue;
		if (d_unhashed(lower))
			return 0;
		if (lower->d_flags & DCACHE_OP_REVALIDATE) {
			ret = uni_do_revalidate(lower, flags);
			if (ret <= 0)
				return ret;
		}
	}
	return 1;
}

/*
 * A name lagging behind its inode stays valid while its inode's copy is
 * the indexed copy of its original: it reads and writes that. Otherwise
 * the name parted from it (the copy could not be indexed, or it was made
 * by a rename to a higher writable branch): a fresh lookup gives it the
 * inode of what it is now.
 */
static int uni_lagging_name_follows(struct dentry *dentry, const struct uni_dentry_info *info)
{
	struct path alias;

	if (!uni_index_alias(d_inode(dentry), d_inode(info->lower[info->start]), &alias))
		return 0;
	dput(alias.dentry);
	return 1;
}

/*
 * A dentry cached before the last change of branches is resolved again
 * (uni_get_fresh_info()); it stays valid when its name is still the same
 * object, else the VFS looks it up anew.
 */
static int uni_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct uni_dentry_info *info;
	int ret;

	if (flags & LOOKUP_RCU) {
		/* The walk holds rcu_read_lock(); infos are freed after a grace period. */
		info = rcu_dereference(dentry->d_fsdata);
		if (!info || !uni_info_is_current(UNI_SB(dentry->d_sb), info))
			return -ECHILD;	/* resolving again may sleep */
		if (uni_top_lags_inode(dentry, info))
			return -ECHILD;	/* asking the index may sleep */
		return uni_revalidate_info(info, flags);
	}
	info = uni_get_fresh_info(dentry);
	if (IS_ERR(info))
		return PTR_ERR(info) == -ESTALE ? 0 : PTR_ERR(info);
	ret = uni_revalidate_info(info, flags);
	if (ret > 0 && uni_top_lags_inode(dentry, info))
		ret = uni_lagging_name_follows(dentry, info);
	uni_put_dentry_info(info);
	return ret;
}

/*
 * Called under d_lock when the last reference goes: a dentry cached
 * before the last change of branches is not kept. It may pin a removed
 * branch (through its layout), and resolving it again costs no more than
 * a new lookup.
 */
static int uni_d_delete(const struct dentry *dentry)
{
	const struct uni_dentry_info *info = dentry->d_fsdata;

	return info && !uni_info_is_current(UNI_SB(dentry->d_sb), info);
}

static void uni_d_release(struct dentry *dentry)
{
	uni_put_dentry_info(dentry->d_fsdata);
}

const struct dentry_operations uni_dentry_ops = {
	.d_revalidate = uni_d_revalidate,
	.d_delete = uni_d_delete,
	.d_release = uni_d_release,
};
