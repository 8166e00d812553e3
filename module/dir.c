// SPDX-License-Identifier: GPL-2.0
/*
 * dir.c - the namespace-changing operations (create, mkdir, mknod,
 * symlink, link, unlink, rmdir, rename, exchange) and the copyup before a
 * modification. The core decides which branch operations make one union
 * operation; this file gives it the union directories from the root down
 * to the parent (the "ancestry"), and afterwards installs what changed:
 * parent directories made on a new branch, the object's new lower set.
 *
 * Locking (doc/design.md, "Locking"). The VFS holds the union parents'
 * locks (and for rename and link the objects'). Then, in this order:
 *   1. the copyup_mutex of each existing object whose lower set changes
 *      (two in inode address order: ufs_lock_objects);
 *   2. sbi->namespace_rwsem: shared, or exclusive for directory renames,
 *      which move the ancestries other operations walk;
 *   3. inside the branch operations: lower directory locks (I_MUTEX_PARENT,
 *      lock_rename) and the branch's freeze protection.
 * Two operations may make the same parent directory on a branch at once:
 * the one that comes second adopts the first one's (chain.cpp), and both
 * install it (ufs_walk_install merges).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/namei.h>
#include <linux/slab.h>
#include "ufs.h"

/* Room for the union directories of at most two parents (rename, link). */
#define UFS_MAX_DEPTH 256

/* One union directory of an ancestry, shared by both chains when common. */
struct ufs_level_slot {
	struct dentry *dentry;		/* referenced */
	struct ufs_dentry_info *info;	/* referenced snapshot the core started from */
	struct ufs_dir_level level;	/* the core's view; handles point at scratch */
};

/* The ancestries of one operation (one or two parents). */
struct ufs_walk {
	struct super_block *sb;
	unsigned int nbranches;		/* of the current layout, which every slot's info has */
	unsigned int nslots;
	struct ufs_level_slot *slots;
	void **scratch;			/* nslots * nbranches handles */
	struct ufs_dir_level **chain[2];
	struct ufs_ancestry ancestry[2];
};

static unsigned int ufs_depth_of(struct dentry *dir)
{
	unsigned int depth = 1;

	for (; !IS_ROOT(dir); dir = dir->d_parent)
		depth++;
	return depth;
}

static struct ufs_level_slot *ufs_walk_find(struct ufs_walk *w, struct dentry *dentry)
{
	unsigned int i;

	for (i = 0; i < w->nslots; i++)
		if (w->slots[i].dentry == dentry)
			return &w->slots[i];
	return NULL;
}

static int ufs_walk_fill_slot(struct ufs_walk *w, struct ufs_level_slot *slot,
			      struct dentry *dentry)
{
	unsigned int nbranches = w->nbranches;
	void **handles = w->scratch + (slot - w->slots) * nbranches;
	struct ufs_dentry_info *info = ufs_get_fresh_info(dentry);

	if (IS_ERR(info))
		return PTR_ERR(info);
	w->nslots++;
	slot->dentry = dget(dentry);
	slot->info = info;
	memcpy(handles, slot->info->lower, nbranches * sizeof(*handles));
	slot->level.name = dentry->d_name.name;
	slot->level.len = dentry->d_name.len;
	slot->level.set.start = slot->info->start;
	slot->level.set.end = slot->info->end;
	slot->level.set.kind = slot->info->kind;
	slot->level.set.handles = handles;
	return 0;
}

/* Builds chain 'which' for the union directory 'parent', root first. */
static int ufs_walk_chain(struct ufs_walk *w, int which, struct dentry *parent)
{
	unsigned int depth = ufs_depth_of(parent), i;
	struct dentry *d = parent;

	w->chain[which] = kcalloc(depth, sizeof(*w->chain[which]), GFP_KERNEL);
	if (!w->chain[which])
		return -ENOMEM;
	for (i = depth; i-- > 0; d = d->d_parent) {
		struct ufs_level_slot *slot = ufs_walk_find(w, d);

		if (!slot) {
			int err;

			slot = &w->slots[w->nslots];
			err = ufs_walk_fill_slot(w, slot, d);
			if (err)
				return err;
		}
		w->chain[which][i] = &slot->level;
	}
	w->ancestry[which].levels = w->chain[which];
	w->ancestry[which].depth = depth;
	return 0;
}

