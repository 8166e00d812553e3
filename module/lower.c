// SPDX-License-Identifier: GPL-2.0
/*
 * lower.c - every call into a branch filesystem goes through here: one
 * small wrapper per operation, with a pr_debug trace, so credentials,
 * idmapping and tracing have one home. Also the environment the C++ core
 * runs in (allocation) and the branch operations it calls.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <linux/cred.h>
#include <linux/mount.h>
#include "ufs.h"

/* ---- The core's environment ---- */

void *ufs_env_alloc(unsigned long size)
{
	return kvmalloc(size, GFP_KERNEL);
}

void ufs_env_free(void *ptr)
{
	kvfree(ptr);
}

/* Reached only on a broken invariant inside the core (e.g. a pure virtual call). */
void ufs_env_bug(const char *what)
{
	pr_crit("core invariant broken: %s\n", what);
	BUG();
}

/* ---- Wrappers ---- */

/* Returns a new reference to NAME in DIR (possibly negative), or an ERR_PTR. */
static struct dentry *ufs_do_lookup(struct dentry *dir, const char *name, unsigned int len)
{
	struct dentry *child = lookup_one_len_unlocked(name, dir, len);

	pr_debug("lookup %pd/%.*s -> %ld\n", dir, len, name,
		 IS_ERR(child) ? PTR_ERR(child) : (long)d_is_positive(child));
	return child;
}

/* Opens a lower object as the caller; returns the file or an ERR_PTR. */
struct file *ufs_do_open(const struct path *path, int flags)
{
	struct file *file = dentry_open(path, flags, current_cred());

	pr_debug("open %pd flags %#x -> %ld\n", path->dentry, flags,
		 IS_ERR(file) ? PTR_ERR(file) : 0L);
	return file;
}

int ufs_do_getattr(const struct path *path, struct kstat *stat, u32 mask, unsigned int flags)
{
	int err = ufs_vfs_getattr(path, stat, mask, flags);

	pr_debug("getattr %pd -> %d\n", path->dentry, err);
	return err;
}

/* vfs_rename() of old (in old_dir) to new (in new_dir) on mnt. Caller holds lock_rename() (one parent: its lock). */
int ufs_do_rename(struct vfsmount *mnt, struct dentry *old_dir, struct dentry *old,
		  struct dentry *new_dir, struct dentry *new, unsigned int flags)
{
	struct renamedata rd = {
		.old_dir = d_inode(old_dir),
		.old_dentry = old,
		.new_dir = d_inode(new_dir),
		.new_dentry = new,
		.flags = flags,
	};
	int err;

	ufs_renamedata_set_idmap(&rd, mnt);
	err = vfs_rename(&rd);
	pr_debug("rename %pd -> %pd flags %#x -> %d\n", old, new, flags, err);
	return err;
}

static int ufs_do_iterate(struct file *dir, struct dir_context *ctx)
{
	int err = iterate_dir(dir, ctx);

	pr_debug("iterate %pD pos %lld -> %d\n", dir, ctx->pos, err);
	return err;
}

/* ---- Branch operations for the core (handles are struct dentry *) ---- */

/* The core's env is the layout its table belongs to. */
static struct vfsmount *ufs_branch_mnt(void *env, unsigned int branch)
{
	return ((struct ufs_layout *)env)->branch[branch]->path.mnt;
}

static struct ufs_sb_info *ufs_env_sbi(void *env)
{
	return ((struct ufs_layout *)env)->sbi;
}

/*
 * The union's own work (reading whiteouts, opaque markers and lower
 * directories, making and removing union metadata, copyup) runs as the
 * mounter, whose credentials were captured at mount time: the caller's
 * permission was checked on the union object before, by the VFS.
 */
static const struct cred *ufs_as_mounter(void *env)
{
	return override_creds(ufs_env_sbi(env)->creator_cred);
}

/* Names the union keeps for itself: whiteouts, opaque markers, temporaries. */
static bool ufs_is_union_metadata(const struct dentry *dentry)
{
	return dentry->d_name.len >= UFS_WH_PREFIX_LEN &&
	       !memcmp(dentry->d_name.name, UFS_WH_PREFIX, UFS_WH_PREFIX_LEN);
}

static enum ufs_kind ufs_kind_of(const struct dentry *dentry)
{
	if (d_is_negative(dentry))
		return UFS_KIND_NONE;
	return d_is_dir(dentry) ? UFS_KIND_DIR : UFS_KIND_OTHER;
}

/*
 * A directory removed meanwhile (the core may look into an instance it
 * has just deleted) holds nothing; lookup_one_len would say ENOENT.
 */
