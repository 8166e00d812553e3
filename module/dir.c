// SPDX-License-Identifier: GPL-2.0
/*
 * dir.c - the namespace-changing operations (create, mkdir, mknod,
 * symlink, link, unlink, rmdir, rename, exchange) and the copyup before a
 * modification. The core decides which branch operations make one union
 * operation; this file gives it the union directories from the parent up
 * to the first one that has a directory on every writable branch (the
 * "ancestry"; the root at the latest), and afterwards installs what changed:
 * parent directories made on a new branch, the object's new lower set.
 *
 * Locking (doc/design.md, "Locking"). The VFS holds the union parents'
 * locks (and for rename and link the objects'). Then, in this order:
 *   1. the copyup_mutex of each existing object whose lower set changes
 *      (two in inode address order: uni_lock_objects);
 *   2. sbi->namespace_rwsem: shared, or exclusive for directory renames,
 *      which move the ancestries other operations walk;
 *   3. inside the branch operations: lower directory locks (I_MUTEX_PARENT,
 *      lock_rename) and the branch's freeze protection.
 * Two operations may make the same parent directory on a branch at once:
 * the one that comes second adopts the first one's (chain.cpp), and both
 * install it (uni_walk_install merges).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/namei.h>
#include <linux/slab.h>
#include "uni.h"

/* Room for the union directories of at most two parents (rename, link). */
#define UNI_MAX_DEPTH 256

/* One union directory of an ancestry, shared by both chains when common. */
struct uni_level_slot {
	struct dentry *dentry;		/* referenced */
	struct uni_dentry_info *info;	/* referenced snapshot the core started from */
	struct uni_dir_level level;	/* the core's view; handles point at scratch */
};

/* The ancestries of one operation (one or two parents). */
struct uni_walk {
	struct super_block *sb;
	const struct uni_branch_table *table;	/* of the current layout: which branches are writable */
	unsigned int nbranches;		/* of the current layout, which every slot's info has */
	unsigned int nslots;
	struct uni_level_slot *slots;
	void **scratch;			/* nslots * nbranches handles */
	struct uni_dir_level **chain[2];
	struct uni_ancestry ancestry[2];
};

static unsigned int uni_depth_of(struct dentry *dir)
{
	unsigned int depth = 1;

	for (; !IS_ROOT(dir); dir = dir->d_parent)
		depth++;
	return depth;
}

static struct uni_level_slot *uni_walk_find(struct uni_walk *w, struct dentry *dentry)
{
	unsigned int i;

	for (i = 0; i < w->nslots; i++)
		if (w->slots[i].dentry == dentry)
			return &w->slots[i];
	return NULL;
}

static int uni_walk_fill_slot(struct uni_walk *w, struct uni_level_slot *slot,
			      struct dentry *dentry)
{
	unsigned int nbranches = w->nbranches;
	void **handles = w->scratch + (slot - w->slots) * nbranches;
	struct uni_dentry_info *info = uni_get_fresh_info(dentry);

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

/*
 * Can the chain start at this level? When its union directory has a
 * directory on every writable branch, the core never makes or looks at
 * anything above it (struct uni_ancestry): a create in a directory the
 * upper branch already has walks one level, not root..parent.
 */
static bool uni_walk_is_anchor(const struct uni_walk *w, const struct uni_level_slot *slot)
{
	unsigned int b;

	for (b = 0; b < w->nbranches; b++)
		if (!slot->info->lower[b] &&
		    uni_branch_table_get(w->table, b)->mode == UNI_BRANCH_RW)
			return false;
	return true;
}

/*
 * Builds chain 'which' for the union directory 'parent': from parent up to
 * the first anchor (the root at the latest), handed to the core root-side
 * first.
 */
static int uni_walk_chain(struct uni_walk *w, int which, struct dentry *parent)
{
	unsigned int depth = uni_depth_of(parent), n = 0, i;
	struct uni_dir_level **chain;
	struct dentry *d = parent;

	chain = kcalloc(depth, sizeof(*chain), GFP_KERNEL);
	if (!chain)
		return -ENOMEM;
	w->chain[which] = chain;
	for (;; d = d->d_parent) {
		struct uni_level_slot *slot = uni_walk_find(w, d);

		if (!slot) {
			int err;

			slot = &w->slots[w->nslots];
			err = uni_walk_fill_slot(w, slot, d);
			if (err)
				return err;
		}
		chain[n++] = &slot->level;
		if (IS_ROOT(d) || uni_walk_is_anchor(w, slot))
			break;
	}
	/* Collected parent first; the core wants the anchor first. */
	for (i = 0; i < n / 2; i++)
		swap(chain[i], chain[n - 1 - i]);
	w->ancestry[which].levels = chain;
	w->ancestry[which].depth = n;
	return 0;
}

/*
 * Caller holds sbi->namespace_rwsem, which keeps every directory rename
 * (and so every d_parent and d_name on these chains) out while the walk
 * lives, and the layout as it is; uni_begin_change() waited for the VFS
 * to finish the dentry moves of the renames before.
 */
static int uni_walk_begin(struct uni_walk *w, struct dentry *parent, struct dentry *parent2)
{
	struct uni_layout *layout = uni_layout_locked(UNI_SB(parent->d_sb));
	unsigned int nbranches = layout->nbranches;
	unsigned int max = uni_depth_of(parent) + (parent2 ? uni_depth_of(parent2) : 0);
	int err;

	memset(w, 0, sizeof(*w));
	w->sb = parent->d_sb;
	w->table = layout->table;
	w->nbranches = nbranches;
	if (max > UNI_MAX_DEPTH)
		return -ELOOP;
	w->slots = kcalloc(max, sizeof(*w->slots), GFP_KERNEL);
	w->scratch = kcalloc(max * nbranches, sizeof(*w->scratch), GFP_KERNEL);
	if (!w->slots || !w->scratch)
		return -ENOMEM;
	err = uni_walk_chain(w, 0, parent);
	if (!err && parent2)
		err = uni_walk_chain(w, 1, parent2);
	return err;
}

/*
 * Adds the lower directories an operation made (or adopted) for a level
 * to its union dentry's current info. Another operation may have
 * installed its own since this one began: that info is kept and only
 * gains what it lacks.
 */
static void uni_merge_made_dirs(struct uni_walk *w, struct uni_level_slot *slot)
{
	const struct uni_dentry_info *old = slot->info;
	void **handles = slot->level.set.handles;
	unsigned int i;

	for (;;) {
		struct uni_dentry_info *cur = uni_get_dentry_info(slot->dentry), *info;

		info = cur ? uni_alloc_info_like(cur) : NULL;
		if (!info) {
			/* Keep the dentry as it was; the new directories are found by the next lookup. */
			uni_put_dentry_info(cur);
			d_drop(slot->dentry);
			return;
		}
		for (i = 0; i < w->nbranches; i++)
			info->lower[i] = dget(cur->lower[i] ? cur->lower[i] :
					      handles[i] != old->lower[i] ? handles[i] : NULL);
		info->start = min(cur->start, slot->level.set.start);
		info->end = max(cur->end, slot->level.set.end);
		info->kind = cur->kind;
		if (uni_replace_dentry_info(slot->dentry, cur, info)) {
			uni_put_dentry_info(cur);
			uni_inode_update_top(slot->dentry);
			return;
		}
		uni_put_dentry_info(info);
		uni_put_dentry_info(cur);
	}
}

/* Installs what the core made for a level; the core passed us their references. */
static void uni_walk_install(struct uni_walk *w, struct uni_level_slot *slot)
{
	const struct uni_dentry_info *old = slot->info;
	void **handles = slot->level.set.handles;
	bool changed = false;
	unsigned int i;

	for (i = 0; i < w->nbranches; i++)
		if (handles[i] != old->lower[i])
			changed = true;
	if (!changed)
		return;
	uni_merge_made_dirs(w, slot);
	for (i = 0; i < w->nbranches; i++)
		if (handles[i] != old->lower[i])
			dput(handles[i]);
}

static void uni_walk_end(struct uni_walk *w)
{
	unsigned int i;

	for (i = 0; i < w->nslots; i++) {
		struct uni_level_slot *slot = &w->slots[i];

		uni_walk_install(w, slot);
		uni_put_dentry_info(slot->info);
		dput(slot->dentry);
	}
	kfree(w->chain[0]);
	kfree(w->chain[1]);
	kfree(w->slots);
	kfree(w->scratch);
}

/* The core's context for one operation; caller holds namespace_rwsem (the layout stays). */
static void uni_context_of(struct super_block *sb, struct uni_context *ctx)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct uni_layout *layout = uni_layout_locked(sbi);