/*
 * Caller holds sbi->namespace_rwsem, which keeps every directory rename
 * (and so every d_parent and d_name on these chains) out while the walk
 * lives, and the layout as it is.
 */
static int ufs_walk_begin(struct ufs_walk *w, struct dentry *parent, struct dentry *parent2)
{
	unsigned int nbranches = ufs_layout_locked(UFS_SB(parent->d_sb))->nbranches;
	unsigned int max = ufs_depth_of(parent) + (parent2 ? ufs_depth_of(parent2) : 0);
	int err;

	memset(w, 0, sizeof(*w));
	w->sb = parent->d_sb;
	w->nbranches = nbranches;
	if (max > UFS_MAX_DEPTH)
		return -ELOOP;
	w->slots = kcalloc(max, sizeof(*w->slots), GFP_KERNEL);
	w->scratch = kcalloc(max * nbranches, sizeof(*w->scratch), GFP_KERNEL);
	if (!w->slots || !w->scratch)
		return -ENOMEM;
	err = ufs_walk_chain(w, 0, parent);
	if (!err && parent2)
		err = ufs_walk_chain(w, 1, parent2);
	return err;
}

/*
 * Adds the lower directories an operation made (or adopted) for a level
 * to its union dentry's current info. Another operation may have
 * installed its own since this one began: that info is kept and only
 * gains what it lacks.
 */
static void ufs_merge_made_dirs(struct ufs_walk *w, struct ufs_level_slot *slot)
{
	const struct ufs_dentry_info *old = slot->info;
	void **handles = slot->level.set.handles;
	unsigned int i;

	for (;;) {
		struct ufs_dentry_info *cur = ufs_get_dentry_info(slot->dentry), *info;

		info = cur ? ufs_alloc_info_like(cur) : NULL;
		if (!info) {
			/* Keep the dentry as it was; the new directories are found by the next lookup. */
			ufs_put_dentry_info(cur);
			d_drop(slot->dentry);
			return;
		}
		for (i = 0; i < w->nbranches; i++)
			info->lower[i] = dget(cur->lower[i] ? cur->lower[i] :
					      handles[i] != old->lower[i] ? handles[i] : NULL);
		info->start = min(cur->start, slot->level.set.start);
		info->end = max(cur->end, slot->level.set.end);
		info->kind = cur->kind;
		if (ufs_replace_dentry_info(slot->dentry, cur, info)) {
			ufs_put_dentry_info(cur);
			ufs_inode_update_top(slot->dentry);
			return;
		}
		ufs_put_dentry_info(info);
		ufs_put_dentry_info(cur);
	}
}

/* Installs what the core made for a level; the core passed us their references. */
static void ufs_walk_install(struct ufs_walk *w, struct ufs_level_slot *slot)
{
	const struct ufs_dentry_info *old = slot->info;
	void **handles = slot->level.set.handles;
	bool changed = false;
	unsigned int i;

	for (i = 0; i < w->nbranches; i++)
		if (handles[i] != old->lower[i])
			changed = true;
	if (!changed)
		return;
	ufs_merge_made_dirs(w, slot);
	for (i = 0; i < w->nbranches; i++)
		if (handles[i] != old->lower[i])
			dput(handles[i]);
}

static void ufs_walk_end(struct ufs_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nslots; i++) {
		struct ufs_level_slot *slot = &w->slots[i];

		ufs_walk_install(w, slot);
		ufs_put_dentry_info(slot->info);
		dput(slot->dentry);
	}
	kfree(w->chain[0]);
	kfree(w->chain[1]);
	kfree(w->slots);
	kfree(w->scratch);
}

/* The core's context for one operation; caller holds namespace_rwsem (the layout stays). */
static void ufs_context_of(struct super_block *sb, struct ufs_context *ctx)
{
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_layout *layout = ufs_layout_locked(sbi);

	ctx->table = layout->table;
	ctx->ops = &ufs_lower_ops;
	ctx->env = layout;
	ctx->delete_mode = sbi->delete_mode;
}

/*
 * The names one operation works on (one, or two for link and rename):
 * their parents' ancestries and their lower sets, as entries for the core.
 */
struct ufs_names {
	struct ufs_walk walk;
	unsigned int count;
	struct ufs_dentry_info *info[2];	/* referenced; entry[i].object borrows it */
	struct ufs_lower_set set[2];
	struct ufs_entry entry[2];
};

