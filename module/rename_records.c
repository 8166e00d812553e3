// SPDX-License-Identifier: GPL-2.0
/*
 * rename_records.c - where an object renamed through the union went, so
 * that file handles taken before the rename find it.
 *
 * A union handle names an object by its top lower object (export.c). The
 * branch filesystem finds that object again by its inode, but its name
 * only in the directory its handle recorded; and an object of a read-only
 * branch renamed through the union is copied to its new name while its
 * old name is whited out. Once the caches are dropped, neither is found
 * by its old path. So a rename through the union leaves two records,
 * trusted xattrs on the writable branch it went to:
 *
 *   trusted.unionfs.moved, on the whiteout left at the old name: the
 *     handle, on that branch, of the object now at the new name. A handle
 *     of the original (or of anything below it, for a directory) finds
 *     the whiteout at its old path and follows it.
 *   trusted.unionfs.name, on a regular file: the handle of its directory
 *     and its name, rewritten at every rename. A file is found by its
 *     inode alone; this gives it a name again. (A directory needs none:
 *     its branch reconnects it through "..".)
 *
 * Only renames through the union write records, so one can go stale: the
 * name removed or reused, a rename on the branch itself. Whatever a record
 * leads to is checked to be the handle's object (export.c); if it is not,
 * the handle is ESTALE as before. A branch without trusted xattrs keeps
 * no records (doc/design.md, "Inodes").
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/cred.h>
#include <linux/exportfs.h>
#include <linux/slab.h>
#include "uni.h"

#define UNI_XATTR_NAME UNI_PRIVATE_XATTR_PREFIX "name"
#define UNI_XATTR_MOVED UNI_PRIVATE_XATTR_PREFIX "moved"
#define UNI_RECORD_VERSION 1
#define UNI_RECORD_FH_WORDS 32	/* MAX_HANDLE_SZ / 4 */

/*
 * As stored: the header, then 'words' words of a handle on the branch,
 * then (name record only) the name.
 */
struct uni_rename_record {
	u8 version;
	u8 fh_type;		/* the branch filesystem's handle type */
	u8 words;
	u8 name_len;		/* moved record: 1 for a directory, else 0 */
	u32 body[(UNI_RECORD_FH_WORDS * 4 + NAME_MAX + 3) / 4];
};

#define UNI_RECORD_HEADER offsetof(struct uni_rename_record, body)

static char *uni_record_name(struct uni_rename_record *rec)
{
	return (char *)(rec->body + rec->words);
}

/* Fills rec's header and handle with object's handle; false when it has none. */
static bool uni_record_handle(struct uni_rename_record *rec, struct dentry *object)
{
	int words = UNI_RECORD_FH_WORDS;
	int type = uni_do_encode_fh(object, (struct fid *)rec->body, &words);

	if (type <= 0 || type == FILEID_INVALID || words <= 0 || words > UNI_RECORD_FH_WORDS)
		return false;
	rec->version = UNI_RECORD_VERSION;
	rec->fh_type = type;
	rec->words = words;
	return true;
}

static int uni_record_store(struct vfsmount *mnt, struct dentry *on, const char *xattr,
			    struct uni_rename_record *rec)
{
	int err = uni_do_want_write(mnt);

	if (err)
		return err;
	err = uni_do_setxattr(mnt, on, xattr, rec,
			      UNI_RECORD_HEADER + rec->words * 4 + rec->name_len, 0);
	uni_do_drop_write(mnt);
	return err;
}

/* Reads the record xattr of on into rec; false when there is none or it is malformed. */
static bool uni_record_load(struct dentry *on, const char *xattr, struct uni_rename_record *rec)
{
	ssize_t len = uni_do_get_private_xattr(on, xattr, rec, sizeof(*rec));

	return len >= (ssize_t)UNI_RECORD_HEADER && rec->version == UNI_RECORD_VERSION &&
	       rec->words && rec->words <= UNI_RECORD_FH_WORDS &&
	       len == UNI_RECORD_HEADER + rec->words * 4 + rec->name_len;
}

/* ---- writing, after a rename through the union ---- */

/* The name record of file (a regular file on writable branch mnt): where it is now. */
static int uni_write_name_record(struct vfsmount *mnt, struct dentry *file,
				 struct uni_rename_record *rec)
{
	struct name_snapshot name;
	struct dentry *dir = dget_parent(file);
	bool encoded = uni_record_handle(rec, dir);

	dput(dir);
	if (!encoded)
		return -EOPNOTSUPP;
	take_dentry_name_snapshot(&name, file);
	rec->name_len = name.name.len;
	memcpy(uni_record_name(rec), name.name.name, name.name.len);
	release_dentry_name_snapshot(&name);
	return uni_record_store(mnt, file, UNI_XATTR_NAME, rec);
}

/* The whiteout for name in dir (a referenced positive dentry), or NULL. */
static struct dentry *uni_whiteout_in(struct dentry *dir, const struct qstr *name)
{
	char wh[UNI_NAME_MAX + 1];
	struct dentry *whiteout;
	int len = uni_whiteout_name((const char *)name->name, name->len, wh, sizeof(wh));

	if (len < 0)
		return NULL;
	whiteout = uni_do_lookup(dir, wh, len);
	if (IS_ERR(whiteout))
		return NULL;
	if (!d_is_reg(whiteout)) {
		dput(whiteout);
		return NULL;
	}
	return whiteout;
}