	ctx->table = layout->table;
	ctx->ops = &uni_lower_ops;
	ctx->env = layout;
	ctx->delete_mode = sbi->delete_mode;
}

/*
 * The names one operation works on (one, or two for link and rename):
 * their parents' ancestries and their lower sets, as entries for the core.
 */
struct uni_names {
	struct uni_walk walk;
	unsigned int count;
	struct uni_dentry_info *info[2];	/* referenced; entry[i].object borrows it */
	struct uni_lower_set set[2];
	struct uni_entry entry[2];
};

/* Caller holds sbi->namespace_rwsem; b may be NULL. uni_names_end() in any case. */
static int uni_names_begin(struct uni_names *names, struct dentry *a, struct dentry *b)
{
	struct dentry *dentries[2] = { a, b };
	unsigned int i;
	int err;

	names->count = 0;
	err = uni_walk_begin(&names->walk, a->d_parent, b ? b->d_parent : NULL);
	for (i = 0; !err && i < 2 && dentries[i]; i++) {
		struct dentry *d = dentries[i];
		struct uni_dentry_info *info = uni_get_fresh_info(d);

		if (IS_ERR(info)) {
			err = PTR_ERR(info);
			break;
		}
		names->info[i] = info;
		uni_lower_set_of(names->info[i], &names->set[i]);
		names->entry[i] = (struct uni_entry){
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
static void uni_names_end(struct uni_names *names)
{
	unsigned int i;

	for (i = 0; i < names->count; i++)
		uni_put_dentry_info(names->info[i]);
	uni_walk_end(&names->walk);
}

/* A fresh info to receive an output set from the core; caller holds namespace_rwsem. */
static struct uni_dentry_info *uni_out_info(struct super_block *sb, struct uni_lower_set *out)
{
	struct uni_dentry_info *info = uni_alloc_current_info(UNI_SB(sb));

	if (info)
		out->handles = (void **)info->lower;
	return info;
}

static void uni_take_out_set(struct uni_dentry_info *info, const struct uni_lower_set *out)
{
	info->start = out->start;
	info->end = out->end;
	info->kind = out->kind;
	info->known = out->known;
}

/* The object of a positive dentry now is the core's out set: install it, move the inode. */
static void uni_install_object(struct dentry *dentry, struct uni_dentry_info *info,
			       const struct uni_lower_set *out)
{
	uni_take_out_set(info, out);
	uni_set_dentry_info(dentry, info);
	uni_inode_update_top(dentry);
}

/* ---- directory moves the VFS has yet to finish ---- */

/*
 * A directory rename (or exchange) is done for the union when ->rename
 * returns, but the VFS moves the dentries (d_move, d_exchange) only after
 * that, outside namespace_rwsem (FS_RENAME_DOES_D_MOVE is no way out: a
 * module cannot call d_exchange). Until then the moved directory's dentry
 * holds its new lower set under its old name and parent, and a change
 * below it walking up would see an old chain, or a torn one whose top is
 * not the root (and make parents again at the old place). So the rename
 * lists the dentry, with its d_seq, before it lets go of namespace_rwsem,
 * and every change waits, once it holds namespace_rwsem, until the d_seq
 * of each listed dentry has moved: the VFS's d_move is the next thing the
 * renamer does, and it needs none of our locks.
 */
struct uni_pending_move {
	struct list_head list;		/* sbi->pending_moves */
	struct dentry *dentry;		/* referenced */
	unsigned int seq;		/* dentry->d_seq when listed */
};

void uni_pending_moves_init(struct uni_sb_info *sbi)
{
	spin_lock_init(&sbi->pending_moves_lock);
	INIT_LIST_HEAD(&sbi->pending_moves);
}

static void uni_pending_moves_free(struct list_head *moves)
{
	struct uni_pending_move *pm, *next;

	list_for_each_entry_safe(pm, next, moves, list) {
		dput(pm->dentry);
		kfree(pm);
	}
}

/* Lists dentry (a directory rename's, done for the union) until the VFS has moved it. */
static void uni_pending_move_add(struct uni_sb_info *sbi, struct uni_pending_move *pm,
				 struct dentry *dentry)
{
	pm->dentry = dget(dentry);
	pm->seq = read_seqcount_begin(&dentry->d_seq);
	spin_lock(&sbi->pending_moves_lock);
	list_add_tail(&pm->list, &sbi->pending_moves);
	spin_unlock(&sbi->pending_moves_lock);
}

/* Moves the finished ones to done; true when one is still waiting for the VFS. */
static bool uni_pending_moves_collect(struct uni_sb_info *sbi, struct list_head *done)
{
	struct uni_pending_move *pm, *next;
	bool waiting = false;

	spin_lock(&sbi->pending_moves_lock);
	list_for_each_entry_safe(pm, next, &sbi->pending_moves, list) {
		if (read_seqcount_begin(&pm->dentry->d_seq) != pm->seq)
			list_move(&pm->list, done);
		else
			waiting = true;
	}
	spin_unlock(&sbi->pending_moves_lock);
	return waiting;
}

/* Caller holds namespace_rwsem: no new directory rename can finish meanwhile. */
static void uni_wait_pending_moves(struct uni_sb_info *sbi)
{
	for (;;) {
		LIST_HEAD(done);
		bool waiting;

		if (list_empty_careful(&sbi->pending_moves))
			return;
		waiting = uni_pending_moves_collect(sbi, &done);
		uni_pending_moves_free(&done);
		if (!waiting)
			return;
		schedule_timeout_uninterruptible(1);
	}
}

/* At unmount: every rename has returned, its dentries moved or not. */
void uni_pending_moves_drop(struct uni_sb_info *sbi)
{
	LIST_HEAD(all);

	spin_lock(&sbi->pending_moves_lock);
	list_splice_init(&sbi->pending_moves, &all);
	spin_unlock(&sbi->pending_moves_lock);
	uni_pending_moves_free(&all);
}

/* ---- locks ---- */

/*
 * Takes the union-wide lock for a change of names: shared, or exclusive
 * for one that moves a subtree (a directory rename), and waits for the
 * dentry moves of directory renames before it. Killable: a waiter may
 * queue behind a copy that takes long.
 */
static int uni_begin_change(struct super_block *sb, bool moves_subtree)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	int err;

	if (moves_subtree)
		err = down_write_killable(&sbi->namespace_rwsem);
	else
		err = down_read_killable(&sbi->namespace_rwsem);
	if (!err)
		uni_wait_pending_moves(sbi);
	return err;
}

static void uni_end_change(struct super_block *sb, bool moves_subtree)
{
	struct uni_sb_info *sbi = UNI_SB(sb);

	if (moves_subtree)
		up_write(&sbi->namespace_rwsem);
	else
		up_read(&sbi->namespace_rwsem);
}

/*
 * Locks the existing objects (b may be NULL or a) whose lower sets an
 * operation changes or removes, so no copyup of them runs meanwhile.
 */
static int uni_lock_objects(struct inode *a, struct inode *b)
{
	int err;

	if (b == a)
		b = NULL;
	if (b && b < a)
		swap(a, b);
	err = mutex_lock_killable(&UNI_I(a)->copyup_mutex);
	if (err || !b)
		return err;
	err = mutex_lock_killable_nested(&UNI_I(b)->copyup_mutex, SINGLE_DEPTH_NESTING);
	if (err)
		mutex_unlock(&UNI_I(a)->copyup_mutex);
	return err;
}

static void uni_unlock_objects(struct inode *a, struct inode *b)
{
	if (b && b != a)
		mutex_unlock(&UNI_I(b)->copyup_mutex);
	mutex_unlock(&UNI_I(a)->copyup_mutex);
}

/* ---- the skeleton every operation shares ---- */

/*
 * One union operation as the core performs it: which names, which
 * objects to lock, the core call, and what to install afterwards.
 * uni_run_op() takes the locks in order, gives the core its entries and
 * output sets, installs, and lets go; uni_op_done() drops what was not
 * installed.
 */
struct uni_op {
	struct dentry *name[2];		/* the names worked on; name[1] may be NULL */
	struct inode *object[2];	/* existing objects whose lower sets change, or NULL */
	bool moves_subtree;		/* a directory rename: namespace_rwsem exclusive */
	unsigned int nout;		/* output sets the core fills (0-2) */
	int (*call)(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry);
	void (*install)(struct uni_op *op);	/* on success, still under the locks */
	const struct uni_create_args *create;
	unsigned long long size;	/* copyup: at most this much data */
	struct uni_dentry_info *out_info[2];	/* referenced; NULL once installed */
	struct uni_lower_set out[2];
	unsigned int out_flags;
	struct uni_dentry_info *next_root;	/* moves_subtree: for a new epoch, or NULL */
	struct uni_pending_move *pending_move;	/* moves_subtree: listed on success, or freed */
	struct list_head copies;	/* moves_subtree: uni_rename_copy, the objects it copied */
};

static int uni_run_op(struct super_block *sb, struct uni_op *op)
{
	struct uni_context ctx;
	struct uni_names names;
	unsigned int i;
	int err = 0;

	if (op->object[0])
		err = uni_lock_objects(op->object[0], op->object[1]);
	if (err)
		return err;
	err = uni_begin_change(sb, op->moves_subtree);
	if (err)
		goto out_objects;
	if (op->moves_subtree) {
		op->next_root = uni_root_info(uni_layout_locked(UNI_SB(sb)), 0);
		op->pending_move = kzalloc(sizeof(*op->pending_move), GFP_KERNEL);
		if (!op->next_root || !op->pending_move)
			err = -ENOMEM;
		INIT_LIST_HEAD(&op->copies);
		UNI_SB(sb)->rename_copies = &op->copies;
	}
	for (i = 0; i < op->nout; i++) {
		op->out_info[i] = uni_out_info(sb, &op->out[i]);
		if (!op->out_info[i])
			err = -ENOMEM;
	}
	if (!err) {
		uni_context_of(sb, &ctx);
		err = uni_names_begin(&names, op->name[0], op->name[1]);
		if (!err)
			err = op->call(op, &ctx, names.entry);
		uni_names_end(&names);
		if (!err && op->install)
			op->install(op);
	}
	if (op->moves_subtree) {
		UNI_SB(sb)->rename_copies = NULL;
		/* ->rename returns 0 now: the VFS moves the dentries next. */
		if (!err) {
			uni_pending_move_add(UNI_SB(sb), op->pending_move, op->name[0]);
			op->pending_move = NULL;
		}
	}
	uni_end_change(sb, op->moves_subtree);
out_objects:
	if (op->object[0])
		uni_unlock_objects(op->object[0], op->object[1]);
	return err;
}

static void uni_drop_rename_copies(struct list_head *copies);

static void uni_op_done(struct uni_op *op)
{
	uni_put_dentry_info(op->out_info[0]);
	uni_put_dentry_info(op->out_info[1]);
	uni_put_dentry_info(op->next_root);
	kfree(op->pending_move);
	if (op->moves_subtree && op->copies.next)
		uni_drop_rename_copies(&op->copies);
}

/* Output set i of op is now the object of dentry. */
static void uni_op_install(struct uni_op *op, unsigned int i, struct dentry *dentry)
{
	uni_install_object(dentry, op->out_info[i], &op->out[i]);
	op->out_info[i] = NULL;
}

/*
 * The first name's object is now output set 0: a copyup's copy, or a link's
 * source (copied up to be linked).
 */
static void uni_install_first_name(struct uni_op *op)
{
	uni_op_install(op, 0, op->name[0]);
}

/* ---- create, mkdir, mknod, symlink ---- */

static int uni_call_create(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_create(ctx, &entry[0], op->create, &op->out[0]);
}

static int uni_create_object(struct inode *dir, struct dentry *dentry,
			     const struct uni_create_args *args)
{
	struct uni_op op = {
		.name = { dentry }, .nout = 1, .call = uni_call_create, .create = args,
	};
	struct inode *inode;
	int err;

	err = uni_run_op(dir->i_sb, &op);
	if (err)
		goto out;
	uni_take_out_set(op.out_info[0], &op.out[0]);
	inode = uni_iget_made(dir->i_sb, op.out_info[0]);
	err = PTR_ERR_OR_ZERO(inode);
	if (err)
		goto out;
	uni_set_dentry_info(dentry, op.out_info[0]);
	op.out_info[0] = NULL;
	d_instantiate(dentry, inode);
	uni_copy_dir_attrs(dir);
out:
	uni_op_done(&op);
	return err;
}

static int uni_op_create(UNI_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		      umode_t mode, bool excl)
{
	struct uni_create_args args = { .type = UNI_CREATE_REG, .mode = mode };

	return uni_create_object(dir, dentry, &args);
}

static int uni_op_mkdir(UNI_IDMAP_PARAM, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	struct uni_create_args args = { .type = UNI_CREATE_DIR, .mode = mode };

	return uni_create_object(dir, dentry, &args);
}

static int uni_op_mknod(UNI_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		     umode_t mode, dev_t rdev)
{
	struct uni_create_args args = { .type = UNI_CREATE_SPECIAL, .mode = mode, .rdev = rdev };

	return uni_create_object(dir, dentry, &args);
}

static int uni_op_symlink(UNI_IDMAP_PARAM, struct inode *dir, struct dentry *dentry,
		       const char *target)
{
	struct uni_create_args args = {
		.type = UNI_CREATE_SYMLINK, .mode = S_IALLUGO, .symlink_target = target,
	};

	return uni_create_object(dir, dentry, &args);
}

/*
 * O_TMPFILE: an unnamed file in the branch where a create would go (its
 * parent chain made there first), so a later linkat() gives it a name in
 * the same branch.
 */
static int uni_op_tmpfile(UNI_IDMAP_PARAM, struct inode *dir, struct file *file, umode_t mode)
{
	struct dentry *dentry = file->f_path.dentry;
	struct super_block *sb = dir->i_sb;
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct path lower_dir = {};
	struct uni_dentry_info *info;
	struct uni_context ctx;
	struct uni_walk walk;
	struct file *lower = NULL;
	struct inode *inode;
	int branch = -1, err;

	err = uni_begin_change(sb, false);
	if (err)
		return err;
	info = uni_alloc_current_info(sbi);
	if (!info) {
		uni_end_change(sb, false);
		return -ENOMEM;
	}
	uni_context_of(sb, &ctx);
	err = uni_walk_begin(&walk, dentry->d_parent, NULL);
	if (!err)
		err = uni_prepare_dir(&ctx, &walk.ancestry[0], &branch);
	if (!err) {
		struct uni_ancestry *anc = &walk.ancestry[0];

		/* info's layout keeps the branch (and its mount) pinned. */
		lower_dir.mnt = uni_info_mnt(info, branch);
		lower_dir.dentry = dget(anc->levels[anc->depth - 1]->set.handles[branch]);
	}
	uni_walk_end(&walk);
	uni_end_change(sb, false);
	if (err)
		goto out_put;

	err = uni_do_want_write(lower_dir.mnt);
	if (!err) {
		lower = uni_do_tmpfile_open(&lower_dir, mode, file->f_flags);
		uni_do_drop_write(lower_dir.mnt);
		err = PTR_ERR_OR_ZERO(lower);
	}
	dput(lower_dir.dentry);
	if (err)
		goto out_put;

	info->lower[branch] = dget(lower->f_path.dentry);
	info->start = info->end = branch;
	info->kind = UNI_KIND_OTHER;
	inode = uni_iget(sb, info);
	fput(lower);	/* the union file opens its own below */
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_put;
	}
	uni_set_dentry_info(dentry, info);
	set_nlink(inode, 1);	/* d_tmpfile() drops it to the unnamed file's 0 */
	d_tmpfile(file, inode);
	return finish_open_simple(file, 0);

out_put:
	uni_put_dentry_info(info);
	return err;
}

/* ---- unlink, rmdir ---- */

/*
 * After a removal: the union name is gone, whatever lower copies stay
 * hidden. The dentry keeps its info: open files and fstat() still use
 * the lower objects (which their own references keep positive).
 */
static void uni_forget_removed(struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);

	if (S_ISDIR(inode->i_mode))
		clear_nlink(inode);
	else	/* another name of a hard link may still hold the lower inode */
		set_nlink(inode, UNI_I(inode)->lower->i_nlink);
	/* A fresh lookup decides what the name is now. */
	d_drop(dentry);
}