/* Caller holds sbi->namespace_rwsem; b may be NULL. ufs_names_end() in any case. */
static int ufs_names_begin(struct ufs_names *names, struct dentry *a, struct dentry *b)
{
	struct dentry *dentries[2] = { a, b };
	unsigned int i;
	int err;

	names->count = 0;
	err = ufs_walk_begin(&names->walk, a->d_parent, b ? b->d_parent : NULL);
	for (i = 0; !err && i < 2 && dentries[i]; i++) {
		struct dentry *d = dentries[i];
		struct ufs_dentry_info *info = ufs_get_fresh_info(d);

		if (IS_ERR(info)) {
			err = PTR_ERR(info);
			break;
		}
		names->info[i] = info;
		ufs_lower_set_of(names->info[i], &names->set[i]);
		names->entry[i] = (struct ufs_entry){
			.parent = &names->walk.ancestry[i],
			.name = d->d_name.name,
			.len = d->d_name.len,
			.object = &names->set[i],
		};
		names->count++;
	}
	return err;
}

/* Installs what the core changed in the ancestries and drops the snapshots. */
static void ufs_names_end(struct ufs_names *names)
{
	unsigned int i;

	for (i = 0; i < names->count; i++)
		ufs_put_dentry_info(names->info[i]);
	ufs_walk_end(&names->walk);
}

/* A fresh info to receive an output set from the core; caller holds namespace_rwsem. */
static struct ufs_dentry_info *ufs_out_info(struct super_block *sb, struct ufs_lower_set *out)
{
	struct ufs_dentry_info *info = ufs_alloc_current_info(UFS_SB(sb));

	if (info)
		out->handles = (void **)info->lower;
	return info;
}

static void ufs_take_out_set(struct ufs_dentry_info *info, const struct ufs_lower_set *out)
{
	info->start = out->start;
	info->end = out->end;
	info->kind = out->kind;
}

/* The object of a positive dentry now is the core's out set: install it, move the inode. */
static void ufs_install_object(struct dentry *dentry, struct ufs_dentry_info *info,
			       const struct ufs_lower_set *out)
{
	ufs_take_out_set(info, out);
	ufs_set_dentry_info(dentry, info);
	ufs_inode_update_top(dentry);
}

/* ---- locks ---- */

/*
 * Takes the union-wide lock for a change of names: shared, or exclusive
 * for one that moves a subtree (a directory rename). Killable: a waiter
 * may queue behind a copy that takes long.
 */
static int ufs_begin_change(struct super_block *sb, bool moves_subtree)
{
	struct ufs_sb_info *sbi = UFS_SB(sb);

	if (moves_subtree)
		return down_write_killable(&sbi->namespace_rwsem);
	return down_read_killable(&sbi->namespace_rwsem);
}

static void ufs_end_change(struct super_block *sb, bool moves_subtree)
{
	struct ufs_sb_info *sbi = UFS_SB(sb);

	if (moves_subtree)
		up_write(&sbi->namespace_rwsem);
	else
		up_read(&sbi->namespace_rwsem);
}

/*
 * Locks the existing objects (b may be NULL or a) whose lower sets an
 * operation changes or removes, so no copyup of them runs meanwhile.
 */
static int ufs_lock_objects(struct inode *a, struct inode *b)
{
	int err;

	if (b == a)
		b = NULL;
	if (b && b < a)
		swap(a, b);
	err = mutex_lock_killable(&UFS_I(a)->copyup_mutex);
	if (err || !b)
		return err;
	err = mutex_lock_killable_nested(&UFS_I(b)->copyup_mutex, SINGLE_DEPTH_NESTING);
	if (err)
		mutex_unlock(&UFS_I(a)->copyup_mutex);
	return err;
}

static void ufs_unlock_objects(struct inode *a, struct inode *b)
{
	if (b && b != a)
		mutex_unlock(&UFS_I(b)->copyup_mutex);
	mutex_unlock(&UFS_I(a)->copyup_mutex);
}

/* ---- the skeleton every operation shares ---- */

/*
 * One union operation as the core performs it: which names, which
 * objects to lock, the core call, and what to install afterwards.
 * ufs_run_op() takes the locks in order, gives the core its entries and
 * output sets, installs, and lets go; ufs_op_done() drops what was not
 * installed.
 */
