/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the few VFS interfaces that differ between the kernels we
 * support (Debian 12's 6.1 LTS and 6.12 LTS). Everything version-dependent
 * goes here so the other files read as plain VFS code.
 */
#ifndef _UNI_COMPAT_H
#define _UNI_COMPAT_H

#include <linux/version.h>
#include <linux/exportfs.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/splice.h>

/* 6.3 replaced the user namespace argument of inode operations by an idmap. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define UNI_IDMAP_PARAM struct mnt_idmap *idmap
#define UNI_IDMAP_ARG idmap
#define UNI_NOP_IDMAP (&nop_mnt_idmap)
#define uni_mnt_idmap(mnt) mnt_idmap(mnt)
#else
#define UNI_IDMAP_PARAM struct user_namespace *idmap
#define UNI_IDMAP_ARG idmap
#define UNI_NOP_IDMAP (&init_user_ns)
#define uni_mnt_idmap(mnt) mnt_user_ns(mnt)
#endif

/* 6.6 put an inode's ctime behind inode_get_ctime(), 6.7 its mtime behind inode_get_mtime(). */
static inline struct timespec64 uni_inode_ctime(const struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return inode_get_ctime(inode);
#else
	return inode->i_ctime;
#endif
}

static inline struct timespec64 uni_inode_mtime(const struct inode *inode)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return inode_get_mtime(inode);
#else
	return inode->i_mtime;
#endif
}

/* 6.3 renamed struct renamedata's user namespaces to idmaps. */
static inline void uni_renamedata_set_idmap(struct renamedata *rd, struct vfsmount *mnt)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	rd->old_mnt_idmap = rd->new_mnt_idmap = uni_mnt_idmap(mnt);
#else
	rd->old_mnt_userns = rd->new_mnt_userns = uni_mnt_idmap(mnt);
#endif
}

/*
 * vfs_getattr(), except that a caller that skipped the security check
 * (AT_GETATTR_NOSEC, where the kernel has it) asks the lower to skip it too.
 */
static inline int uni_vfs_getattr(const struct path *path, struct kstat *stat, u32 mask,
				  unsigned int flags)
{
#ifdef AT_GETATTR_NOSEC
	if (flags & AT_GETATTR_NOSEC)
		return vfs_getattr_nosec(path, stat, mask, flags);
#endif
	return vfs_getattr(path, stat, mask, flags);
}

/*
 * 6.2 moved POSIX ACLs off the xattr handlers: from then on they are read
 * and written with vfs_get_acl()/vfs_set_acl(), not as system.posix_acl_*
 * xattrs.
 */
#define UNI_ACL_API (LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0))

/* 6.5 added copy_splice_read() and vfs_splice_read() and dropped generic_file_splice_read(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define uni_splice_read_lower(file, ppos, pipe, len, flags) \
	vfs_splice_read(file, ppos, pipe, len, flags)
#else
#define uni_splice_read_lower(file, ppos, pipe, len, flags) \
	generic_file_splice_read(file, ppos, pipe, len, flags)
#endif

/* 6.11 replaced parent_ino() with d_parent_ino(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define uni_parent_ino d_parent_ino
#else
#define uni_parent_ino parent_ino
#endif

/* 6.8 renamed vfs_tmpfile_open() to kernel_tmpfile_open(). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
#define uni_tmpfile_open kernel_tmpfile_open
#else
#define uni_tmpfile_open vfs_tmpfile_open
#endif

/*
 * 6.7 moved the writer's freeze protection into do_splice_direct(); before
 * it, its callers take it. Splices src into dst with it held either way.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define uni_splice_direct(in, in_pos, out, out_pos, len) \
	do_splice_direct(in, in_pos, out, out_pos, len, 0)
#else
static inline long uni_splice_direct(struct file *in, loff_t *in_pos, struct file *out,
				     loff_t *out_pos, size_t len)
{
	long done;

	file_start_write(out);
	done = do_splice_direct(in, in_pos, out, out_pos, len, 0);
	file_end_write(out);
	return done;
}
#endif

/* 6.5 gave exportfs_encode_inode_fh() a flags argument (connectable or not). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define uni_encode_inode_fh(inode, fid, max_len, parent) \
	exportfs_encode_inode_fh(inode, fid, max_len, parent, (parent) ? EXPORT_FH_CONNECTABLE : 0)
#else
#define uni_encode_inode_fh(inode, fid, max_len, parent) \
	exportfs_encode_inode_fh(inode, fid, max_len, parent)
#endif

#endif /* _UNI_COMPAT_H */