static int uni_call_unlink(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_unlink(ctx, &entry[0]);
}

static int uni_call_rmdir(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_rmdir(ctx, &entry[0]);
}

/*
 * Is dentry a name of an indexed object (index.c)? Then key is the
 * object's index key and *linked tells whether the name is a link of the
 * copy (else its top is still the original).
 */
static bool uni_indexed_name(struct dentry *dentry, char key[UNI_ORIGIN_KEY_LEN], bool *linked)
{
	struct inode *inode = d_inode(dentry);
	struct uni_dentry_info *info;
	struct dentry *top;
	bool indexed = true;

	if (!S_ISREG(inode->i_mode) || !READ_ONCE(UNI_I(inode)->indexed))
		return false;
	info = uni_get_dentry_info(dentry);
	top = info->lower[info->start];
	*linked = d_inode(top) == READ_ONCE(UNI_I(inode)->lower);
	if (*linked)
		indexed = !uni_origin_key_of_copy(top, key);
	else
		uni_origin_key_of_inode(d_inode(top), key);
	uni_put_dentry_info(info);
	return indexed;
}

/*
 * The copy of info's object, a lower hard link whose copies go to branch
 * target, in the index of a writable branch above it (*where): a
 * reference; NULL when there is none or the object is no such link; or
 * an ERR_PTR.
 */
