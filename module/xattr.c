// SPDX-License-Identifier: GPL-2.0
/*
 * xattr.c - extended attributes (and, on 6.1, POSIX ACLs, which are
 * xattrs there) are the top lower object's; setting or removing one
 * copies a read-only object up first.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include "uni.h"
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <linux/xattr.h>

static int uni_xattr_get(const struct xattr_handler *handler, struct dentry *dentry,
			 struct inode *inode, const char *name, void *value, size_t size)
{
	struct path lower;
	ssize_t ret;

	name = xattr_full_name(handler, name);
	if (uni_is_private_xattr(name))
		return -ENODATA;	/* the union's own records (origin.c) */
	uni_get_top_lower_path(dentry, &lower);
	ret = uni_do_getxattr(lower.mnt, lower.dentry, name, value, size);
	dput(lower.dentry);
	return ret;
}

/*
 * A metadata change goes to the object's writable copy: copied up first,
 * then the top lower path, writable. Returns 0 with *lower referenced and
 * write access held; uni_end_lower_change() releases both.
 */
static int uni_begin_lower_change(struct dentry *dentry, struct path *lower)
{
	int err = uni_get_writable_top(dentry, UNI_COPY_ALL, lower);

	if (err)
		return err;
	err = uni_do_want_write(lower->mnt);
	if (err)
		dput(lower->dentry);
	return err;
}

/* After a change: ctime and mode (an ACL can change it) follow the lower. */
static void uni_end_lower_change(struct dentry *dentry, struct path *lower, int err)
{
	uni_do_drop_write(lower->mnt);
	if (!err)
		uni_copy_dir_attrs(d_inode(dentry));
	dput(lower->dentry);
}

/*
 * The VFS leaves system.* names to the filesystem: a POSIX ACL (an xattr
 * on 6.1) may be changed by the owner only, checked before any copyup.
 */
static int uni_may_set_system_xattr(UNI_IDMAP_PARAM, struct inode *inode, const char *name)
{
	if (strncmp(name, XATTR_SYSTEM_PREFIX, XATTR_SYSTEM_PREFIX_LEN))
		return 0;
	return inode_owner_or_capable(UNI_IDMAP_ARG, inode) ? 0 : -EPERM;
}

static int uni_xattr_set(const struct xattr_handler *handler, UNI_IDMAP_PARAM,
			 struct dentry *dentry, struct inode *inode, const char *name,
			 const void *value, size_t size, int flags)
{
	struct path lower;
	int err;

	name = xattr_full_name(handler, name);
	err = uni_may_set_system_xattr(UNI_IDMAP_ARG, inode, name);

	if (err)
		return err;
	if (uni_is_private_xattr(name))
		return -EPERM;
	err = uni_begin_lower_change(dentry, &lower);
	if (err)
		return err;
	if (value)
		err = uni_do_setxattr(lower.mnt, lower.dentry, name, value, size, flags);
	else
		err = uni_do_removexattr(lower.mnt, lower.dentry, name);
	uni_end_lower_change(dentry, &lower, err);
	return err;
}

/* Removes the union's own names from a list of len bytes; returns the new length. */
static ssize_t uni_drop_private_names(char *list, ssize_t len)
{
	char *name = list, *end = list + len;

	while (name < end) {
		size_t n = strnlen(name, end - name) + 1;

		if (uni_is_private_xattr(name)) {
			memmove(name, name + n, end - (name + n));
			end -= n;
		} else {
			name += n;
		}
	}
	return end - list;
}

ssize_t uni_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct path lower;
	ssize_t ret;

	uni_get_top_lower_path(dentry, &lower);
	ret = uni_do_listxattr(lower.dentry, list, size);
	dput(lower.dentry);
	if (ret > 0 && size)
		ret = uni_drop_private_names(list, ret);
	/* Asked for the size only: the lower's is enough room, if more than needed. */
	return ret;
}

#if UNI_ACL_API
/*
 * From 6.2 POSIX ACLs are inode operations, not xattrs: the same rules,
 * the lower's ACL read, a copy up before a change.
 */
static const char *uni_acl_name(int type)
{
	return type == ACL_TYPE_ACCESS ? XATTR_NAME_POSIX_ACL_ACCESS : XATTR_NAME_POSIX_ACL_DEFAULT;
}

struct posix_acl *uni_get_inode_acl(struct inode *inode, int type, bool rcu)
{
	if (rcu)
		return ERR_PTR(-ECHILD);
	return uni_do_get_inode_acl(READ_ONCE(UNI_I(inode)->lower), type);
}

struct posix_acl *uni_get_acl(UNI_IDMAP_PARAM, struct dentry *dentry, int type)
{
	struct posix_acl *acl;
	struct path lower;

	uni_get_top_lower_path(dentry, &lower);
	acl = uni_do_get_acl(lower.mnt, lower.dentry, uni_acl_name(type));
	dput(lower.dentry);
	return acl;
}

int uni_set_acl(UNI_IDMAP_PARAM, struct dentry *dentry, struct posix_acl *acl, int type)
{
	struct path lower;
	int err;

	/* Only the owner changes an ACL: refused before anything is copied. */
	if (!inode_owner_or_capable(UNI_IDMAP_ARG, d_inode(dentry)))
		return -EPERM;
	err = uni_begin_lower_change(dentry, &lower);
	if (err)
		return err;
	if (acl)
		err = uni_do_set_acl(lower.mnt, lower.dentry, uni_acl_name(type), acl);
	else
		err = uni_do_remove_acl(lower.mnt, lower.dentry, uni_acl_name(type));
	/* The VFS caches ACLs in our inode: the next read must ask the lower. */
	forget_cached_acl(d_inode(dentry), type);
	uni_end_lower_change(dentry, &lower, err);
	return err;
}
#endif

/*
 * Every name goes to the lower filesystem, which knows which it supports.
 * The namespaces still get handlers of their own: knfsd tells NFSv4.2
 * clients that user xattrs work only when a handler has the "user." prefix
 * (xattr_supported_namespace()).
 */
#define UNI_XATTR_HANDLER(var, pfx)		\
	static const struct xattr_handler var = {	\
		.prefix = pfx,				\
		.get = uni_xattr_get,			\
		.set = uni_xattr_set,			\
	}
UNI_XATTR_HANDLER(uni_xattr_user_handler, XATTR_USER_PREFIX);
UNI_XATTR_HANDLER(uni_xattr_trusted_handler, XATTR_TRUSTED_PREFIX);
UNI_XATTR_HANDLER(uni_xattr_security_handler, XATTR_SECURITY_PREFIX);
UNI_XATTR_HANDLER(uni_xattr_any_handler, "");

const struct xattr_handler *uni_xattr_handlers[] = {
	&uni_xattr_user_handler,
	&uni_xattr_trusted_handler,
	&uni_xattr_security_handler,
	&uni_xattr_any_handler,
	NULL,
};