static int ufs_lower_lookup(void *env, unsigned int branch, void *dir, const char *name,
			    unsigned int len, void **child, enum ufs_kind *kind)
{
	struct inode *dinode = d_inode((struct dentry *)dir);
	struct dentry *found = NULL;

	if (!IS_DEADDIR(dinode)) {
		const struct cred *old_cred = ufs_as_mounter(env);

		found = ufs_do_lookup(dir, name, len);
		revert_creds(old_cred);
		if (PTR_ERR(found) == -ENOENT && IS_DEADDIR(dinode))
			found = NULL;	/* removed while we looked */
		if (IS_ERR(found))
			return PTR_ERR(found);
	}
	*kind = found ? ufs_kind_of(found) : UFS_KIND_NONE;
	if (*kind == UFS_KIND_NONE) {
		dput(found);
		found = NULL;
	}
	*child = found;
	return 0;
}

static void ufs_lower_put(void *env, void *handle)
{
	dput(handle);
}

struct ufs_iterate_ctx {
	struct dir_context ctx;
	int (*emit)(void *cookie, const char *name, unsigned int len,
		    unsigned long long ino, unsigned int dtype);
	void *cookie;
	unsigned int count;
	int err;
};

static bool ufs_iterate_actor(struct dir_context *ctx, const char *name, int len,
			      loff_t offset, u64 ino, unsigned int dtype)
{
	struct ufs_iterate_ctx *ic = container_of(ctx, struct ufs_iterate_ctx, ctx);

	ic->count++;
	ic->err = ic->emit(ic->cookie, name, len, ino, dtype);
	return ic->err == 0;
}

static int ufs_lower_iterate(void *env, unsigned int branch, void *dir,
			     int (*emit)(void *cookie, const char *name, unsigned int len,
					 unsigned long long ino, unsigned int dtype),
			     void *cookie)
{
	struct path path = { .mnt = ufs_branch_mnt(env, branch), .dentry = dir };
	struct ufs_iterate_ctx ic = { .ctx.actor = ufs_iterate_actor, .emit = emit,
				      .cookie = cookie };
	const struct cred *old_cred;
	struct file *file;
	int err;

	/*
	 * A directory removed meanwhile (the core may list an instance it has
	 * just deleted) has no entries; iterate_dir() would say ENOENT.
	 */
	if (IS_DEADDIR(d_inode((struct dentry *)dir)))
		return 0;
	old_cred = ufs_as_mounter(env);
	file = ufs_do_open(&path, O_RDONLY | O_DIRECTORY);
	revert_creds(old_cred);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* A directory is read in as many calls as its filesystem needs. */
	do {
		ic.count = 0;
		err = ufs_do_iterate(file, &ic.ctx);
	} while (!err && !ic.err && ic.count);
	if (err == -ENOENT && IS_DEADDIR(file_inode(file)))
		err = 0;	/* removed while we were reading it */
	fput(file);
	return err ? err : ic.err;
}

/* ---- Write operations for the core: one VFS call on one branch each ---- */


static void *ufs_lower_get(void *env, void *handle)
{
	return dget(handle);
}

static int ufs_lower_getattr(void *env, unsigned int branch, void *handle, struct ufs_attr *attr)
{
	struct inode *inode = d_inode((struct dentry *)handle);

	attr->mode = inode->i_mode;
	attr->flags = (IS_IMMUTABLE(inode) ? UFS_ATTR_IMMUTABLE : 0) |
		      (IS_APPEND(inode) ? UFS_ATTR_APPEND : 0);
	return 0;
}

/* Is child still the entry of dir it was looked up as? Caller holds dir's lock. */
static bool ufs_still_child(struct dentry *dir, struct dentry *child)
{
	return child->d_parent == dir && !d_unhashed(child);
}

/*
 * Some filesystems leave the dentry of a new directory unhashed or
 * negative (they instantiate another one): look the name up again.
 * Returns a reference to a positive dentry or an ERR_PTR; puts 'made'.
 */
static struct dentry *ufs_settle_new(struct dentry *dir, struct dentry *made)
{
	struct dentry *again;

	if (!d_unhashed(made) && d_is_positive(made))
		return made;
	again = lookup_one_len(made->d_name.name, dir, made->d_name.len);
	dput(made);
	if (!IS_ERR(again) && d_is_negative(again)) {
		dput(again);
		again = ERR_PTR(-EIO);
	}
	return again;
}