struct ufs_op {
	struct dentry *name[2];		/* the names worked on; name[1] may be NULL */
	struct inode *object[2];	/* existing objects whose lower sets change, or NULL */
	bool moves_subtree;		/* a directory rename: namespace_rwsem exclusive */
	unsigned int nout;		/* output sets the core fills (0-2) */
	int (*call)(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry);
	void (*install)(struct ufs_op *op);	/* on success, still under the locks */
	const struct ufs_create_args *create;
	unsigned long long size;	/* copyup: at most this much data */
	struct ufs_dentry_info *out_info[2];	/* referenced; NULL once installed */
	struct ufs_lower_set out[2];
	unsigned int out_flags;
};

static int ufs_run_op(struct super_block *sb, struct ufs_op *op)
{
	struct ufs_context ctx;
	struct ufs_names names;
	unsigned int i;
	int err = 0;

	if (op->object[0])
		err = ufs_lock_objects(op->object[0], op->object[1]);
	if (err)
		return err;
	err = ufs_begin_change(sb, op->moves_subtree);
	if (err)
		goto out_objects;
	for (i = 0; i < op->nout; i++) {
		op->out_info[i] = ufs_out_info(sb, &op->out[i]);
		if (!op->out_info[i])
			err = -ENOMEM;
	}
	if (!err) {
		ufs_context_of(sb, &ctx);
		err = ufs_names_begin(&names, op->name[0], op->name[1]);
		if (!err)
			err = op->call(op, &ctx, names.entry);
		ufs_names_end(&names);
		if (!err && op->install)
			op->install(op);
	}
	ufs_end_change(sb, op->moves_subtree);
out_objects:
	if (op->object[0])
		ufs_unlock_objects(op->object[0], op->object[1]);
	return err;
}

static void ufs_op_done(struct ufs_op *op)
{
	ufs_put_dentry_info(op->out_info[0]);
	ufs_put_dentry_info(op->out_info[1]);
}

/* Output set i of op is now the object of dentry. */
static void ufs_op_install(struct ufs_op *op, unsigned int i, struct dentry *dentry)
{
	ufs_install_object(dentry, op->out_info[i], &op->out[i]);
	op->out_info[i] = NULL;
}

/* ---- create, mkdir, mknod, symlink ---- */

static int ufs_call_create(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_create(ctx, &entry[0], op->create, &op->out[0]);
}

static int ufs_create_object(struct inode *dir, struct dentry *dentry,
			     const struct ufs_create_args *args)
{
	struct ufs_op op = {
		.name = { dentry }, .nout = 1, .call = ufs_call_create, .create = args,
	};
	struct inode *inode;
	int err;

	err = ufs_run_op(dir->i_sb, &op);
	if (err)
		goto out;
	ufs_take_out_set(op.out_info[0], &op.out[0]);
	inode = ufs_iget(dir->i_sb, op.out_info[0]);
	err = PTR_ERR_OR_ZERO(inode);
	if (err)
		goto out;
	ufs_set_dentry_info(dentry, op.out_info[0]);
	op.out_info[0] = NULL;
	d_instantiate(dentry, inode);
	ufs_copy_dir_attrs(dir);
out:
	ufs_op_done(&op);
	return err;
}

static int ufs_op_create(UFS_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		      umode_t mode, bool excl)
{
	struct ufs_create_args args = { .type = UFS_CREATE_REG, .mode = mode };

	return ufs_create_object(dir, dentry, &args);
}

static int ufs_op_mkdir(UFS_IDMAP_PARAM, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct ufs_create_args args = { .type = UFS_CREATE_DIR, .mode = mode };

	return ufs_create_object(dir, dentry, &args);
}

static int ufs_op_mknod(UFS_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		     umode_t mode, dev_t rdev)
{
	struct ufs_create_args args = { .type = UFS_CREATE_SPECIAL, .mode = mode, .rdev = rdev };

	return ufs_create_object(dir, dentry, &args);
}

static int ufs_op_symlink(UFS_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		       const char *target)
{
	struct ufs_create_args args = {
		.type = UFS_CREATE_SYMLINK, .mode = S_IALLUGO, .symlink_target = target,
	};

	return ufs_create_object(dir, dentry, &args);
}

/*
 * O_TMPFILE: an unnamed file in the branch where a create would go (its
 * parent chain made there first), so a later linkat() gives it a name in
 * the same branch.
 */
