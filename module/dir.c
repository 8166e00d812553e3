// SPDX-License-Identifier: GPL-2.0
/*
 * dir.c - the namespace-changing operations (create, mkdir, mknod,
 * symlink, link, unlink, rmdir, rename) and the copyup before a
 * modification. The core decides which branch operations make one union
 * operation; this file gives it the union directories from the root down
 * to the parent (the "ancestry"), and afterwards installs what changed:
 * parent directories made on a new branch, the object's new lower set.
 *
 * Lock order: VFS locks on union inodes, then sbi->write_mutex, then (inside
 * the branch operations) lower directory locks.
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
	struct ufs_dentry_info *info = ufs_get_fresh_info_locked(dentry);

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
 * Caller holds sbi->write_mutex, which keeps every union rename (and so
 * every d_parent and d_name on these chains) still while the walk lives.
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
 * Installs the lower directories the core made for a level (the core
 * passed us their references) in a new info for that union dentry.
 */
static void ufs_walk_install(struct ufs_walk *w, struct ufs_level_slot *slot)
{
	unsigned int nbranches = w->nbranches, i;
	struct ufs_dentry_info *old = slot->info, *info;
	void **handles = slot->level.set.handles;
	bool changed = false;

	for (i = 0; i < nbranches; i++)
		if (handles[i] != old->lower[i])
			changed = true;
	if (!changed)
		return;

	info = ufs_alloc_info_like(old);
	if (!info) {
		/* Keep the dentry as it was; the new directories are found by the next lookup. */
		for (i = 0; i < nbranches; i++)
			if (handles[i] != old->lower[i])
				dput(handles[i]);
		d_drop(slot->dentry);
		return;
	}
	for (i = 0; i < nbranches; i++)
		info->lower[i] = handles[i] == old->lower[i] ? dget(old->lower[i]) : handles[i];
	info->start = slot->level.set.start;
	info->end = slot->level.set.end;
	info->kind = old->kind;
	ufs_set_dentry_info(slot->dentry, info);
	ufs_inode_update_top(d_inode(slot->dentry), info);
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

/* The core's context for one operation; caller holds write_mutex (the layout stays). */
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

/* Caller holds sbi->write_mutex; b may be NULL. ufs_names_end() in any case. */
static int ufs_names_begin(struct ufs_names *names, struct dentry *a, struct dentry *b)
{
	struct dentry *dentries[2] = { a, b };
	unsigned int i;
	int err;

	names->count = 0;
	err = ufs_walk_begin(&names->walk, a->d_parent, b ? b->d_parent : NULL);
	for (i = 0; !err && i < 2 && dentries[i]; i++) {
		struct dentry *d = dentries[i];
		struct ufs_dentry_info *info = ufs_get_fresh_info_locked(d);

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

/* A fresh info to receive an output set from the core; caller holds write_mutex. */
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
	ufs_inode_update_top(d_inode(dentry), info);
}

/* ---- create, mkdir, mknod, symlink ---- */

static int ufs_create_object(struct inode *dir, struct dentry *dentry,
			     const struct ufs_create_args *args)
{
	struct super_block *sb = dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_dentry_info *info;
	struct ufs_lower_set out;
	struct ufs_context ctx;
	struct ufs_names names;
	struct inode *inode;
	int err;

	mutex_lock(&sbi->write_mutex);
	info = ufs_out_info(sb, &out);
	if (!info) {
		mutex_unlock(&sbi->write_mutex);
		return -ENOMEM;
	}
	ufs_context_of(sb, &ctx);
	err = ufs_names_begin(&names, dentry, NULL);
	if (!err)
		err = ufs_create(&ctx, &names.entry[0], args, &out);
	ufs_names_end(&names);
	mutex_unlock(&sbi->write_mutex);
	if (err)
		goto out_put;

	ufs_take_out_set(info, &out);
	inode = ufs_iget(sb, info);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_put;
	}
	ufs_set_dentry_info(dentry, info);
	d_instantiate(dentry, inode);
	ufs_copy_dir_attrs(dir);
	return 0;

out_put:
	ufs_put_dentry_info(info);
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

	mutex_lock(&sbi->write_mutex);
	info = ufs_alloc_current_info(sbi);
	if (!info) {
		mutex_unlock(&sbi->write_mutex);
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
	mutex_unlock(&sbi->write_mutex);
	if (err)
		goto out_put;

	err = mnt_want_write(lower_dir.mnt);
	if (!err) {
		lower = ufs_tmpfile_open(ufs_mnt_idmap(lower_dir.mnt), &lower_dir, mode,
					 file->f_flags, current_cred());
		mnt_drop_write(lower_dir.mnt);
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

static int ufs_remove(struct inode *dir, struct dentry *dentry, bool is_dir)
{
	struct super_block *sb = dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_context ctx;
	struct ufs_names names;
	int err;

	mutex_lock(&sbi->write_mutex);
	ufs_context_of(sb, &ctx);
	err = ufs_names_begin(&names, dentry, NULL);
	if (!err)
		err = is_dir ? ufs_rmdir(&ctx, &names.entry[0]) : ufs_unlink(&ctx, &names.entry[0]);
	ufs_names_end(&names);
	mutex_unlock(&sbi->write_mutex);
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

static int ufs_op_link(struct dentry *old, struct inode *dir, struct dentry *new)
{
	struct super_block *sb = dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_dentry_info *new_src, *new_info;
	struct ufs_lower_set out_src, out_tgt;
	struct ufs_context ctx;
	struct ufs_names names;
	struct inode *inode = d_inode(old);
	int err;

	mutex_lock(&sbi->write_mutex);
	new_src = ufs_out_info(sb, &out_src);
	new_info = ufs_out_info(sb, &out_tgt);
	if (!new_src || !new_info) {
		mutex_unlock(&sbi->write_mutex);
		err = -ENOMEM;
		goto out_put;
	}
	ufs_context_of(sb, &ctx);
	err = ufs_names_begin(&names, old, new);
	if (!err)
		err = ufs_link(&ctx, &names.entry[0], &names.entry[1], &out_src, &out_tgt);
	ufs_names_end(&names);
	if (!err) {
		ufs_install_object(old, new_src, &out_src);
		new_src = NULL;
	}
	mutex_unlock(&sbi->write_mutex);
	if (err)
		goto out_put;

	ufs_take_out_set(new_info, &out_tgt);
	ufs_set_dentry_info(new, new_info);
	ihold(inode);
	set_nlink(inode, UFS_I(inode)->lower->i_nlink);
	d_instantiate(new, inode);
	ufs_copy_dir_attrs(dir);
	return 0;

out_put:
	ufs_put_dentry_info(new_src);
	ufs_put_dentry_info(new_info);
	return err;
}

/* ---- rename ---- */

static int ufs_op_rename(UFS_IDMAP_PARAM, struct inode *old_dir, struct dentry *old,
			 struct inode *new_dir, struct dentry *new, unsigned int flags)
{
	struct super_block *sb = old_dir->i_sb;
	struct ufs_sb_info *sbi = UFS_SB(sb);
	struct ufs_dentry_info *moved;
	struct ufs_lower_set out;
	struct ufs_context ctx;
	struct ufs_names names;
	unsigned int out_flags = 0;
	int err;

	/* The VFS checked RENAME_NOREPLACE against the union name already. */
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	mutex_lock(&sbi->write_mutex);
	moved = ufs_out_info(sb, &out);
	if (!moved) {
		mutex_unlock(&sbi->write_mutex);
		return -ENOMEM;
	}
	ufs_context_of(sb, &ctx);
	err = ufs_names_begin(&names, old, new);
	if (!err)
		err = ufs_rename(&ctx, &names.entry[0], &names.entry[1], &out, &out_flags);
	ufs_names_end(&names);
	if (!err) {
		ufs_install_object(old, moved, &out);	/* the VFS moves 'old' to the new name */
		moved = NULL;
		if (d_really_is_positive(new))
			ufs_forget_removed(new);
	}
	mutex_unlock(&sbi->write_mutex);
	ufs_put_dentry_info(moved);
	if (err)
		return err;
	/* A directory rebuilt on one branch: what we cached below it is stale. */
	if (out_flags & UFS_RENAME_COPIED)
		shrink_dcache_parent(old);
	ufs_copy_dir_attrs(old_dir);
	if (new_dir != old_dir)
		ufs_copy_dir_attrs(new_dir);
	return 0;
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
 * write_mutex is taken, so that the data copy and its fsync (seconds for
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

/* The copyup itself, as the core plans it. Caller holds write_mutex. */
static int ufs_copyup_locked(struct dentry *dentry, unsigned long long size)
{
	struct super_block *sb = dentry->d_sb;
	struct ufs_dentry_info *copied;
	struct ufs_lower_set out;
	struct ufs_context ctx;
	struct ufs_names names;
	int err;

	copied = ufs_out_info(sb, &out);
	if (!copied)
		return -ENOMEM;
	ufs_context_of(sb, &ctx);
	/* The set is read again under the lock: a concurrent operation may have copied it. */
	err = ufs_names_begin(&names, dentry, NULL);
	if (!err)
		err = ufs_copyup(&ctx, &names.entry[0], size, &out);
	ufs_names_end(&names);
	if (!err) {
		ufs_install_object(dentry, copied, &out);
		copied = NULL;
	}
	ufs_put_dentry_info(copied);
	return err;
}

/*
 * Makes the object of dentry live on a writable branch before it is
 * modified (open for write, truncate, setattr, xattrs). size bounds the
 * data copied (0 for O_TRUNC). Returns 0 when nothing had to be done.
 *
 * Lock order: the object's copyup_mutex, then write_mutex. Both waits
 * are killable: a copyup can take long, and its waiters too.
 */
int ufs_copyup_for_write(struct dentry *dentry, unsigned long long size)
{
	struct ufs_sb_info *sbi = UFS_SB(dentry->d_sb);
	struct ufs_inode_info *ui = UFS_I(d_inode(dentry));
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
	err = mutex_lock_killable(&sbi->write_mutex);
	if (!err) {
		err = ufs_copyup_locked(dentry, size);
		mutex_unlock(&sbi->write_mutex);
	}
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
