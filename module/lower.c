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
	int err = vfs_getattr(path, stat, mask, flags);

	pr_debug("getattr %pd -> %d\n", path->dentry, err);
	return err;
}

int ufs_do_iterate(struct file *dir, struct dir_context *ctx)
{
	int err = iterate_dir(dir, ctx);

	pr_debug("iterate %pD pos %lld -> %d\n", dir, ctx->pos, err);
	return err;
}

/* ---- Branch operations for the core (handles are struct dentry *) ---- */

static enum ufs_kind ufs_kind_of(const struct dentry *dentry)
{
	if (d_is_negative(dentry))
		return UFS_KIND_NONE;
	return d_is_dir(dentry) ? UFS_KIND_DIR : UFS_KIND_OTHER;
}

static int ufs_lower_lookup(void *env, unsigned int branch, void *dir, const char *name,
			    unsigned int len, void **child, enum ufs_kind *kind)
{
	struct dentry *found = ufs_do_lookup(dir, name, len);

	if (IS_ERR(found))
		return PTR_ERR(found);
	*kind = ufs_kind_of(found);
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
	struct ufs_sb_info *sbi = env;
	struct path path = { .mnt = sbi->branches[branch].path.mnt, .dentry = dir };
	struct ufs_iterate_ctx ic = { .ctx.actor = ufs_iterate_actor, .emit = emit,
				      .cookie = cookie };
	struct file *file;
	int err;

	file = ufs_do_open(&path, O_RDONLY | O_DIRECTORY);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* A directory is read in as many calls as its filesystem needs. */
	do {
		ic.count = 0;
		err = ufs_do_iterate(file, &ic.ctx);
	} while (!err && !ic.err && ic.count);
	fput(file);
	return err ? err : ic.err;
}

const struct ufs_branch_ops ufs_lower_ops = {
	.lookup = ufs_lower_lookup,
	.put = ufs_lower_put,
	.iterate = ufs_lower_iterate,
};