static int ufs_op_tmpfile(UFS_IDMAP_PARAM, struct inode *dir, struct file *file, umode_t mode)
{
	struct dentry *dentry = file->f_path.dentry;
	struct super_block *sb = dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct path lower_dir = {};
	struct ufs_dentry_info *info;
	struct ufs_context ctx;
	struct ufs_walk walk;
	struct file *lower = NULL;
	struct inode *inode;
	int branch = -1, err;

	err = ufs_begin_change(sb, false);
	if (err)
		return err;
	info = ufs_alloc_current_info(sbi);
	if (!info) {
		ufs_end_change(sb, false);
		return -ENOMEM;
	}
	ufs_context_of(sb, &ctx);
	err = ufs_walk_begin(&walk, dentry->d_parent, NULL);
	if (!err)
		err = ufs_prepare_dir(&ctx, &walk.ancestry[0], &branch);
	if (!err) {
		struct ufs_ancestry *anc = &walk.ancestry[0];

		/* info's layout keeps the branch (and its mount) pinned. */
		lower_dir.mnt = ufs_info_mnt(info, branch);
		lower_dir.dentry = dget(anc->levels[anc->depth - 1]->set.handles[branch]);
	}
	ufs_walk_end(&walk);
	ufs_end_change(sb, false);
	if (err)
		goto out_put;

	err = ufs_do_want_write(lower_dir.mnt);
	if (!err) {
		lower = ufs_do_tmpfile_open(&lower_dir, mode, file->f_flags);
		ufs_do_drop_write(lower_dir.mnt);
		err = PTR_ERR_OR_ZERO(lower);
	}
	dput(lower_dir.dentry);
	if (err)
		goto out_put;

	info->lower[branch] = dget(lower->f_path.dentry);
	info->start = info->end = branch;
	info->kind = UFS_KIND_OTHER;
	inode = ufs_iget(sb, info);
	fput(lower);	/* the union file opens its own below */
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_put;
	}
	ufs_set_dentry_info(dentry, info);
	set_nlink(inode, 1);	/* d_tmpfile() drops it to the unnamed file's 0 */
	d_tmpfile(file, inode);
	return finish_open_simple(file, 0);

out_put:
	ufs_put_dentry_info(info);
	return err;
}

/* ---- unlink, rmdir ---- */

/*
 * After a removal: the union name is gone, whatever lower copies stay
 * hidden. The dentry keeps its info: open files and fstat() still use
 * the lower objects (which their own references keep positive).
 */
static void ufs_forget_removed(struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);

	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else	/* another name of a hard link may still hold the lower inode */
		set_nlink(inode, UFS_I(inode)->lower->i_nlink);
	/* A fresh lookup decides what the name is now. */
	d_drop(dentry);
}

static int ufs_call_unlink(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_unlink(ctx, &entry[0]);
}

static int ufs_call_rmdir(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_rmdir(ctx, &entry[0]);
}

static int ufs_remove(struct inode *dir, struct dentry *dentry, bool is_dir)
{
	struct ufs_op op = {
		.name = { dentry }, .object = { d_inode(dentry) },
		.call = is_dir ? ufs_call_rmdir : ufs_call_unlink,
	};
	int err = ufs_run_op(dir->i_sb, &op);

	if (err)
		return err;
	ufs_forget_removed(dentry);
	ufs_copy_dir_attrs(dir);
	return 0;
}

static int ufs_op_unlink(struct inode *dir, struct dentry *dentry)
{
	return ufs_remove(dir, dentry, false);
}

static int ufs_op_rmdir(struct inode *dir, struct dentry *dentry)
{
	return ufs_remove(dir, dentry, true);
}

/* ---- link ---- */

static int ufs_call_link(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_link(ctx, &entry[0], &entry[1], &op->out[0], &op->out[1]);
}

/* The source may have been copied up to be linked. */
static void ufs_install_link_source(struct ufs_op *op)
{
	ufs_op_install(op, 0, op->name[0]);
}

static int ufs_op_link(struct dentry *old, struct inode *dir, struct dentry *new)
{
	struct inode *inode = d_inode(old);
	struct ufs_op op = {
		.name = { old, new }, .object = { inode }, .nout = 2,
		.call = ufs_call_link, .install = ufs_install_link_source,
	};
	int err = ufs_run_op(dir->i_sb, &op);

	if (!err) {
		ufs_take_out_set(op.out_info[1], &op.out[1]);
		ufs_set_dentry_info(new, op.out_info[1]);
		op.out_info[1] = NULL;
		ihold(inode);
		set_nlink(inode, UFS_I(inode)->lower->i_nlink);
		d_instantiate(new, inode);
		ufs_copy_dir_attrs(dir);
	}
	ufs_op_done(&op);
	return err;
}