/*
 * The moved record on the whiteout that now hides old_name in the
 * directory old_dir (on mnt, the branch object went to): object's handle.
 */
static int uni_write_moved_record(struct vfsmount *mnt, struct dentry *old_dir,
				  const struct qstr *old_name, struct dentry *object,
				  struct uni_rename_record *rec)
{
	struct dentry *whiteout = uni_whiteout_in(old_dir, old_name);
	int err;

	if (!whiteout)
		return 0;	/* nothing of the old name was left to hide */
	err = -EOPNOTSUPP;
	if (uni_record_handle(rec, object)) {
		rec->name_len = d_is_dir(object);
		err = uni_record_store(mnt, whiteout, UNI_XATTR_MOVED, rec);
	}
	dput(whiteout);
	return err;
}

/*
 * After a rename through the union, before the VFS moves old to its new
 * name: old's union dentry already holds the object's new lower set and
 * still its old name and parent (whose lower set the rename completed).
 * Records where the object went, when that is a writable branch that
 * stores records. Failing costs only the handles taken before (ESTALE):
 * logged, not returned.
 */
void uni_rename_records_write(struct dentry *old)
{
	struct uni_dentry_info *info = uni_get_dentry_info(old), *parent_info;
	struct uni_rename_record *rec = NULL;
	struct uni_lower_branch *branch;
	const struct cred *old_cred;
	struct dentry *top;
	int err = 0, b;

	if (!info)
		return;
	b = info->start;
	branch = info->layout->branch[b];
	top = info->lower[b];
	if (READ_ONCE(branch->mode) != UNI_BRANCH_RW || !branch->can_index)
		goto out;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		goto out;
	old_cred = override_creds(UNI_SB(old->d_sb)->creator_cred);
	if (d_is_reg(top))
		err = uni_write_name_record(branch->path.mnt, top, rec);
	parent_info = uni_get_dentry_info(old->d_parent);
	if (parent_info && parent_info->layout == info->layout && parent_info->start <= b &&
	    b <= parent_info->end && parent_info->lower[b]) {
		memset(rec, 0, sizeof(*rec));
		err = uni_write_moved_record(branch->path.mnt, parent_info->lower[b],
					     &old->d_name, top, rec) ?: err;
	}
	uni_put_dentry_info(parent_info);
	revert_creds(old_cred);
	if (err)
		pr_debug("rename of %pd: no record (error %d)\n", old, err);
out:
	kfree(rec);
	uni_put_dentry_info(info);
}

/*
 * A regular file a directory rename linked to its new name (and whose
 * old name went, dir.c): its name record says where it is now, so that a
 * handle taken through the old name finds it once the caches are
 * dropped. As the mounter. Failing costs only such handles (ESTALE).
 */
void uni_name_record_write_linked(const struct uni_lower_branch *branch, struct dentry *file)
{
	struct uni_rename_record *rec;
	int err;

	if (!d_is_reg(file) || READ_ONCE(branch->mode) != UNI_BRANCH_RW || !branch->can_index)
		return;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return;
	err = uni_write_name_record(branch->path.mnt, file, rec);
	if (err)
		pr_debug("linked %pd: no name record (error %d)\n", file, err);
	kfree(rec);
}

/* ---- reading, for a handle ---- */

/*
 * The name below branch root that file's name record gives, if it is
 * still file's name: a referenced, connected dentry; else NULL. As the
 * mounter (a trusted xattr; directories the caller may not search).
 */
struct dentry *uni_name_record_find(const struct path *root, struct dentry *file)
{
	struct uni_rename_record *rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	struct dentry *dir, *named = NULL;
	const char *name;

	if (!rec || !uni_record_load(file, UNI_XATTR_NAME, rec) || !rec->name_len)
		goto out;
	name = uni_record_name(rec);
	if (memchr(name, '/', rec->name_len) || memchr(name, 0, rec->name_len) ||
	    (rec->name_len <= 2 && !memcmp(name, "..", rec->name_len)))
		goto out;
	dir = uni_do_decode_fh(root, (struct fid *)rec->body, rec->words, rec->fh_type, true);
	if (IS_ERR(dir))
		goto out;
	named = uni_do_lookup(dir, name, rec->name_len);
	dput(dir);
	if (IS_ERR(named) || d_inode(named) != d_inode(file)) {
		if (!IS_ERR(named))
			dput(named);
		named = NULL;
	}
out:
	kfree(rec);
	return named;
}

/*
 * The object that the moved record of the whiteout for name in dir (below
 * branch root) names, where it is now: a referenced, connected dentry
 * below root, or NULL. As the mounter.
 */
struct dentry *uni_moved_record_find(const struct path *root, struct dentry *dir,
				     const struct qstr *name)
{
	struct dentry *whiteout = uni_whiteout_in(dir, name), *object = NULL, *named;
	struct uni_rename_record *rec = NULL;

	if (!whiteout)
		return NULL;
	rec = kmalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec || !uni_record_load(whiteout, UNI_XATTR_MOVED, rec) || rec->name_len > 1)
		goto out;
	object = uni_do_decode_fh(root, (struct fid *)rec->body, rec->words, rec->fh_type,
				  rec->name_len);
	if (IS_ERR(object)) {
		object = NULL;
	} else if (!d_is_dir(object)) {
		/* Found by its inode alone: its own record names it. */
		named = d_is_reg(object) ? uni_name_record_find(root, object) : NULL;
		dput(object);
		object = named;
	}
out:
	kfree(rec);
	dput(whiteout);
	return object;
}