static struct dentry *uni_indexed_copy_of(const struct uni_dentry_info *info, int target,
					  unsigned int *where)
{
	struct inode *lower = d_inode(info->lower[info->start]);

	if (!uni_index_wanted(info->layout->branch[info->start], info->layout->branch[target],
			      lower))
		return NULL;
	return uni_index_find_above(info->layout, info->start, lower, where);
}

/*
 * Before a name of a lower hard link that has no copy yet goes, its file
 * is copied into the index (index.c, as overlayfs does with index=on), so
 * that the copy can count the names left; its inode follows the copy.
 * Where no index can be kept, nothing is done (the names left then show
 * the original's link count).
 */
static int uni_index_before_removal(struct dentry *dentry)
{
	struct uni_sb_info *sbi = UNI_SB(dentry->d_sb);
	struct inode *inode = d_inode(dentry);
	struct uni_inode_info *ui = UNI_I(inode);
	struct uni_dentry_info *info;
	struct uni_lower_branch *target_branch;
	const struct cred *old_cred;
	struct dentry *copy;
	struct path src;
	unsigned int where;
	int target, err = 0;

	if (!S_ISREG(inode->i_mode) || READ_ONCE(ui->indexed))
		return 0;
	info = uni_get_dentry_info(dentry);
	src.mnt = uni_info_mnt(info, info->start);
	src.dentry = info->lower[info->start];
	target = uni_copyup_target(info);
	if (target < 0 || !uni_index_wanted(info->layout->branch[info->start],
					    info->layout->branch[target], d_inode(src.dentry)))
		goto out;
	target_branch = info->layout->branch[target];
	err = mutex_lock_killable(&ui->copyup_mutex);
	if (err)
		goto out;
	if (!READ_ONCE(ui->indexed) && d_inode(src.dentry) == READ_ONCE(ui->lower)) {
		old_cred = override_creds(sbi->creator_cred);
		copy = uni_indexed_copy_of(info, target, &where);
		if (copy)
			target_branch = info->layout->branch[where];
		else
			copy = uni_index_copy_only(&src, &target_branch->path);
		revert_creds(old_cred);
		if (IS_ERR(copy)) {
			err = PTR_ERR(copy);
			/* No O_TMPFILE or no links there: no index, as on such branches. */
			if (err == -EOPNOTSUPP || err == -EXDEV)
				err = 0;
		} else {
			uni_inode_follow_index(inode, copy, target_branch);
			dput(copy);
		}
	}
	mutex_unlock(&ui->copyup_mutex);
out:
	uni_put_dentry_info(info);
	return err;
}

