// SPDX-License-Identifier: GPL-2.0
/*
 * lower.c - every call into a branch filesystem goes through here: one
 * small wrapper per operation (uni_do_*), with a pr_debug trace, so
 * credentials, idmapping and tracing have one home. The other files call
 * these wrappers; they still take a branch's locks (inode_lock,
 * lock_rename) and a lower file's freeze protection (file_start_write)
 * themselves around a call, as the wrapper's comment says. Also the
 * environment the C++ core runs in (allocation) and the branch operations
 * it calls. What differs between kernel versions is compat.h's.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <linux/cred.h>
#include <linux/mount.h>
#include <linux/fileattr.h>
#include <linux/posix_acl.h>
#include <linux/splice.h>
#include <linux/xattr.h>
#include <linux/exportfs.h>
#include "uni.h"

/* ---- The core's environment ---- */

void *uni_env_alloc(unsigned long size)
{
	return kvmalloc(size, GFP_KERNEL);
}

void uni_env_free(void *ptr)
{
	kvfree(ptr);
}

/* Reached only on a broken invariant inside the core (e.g. a pure virtual call). */
void uni_env_bug(const char *what)
{
	pr_crit("core invariant broken: %s\n", what);
	BUG();
}

/* ---- Wrappers ---- */

/* Returns a new reference to NAME in DIR (possibly negative), or an ERR_PTR. */
struct dentry *uni_do_lookup(struct dentry *dir, const char *name, unsigned int len)
{
	struct dentry *child = lookup_one_len_unlocked(name, dir, len);

	pr_debug("lookup %pd/%.*s -> %ld\n", dir, len, name,
		 IS_ERR(child) ? PTR_ERR(child) : (long)d_is_positive(child));
	return child;
}

/* Opens a lower object as the caller; returns the file or an ERR_PTR. */
struct file *uni_do_open(const struct path *path, int flags)
{
	struct file *file = dentry_open(path, flags, current_cred());

	pr_debug("open %pd flags %#x -> %ld\n", path->dentry, flags,
		 IS_ERR(file) ? PTR_ERR(file) : 0L);
	return file;
}

int uni_do_getattr(const struct path *path, struct kstat *stat, u32 mask, unsigned int flags)
{
	int err = uni_vfs_getattr(path, stat, mask, flags);

	pr_debug("getattr %pd -> %d\n", path->dentry, err);
	return err;
}

/* vfs_rename() of old (in old_dir) to new (in new_dir) on mnt. Caller holds lock_rename() (one parent: its lock). */
int uni_do_rename(struct vfsmount *mnt, struct dentry *old_dir, struct dentry *old,
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

	uni_renamedata_set_idmap(&rd, mnt);
	err = vfs_rename(&rd);
	/*
	 * NFS, 9p, FUSE without support and others answer RENAME_NOREPLACE
	 * with EINVAL. The caller holds both parents locked and new is
	 * negative, so a plain rename does the same here (another client of
	 * a network filesystem could still race with it, as with any rename).
	 */
	if (err == -EINVAL && flags == RENAME_NOREPLACE && d_is_negative(new)) {
		rd.flags = 0;
		err = vfs_rename(&rd);
	}
	pr_debug("rename %pd -> %pd flags %#x -> %d\n", old, new, flags, err);
	return err;
}

int uni_do_iterate(struct file *dir, struct dir_context *ctx)
{
	int err = iterate_dir(dir, ctx);

	pr_debug("iterate %pD pos %lld -> %d\n", dir, ctx->pos, err);
	return err;
}

/* lookup_one_len(): caller holds dir's inode lock. A new reference or an ERR_PTR. */
struct dentry *uni_do_lookup_locked(struct dentry *dir, const char *name, unsigned int len)
{
	struct dentry *child = lookup_one_len(name, dir, len);

	pr_debug("lookup (locked) %pd/%.*s -> %ld\n", dir, len, name,
		 IS_ERR(child) ? PTR_ERR(child) : (long)d_is_positive(child));
	return child;
}

/* Freeze protection and the read-only check of a branch mount, around a change. */
int uni_do_want_write(struct vfsmount *mnt)
{
	int err = mnt_want_write(mnt);

	pr_debug("want_write %pd -> %d\n", mnt->mnt_root, err);
	return err;
}

void uni_do_drop_write(struct vfsmount *mnt)
{
	mnt_drop_write(mnt);
}

/* ---- namespace changes: caller holds dir's inode lock and write access to mnt ---- */

int uni_do_create(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode)
{
	int err = vfs_create(uni_mnt_idmap(mnt), dir, new, mode, true);

	pr_debug("create %pd mode %#o -> %d\n", new, mode, err);
	return err;
}

int uni_do_mkdir(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode)
{
	int err = vfs_mkdir(uni_mnt_idmap(mnt), dir, new, mode);

	pr_debug("mkdir %pd mode %#o -> %d\n", new, mode, err);
	return err;
}

int uni_do_symlink(struct vfsmount *mnt, struct inode *dir, struct dentry *new,
		   const char *target)
{
	int err = vfs_symlink(uni_mnt_idmap(mnt), dir, new, target);

	pr_debug("symlink %pd -> %d\n", new, err);
	return err;
}

