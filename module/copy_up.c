// SPDX-License-Identifier: GPL-2.0
/*
 * copy_up.c - copy one object from a branch to a directory on another
 * (writable) branch, atomically: the copy is built where the union cannot
 * see it (an O_TMPFILE, or a ".wh."-prefixed temporary name, which the
 * union never shows) and linked or renamed into place only when data,
 * owner, mode, xattrs, ACLs and times are all there. ENOSPC, EIO or EDQUOT
 * half-way leave every branch as it was.
 *
 * The core decides what is copied where and when; this file only knows how.
 * Caller holds no lower locks; this file takes the target directory's lock
 * (I_MUTEX_PARENT) only around the final link or rename.
 *
 * The target's freeze protection (mnt_want_write) is held around each
 * metadata step (creating the temporary, setting attributes, naming it),
 * never around the data copy and the truncate: those take their own
 * (vfs_copy_file_range, vfs_truncate), and taking it twice deadlocks
 * against a freeze that starts in between (lockdep reports it).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/atomic.h>
#include <linux/fs_stack.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/posix_acl.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/xattr.h>
#include "uni.h"

/* Data is copied in pieces this big so a fatal signal is noticed in time. */
#define UNI_COPY_CHUNK (1 << 20)

static atomic_t uni_temp_counter = ATOMIC_INIT(0);

/* ---- data ---- */

/* Copies [pos, end) from in to out at the same offsets. */
static int uni_copy_range(struct file *in, struct file *out, loff_t pos, loff_t end)
{
	while (pos < end) {
		size_t len = min_t(loff_t, end - pos, UNI_COPY_CHUNK);
		loff_t in_pos = pos, out_pos = pos;
		ssize_t done;

		if (fatal_signal_pending(current))
			return -EINTR;
		done = uni_do_copy_file_range(in, in_pos, out, out_pos, len, 0);
		/* Across filesystems (or without support) fall back to splicing, */
		if (done == -EXDEV || done == -EOPNOTSUPP || done == -EINVAL || done == -ENOSYS)
			done = uni_do_splice_direct(in, &in_pos, out, &out_pos, len);
		/* and where the target cannot splice, to a buffer. */
		if (done == -EINVAL)
			done = uni_do_copy_by_buffer(in, &in_pos, out, &out_pos, len);
		if (done < 0)
			return done;
		if (done == 0)
			return -EIO;	/* the source shrank under us */
		pos += done;
	}
	return 0;
}

/*
 * Can the file have holes? Not when its blocks cover its size: then the
 * extent walk (two llseeks per extent) is left out and it is copied whole.
 */
static bool uni_may_have_holes(const struct kstat *stat)
{
	return (stat->blocks << 9) < stat->size;
}

/*
 * Gives the copy its full size when the data copy ended before it (a
 * trailing hole, or a copy truncated to less); a copy already that big
 * needs no truncate (a notify_change and the filesystem's truncate path).
 */
static int uni_copy_size(const struct path *copy, loff_t size)
{
	if (i_size_read(d_inode(copy->dentry)) == size)
		return 0;
	return uni_do_truncate(copy, size);
}

/* Copies only the data extents of in, so holes stay holes. */
static int uni_copy_data(struct file *in, struct file *out, const struct kstat *stat)
{
	loff_t pos = 0, size = stat->size;
	int err;

	if (!uni_may_have_holes(stat))
		return uni_copy_range(in, out, 0, size);
	while (pos < size) {
		loff_t data = uni_do_llseek(in, pos, SEEK_DATA);
		loff_t hole;

		if (data == -ENXIO)
			break;		/* only a hole is left */
		if (data < 0) {
			data = pos;	/* no extent map: copy everything */
			hole = size;
		} else {
			hole = uni_do_llseek(in, data, SEEK_HOLE);
			if (hole < 0 || hole > size)
				hole = size;
		}
		err = uni_copy_range(in, out, data, hole);
		if (err)
			return err;
		pos = hole;
	}
	return 0;
}

/* ---- metadata ---- */