/* A name about to be removed or replaced, as the index sees it (index.c). */
struct uni_name_removal {
	struct uni_lower_branch *branch;	/* the index's; NULL: not an indexed name */
	char key[UNI_ORIGIN_KEY_LEN];
	bool linked;
	bool shows_again;	/* delete=first: a lower name of the object is back */
};

/* Before victim (a name, possibly negative) is removed or replaced. */
static int uni_removal_begin(struct dentry *victim, struct uni_name_removal *removal)
{
	int err;

	removal->branch = NULL;
	removal->shows_again = false;
	if (d_really_is_negative(victim) || d_is_dir(victim))
		return 0;
	err = uni_index_before_removal(victim);
	if (!err && uni_indexed_name(victim, removal->key, &removal->linked))
		removal->branch = uni_inode_branch_get(d_inode(victim));
	return err;
}

/* After the operation (err its result): the index counts the names left. */
static void uni_removal_end(struct super_block *sb, struct uni_name_removal *removal, int err)
{
	if (!err && removal->branch)
		uni_index_name_removed(UNI_SB(sb), removal->branch, removal->key,
				       removal->linked, removal->shows_again);
	uni_branch_put(removal->branch);
}

/*
 * delete=first: removing a name of a linked copy brings back what was
 * below it. Is that the same object, a name of the copy's original
 * (index.c)? Both are numbered as the original. Caller holds the
 * parent's lock, so the name is stable.
 */