int uni_do_mknod(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode,
		 dev_t dev)
{
	int err = vfs_mknod(uni_mnt_idmap(mnt), dir, new, mode, dev);

	pr_debug("mknod %pd mode %#o -> %d\n", new, mode, err);
	return err;
}

int uni_do_link(struct vfsmount *mnt, struct dentry *old, struct inode *dir, struct dentry *new)
{
	int err = vfs_link(old, uni_mnt_idmap(mnt), dir, new, NULL);

	pr_debug("link %pd -> %pd -> %d\n", old, new, err);
	return err;
}

int uni_do_unlink(struct vfsmount *mnt, struct inode *dir, struct dentry *victim)
{
	int err = vfs_unlink(uni_mnt_idmap(mnt), dir, victim, NULL);

	pr_debug("unlink %pd -> %d\n", victim, err);
	return err;
}

int uni_do_rmdir(struct vfsmount *mnt, struct inode *dir, struct dentry *victim)
{
	int err = vfs_rmdir(uni_mnt_idmap(mnt), dir, victim);

	pr_debug("rmdir %pd -> %d\n", victim, err);
	return err;
}

/* An unnamed file in dir, open with flags, as the caller; caller holds write access. */
struct file *uni_do_tmpfile_open(const struct path *dir, umode_t mode, int flags)
{
	struct file *file = uni_tmpfile_open(uni_mnt_idmap(dir->mnt), dir, mode, flags,
					     current_cred());

	pr_debug("tmpfile in %pd mode %#o flags %#x -> %ld\n", dir->dentry, mode, flags,
		 IS_ERR(file) ? PTR_ERR(file) : 0L);
	return file;
}

/* ---- attributes ---- */

/* A symlink's target; the delayed call frees it. */
const char *uni_do_get_link(struct dentry *dentry, struct delayed_call *done)
{
	const char *target = vfs_get_link(dentry, done);

	pr_debug("get_link %pd -> %ld\n", dentry, IS_ERR(target) ? PTR_ERR(target) : 0L);
	return target;
}

/* notify_change(): caller holds the inode lock of dentry and write access to mnt. */
int uni_do_setattr(struct vfsmount *mnt, struct dentry *dentry, struct iattr *attr)
{
	int err = notify_change(uni_mnt_idmap(mnt), dentry, attr, NULL);

	pr_debug("setattr %pd valid %#x -> %d\n", dentry, attr->ia_valid, err);
	return err;
}

/* The lower inode's own permission check (also in RCU walk: MAY_NOT_BLOCK is its business). */
int uni_do_permission(struct inode *inode, int mask)
{
	int err = inode_permission(UNI_NOP_IDMAP, inode, mask);

	pr_debug("permission ino %lu mask %#x -> %d\n", inode->i_ino, mask, err);
	return err;
}

int uni_do_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len)
{
	int err = -EOPNOTSUPP;

	if (inode->i_op->fiemap)
		err = inode->i_op->fiemap(inode, fieinfo, start, len);
	pr_debug("fiemap ino %lu -> %d\n", inode->i_ino, err);
	return err;
}

int uni_do_fileattr_get(struct dentry *dentry, struct fileattr *fa)
{
	int err = vfs_fileattr_get(dentry, fa);

	pr_debug("fileattr_get %pd -> %d\n", dentry, err);
	return err;
}

/* Caller holds write access to mnt. */
int uni_do_fileattr_set(struct vfsmount *mnt, struct dentry *dentry, struct fileattr *fa)
{
	int err = vfs_fileattr_set(uni_mnt_idmap(mnt), dentry, fa);

	pr_debug("fileattr_set %pd -> %d\n", dentry, err);
	return err;
}

int uni_do_statfs(const struct path *path, struct kstatfs *buf)
{
	int err = vfs_statfs(path, buf);

	pr_debug("statfs %pd -> %d\n", path->dentry, err);
	return err;
}

/* Caller holds sb->s_umount, as sync_filesystem() requires. */
int uni_do_sync_fs(struct super_block *sb)
{
	int err = sync_filesystem(sb);

	pr_debug("sync_fs %s -> %d\n", sb->s_id, err);
	return err;
}

/* ---- xattrs and ACLs ---- */

ssize_t uni_do_getxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
			void *value, size_t size)
{
	ssize_t ret = vfs_getxattr(uni_mnt_idmap(mnt), dentry, name, value, size);

	pr_debug("getxattr %pd %s size %zu -> %zd\n", dentry, name, size, ret);
	return ret;
}

/*
 * The union's own trusted.unionfs.* records: read without the caller's
 * permission check (trusted.* needs CAP_SYS_ADMIN, which a reader of the
 * union need not have), as the filesystem's own handler stores them.
 */
ssize_t uni_do_get_private_xattr(struct dentry *dentry, const char *name, void *value,
				 size_t size)
{
	ssize_t ret = __vfs_getxattr(dentry, d_inode(dentry), name, value, size);

	pr_debug("get private xattr %pd %s -> %zd\n", dentry, name, ret);
	return ret;
}

/* Caller holds write access to mnt. */
int uni_do_setxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		    const void *value, size_t size, int flags)
{
	int err = vfs_setxattr(uni_mnt_idmap(mnt), dentry, name, value, size, flags);

	pr_debug("setxattr %pd %s size %zu flags %#x -> %d\n", dentry, name, size, flags, err);
	return err;
}