#if UNI_ACL_API
static bool uni_is_acl_xattr(const char *name)
{
	return !strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
	       !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT);
}

static int uni_copy_acl(const struct path *src, struct dentry *dst, struct vfsmount *dst_mnt,
			const char *name)
{
	struct posix_acl *acl = uni_do_get_acl(src->mnt, src->dentry, name);
	int err;

	if (IS_ERR(acl))
		return PTR_ERR(acl) == -EOPNOTSUPP || PTR_ERR(acl) == -ENODATA ? 0 : PTR_ERR(acl);
	if (!acl)
		return 0;
	err = uni_do_set_acl(dst_mnt, dst, name, acl);
	posix_acl_release(acl);
	return err;
}
#endif

/* Copies one xattr; value is a scratch buffer of *value_size bytes, grown as needed. */
static int uni_copy_one_xattr(const struct path *src, struct dentry *dst, struct vfsmount *dst_mnt,
			      const char *name, void **value, size_t *value_size)
{
	ssize_t size;

#if UNI_ACL_API
	if (uni_is_acl_xattr(name))
		return uni_copy_acl(src, dst, dst_mnt, name);
#endif
	for (;;) {
		size = uni_do_getxattr(src->mnt, src->dentry, name, *value, *value_size);
		/* Without a buffer the answer is only the size: make room and ask again. */
		if (size != -ERANGE && !(size > 0 && !*value))
			break;
		size = uni_do_getxattr(src->mnt, src->dentry, name, NULL, 0);
		if (size < 0)
			break;
		kvfree(*value);
		*value = kvmalloc(max_t(ssize_t, size, 1), GFP_KERNEL);
		*value_size = *value ? size : 0;
		if (!*value)
			return -ENOMEM;
	}
	if (size == -ENODATA)
		return 0;	/* removed since it was listed */
	if (size < 0)
		return size;
	/* An empty value still needs a buffer: NULL would mean "remove". */
	return uni_do_setxattr(dst_mnt, dst, name, size ? *value : "", size, 0);
}

/*
 * Copies every xattr (and POSIX ACL) of src to dst. A target filesystem
 * that does not store some namespace (EOPNOTSUPP) loses only that.
 */
