// SPDX-License-Identifier: GPL-2.0
/*
 * xattr.c - extended attributes (and, on 6.1, POSIX ACLs, which are
 * xattrs there) are the top lower object's; setting or removing one
 * copies a read-only object up first.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/xattr.h>
#include "ufs.h"

static int ufs_xattr_get(const struct xattr_handler *handler, struct dentry *dentry,
			 struct inode *inode, const char *name, void *value, size_t size)
{
	struct path lower;
	ssize_t ret;

	ufs_get_top_lower_path(dentry, &lower);
	ret = vfs_getxattr(ufs_mnt_idmap(lower.mnt), lower.dentry, name, value, size);
	dput(lower.dentry);
	return ret;
}

static int ufs_xattr_set(const struct xattr_handler *handler, UFS_IDMAP_PARAM,
			 struct dentry *dentry, struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	struct path lower;
	int err;

	err = ufs_copyup_for_write(dentry, UFS_COPY_ALL);
	if (err)
		return err;
	ufs_get_top_lower_path(dentry, &lower);
	err = mnt_want_write(lower.mnt);
	if (!err) {
		if (value)
			err = vfs_setxattr(ufs_mnt_idmap(lower.mnt), lower.dentry, name, value,
					   size, flags);
		else
			err = vfs_removexattr(ufs_mnt_idmap(lower.mnt), lower.dentry, name);
		mnt_drop_write(lower.mnt);
	}
	if (!err)
		ufs_copy_dir_attrs(inode);	/* ctime and mode (ACLs) follow the lower */
	dput(lower.dentry);
	return err;
}

ssize_t ufs_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct path lower;
	ssize_t ret;

	ufs_get_top_lower_path(dentry, &lower);
	ret = vfs_listxattr(lower.dentry, list, size);
	dput(lower.dentry);
	return ret;
}

/* One handler for every name: the lower filesystem knows which it supports. */
static const struct xattr_handler ufs_xattr_any_handler = {
	.prefix = "",
	.get = ufs_xattr_get,
	.set = ufs_xattr_set,
};

const struct xattr_handler *ufs_xattr_handlers[] = {
	&ufs_xattr_any_handler,
	NULL,
};