/* Caller holds write access to mnt. */
int uni_do_removexattr(struct vfsmount *mnt, struct dentry *dentry, const char *name)
{
	int err = vfs_removexattr(uni_mnt_idmap(mnt), dentry, name);

	pr_debug("removexattr %pd %s -> %d\n", dentry, name, err);
	return err;
}

ssize_t uni_do_listxattr(struct dentry *dentry, char *list, size_t size)
{
	ssize_t ret = vfs_listxattr(dentry, list, size);

	pr_debug("listxattr %pd size %zu -> %zd\n", dentry, size, ret);
	return ret;
}

#if UNI_ACL_API
struct posix_acl *uni_do_get_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name)
{
	struct posix_acl *acl = vfs_get_acl(uni_mnt_idmap(mnt), dentry, name);

	pr_debug("get_acl %pd %s -> %ld\n", dentry, name,
		 IS_ERR(acl) ? PTR_ERR(acl) : (long)!!acl);
	return acl;
}

/* The ACL the lower inode caches (or reads): for the union inode's own checks. */
struct posix_acl *uni_do_get_inode_acl(struct inode *inode, int type)
{
	struct posix_acl *acl = get_inode_acl(inode, type);

	pr_debug("get_inode_acl ino %lu type %d -> %ld\n", inode->i_ino, type,
		 IS_ERR(acl) ? PTR_ERR(acl) : (long)!!acl);
	return acl;
}

/* Caller holds write access to mnt. */
int uni_do_set_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		   struct posix_acl *acl)
{
	int err = vfs_set_acl(uni_mnt_idmap(mnt), dentry, name, acl);

	pr_debug("set_acl %pd %s -> %d\n", dentry, name, err);
	return err;
}

/* Caller holds write access to mnt. */
int uni_do_remove_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name)
{
	int err = vfs_remove_acl(uni_mnt_idmap(mnt), dentry, name);

	pr_debug("remove_acl %pd %s -> %d\n", dentry, name, err);
	return err;
}
#endif

/* ---- open lower files ---- */

/* f_op->check_flags, where the lower file has one: may it take fcntl(F_SETFL) flags? */
int uni_do_check_flags(struct file *file, int flags)
{
	int err = 0;

	if (file->f_op->check_flags)
		err = file->f_op->check_flags(flags);
	pr_debug("check_flags %pD %#x -> %d\n", file, flags, err);
	return err;
}

/* f_op->flush, where the lower file has one (close(2) of a descriptor). */
int uni_do_flush(struct file *file, fl_owner_t id)
{
	int err = 0;

	if (file->f_op->flush)
		err = file->f_op->flush(file, id);
	pr_debug("flush %pD -> %d\n", file, err);
	return err;
}

ssize_t uni_do_iter_read(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags)
{
	ssize_t ret = vfs_iter_read(file, iter, pos, flags);

	pr_debug("read %pD at %lld -> %zd\n", file, *pos, ret);
	return ret;
}

/* Caller holds the file's freeze protection (file_start_write). */
ssize_t uni_do_iter_write(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags)
{
	ssize_t ret = vfs_iter_write(file, iter, pos, flags);

	pr_debug("write %pD at %lld -> %zd\n", file, *pos, ret);
	return ret;
}

ssize_t uni_do_splice_read(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags)
{
	ssize_t ret = uni_splice_read_lower(in, ppos, pipe, len, flags);

	pr_debug("splice_read %pD len %zu -> %zd\n", in, len, ret);
	return ret;
}

/* Caller holds the file's freeze protection (file_start_write). */
ssize_t uni_do_splice_write(struct pipe_inode_info *pipe, struct file *out, loff_t *ppos,
			    size_t len, unsigned int flags)
{
	ssize_t ret = iter_file_splice_write(pipe, out, ppos, len, flags);

	pr_debug("splice_write %pD len %zu -> %zd\n", out, len, ret);
	return ret;
}

/* do_splice_direct() with the writer's freeze protection held (compat.h). */
long uni_do_splice_direct(struct file *in, loff_t *in_pos, struct file *out, loff_t *out_pos,
			  size_t len)
{
	long ret = uni_splice_direct(in, in_pos, out, out_pos, len);

	pr_debug("splice %pD -> %pD len %zu -> %ld\n", in, out, len, ret);
	return ret;
}

/*
 * Copies up to len bytes through a kernel buffer, for a target whose
 * filesystem cannot splice (minix, sysv: no splice_write, where
 * do_splice_direct() answers EINVAL). Returns the bytes copied (0 at the
 * source's end) or an error.
 */
ssize_t uni_do_copy_by_buffer(struct file *in, loff_t *in_pos, struct file *out, loff_t *out_pos,
			      size_t len)
{
	size_t size = min_t(size_t, len, UNI_BOUNCE_SIZE);
	ssize_t got, put = 0;
	void *buf = kmalloc(size, GFP_KERNEL);

	if (!buf)
		return -ENOMEM;
	got = kernel_read(in, buf, size, in_pos);
	if (got > 0)
		put = kernel_write(out, buf, got, out_pos);
	kfree(buf);
	pr_debug("copy by buffer %pD -> %pD len %zu -> %zd/%zd\n", in, out, len, got, put);
	if (got <= 0)
		return got;
	if (put >= 0 && put < got)
		return -EIO;	/* a short write to a regular file: out of space, said as EIO */
	return put;
}