static int uni_copy_xattrs(const struct path *src, struct dentry *dst, struct vfsmount *dst_mnt)
{
	size_t value_size = 0;
	void *value = NULL;
	ssize_t list_size;
	char *list, *name;
	int err = 0;

	list_size = uni_do_listxattr(src->dentry, NULL, 0);
	if (list_size <= 0)
		return list_size == -EOPNOTSUPP ? 0 : list_size;
	list = kvzalloc(list_size, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	list_size = uni_do_listxattr(src->dentry, list, list_size);
	if (list_size < 0) {
		err = list_size;
		goto out;
	}
	for (name = list; name < list + list_size; name += strlen(name) + 1) {
		if (strnlen(name, list + list_size - name) == list + list_size - name) {
			err = -EIO;	/* a list that is not NUL-terminated: broken lower */
			break;
		}
		if (uni_is_private_xattr(name))
			continue;	/* the union's own: uni_origin_record() writes the copy's */
		err = uni_copy_one_xattr(src, dst, dst_mnt, name, &value, &value_size);
		if (err == -EOPNOTSUPP)
			err = 0;
		if (err)
			break;
	}
out:
	kvfree(value);
	kvfree(list);
	return err;
}

static int uni_setattr_locked(struct dentry *dst, struct vfsmount *dst_mnt, struct iattr *attr)
{
	struct inode *inode = d_inode(dst);
	int err;

	inode_lock(inode);
	err = uni_do_setattr(dst_mnt, dst, attr);
	inode_unlock(inode);
	return err;
}

/*
 * Has the copy the owner it must get already (made by the mounter, who
 * owns most files of a union)? Then the chown is left out: with equal ids
 * it changes nothing (no quota moves, no set-id bits are dropped). Only
 * told for a branch mount without an id mapping, where the ids the copy
 * gets are the ids given.
 */
static bool uni_copy_has_owner(struct dentry *dst, struct vfsmount *dst_mnt,
			       const struct kstat *stat)
{
	const struct inode *inode = d_inode(dst);

	return uni_mnt_idmap(dst_mnt) == UNI_NOP_IDMAP && uid_eq(inode->i_uid, stat->uid) &&
	       gid_eq(inode->i_gid, stat->gid);
}

/*
 * The copy was made with mode 0, so nobody but the mounter can open it
 * while it is built. The owner comes first, then the xattrs (ACLs, file
 * capabilities, security labels: set after the chown, which could drop
 * them), last the mode with its set-id bits and the times, in one call.
 */
static int uni_copy_metadata(const struct path *src, struct dentry *dst,
			     struct vfsmount *dst_mnt, const struct kstat *stat)
{
	struct iattr owner = {
		.ia_valid = ATTR_UID | ATTR_GID,
		.ia_vfsuid = VFSUIDT_INIT(stat->uid),
		.ia_vfsgid = VFSGIDT_INIT(stat->gid),
	};
	struct iattr mode_and_times = {
		.ia_valid = ATTR_ATIME | ATTR_MTIME | ATTR_ATIME_SET | ATTR_MTIME_SET,
		.ia_atime = stat->atime,
		.ia_mtime = stat->mtime,
	};
	int err = uni_do_want_write(dst_mnt);

	if (err)
		return err;
	if (!uni_copy_has_owner(dst, dst_mnt, stat))
		err = uni_setattr_locked(dst, dst_mnt, &owner);
	if (!err)
		err = uni_copy_xattrs(src, dst, dst_mnt);
	if (!err)
		err = uni_origin_record(src, dst, dst_mnt);
	if (!err) {
		/* A symlink's mode is fixed (and chmod of one is EOPNOTSUPP). */
		if (!S_ISLNK(stat->mode)) {
			mode_and_times.ia_valid |= ATTR_MODE;
			mode_and_times.ia_mode = stat->mode;
		}
		err = uni_setattr_locked(dst, dst_mnt, &mode_and_times);
	}
	uni_do_drop_write(dst_mnt);
	return err;
}

/* ---- building the copy ---- */

/*
 * Creates an empty copy of src's type under a temporary ".wh." name in dir
 * (hidden from the union while it is being filled), with mode 0 so that
 * nobody but the mounter can open it until uni_copy_metadata() is done.
 * Returns a reference to the new dentry or an ERR_PTR.
 */
static struct dentry *uni_create_temp(const struct path *src, const struct path *dir,
				      const struct kstat *stat)
{
	struct inode *dinode = d_inode(dir->dentry);
	char name[48];
	struct dentry *temp;
	const char *target = NULL;
	DEFINE_DELAYED_CALL(done);
	int err;

	if (S_ISLNK(stat->mode)) {
		target = uni_do_get_link(src->dentry, &done);
		if (IS_ERR(target))
			return ERR_CAST(target);
	}
	snprintf(name, sizeof(name), UNI_WH_PREFIX "__ufs_copyup.%d.%u",
		 task_pid_nr(current), (unsigned int)atomic_inc_return(&uni_temp_counter));

	err = uni_do_want_write(dir->mnt);
	if (err) {
		temp = ERR_PTR(err);
		goto out;
	}
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	temp = uni_do_lookup_locked(dir->dentry, name, strlen(name));
	if (IS_ERR(temp))
		goto out_unlock;
	if (d_is_positive(temp)) {
		err = -EEXIST;
	} else if (S_ISDIR(stat->mode)) {
		err = uni_do_mkdir(dir->mnt, dinode, temp, 0);
	} else if (S_ISLNK(stat->mode)) {
		err = uni_do_symlink(dir->mnt, dinode, temp, target);
	} else if (S_ISREG(stat->mode)) {
		err = uni_do_create(dir->mnt, dinode, temp, 0);
	} else {
		err = uni_do_mknod(dir->mnt, dinode, temp, stat->mode & S_IFMT, stat->rdev);
	}
	if (err) {
		dput(temp);
		temp = ERR_PTR(err);
	}
out_unlock:
	inode_unlock(dinode);
	uni_do_drop_write(dir->mnt);
out:
	do_delayed_call(&done);
	return temp;
}

/* Removes a temporary copy that will not be used. */
static void uni_remove_temp(const struct path *dir, struct dentry *temp)
{
	struct inode *dinode = d_inode(dir->dentry);
	int err = uni_do_want_write(dir->mnt);

	if (!err) {
		inode_lock_nested(dinode, I_MUTEX_PARENT);
		if (d_is_dir(temp))
			err = uni_do_rmdir(dir->mnt, dinode, temp);
		else
			err = uni_do_unlink(dir->mnt, dinode, temp);
		inode_unlock(dinode);
		uni_do_drop_write(dir->mnt);
	}
	if (err)
		pr_warn_ratelimited("cannot remove temporary %pd: error %d\n", temp, err);
}

/*
 * Gives the finished temporary copy its real name (which must not exist:
 * -EEXIST otherwise). Returns a new reference to temp, which now carries
 * the real name.
 */
static struct dentry *uni_rename_into_place(const struct path *dir, struct dentry *temp,
					    const struct qstr *name)
{
	struct inode *dinode = d_inode(dir->dentry);
	struct dentry *target;
	int err = uni_do_want_write(dir->mnt);

	if (err)
		return ERR_PTR(err);
	uni_origin_mark_impure(dir);	/* before the lock: it takes dir's own */
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	target = uni_do_lookup_locked(dir->dentry, name->name, name->len);
	if (IS_ERR(target))
		goto out_unlock;
	err = d_is_positive(target) ? -EEXIST :
	      uni_do_rename(dir->mnt, dir->dentry, temp, dir->dentry, target, RENAME_NOREPLACE);
	dput(target);
	/* d_move() gave temp the new name: temp is now the object's dentry. */
	target = err ? ERR_PTR(err) : dget(temp);
out_unlock:
	inode_unlock(dinode);
	uni_do_drop_write(dir->mnt);
	return target;
}

/* Links a finished O_TMPFILE copy under its real name. Returns a reference. */
static struct dentry *uni_link_into_place(const struct path *dir, struct dentry *tmp,
					  const struct qstr *name)
{
	struct inode *dinode = d_inode(dir->dentry);
	struct dentry *target;
	int err = uni_do_want_write(dir->mnt);

	if (err)
		return ERR_PTR(err);
	uni_origin_mark_impure(dir);	/* before the lock: it takes dir's own */
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	target = uni_do_lookup_locked(dir->dentry, name->name, name->len);
	if (IS_ERR(target))
		goto out_unlock;
	err = d_is_positive(target) ? -EEXIST :
	      uni_do_link(dir->mnt, tmp, dinode, target);
	if (err) {
		dput(target);
		target = ERR_PTR(err);
	}
out_unlock:
	inode_unlock(dinode);
	uni_do_drop_write(dir->mnt);
	return target;
}

/*
 * A non-directory of a writable branch that a rename moves to a higher
 * branch of the same filesystem is linked there instead of copied, and
 * its old name goes afterwards: it stays the same file, with its other
 * names and its open files, as a rename on a plain filesystem keeps it.
 * (A copy would part them: a write through one name, or through a file
 * open before, missing from the other.) A file rename links every such
 * file (rename.cpp: nothing to copy); a directory rename only hard links
 * (min_links 2), whose names below it it unlinks itself (dir.c). Returns
 * the new name (a reference), or ERR_PTR(-EXDEV) when it has to be copied.
 */
struct dentry *uni_copy_up_as_link(const struct path *src, const struct path *dir,
				   const struct qstr *name, unsigned int min_links)
{
	struct inode *inode = d_inode(src->dentry);

	if (S_ISDIR(inode->i_mode) || inode->i_nlink < min_links ||
	    src->mnt->mnt_sb != dir->mnt->mnt_sb)
		return ERR_PTR(-EXDEV);
	return uni_link_into_place(dir, src->dentry, name);
}

/*
 * The copy's data reaches the disk before the copy gets its name: after a
 * crash the name shows the whole copy or (not yet linked) the original,
 * never a file whose blocks were still waiting for writeback.
 */
static int uni_sync_copied_data(struct file *copy, const struct kstat *stat)
{
	return stat->size ? uni_do_fsync(copy, 0, LLONG_MAX, 0) : 0;
}

static struct file *uni_open_source(const struct path *src)
{
	return uni_do_open(src, O_RDONLY | O_LARGEFILE);
}

/*
 * Builds a complete, unnamed copy of a regular file as an O_TMPFILE in
 * dir's filesystem: data (holes kept), synced, then owner, xattrs, mode
 * and times. Returns the open copy or an ERR_PTR (-EOPNOTSUPP: the
 * filesystem has no O_TMPFILE). Nothing is visible anywhere until
 * uni_link_into_place(); dropping the file drops the copy.
 */
static struct file *uni_build_unnamed_copy(const struct path *src, const struct path *dir,
					   const struct kstat *stat)
{
	struct file *in, *tmp;
	int err;

	err = uni_do_want_write(dir->mnt);
	if (err)
		return ERR_PTR(err);
	/* Mode 0 until complete (uni_copy_metadata), like the named copy. */
	tmp = uni_do_tmpfile_open(dir, S_IFREG, O_LARGEFILE | O_WRONLY);
	uni_do_drop_write(dir->mnt);
	if (IS_ERR(tmp))
		return tmp;
	in = uni_open_source(src);
	if (IS_ERR(in)) {
		err = PTR_ERR(in);
		goto out_tmp;
	}
	err = uni_copy_data(in, tmp, stat);
	fput(in);
	if (!err)
		err = uni_copy_size(&tmp->f_path, stat->size);
	if (!err)
		err = uni_sync_copied_data(tmp, stat);
	if (!err)
		err = uni_copy_metadata(src, tmp->f_path.dentry, dir->mnt, stat);
	if (!err)
		return tmp;
out_tmp:
	fput(tmp);	/* the unnamed copy disappears with its last reference */
	return ERR_PTR(err);
}

/* Regular file through O_TMPFILE: nothing has a name until it is complete. */
static struct dentry *uni_copy_up_tmpfile(const struct path *src, const struct path *dir,
					  const struct qstr *name, const struct kstat *stat)
{
	struct file *tmp = uni_build_unnamed_copy(src, dir, stat);
	struct dentry *result;

	if (IS_ERR(tmp))
		return ERR_CAST(tmp);
	result = uni_link_into_place(dir, tmp->f_path.dentry, name);
	fput(tmp);
	return result;
}

/* Any type through a hidden temporary name, for filesystems without O_TMPFILE. */
static struct dentry *uni_copy_up_named(const struct path *src, const struct path *dir,
					const struct qstr *name, const struct kstat *stat)
{
	struct dentry *temp, *result;
	int err = 0;

	temp = uni_create_temp(src, dir, stat);
	if (IS_ERR(temp))
		return temp;
	if (S_ISREG(stat->mode)) {
		struct path temp_path = { .mnt = dir->mnt, .dentry = temp };
		struct file *in = uni_open_source(src), *out;

		if (IS_ERR(in)) {
			err = PTR_ERR(in);
			goto out_remove;
		}
		out = uni_do_open(&temp_path, O_WRONLY | O_LARGEFILE);
		if (IS_ERR(out)) {
			fput(in);
			err = PTR_ERR(out);
			goto out_remove;
		}
		err = uni_copy_data(in, out, stat);
		fput(in);
		if (!err)
			err = uni_sync_copied_data(out, stat);
		fput(out);
		if (!err)
			err = uni_copy_size(&temp_path, stat->size);
	}
	if (!err)
		err = uni_copy_metadata(src, temp, dir->mnt, stat);
	if (err)
		goto out_remove;
	result = uni_rename_into_place(dir, temp, name);
	if (IS_ERR(result)) {
		err = PTR_ERR(result);
		goto out_remove;
	}
	dput(temp);
	return result;

out_remove:
	uni_remove_temp(dir, temp);
	dput(temp);
	return ERR_PTR(err);
}

/* Reads what a copy needs of its source; size bounds the data. */
static int uni_copy_source_stat(const struct path *src, unsigned long long size,
				struct kstat *stat)
{
	struct inode *src_inode = d_inode(src->dentry);
	int err;

	if (!d_is_dir(src->dentry) && (IS_IMMUTABLE(src_inode) || IS_APPEND(src_inode)))
		return -EPERM;
	err = uni_do_getattr(src, stat, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	if (!err && size < (unsigned long long)stat->size)
		stat->size = size;
	return err;
}

/*
 * Copies the object at src to NAME in directory dir (on a writable branch),
 * with all its metadata and at most SIZE bytes of data (less when open
 * with O_TRUNC will discard it anyway); a directory is copied empty.
 * Immutable and append-only non-directories are refused with EPERM, as their own branch would
 * refuse to modify them. Returns a reference to the new lower dentry, or an
 * ERR_PTR; on error no branch has changed.
 */
struct dentry *uni_copy_up(const struct path *src, const struct path *dir, const struct qstr *name,
			   unsigned long long size)
{
	struct dentry *result;
	struct kstat stat;
	int err;

	err = uni_copy_source_stat(src, size, &stat);
	if (err)
		return ERR_PTR(err);
	result = ERR_PTR(-EOPNOTSUPP);
	if (S_ISREG(stat.mode))
		result = uni_copy_up_tmpfile(src, dir, name, &stat);
	/* Without O_TMPFILE on the target, and for other types: a hidden name. */
	if (result == ERR_PTR(-EOPNOTSUPP))
		result = uni_copy_up_named(src, dir, name, &stat);
	pr_debug("copy up %pd -> %pd/%.*s: %ld\n", src->dentry, dir->dentry, name->len, name->name,
		 IS_ERR(result) ? PTR_ERR(result) : 0L);
	return result;
}

/*
 * The first copy of a hard-linked file: complete and unnamed (staged, or
 * built now in the branch root), flagged as the indexed copy, counting
 * the original's names it will not be linked to (all but the one being
 * copied when named), then linked into the index at root.
 * Returns the index entry (possibly a copy another union put there
 * meanwhile: *fresh is then false) or an ERR_PTR.
 */
static struct dentry *uni_index_first_copy(const struct path *src, const struct path *root,
					   unsigned long long size, struct file *staged,
					   bool named, bool *fresh)
{
	struct dentry *entry;
	struct kstat stat;
	struct file *copy;
	int err;

	err = uni_copy_source_stat(src, size, &stat);
	if (err)
		return ERR_PTR(err);
	copy = staged ? get_file(staged) : uni_build_unnamed_copy(src, root, &stat);
	if (IS_ERR(copy))
		return ERR_CAST(copy);
	err = uni_origin_set_indexed(root->mnt, copy->f_path.dentry);
	if (!err)
		err = uni_index_set_lower_links(root->mnt, copy->f_path.dentry,
						stat.nlink - (named ? 1 : 0));
	entry = err ? ERR_PTR(err) : uni_index_add(root, copy->f_path.dentry, d_inode(src->dentry));
	*fresh = !IS_ERR(entry) && d_inode(entry) == file_inode(copy);
	fput(copy);
	return entry;
}

/*
 * Copies up NAME, one name of a hard-linked regular file src (the top of
 * the name, on branch from of layout, which the union does not write),
 * into dir on branch to, so that it stays linked with the original's
 * other names (index.c): the first one is copied and indexed, the others
 * link the indexed copy, wherever it is, and count one lower name less.
 * staged: a copy uni_stage_copy() built, or NULL.
 * Returns a reference to the new lower dentry, or an ERR_PTR: EXDEV when
 * the copy is on another filesystem (then the name parts, a file of its
 * own, and no longer counts as one of the original's names).
 */
struct dentry *uni_copy_up_linked(const struct uni_layout *layout, unsigned int from,
				  const struct path *src, const struct path *dir,
				  const struct qstr *name, unsigned long long size,
				  unsigned int to, struct file *staged)
{
	struct dentry *entry, *result;
	unsigned int lower_links, where = to;
	bool fresh = false;

	entry = uni_index_find_above(layout, from, d_inode(src->dentry), &where);
	if (!entry)
		entry = uni_index_first_copy(src, &layout->branch[to]->path, size, staged, true,
					     &fresh);
	if (IS_ERR(entry))
		return entry;
	result = uni_link_into_place(dir, entry, name);
	if (!fresh && (!IS_ERR(result) || result == ERR_PTR(-EXDEV))) {
		lower_links = uni_index_lower_links(entry);
		if (lower_links)
			uni_index_set_lower_links(layout->branch[where]->path.mnt, entry,
						  lower_links - 1);
	}
	dput(entry);
	pr_debug("copy up linked %pd -> %pd/%.*s: %ld\n", src->dentry, dir->dentry, name->len,
		 name->name, IS_ERR(result) ? PTR_ERR(result) : 0L);
	return result;
}

/*
 * Copies the hard-linked regular file src into the index at root only,
 * with no name of its own, before one of its names is removed: the copy
 * then counts the names left (index.c). Returns the index entry (a
 * reference) or an ERR_PTR. As the mounter.
 */
struct dentry *uni_index_copy_only(const struct path *src, const struct path *root)
{
	bool fresh;

	return uni_index_first_copy(src, root, UNI_COPY_ALL, NULL, false, &fresh);
}

/*
 * Builds the copy of regular file src (at most size bytes of data) as an
 * unnamed file on branch_root's filesystem, before the namespace lock is
 * taken: the long part of a copyup (data and its fsync) then holds no
 * lock that other operations need. uni_link_staged_copy() names it later.
 * Returns the open copy, or an ERR_PTR (then copy under the lock as usual).
 */
struct file *uni_stage_copy(const struct path *src, const struct path *branch_root,
			    unsigned long long size)
{
	struct kstat stat;
	int err;

	if (!d_is_reg(src->dentry))
		return ERR_PTR(-EOPNOTSUPP);
	err = uni_copy_source_stat(src, size, &stat);
	if (err)
		return ERR_PTR(err);
	return uni_build_unnamed_copy(src, branch_root, &stat);
}

/*
 * Names a copy made by uni_stage_copy() NAME in dir (on the same
 * filesystem). Returns a reference to the new lower dentry or an ERR_PTR
 * (-EXDEV where the filesystem will not link across, e.g. a project
 * quota boundary: the caller then copies the usual way).
 */
struct dentry *uni_link_staged_copy(struct file *copy, const struct path *dir,
				    const struct qstr *name)
{
	return uni_link_into_place(dir, copy->f_path.dentry, name);
}

/* ---- copies staged before the namespace lock ---- */

void uni_staged_add(struct uni_sb_info *sbi, struct uni_staged_copy *sc)
{
	spin_lock(&sbi->staged_lock);
	list_add(&sc->node, &sbi->staged);
	spin_unlock(&sbi->staged_lock);
}

/* The staged copy of src for target_sb with size bytes, now the caller's (fput), or NULL. */
struct file *uni_staged_take(struct uni_sb_info *sbi, const struct inode *src,
			     const struct super_block *target_sb, unsigned long long size)
{
	struct uni_staged_copy *sc;
	struct file *copy = NULL;

	spin_lock(&sbi->staged_lock);
	list_for_each_entry(sc, &sbi->staged, node) {
		if (sc->src == src && sc->target_sb == target_sb && sc->size == size) {
			copy = sc->copy;
			sc->copy = NULL;
			list_del_init(&sc->node);
			break;
		}
	}
	spin_unlock(&sbi->staged_lock);
	return copy;
}

/* The stager is done: a copy nobody took is dropped (unnamed, it vanishes). */
void uni_staged_drop(struct uni_sb_info *sbi, struct uni_staged_copy *sc)
{
	struct file *copy;

	spin_lock(&sbi->staged_lock);
	list_del_init(&sc->node);
	copy = sc->copy;
	sc->copy = NULL;
	spin_unlock(&sbi->staged_lock);
	if (copy)
		fput(copy);
}