static bool uni_name_shows_again(struct dentry *dentry)
{
	struct dentry *parent = dget_parent(dentry);
	struct uni_dentry_info *info = uni_get_dentry_info(parent);
	bool same = uni_child_ino(info, dentry->d_name.name, dentry->d_name.len) ==
		    d_inode(dentry)->i_ino;

	uni_put_dentry_info(info);
	dput(parent);
	return same;
}

static int uni_remove(struct inode *dir, struct dentry *dentry, bool is_dir)
{
	struct uni_op op = {
		.name = { dentry }, .object = { d_inode(dentry) },
		.call = is_dir ? uni_call_rmdir : uni_call_unlink,
	};
	struct uni_name_removal removal;
	int err;

	err = uni_removal_begin(dentry, &removal);
	if (err)
		return err;
	err = uni_run_op(dir->i_sb, &op);
	if (!err && removal.branch && removal.linked &&
	    UNI_SB(dir->i_sb)->delete_mode == UNI_DELETE_FIRST)
		removal.shows_again = uni_name_shows_again(dentry);
	uni_removal_end(dir->i_sb, &removal, err);
	if (err)
		return err;
	uni_forget_removed(dentry);
	uni_copy_dir_attrs(dir);
	return 0;
}

static int uni_op_unlink(struct inode *dir, struct dentry *dentry)
{
	return uni_remove(dir, dentry, false);
}

static int uni_op_rmdir(struct inode *dir, struct dentry *dentry)
{
	return uni_remove(dir, dentry, true);
}

/* ---- link ---- */

static int uni_call_link(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_link(ctx, &entry[0], &entry[1], &op->out[0], &op->out[1]);
}

static int uni_op_link(struct dentry *old, struct inode *dir, struct dentry *new)
{
	struct inode *inode = d_inode(old);
	struct uni_op op = {
		.name = { old, new }, .object = { inode }, .nout = 2,
		.call = uni_call_link, .install = uni_install_first_name,
	};
	int err = uni_run_op(dir->i_sb, &op);

	if (!err) {
		uni_take_out_set(op.out_info[1], &op.out[1]);
		uni_set_dentry_info(new, op.out_info[1]);
		op.out_info[1] = NULL;
		ihold(inode);
		set_nlink(inode, UNI_I(inode)->lower->i_nlink);
		d_instantiate(new, inode);
		uni_copy_dir_attrs(dir);
	}
	uni_op_done(&op);
	return err;
}

/* ---- rename ---- */

/* An object a directory rename copied (on branch of its layout). */
struct uni_rename_copy {
	struct list_head node;
	struct inode *original;		/* referenced */
	struct dentry *copy;		/* referenced */
	unsigned int branch;
	/* When the copy is a link of the original: the name linked (referenced). */
	struct path linked_from;
};

/* Is a rename that moves a subtree running (the caller is inside it)? */
bool uni_in_subtree_rename(const struct uni_layout *layout)
{
	return READ_ONCE(layout->sbi->rename_copies) != NULL;
}

/*
 * Called by the copy_up branch operation for every non-directory it
 * copied: inside a directory rename (the names below the directory are
 * copied with it), the copy is listed for uni_follow_rename_copies.
 * linked_from: the name the copy is a link of (uni_copy_up_as_link), or
 * NULL for a copy of its own.
 */
void uni_rename_copy_made(struct uni_layout *layout, struct inode *original,
			  struct dentry *copy, unsigned int branch, const struct path *linked_from)
{
	struct uni_sb_info *sbi = layout->sbi;
	struct uni_rename_copy *rc;

	if (!sbi->rename_copies)
		return;		/* a copyup: its own dentry's inode follows it */
	lockdep_assert_held_write(&sbi->namespace_rwsem);
	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc)
		return;		/* files open on it keep the original */
	ihold(original);
	rc->original = original;
	rc->copy = dget(copy);
	rc->branch = branch;
	if (linked_from) {
		rc->linked_from = *linked_from;
		path_get(&rc->linked_from);
	}
	list_add_tail(&rc->node, sbi->rename_copies);
}

/*
 * The name a directory rename linked to its new place (a hard link of a
 * writable branch) stays behind hidden, with the old tree: it goes now,
 * so that the file's link count counts the names the union shows, and
 * the new name gets a name record, so that a handle taken through the
 * old name finds the file (rename_records.c). As the mounter; failures
 * cost a link count.
 */
static void uni_unlink_linked_name(struct uni_sb_info *sbi, const struct uni_layout *layout,
				   struct uni_rename_copy *rc)
{
	struct dentry *victim = rc->linked_from.dentry, *parent = dget_parent(victim);
	struct vfsmount *mnt = rc->linked_from.mnt;
	const struct cred *old_cred = override_creds(sbi->creator_cred);
	int err = uni_do_want_write(mnt);

	if (!err) {
		inode_lock_nested(d_inode(parent), I_MUTEX_PARENT);
		if (victim->d_parent == parent && !d_unhashed(victim) &&
		    d_inode(victim) == d_inode(rc->copy))
			err = uni_do_unlink(mnt, d_inode(parent), victim);
		inode_unlock(d_inode(parent));
		uni_do_drop_write(mnt);
	}
	if (!err)
		uni_name_record_write_linked(layout->branch[rc->branch], rc->copy);
	revert_creds(old_cred);
	if (err)
		pr_warn_ratelimited("cannot remove the hidden name %pd: error %d\n", victim, err);
	dput(parent);
}