ssize_t uni_do_copy_file_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			       size_t len, unsigned int flags)
{
	ssize_t ret = vfs_copy_file_range(in, pos_in, out, pos_out, len, flags);

	pr_debug("copy_file_range %pD -> %pD len %zu flags %#x -> %zd\n", in, out, len, flags,
		 ret);
	return ret;
}

loff_t uni_do_clone_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			  loff_t len, unsigned int remap_flags)
{
	loff_t ret = vfs_clone_file_range(in, pos_in, out, pos_out, len, remap_flags);

	pr_debug("clone %pD -> %pD len %lld -> %lld\n", in, out, len, ret);
	return ret;
}

loff_t uni_do_dedupe_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			   loff_t len, unsigned int remap_flags)
{
	loff_t ret = vfs_dedupe_file_range_one(in, pos_in, out, pos_out, len, remap_flags);

	pr_debug("dedupe %pD -> %pD len %lld -> %lld\n", in, out, len, ret);
	return ret;
}

loff_t uni_do_llseek(struct file *file, loff_t offset, int whence)
{
	loff_t ret = vfs_llseek(file, offset, whence);

	pr_debug("llseek %pD %lld whence %d -> %lld\n", file, offset, whence, ret);
	return ret;
}

int uni_do_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	int err = vfs_fsync_range(file, start, end, datasync);

	pr_debug("fsync %pD datasync %d -> %d\n", file, datasync, err);
	return err;
}

int uni_do_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	int err = vfs_fallocate(file, mode, offset, len);

	pr_debug("fallocate %pD mode %#x -> %d\n", file, mode, err);
	return err;
}

int uni_do_fadvise(struct file *file, loff_t offset, loff_t len, int advice)
{
	int err = vfs_fadvise(file, offset, len, advice);

	pr_debug("fadvise %pD advice %d -> %d\n", file, advice, err);
	return err;
}

/* vfs_truncate() takes the write access and freeze protection it needs itself. */
int uni_do_truncate(const struct path *path, loff_t length)
{
	int err = vfs_truncate(path, length);

	pr_debug("truncate %pd to %lld -> %d\n", path->dentry, length, err);
	return err;
}

/* Maps vma, already set to file (vma_set_file), with the lower file's own mmap. */
int uni_do_mmap(struct file *file, struct vm_area_struct *vma)
{
	int err = call_mmap(file, vma);

	pr_debug("mmap %pD -> %d\n", file, err);
	return err;
}

/* ---- dentries ---- */

/* The lower dentry's own revalidation (caller checked DCACHE_OP_REVALIDATE); RCU walk too. */
int uni_do_revalidate(struct dentry *dentry, unsigned int flags)
{
	int ret = dentry->d_op->d_revalidate(dentry, flags);

	pr_debug("revalidate %pd flags %#x -> %d\n", dentry, flags, ret);
	return ret;
}

/*
 * The path of dentry below root (both on one filesystem) in buf, which
 * has room for two paths (2 * PATH_MAX): "" for root itself, else "/a/b".
 * ERR_PTR(-ESTALE) when dentry is not below root (moved out meanwhile).
 */
char *uni_path_below(struct dentry *root, struct dentry *dentry, char *buf)
{
	char *path = dentry_path_raw(dentry, buf, PATH_MAX);
	char *root_path = dentry_path_raw(root, buf + PATH_MAX, PATH_MAX);
	size_t root_len;

	if (IS_ERR(path) || IS_ERR(root_path))
		return ERR_PTR(-ESTALE);
	root_len = strcmp(root_path, "/") ? strlen(root_path) : 0;
	if (strncmp(path, root_path, root_len) || (path[root_len] && path[root_len] != '/'))
		return ERR_PTR(-ESTALE);
	path += root_len;
	return strcmp(path, "/") ? path : path + 1;
}

/* ---- file handles of branch objects ---- */

/* Encodes object's handle on its filesystem (not connectable): its type, or <= 0 / FILEID_INVALID. */
int uni_do_encode_fh(struct dentry *object, struct fid *fid, int *max_words)
{
	int type = exportfs_encode_fh(object, fid, max_words, 0);

	pr_debug("encode fh %pd -> type %d, %d words\n", object, type, *max_words);
	return type;
}

static int uni_is_below(void *root, struct dentry *dentry)
{
	return is_subdir(dentry, root);
}

static int uni_accept_any_object(void *context, struct dentry *dentry)
{
	return 1;
}

/*
 * The object that handle fid of type on root's filesystem names: a
 * directory connected below root, or any other object (possibly not
 * connected: found by its inode alone). An ERR_PTR when there is none.
 */
struct dentry *uni_do_decode_fh(const struct path *root, struct fid *fid, int words, int type,
				bool directory)
{
	struct dentry *object = exportfs_decode_fh(root->mnt, fid, words, type,
						   directory ? uni_is_below : uni_accept_any_object,
						   root->dentry);

	if (!IS_ERR_OR_NULL(object) && d_is_dir(object) != directory) {
		dput(object);
		object = ERR_PTR(-ESTALE);
	}
	pr_debug("decode fh type %d -> %ld\n", type,
		 IS_ERR_OR_NULL(object) ? PTR_ERR(object) : 0L);
	return object ? object : ERR_PTR(-ESTALE);
}