static int ufs_vfs_create(struct vfsmount *mnt, struct inode *dinode, struct dentry *new,
			  const struct ufs_create_args *args)
{
	umode_t perm = args->mode & S_IALLUGO;

	switch (args->type) {
	case UFS_CREATE_REG:
		return vfs_create(ufs_mnt_idmap(mnt), dinode, new, S_IFREG | perm, true);
	case UFS_CREATE_DIR:
		return vfs_mkdir(ufs_mnt_idmap(mnt), dinode, new, perm);
	case UFS_CREATE_SYMLINK:
		return vfs_symlink(ufs_mnt_idmap(mnt), dinode, new, args->symlink_target);
	case UFS_CREATE_SPECIAL:
		return vfs_mknod(ufs_mnt_idmap(mnt), dinode, new, args->mode, (dev_t)args->rdev);
	}
	return -EINVAL;
}

static int ufs_lower_create(void *env, unsigned int branch, void *dir_handle, const char *name,
			    unsigned int len, const struct ufs_create_args *args, void **child)
{
	struct vfsmount *mnt = ufs_branch_mnt(env, branch);
	struct dentry *dir = dir_handle, *new;
	struct inode *dinode = d_inode(dir);
	const struct cred *old_cred = NULL;
	int err;

	err = mnt_want_write(mnt);
	if (err)
		return err;
	/* Union metadata is ours, not the caller's: made as the mounter. */
	if (args->flags & UFS_CREATE_INTERNAL)
		old_cred = ufs_as_mounter(env);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	new = lookup_one_len(name, dir, len);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out_unlock;
	}
	err = d_is_positive(new) ? -EEXIST : ufs_vfs_create(mnt, dinode, new, args);
	if (!err) {
		new = ufs_settle_new(dir, new);
		err = PTR_ERR_OR_ZERO(new);
		if (!err)
			*child = new;
	} else {
		dput(new);
	}
out_unlock:
	inode_unlock(dinode);
	if (old_cred)
		revert_creds(old_cred);
	mnt_drop_write(mnt);
	pr_debug("create %pd/%.*s type %d on %u -> %d\n", dir, len, name, args->type, branch, err);
	return err;
}

static int ufs_lower_link(void *env, unsigned int branch, void *old_handle, void *dir_handle,
			  const char *name, unsigned int len, void **child)
{
	struct vfsmount *mnt = ufs_branch_mnt(env, branch);
	struct dentry *dir = dir_handle, *new;
	struct inode *dinode = d_inode(dir);
	int err;

	err = mnt_want_write(mnt);
	if (err)
		return err;
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	new = lookup_one_len(name, dir, len);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out_unlock;
	}
	err = d_is_positive(new) ? -EEXIST :
	      vfs_link(old_handle, ufs_mnt_idmap(mnt), dinode, new, NULL);
	if (!err)
		*child = new;
	else
		dput(new);
out_unlock:
	inode_unlock(dinode);
	mnt_drop_write(mnt);
	pr_debug("link %pd -> %pd/%.*s on %u -> %d\n", (struct dentry *)old_handle, dir, len, name,
		 branch, err);
	return err;
}

static int ufs_lower_remove(void *env, unsigned int branch, struct dentry *dir,
			    struct dentry *child, bool is_dir)
{
	struct vfsmount *mnt = ufs_branch_mnt(env, branch);
	struct inode *dinode = d_inode(dir);
	const struct cred *old_cred = NULL;
	int err;

	err = mnt_want_write(mnt);
	if (err)
		return err;
	/*
	 * A whiteout or marker was made by the mounter; in a sticky directory
	 * only the mounter may remove it again.
	 */
	if (ufs_is_union_metadata(child))
		old_cred = ufs_as_mounter(env);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	dget(child);
	if (!ufs_still_child(dir, child))
		err = -ESTALE;
	else if (is_dir)
		err = vfs_rmdir(ufs_mnt_idmap(mnt), dinode, child);
	else
		err = vfs_unlink(ufs_mnt_idmap(mnt), dinode, child, NULL);
	dput(child);
	inode_unlock(dinode);
	if (old_cred)
		revert_creds(old_cred);
	mnt_drop_write(mnt);
	pr_debug("%s %pd/%pd on %u -> %d\n", is_dir ? "rmdir" : "unlink", dir, child, branch, err);
	return err;
}

static int ufs_lower_unlink(void *env, unsigned int branch, void *dir, void *child)
{
	return ufs_lower_remove(env, branch, dir, child, false);
}

static int ufs_lower_rmdir(void *env, unsigned int branch, void *dir, void *child)
{
	return ufs_lower_remove(env, branch, dir, child, true);
}