/*
 * Once the rename is done (it cannot be undone any more): a union inode
 * in memory that reads an object the rename copied reads the copy from
 * now on, and so do the files open on it. Before, a process with a file
 * open below the renamed directory went on writing to the object left
 * behind, hidden from the union.
 */
static void uni_follow_rename_copies(struct uni_op *op)
{
	struct super_block *sb = op->name[0]->d_sb;
	const struct uni_layout *layout = uni_layout_locked(UNI_SB(sb));
	struct uni_rename_copy *rc;

	list_for_each_entry(rc, &op->copies, node) {
		if (rc->linked_from.dentry)
			uni_unlink_linked_name(UNI_SB(sb), layout, rc);	/* the same file: nothing to follow */
		else
			uni_inode_follow_copy(sb, rc->original, layout, rc->branch, rc->copy,
					      false);
	}
}

static void uni_drop_rename_copies(struct list_head *copies)
{
	struct uni_rename_copy *rc, *next;

	list_for_each_entry_safe(rc, next, copies, node) {
		iput(rc->original);
		dput(rc->copy);
		if (rc->linked_from.dentry)
			path_put(&rc->linked_from);
		kfree(rc);
	}
	INIT_LIST_HEAD(copies);
}

/*
 * A directory rename that rebuilt the directory on another branch leaves
 * the lower objects below the old name behind (hidden, or removed): every
 * dentry still cached below it names them. Those in use (a working
 * directory, an open file, an operation waiting for the lock) cannot be
 * pruned, so a new epoch makes every cached info resolve again before it
 * is used; the sets installed now are of the new epoch already. Under the
 * operation's locks (namespace_rwsem exclusive).
 */
static void uni_forget_moved_tree(struct uni_op *op)
{
	u64 epoch;
	unsigned int i;

	if (op->moves_subtree)
		uni_follow_rename_copies(op);
	if (!(op->out_flags & UNI_RENAME_COPIED))
		return;
	epoch = uni_begin_epoch_locked(op->name[0]->d_sb, op->next_root);
	op->next_root = NULL;
	for (i = 0; i < op->nout; i++)
		op->out_info[i]->epoch = epoch;
}

/* A directory rebuilt on one branch: what we cached below it is stale. */
static void uni_renamed(struct uni_op *op, struct inode *old_dir, struct inode *new_dir)
{
	if (op->out_flags & UNI_RENAME_COPIED) {
		shrink_dcache_parent(op->name[0]);
		if (op->nout == 2)	/* an exchange: both were moved */
			shrink_dcache_parent(op->name[1]);
	}
	uni_copy_dir_attrs(old_dir);
	if (new_dir != old_dir)
		uni_copy_dir_attrs(new_dir);
}

static int uni_call_exchange(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_rename_exchange(ctx, &entry[0], &entry[1], &op->out[0], &op->out[1],
				   &op->out_flags);
}

/* Each dentry keeps its inode, and gets its own object's set (now under the other name). */
static void uni_install_exchanged(struct uni_op *op)
{
	uni_forget_moved_tree(op);
	uni_op_install(op, 0, op->name[0]);
	uni_op_install(op, 1, op->name[1]);
}

/*
 * renameat2(RENAME_EXCHANGE): both dentries keep their inodes and the VFS
 * d_exchange()s them afterwards.
 */
static int uni_exchange(struct inode *old_dir, struct dentry *old, struct inode *new_dir,
			struct dentry *new)
{
	struct uni_op op = {
		.name = { old, new }, .object = { d_inode(old), d_inode(new) }, .nout = 2,
		.moves_subtree = d_is_dir(old) || d_is_dir(new),
		.call = uni_call_exchange, .install = uni_install_exchanged,
	};
	int err = uni_run_op(old_dir->i_sb, &op);

	if (!err) {
		uni_renamed(&op, old_dir, new_dir);
		uni_rename_records_write(old);
		uni_rename_records_write(new);
	}
	uni_op_done(&op);
	return err;
}

static int uni_call_rename(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_rename(ctx, &entry[0], &entry[1], &op->out[0], &op->out_flags);
}

/* The VFS moves the old dentry to the new name; a replaced object is gone. */
static void uni_install_renamed(struct uni_op *op)
{
	uni_forget_moved_tree(op);
	uni_op_install(op, 0, op->name[0]);
	if (d_really_is_positive(op->name[1]))
		uni_forget_removed(op->name[1]);
}

static int uni_op_rename(UNI_IDMAP_PARAM, struct inode *old_dir, struct dentry *old,
			 struct inode *new_dir, struct dentry *new, unsigned int flags)
{
	struct uni_op op = {
		.name = { old, new }, .object = { d_inode(old), d_inode(new) }, .nout = 1,
		.moves_subtree = d_is_dir(old),
		.call = uni_call_rename, .install = uni_install_renamed,
	};
	struct uni_name_removal removal;
	int err;

	/*
	 * The VFS checked RENAME_NOREPLACE against the union name already, and
	 * that both names exist for RENAME_EXCHANGE. RENAME_WHITEOUT is not
	 * ours to offer (as on overlayfs): the union makes its own whiteouts.
	 */
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return uni_exchange(old_dir, old, new_dir, new);
	err = uni_removal_begin(new, &removal);	/* a name it replaces */
	if (err)
		return err;
	err = uni_run_op(old_dir->i_sb, &op);
	uni_removal_end(old_dir->i_sb, &removal, err);
	if (!err) {
		uni_renamed(&op, old_dir, new_dir);
		uni_rename_records_write(old);	/* the VFS moves it to new's name next */
	}
	uni_op_done(&op);
	return err;
}

/* ---- copyup before a modification ---- */