/* ---- Branch operations for the core (handles are struct dentry *) ---- */

/* The core's env is the layout its table belongs to. */
static struct vfsmount *uni_branch_mnt(void *env, unsigned int branch)
{
	return ((struct uni_layout *)env)->branch[branch]->path.mnt;
}

static struct uni_sb_info *uni_env_sbi(void *env)
{
	return ((struct uni_layout *)env)->sbi;
}

/*
 * The union's own work (reading whiteouts, opaque markers and lower
 * directories, making and removing union metadata, copyup) runs as the
 * mounter, whose credentials were captured at mount time: the caller's
 * permission was checked on the union object before, by the VFS.
 */
static const struct cred *uni_as_mounter(void *env)
{
	return override_creds(uni_env_sbi(env)->creator_cred);
}

/* Names the union keeps for itself: whiteouts, opaque markers, temporaries. */
static bool uni_is_union_metadata(const struct dentry *dentry)
{
	return dentry->d_name.len >= UNI_WH_PREFIX_LEN &&
	       !memcmp(dentry->d_name.name, UNI_WH_PREFIX, UNI_WH_PREFIX_LEN);
}

static enum uni_kind uni_kind_of(const struct dentry *dentry)
{
	if (d_is_negative(dentry))
		return UNI_KIND_NONE;
	return d_is_dir(dentry) ? UNI_KIND_DIR : UNI_KIND_OTHER;
}

/*
 * FILTER: rule the name out by the directory's name list first
 * (name_cache.c). A directory removed meanwhile (the core may look into an
 * instance it has just deleted) holds nothing; lookup_one_len would say
 * ENOENT.
 */
static int uni_lower_lookup_in(void *env, unsigned int branch, void *dir, const char *name,
			       unsigned int len, bool filter, void **child, enum uni_kind *kind)
{
	struct inode *dinode = d_inode((struct dentry *)dir);
	struct dentry *found = NULL;

	if (!IS_DEADDIR(dinode)) {
		struct uni_layout *layout = env;
		struct path path = { .mnt = uni_branch_mnt(env, branch), .dentry = dir };
		const struct cred *old_cred;

		/* Names a branch directory certainly lacks are not asked for. */
		if (filter && uni_name_absent(layout->sbi, layout->branch[branch], &path, name, len)) {
			found = NULL;
		} else {
			old_cred = uni_as_mounter(env);
			found = uni_do_lookup(dir, name, len);
			revert_creds(old_cred);
			/* Misses count towards listing the directory's names. */
			if (!IS_ERR(found) && d_is_negative(found))
				uni_name_missed(layout->sbi, layout->branch[branch], &path);
		}
		if (PTR_ERR(found) == -ENOENT && IS_DEADDIR(dinode))
			found = NULL;	/* removed while we looked */
		if (IS_ERR(found))
			return PTR_ERR(found);
	}
	*kind = found ? uni_kind_of(found) : UNI_KIND_NONE;
	if (*kind == UNI_KIND_NONE) {
		dput(found);
		found = NULL;
	}
	*child = found;
	return 0;
}

static int uni_lower_lookup(void *env, unsigned int branch, void *dir, const char *name,
			    unsigned int len, void **child, enum uni_kind *kind)
{
	return uni_lower_lookup_in(env, branch, dir, name, len, true, child, kind);
}

/* The walk's lookup of a name uni_lower_may_hold() just found may be there. */
static int uni_lower_lookup_held(void *env, unsigned int branch, void *dir, const char *name,
				 unsigned int len, void **child, enum uni_kind *kind)
{
	return uni_lower_lookup_in(env, branch, dir, name, len, false, child, kind);
}

static void uni_lower_put(void *env, void *handle)
{
	dput(handle);
}

/* The walk skips branch directories that have neither the name nor its whiteout. */
static int uni_lower_may_hold(void *env, const struct uni_lower_set *dir, const char *name,
			      unsigned int len, unsigned long long *look, unsigned int nwords)
{
	if (nwords * 64 < UNI_MAX_BRANCHES)
		return dir->end;
	return uni_name_lists_filter(env, dir, name, len, look);
}

struct uni_iterate_ctx {
	struct dir_context ctx;
	int (*emit)(void *cookie, const char *name, unsigned int len,
		    unsigned long long ino, unsigned int dtype);
	void *cookie;
	unsigned int count;
	int err;
};

static bool uni_iterate_actor(struct dir_context *ctx, const char *name, int len,
			      loff_t offset, u64 ino, unsigned int dtype)
{
	struct uni_iterate_ctx *ic = container_of(ctx, struct uni_iterate_ctx, ctx);

	ic->count++;
	ic->err = ic->emit(ic->cookie, name, len, ino, dtype);
	return ic->err == 0;
}

/* Opens directory dir of branch branch of layout for reading, as the mounter reads branches. */
struct file *uni_open_branch_dir(const struct uni_layout *layout, unsigned int branch,
				 struct dentry *dir)
{
	struct path path = { .mnt = uni_branch_mnt((void *)layout, branch), .dentry = dir };
	const struct cred *old_cred = uni_as_mounter((void *)layout);
	struct file *file = uni_do_open(&path, O_RDONLY | O_DIRECTORY);

	revert_creds(old_cred);
	return file;
}