/* ---- rename ---- */

/* A directory rebuilt on one branch: what we cached below it is stale. */
static void ufs_renamed(struct ufs_op *op, struct inode *old_dir, struct inode *new_dir)
{
	if (op->out_flags & UFS_RENAME_COPIED) {
		shrink_dcache_parent(op->name[0]);
		if (op->nout == 2)	/* an exchange: both were moved */
			shrink_dcache_parent(op->name[1]);
	}
	ufs_copy_dir_attrs(old_dir);
	if (new_dir != old_dir)
		ufs_copy_dir_attrs(new_dir);
}

static int ufs_call_exchange(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_rename_exchange(ctx, &entry[0], &entry[1], &op->out[0], &op->out[1],
				   &op->out_flags);
}

/* Each dentry keeps its inode, and gets its own object's set (now under the other name). */
static void ufs_install_exchanged(struct ufs_op *op)
{
	ufs_op_install(op, 0, op->name[0]);
	ufs_op_install(op, 1, op->name[1]);
}

/*
 * renameat2(RENAME_EXCHANGE): both dentries keep their inodes and the VFS
 * d_exchange()s them afterwards.
 */
static int ufs_exchange(struct inode *old_dir, struct dentry *old, struct inode *new_dir,
			struct dentry *new)
{
	struct ufs_op op = {
		.name = { old, new }, .object = { d_inode(old), d_inode(new) }, .nout = 2,
		.moves_subtree = d_is_dir(old) || d_is_dir(new),
		.call = ufs_call_exchange, .install = ufs_install_exchanged,
	};
	int err = ufs_run_op(old_dir->i_sb, &op);

	if (!err)
		ufs_renamed(&op, old_dir, new_dir);
	ufs_op_done(&op);
	return err;
}

static int ufs_call_rename(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_rename(ctx, &entry[0], &entry[1], &op->out[0], &op->out_flags);
}

/* The VFS moves the old dentry to the new name; a replaced object is gone. */
static void ufs_install_renamed(struct ufs_op *op)
{
	ufs_op_install(op, 0, op->name[0]);
	if (d_really_is_positive(op->name[1]))
		ufs_forget_removed(op->name[1]);
}

static int ufs_op_rename(UFS_IDMAP_PARAM, struct inode *old_dir, struct dentry *old,
			 struct inode *new_dir, struct dentry *new, unsigned int flags)
{
	struct ufs_op op = {
		.name = { old, new }, .object = { d_inode(old), d_inode(new) }, .nout = 1,
		.moves_subtree = d_is_dir(old),
		.call = ufs_call_rename, .install = ufs_install_renamed,
	};
	int err;

	/*
	 * The VFS checked RENAME_NOREPLACE against the union name already, and
	 * that both names exist for RENAME_EXCHANGE. RENAME_WHITEOUT is not
	 * ours to offer (as on overlayfs): the union makes its own whiteouts.
	 */
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return ufs_exchange(old_dir, old, new_dir, new);
	err = ufs_run_op(old_dir->i_sb, &op);
	if (!err)
		ufs_renamed(&op, old_dir, new_dir);
	ufs_op_done(&op);
	return err;
}

/* ---- copyup before a modification ---- */

/* True when the object of info is on a writable branch already. */
static bool ufs_top_is_writable(const struct ufs_dentry_info *info)
{
	return READ_ONCE(info->layout->branch[info->start]->mode) == UFS_BRANCH_RW;
}

/* The branch the core will copy info's object to: the nearest writable one above. */
static int ufs_copyup_target(const struct ufs_dentry_info *info)
{
	int i;

	for (i = info->start - 1; i >= 0; i--)
		if (READ_ONCE(info->layout->branch[i]->mode) == UFS_BRANCH_RW)
			return i;
	return -1;
}

/*
 * Builds the copy of a regular file on its future branch before
 * namespace_rwsem is taken, so that the data copy and its fsync (seconds for
 * a big file) hold no lock other operations need; the core's copy_up
 * then only names it (ufs_lower_copy_up). When anything differs by then
 * (another branch chosen, the object changed) the staged copy is unused
 * and dropped. Failures here are not errors: the copy is made the usual
 * way, under the lock, and reports its own.
 */