static int ufs_lower_rename(void *env, unsigned int branch, void *old_dir_handle,
			    void *child_handle, void *new_dir_handle, const char *name,
			    unsigned int len, unsigned int flags)
{
	struct vfsmount *mnt = ufs_branch_mnt(env, branch);
	struct dentry *old_dir = old_dir_handle, *new_dir = new_dir_handle;
	struct dentry *child = child_handle, *target, *trap;
	const struct cred *old_cred = NULL;
	int err;

	err = mnt_want_write(mnt);
	if (err)
		return err;
	/* Setting an object aside under a hidden name, or back: the union's own work. */
	if (ufs_is_union_metadata(child) ||
	    (len >= UFS_WH_PREFIX_LEN && !memcmp(name, UFS_WH_PREFIX, UFS_WH_PREFIX_LEN)))
		old_cred = ufs_as_mounter(env);
	trap = lock_rename(new_dir, old_dir);
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		goto out_drop;
	}
	err = -ESTALE;
	if (!ufs_still_child(old_dir, child))
		goto out_unlock;
	err = -EINVAL;		/* a directory into its own subtree */
	if (child == trap)
		goto out_unlock;
	target = lookup_one_len(name, new_dir, len);
	err = PTR_ERR(target);
	if (IS_ERR(target))
		goto out_unlock;
	if (target == trap)
		err = -ENOTEMPTY;
	else if ((flags & UFS_RENAME_NOREPLACE) && d_is_positive(target))
		err = -EEXIST;	/* also where the filesystem lacks RENAME_NOREPLACE */
	else
		err = ufs_do_rename(mnt, old_dir, child, new_dir, target, 0);
	dput(target);
out_unlock:
	unlock_rename(new_dir, old_dir);
out_drop:
	if (old_cred)
		revert_creds(old_cred);
	mnt_drop_write(mnt);
	pr_debug("rename %pd/%pd -> %pd/%.*s on %u -> %d\n", old_dir, child, new_dir, len, name,
		 branch, err);
	return err;
}

static int ufs_lower_exchange(void *env, unsigned int branch, void *dir_a_handle,
			      void *child_a_handle, void *dir_b_handle, void *child_b_handle)
{
	struct vfsmount *mnt = ufs_branch_mnt(env, branch);
	struct dentry *dir_a = dir_a_handle, *dir_b = dir_b_handle;
	struct dentry *a = child_a_handle, *b = child_b_handle, *trap;
	int err;

	err = mnt_want_write(mnt);
	if (err)
		return err;
	trap = lock_rename(dir_b, dir_a);
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		goto out_drop;
	}
	err = -ESTALE;
	if (!ufs_still_child(dir_a, a) || !ufs_still_child(dir_b, b))
		goto out_unlock;
	err = -EINVAL;		/* one is an ancestor of the other */
	if (a == trap || b == trap)
		goto out_unlock;
	err = ufs_do_rename(mnt, dir_a, a, dir_b, b, RENAME_EXCHANGE);
out_unlock:
	unlock_rename(dir_b, dir_a);
out_drop:
	mnt_drop_write(mnt);
	pr_debug("exchange %pd/%pd <-> %pd/%pd on %u -> %d\n", dir_a, a, dir_b, b, branch, err);
	return err;
}

/* Copies as the mounter: the caller may not own the parents it needs. */
static int ufs_lower_copy_up(void *env, unsigned int from_branch, void *object,
			     unsigned int to_branch, void *to_dir, const char *name,
			     unsigned int len, unsigned long long size, void **child)
{
	struct path src = { .mnt = ufs_branch_mnt(env, from_branch), .dentry = object };
	struct path dir = { .mnt = ufs_branch_mnt(env, to_branch), .dentry = to_dir };
	struct qstr qname = QSTR_INIT(name, len);
	struct file *staged = ufs_staged_take(ufs_env_sbi(env), d_inode(src.dentry),
					      dir.mnt->mnt_sb, size);
	struct dentry *copy = ERR_PTR(-EXDEV);
	const struct cred *old_cred;

	old_cred = ufs_as_mounter(env);
	/* Built before the namespace lock (dir.c, ufs_copyup_for_write): only named here. */
	if (staged) {
		copy = ufs_link_staged_copy(staged, &dir, &qname);
		fput(staged);
	}
	if (copy == ERR_PTR(-EXDEV))
		copy = ufs_copy_up(&src, &dir, &qname, size);
	revert_creds(old_cred);
	if (IS_ERR(copy))
		return PTR_ERR(copy);
	*child = copy;
	return 0;
}

const struct ufs_branch_ops ufs_lower_ops = {
	.lookup = ufs_lower_lookup,
	.put = ufs_lower_put,
	.iterate = ufs_lower_iterate,
	.get = ufs_lower_get,
	.getattr = ufs_lower_getattr,
	.create = ufs_lower_create,
	.link = ufs_lower_link,
	.unlink = ufs_lower_unlink,
	.rmdir = ufs_lower_rmdir,
	.rename = ufs_lower_rename,
	.copy_up = ufs_lower_copy_up,
	.exchange = ufs_lower_exchange,
};