static int uni_lower_iterate(void *env, unsigned int branch, void *dir,
			     int (*emit)(void *cookie, const char *name, unsigned int len,
					 unsigned long long ino, unsigned int dtype),
			     void *cookie)
{
	struct uni_iterate_ctx ic = { .ctx.actor = uni_iterate_actor, .emit = emit,
				      .cookie = cookie };
	struct file *file;
	int err;

	/*
	 * A directory removed meanwhile (the core may list an instance it has
	 * just deleted) has no entries; iterate_dir() would say ENOENT.
	 */
	if (IS_DEADDIR(d_inode((struct dentry *)dir)))
		return 0;
	file = uni_open_branch_dir(env, branch, dir);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* A directory is read in as many calls as its filesystem needs. */
	do {
		ic.count = 0;
		err = uni_do_iterate(file, &ic.ctx);
	} while (!err && !ic.err && ic.count);
	if (err == -ENOENT && IS_DEADDIR(file_inode(file)))
		err = 0;	/* removed while we were reading it */
	fput(file);
	return err ? err : ic.err;
}

/* ---- Write operations for the core: one VFS call on one branch each ---- */


static void *uni_lower_get(void *env, void *handle)
{
	return dget(handle);
}

static int uni_lower_getattr(void *env, unsigned int branch, void *handle, struct uni_attr *attr)
{
	struct inode *inode = d_inode((struct dentry *)handle);

	attr->mode = inode->i_mode;
	attr->flags = (IS_IMMUTABLE(inode) ? UNI_ATTR_IMMUTABLE : 0) |
		      (IS_APPEND(inode) ? UNI_ATTR_APPEND : 0);
	return 0;
}

/* Is child still the entry of dir it was looked up as? Caller holds dir's lock. */
static bool uni_still_child(struct dentry *dir, struct dentry *child)
{
	return child->d_parent == dir && !d_unhashed(child);
}

/*
 * Some filesystems leave the dentry of a new directory unhashed or
 * negative (they instantiate another one): look the name up again.
 * Returns a reference to a positive dentry or an ERR_PTR; puts 'made'.
 */
static struct dentry *uni_settle_new(struct dentry *dir, struct dentry *made)
{
	struct dentry *again;

	if (!d_unhashed(made) && d_is_positive(made))
		return made;
	again = uni_do_lookup_locked(dir, made->d_name.name, made->d_name.len);
	dput(made);
	if (!IS_ERR(again) && d_is_negative(again)) {
		dput(again);
		again = ERR_PTR(-EIO);
	}
	return again;
}

static int uni_vfs_create(struct vfsmount *mnt, struct inode *dinode, struct dentry *new,
			  const struct uni_create_args *args)
{
	umode_t perm = args->mode & S_IALLUGO;

	switch (args->type) {
	case UNI_CREATE_REG:
		return uni_do_create(mnt, dinode, new, S_IFREG | perm);
	case UNI_CREATE_DIR:
		return uni_do_mkdir(mnt, dinode, new, perm);
	case UNI_CREATE_SYMLINK:
		return uni_do_symlink(mnt, dinode, new, args->symlink_target);
	case UNI_CREATE_SPECIAL:
		return uni_do_mknod(mnt, dinode, new, args->mode, (dev_t)args->rdev);
	}
	return -EINVAL;
}

static int uni_lower_create(void *env, unsigned int branch, void *dir_handle, const char *name,
			    unsigned int len, const struct uni_create_args *args, void **child)
{
	struct vfsmount *mnt = uni_branch_mnt(env, branch);
	struct dentry *dir = dir_handle, *new;
	struct inode *dinode = d_inode(dir);
	const struct cred *old_cred = NULL;
	int err;

	err = uni_do_want_write(mnt);
	if (err)
		return err;
	/* Union metadata is ours, not the caller's: made as the mounter. */
	if (args->flags & UNI_CREATE_INTERNAL)
		old_cred = uni_as_mounter(env);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	new = uni_do_lookup_locked(dir, name, len);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out_unlock;
	}
	err = d_is_positive(new) ? -EEXIST : uni_vfs_create(mnt, dinode, new, args);
	if (!err) {
		new = uni_settle_new(dir, new);
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
	uni_do_drop_write(mnt);
	pr_debug("create %pd/%.*s type %d on %u -> %d\n", dir, len, name, args->type, branch, err);
	return err;
}

/*
 * A copy linked or renamed into dir on a branch: dir now holds an entry
 * whose lower d_ino readdir must correct (origin.c). Caller holds write
 * access to mnt and no lock on dir.
 */
static void uni_note_copy_moved_to(void *env, struct vfsmount *mnt, struct dentry *dir,
				   struct dentry *child)
{
	struct path path = { .mnt = mnt, .dentry = dir };
	const struct cred *old_cred;

	if (!uni_is_copy(child))
		return;
	old_cred = uni_as_mounter(env);		/* trusted.* needs the mounter's capability */
	uni_origin_mark_impure(&path);
	revert_creds(old_cred);
}