static void ufs_stage_copyup(struct dentry *dentry, unsigned long long size,
			     struct ufs_staged_copy *sc)
{
	struct ufs_sb_info *sbi = UFS_SB(dentry->d_sb);
	struct ufs_dentry_info *info = ufs_get_dentry_info(dentry);
	const struct cred *old_cred;
	struct path src, root;
	struct file *copy;
	int target;

	INIT_LIST_HEAD(&sc->node);
	sc->copy = NULL;
	if (info->kind != UFS_KIND_OTHER || ufs_top_is_writable(info))
		goto out;
	target = ufs_copyup_target(info);
	if (target < 0)
		goto out;
	src.mnt = ufs_info_mnt(info, info->start);
	src.dentry = info->lower[info->start];
	root = info->layout->branch[target]->path;
	old_cred = override_creds(sbi->creator_cred);
	copy = ufs_stage_copy(&src, &root, size);
	revert_creds(old_cred);
	if (IS_ERR(copy))
		goto out;
	sc->src = d_inode(src.dentry);
	sc->target_sb = root.mnt->mnt_sb;
	sc->size = size;
	sc->copy = copy;
	ufs_staged_add(sbi, sc);
out:
	ufs_put_dentry_info(info);
}

static int ufs_call_copyup(struct ufs_op *op, struct ufs_context *ctx, struct ufs_entry *entry)
{
	return ufs_copyup(ctx, &entry[0], op->size, &op->out[0]);
}

static void ufs_install_copy(struct ufs_op *op)
{
	ufs_op_install(op, 0, op->name[0]);
}

/*
 * Makes the object of dentry live on a writable branch before it is
 * modified (open for write, truncate, setattr, xattrs). size bounds the
 * data copied (0 for O_TRUNC). Returns 0 when nothing had to be done.
 *
 * The object's copyup_mutex is held throughout (the others wait,
 * killably, and then find it copied); the data is copied before
 * namespace_rwsem is taken (ufs_stage_copyup). The core reads the
 * object's set again under the locks: a concurrent operation may have
 * copied it.
 */
int ufs_copyup_for_write(struct dentry *dentry, unsigned long long size)
{
	struct ufs_sb_info *sbi = UFS_SB(dentry->d_sb);
	struct ufs_inode_info *ui = UFS_I(d_inode(dentry));
	struct ufs_op op = {
		.name = { dentry }, .nout = 1, .size = size,
		.call = ufs_call_copyup, .install = ufs_install_copy,
	};
	struct ufs_dentry_info *info;
	struct ufs_staged_copy staged;
	bool writable;
	int err;

	info = ufs_get_dentry_info(dentry);
	writable = ufs_top_is_writable(info);
	ufs_put_dentry_info(info);
	if (writable)
		return 0;	/* already writable: the common case, no lock */
	if (IS_ROOT(dentry))
		return -EROFS;	/* the root has no parent to copy into */

	err = mutex_lock_killable(&ui->copyup_mutex);
	if (err)
		return err;
	ufs_stage_copyup(dentry, size, &staged);
	err = ufs_run_op(dentry->d_sb, &op);	/* object already locked: op.object empty */
	ufs_op_done(&op);
	ufs_staged_drop(sbi, &staged);
	mutex_unlock(&ui->copyup_mutex);
	return err;
}

const struct inode_operations ufs_dir_iops = {
	.lookup = ufs_lookup,
	.create = ufs_op_create,
	.mkdir = ufs_op_mkdir,
	.mknod = ufs_op_mknod,
	.symlink = ufs_op_symlink,
	.link = ufs_op_link,
	.unlink = ufs_op_unlink,
	.rmdir = ufs_op_rmdir,
	.rename = ufs_op_rename,
	.tmpfile = ufs_op_tmpfile,
	.permission = ufs_permission,
	.getattr = ufs_getattr,
	.setattr = ufs_setattr,
	.listxattr = ufs_listxattr,
	.fileattr_get = ufs_fileattr_get,
	.fileattr_set = ufs_fileattr_set,
#if UFS_ACL_API
	.get_inode_acl = ufs_get_inode_acl,
	.get_acl = ufs_get_acl,
	.set_acl = ufs_set_acl,
#endif
};