/* True when the object of info is on a writable branch already. */
static bool uni_top_is_writable(const struct uni_dentry_info *info)
{
	return READ_ONCE(info->layout->branch[info->start]->mode) == UNI_BRANCH_RW;
}

/* The branch the core will copy info's object to: the nearest writable one above. */
int uni_copyup_target(const struct uni_dentry_info *info)
{
	int i;

	for (i = info->start - 1; i >= 0; i--)
		if (READ_ONCE(info->layout->branch[i]->mode) == UNI_BRANCH_RW)
			return i;
	return -1;
}

/* Is info's object a lower hard link already copied into an index? */
static bool uni_has_indexed_copy(const struct uni_dentry_info *info, int target)
{
	unsigned int where;
	struct dentry *copy = uni_indexed_copy_of(info, target, &where);

	if (IS_ERR_OR_NULL(copy))
		return false;
	dput(copy);
	return true;
}

/*
 * Builds the copy of a regular file on its future branch before
 * namespace_rwsem is taken, so that the data copy and its fsync (seconds for
 * a big file) hold no lock other operations need; the core's copy_up
 * then only names it (uni_lower_copy_up). When anything differs by then
 * (another branch chosen, the object changed) the staged copy is unused
 * and dropped. Failures here are not errors: the copy is made the usual
 * way, under the lock, and reports its own.
 */
static void uni_stage_copyup(struct dentry *dentry, unsigned long long size,
			     struct uni_staged_copy *sc)
{
	struct uni_sb_info *sbi = UNI_SB(dentry->d_sb);
	struct uni_dentry_info *info = uni_get_dentry_info(dentry);
	const struct cred *old_cred;
	struct path src, root;
	struct file *copy;
	int target;

	INIT_LIST_HEAD(&sc->node);
	sc->copy = NULL;
	if (info->kind != UNI_KIND_OTHER || uni_top_is_writable(info))
		goto out;
	target = uni_copyup_target(info);
	if (target < 0)
		goto out;
	src.mnt = uni_info_mnt(info, info->start);
	src.dentry = info->lower[info->start];
	root = info->layout->branch[target]->path;
	if (uni_has_indexed_copy(info, target))
		goto out;	/* the copyup only links it: nothing to stage */
	old_cred = override_creds(sbi->creator_cred);
	copy = uni_stage_copy(&src, &root, size);
	revert_creds(old_cred);
	if (IS_ERR(copy))
		goto out;
	sc->src = d_inode(src.dentry);
	sc->target_sb = root.mnt->mnt_sb;
	sc->size = size;
	sc->copy = copy;
	uni_staged_add(sbi, sc);
out:
	uni_put_dentry_info(info);
}

static int uni_call_copyup(struct uni_op *op, struct uni_context *ctx, struct uni_entry *entry)
{
	return uni_copyup(ctx, &entry[0], op->size, &op->out[0]);
}

/*
 * Makes the object of dentry live on a writable branch before it is
 * modified (open for write, truncate, setattr, xattrs). size bounds the
 * data copied (0 for O_TRUNC). Returns 0 when nothing had to be done.
 *
 * The object's copyup_mutex is held throughout (the others wait,
 * killably, and then find it copied); the data is copied before
 * namespace_rwsem is taken (uni_stage_copyup). The core reads the
 * object's set again under the locks: a concurrent operation may have
 * copied it.
 */
int uni_copyup_for_write(struct dentry *dentry, unsigned long long size)
{
	struct uni_sb_info *sbi = UNI_SB(dentry->d_sb);
	struct uni_inode_info *ui = UNI_I(d_inode(dentry));
	struct uni_op op = {
		.name = { dentry }, .nout = 1, .size = size,
		.call = uni_call_copyup, .install = uni_install_first_name,
	};
	struct uni_dentry_info *info;
	struct uni_staged_copy staged;
	bool writable;
	int err;

	info = uni_get_dentry_info(dentry);
	writable = uni_top_is_writable(info);
	uni_put_dentry_info(info);
	if (writable)
		return 0;	/* already writable: the common case, no lock */
	if (IS_ROOT(dentry))
		return -EROFS;	/* the root has no parent to copy into */

	err = mutex_lock_killable(&ui->copyup_mutex);
	if (err)
		return err;
	uni_stage_copyup(dentry, size, &staged);
	err = uni_run_op(dentry->d_sb, &op);	/* object already locked: op.object empty */
	uni_op_done(&op);
	uni_staged_drop(sbi, &staged);
	mutex_unlock(&ui->copyup_mutex);
	return err;
}

/*
 * The object's top lower path (caller must dput()) on a writable branch,
 * after uni_copyup_for_write(dentry, size): one look at the dentry's info
 * where the top is writable already, the common case.
 */
int uni_get_writable_top(struct dentry *dentry, unsigned long long size, struct path *out)
{
	struct uni_dentry_info *info = uni_get_dentry_info(dentry);

	if (!uni_top_is_writable(info)) {
		int err;

		uni_put_dentry_info(info);
		err = uni_copyup_for_write(dentry, size);
		if (err)
			return err;
		info = uni_get_dentry_info(dentry);
	}
	uni_top_lower_path_of(dentry, info, out);
	uni_put_dentry_info(info);
	return 0;
}

const struct inode_operations uni_dir_iops = {
	.lookup = uni_lookup,
	.create = uni_op_create,
	.mkdir = uni_op_mkdir,
	.mknod = uni_op_mknod,
	.symlink = uni_op_symlink,
	.link = uni_op_link,
	.unlink = uni_op_unlink,
	.rmdir = uni_op_rmdir,
	.rename = uni_op_rename,
	.tmpfile = uni_op_tmpfile,
	.permission = uni_permission,
	.getattr = uni_getattr,
	.setattr = uni_setattr,
	.listxattr = uni_listxattr,
	.fileattr_get = uni_fileattr_get,
	.fileattr_set = uni_fileattr_set,
#if UNI_ACL_API
	.get_inode_acl = uni_get_inode_acl,
	.get_acl = uni_get_acl,
	.set_acl = uni_set_acl,
#endif
};