static int uni_lower_link(void *env, unsigned int branch, void *old_handle, void *dir_handle,
			  const char *name, unsigned int len, void **child)
{
	struct vfsmount *mnt = uni_branch_mnt(env, branch);
	struct dentry *dir = dir_handle, *new;
	struct inode *dinode = d_inode(dir);
	int err;

	err = uni_do_want_write(mnt);
	if (err)
		return err;
	uni_note_copy_moved_to(env, mnt, dir, old_handle);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	new = uni_do_lookup_locked(dir, name, len);
	if (IS_ERR(new)) {
		err = PTR_ERR(new);
		goto out_unlock;
	}
	err = d_is_positive(new) ? -EEXIST :
	      uni_do_link(mnt, old_handle, dinode, new);
	if (!err)
		*child = new;
	else
		dput(new);
out_unlock:
	inode_unlock(dinode);
	uni_do_drop_write(mnt);
	pr_debug("link %pd -> %pd/%.*s on %u -> %d\n", (struct dentry *)old_handle, dir, len, name,
		 branch, err);
	return err;
}

static int uni_lower_remove(void *env, unsigned int branch, struct dentry *dir,
			    struct dentry *child, bool is_dir)
{
	struct vfsmount *mnt = uni_branch_mnt(env, branch);
	struct inode *dinode = d_inode(dir);
	const struct cred *old_cred = NULL;
	int err;

	err = uni_do_want_write(mnt);
	if (err)
		return err;
	/*
	 * A whiteout or marker was made by the mounter; in a sticky directory
	 * only the mounter may remove it again.
	 */
	if (uni_is_union_metadata(child))
		old_cred = uni_as_mounter(env);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	dget(child);
	if (!uni_still_child(dir, child))
		err = -ESTALE;
	else if (is_dir)
		err = uni_do_rmdir(mnt, dinode, child);
	else
		err = uni_do_unlink(mnt, dinode, child);
	dput(child);
	inode_unlock(dinode);
	if (old_cred)
		revert_creds(old_cred);
	uni_do_drop_write(mnt);
	pr_debug("%s %pd/%pd on %u -> %d\n", is_dir ? "rmdir" : "unlink", dir, child, branch, err);
	return err;
}

static int uni_lower_unlink(void *env, unsigned int branch, void *dir, void *child)
{
	return uni_lower_remove(env, branch, dir, child, false);
}

static int uni_lower_rmdir(void *env, unsigned int branch, void *dir, void *child)
{
	return uni_lower_remove(env, branch, dir, child, true);
}

static int uni_lower_rename(void *env, unsigned int branch, void *old_dir_handle,
			    void *child_handle, void *new_dir_handle, const char *name,
			    unsigned int len, unsigned int flags)
{
	struct vfsmount *mnt = uni_branch_mnt(env, branch);
	struct dentry *old_dir = old_dir_handle, *new_dir = new_dir_handle;
	struct dentry *child = child_handle, *target, *trap;
	const struct cred *old_cred = NULL;
	int err;

	err = uni_do_want_write(mnt);
	if (err)
		return err;
	/* Setting an object aside under a hidden name, or back: the union's own work. */
	if (uni_is_union_metadata(child) ||
	    (len >= UNI_WH_PREFIX_LEN && !memcmp(name, UNI_WH_PREFIX, UNI_WH_PREFIX_LEN)))
		old_cred = uni_as_mounter(env);
	if (new_dir != old_dir)
		uni_note_copy_moved_to(env, mnt, new_dir, child);
	trap = lock_rename(new_dir, old_dir);
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		goto out_drop;
	}
	err = -ESTALE;
	if (!uni_still_child(old_dir, child))
		goto out_unlock;
	err = -EINVAL;		/* a directory into its own subtree */
	if (child == trap)
		goto out_unlock;
	target = uni_do_lookup_locked(new_dir, name, len);
	err = PTR_ERR(target);
	if (IS_ERR(target))
		goto out_unlock;
	if (target == trap)
		err = -ENOTEMPTY;
	else if ((flags & UNI_RENAME_NOREPLACE) && d_is_positive(target))
		err = -EEXIST;	/* also where the filesystem lacks RENAME_NOREPLACE */
	else
		err = uni_do_rename(mnt, old_dir, child, new_dir, target, 0);
	dput(target);
out_unlock:
	unlock_rename(new_dir, old_dir);
out_drop:
	if (old_cred)
		revert_creds(old_cred);
	uni_do_drop_write(mnt);
	pr_debug("rename %pd/%pd -> %pd/%.*s on %u -> %d\n", old_dir, child, new_dir, len, name,
		 branch, err);
	return err;
}

static int uni_lower_exchange(void *env, unsigned int branch, void *dir_a_handle,
			      void *child_a_handle, void *dir_b_handle, void *child_b_handle)
{
	struct vfsmount *mnt = uni_branch_mnt(env, branch);
	struct dentry *dir_a = dir_a_handle, *dir_b = dir_b_handle;
	struct dentry *a = child_a_handle, *b = child_b_handle, *trap;
	int err;

	err = uni_do_want_write(mnt);
	if (err)
		return err;
	trap = lock_rename(dir_b, dir_a);
	if (IS_ERR(trap)) {
		err = PTR_ERR(trap);
		goto out_drop;
	}
	err = -ESTALE;
	if (!uni_still_child(dir_a, a) || !uni_still_child(dir_b, b))
		goto out_unlock;
	err = -EINVAL;		/* one is an ancestor of the other */
	if (a == trap || b == trap)
		goto out_unlock;
	err = uni_do_rename(mnt, dir_a, a, dir_b, b, RENAME_EXCHANGE);
out_unlock:
	unlock_rename(dir_b, dir_a);
out_drop:
	uni_do_drop_write(mnt);
	pr_debug("exchange %pd/%pd <-> %pd/%pd on %u -> %d\n", dir_a, a, dir_b, b, branch, err);
	return err;
}

/* Copies as the mounter: the caller may not own the parents it needs. */
static int uni_lower_copy_up(void *env, unsigned int from_branch, void *object,
			     unsigned int to_branch, void *to_dir, const char *name,
			     unsigned int len, unsigned long long size, void **child)
{
	struct uni_layout *layout = env;
	struct path src = { .mnt = uni_branch_mnt(env, from_branch), .dentry = object };
	struct path dir = { .mnt = uni_branch_mnt(env, to_branch), .dentry = to_dir };
	struct qstr qname = QSTR_INIT(name, len);
	struct file *staged = uni_staged_take(uni_env_sbi(env), d_inode(src.dentry),
					      dir.mnt->mnt_sb, size);
	struct dentry *copy = ERR_PTR(-EXDEV);
	const struct cred *old_cred;

	old_cred = uni_as_mounter(env);
	if (READ_ONCE(layout->branch[from_branch]->mode) == UNI_BRANCH_RW &&
	    uni_in_subtree_rename(layout)) {
		/* Moved up by a directory rename: a hard link there stays one file. */
		copy = uni_copy_up_as_link(&src, &dir, &qname, 2);
		if (!IS_ERR(copy))
			uni_rename_copy_made(layout, d_inode(src.dentry), copy, to_branch, &src);
		if (copy != ERR_PTR(-EXDEV)) {
			if (staged)
				fput(staged);
			goto out;
		}
	}
	if (uni_index_wanted(layout->branch[from_branch], layout->branch[to_branch],
			     d_inode(src.dentry))) {
		/* A name of a lower hard link: stays linked with the others. */
		copy = uni_copy_up_linked(layout, from_branch, &src, &dir, &qname, size,
					  to_branch, staged);
		/*
		 * Without O_TMPFILE, or links across (a project quota), the
		 * copy is made the usual way: a file of its own, whose union
		 * inode the other names then leave (uni_d_revalidate).
		 */
		if (staged)
			fput(staged);	/* its record may say "indexed" now: not for a file of its own */
		staged = NULL;
		/*
		 * The copy was linked under a name whose union inode may not be
		 * the object's (a directory rename copies the names below it
		 * without them): a union inode of the original still reading it
		 * follows the copy as well.
		 */
		if (!IS_ERR(copy))
			uni_inode_follow_copy(layout->sbi->sb, d_inode(src.dentry), layout, to_branch,
					      copy, true);
		if (copy != ERR_PTR(-EOPNOTSUPP) && copy != ERR_PTR(-EXDEV))
			goto out;
		copy = ERR_PTR(-EXDEV);
	}
	/* Built before the namespace lock (dir.c, uni_copyup_for_write): only named here. */
	if (staged) {
		copy = uni_link_staged_copy(staged, &dir, &qname);
		fput(staged);
	}
	if (copy == ERR_PTR(-EXDEV))
		copy = uni_copy_up(&src, &dir, &qname, size);
	if (!IS_ERR(copy) && !d_is_dir(copy))
		uni_rename_copy_made(layout, d_inode(src.dentry), copy, to_branch, NULL);
out:
	revert_creds(old_cred);
	if (IS_ERR(copy))
		return PTR_ERR(copy);
	*child = copy;
	return 0;
}

/* A rename moves a writable branch's file up (rename.cpp): linked where it can be. */
static int uni_lower_link_up(void *env, unsigned int from_branch, void *object,
			     unsigned int to_branch, void *to_dir, const char *name,
			     unsigned int len, void **child)
{
	struct uni_layout *layout = env;
	struct path src = { .mnt = uni_branch_mnt(env, from_branch), .dentry = object };
	struct path dir = { .mnt = uni_branch_mnt(env, to_branch), .dentry = to_dir };
	struct qstr qname = QSTR_INIT(name, len);
	const struct cred *old_cred;
	struct dentry *link;

	if (READ_ONCE(layout->branch[from_branch]->mode) != UNI_BRANCH_RW)
		return -EXDEV;	/* never share an inode with a branch the union does not write */
	old_cred = uni_as_mounter(env);
	link = uni_copy_up_as_link(&src, &dir, &qname, 1);
	revert_creds(old_cred);
	if (IS_ERR(link))
		return PTR_ERR(link);
	*child = link;
	return 0;
}

const struct uni_branch_ops uni_lower_ops = {
	.lookup = uni_lower_lookup,
	.put = uni_lower_put,
	.iterate = uni_lower_iterate,
	.get = uni_lower_get,
	.getattr = uni_lower_getattr,
	.create = uni_lower_create,
	.link = uni_lower_link,
	.unlink = uni_lower_unlink,
	.rmdir = uni_lower_rmdir,
	.rename = uni_lower_rename,
	.copy_up = uni_lower_copy_up,
	.exchange = uni_lower_exchange,
	.may_hold = uni_lower_may_hold,
	.link_up = uni_lower_link_up,
	.lookup_held = uni_lower_lookup_held,
};
