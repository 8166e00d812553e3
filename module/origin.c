// SPDX-License-Identifier: GPL-2.0
/*
 * origin.c - an object's identity survives its copyup.
 *
 * A copy made on a writable branch records where it came from in the
 * xattr trusted.unionfs.origin: the origin's inode number and the identity
 * of its filesystem (s_uuid, or s_dev where the filesystem has no UUID).
 * A copy of a copy keeps the first origin. The union numbers the copy as
 * its origin (uni_object_ino), so st_ino and d_ino stay what they were
 * before the copyup, also after the cache is dropped, after a remount and
 * after a reboot. The directory that received a copy is marked
 * trusted.unionfs.impure, so readdir knows where lower d_ino values need
 * that correction and pays nothing elsewhere (overlayfs marks its upper
 * directories the same way).
 *
 * A copy whose origin had hard links (nlink > 1 when copied) is linked
 * into the writable branch's index (index.c) and keeps the origin's
 * number like any copy: all the origin's names are that one object. Where
 * no index can be kept it keeps its own number: the origin's other names
 * still show the old object, and two different files must never share a
 * number. A branch that cannot store trusted xattrs (EOPNOTSUPP, EPERM)
 * gets copies with their own numbers.
 *
 * btrfs subvolumes share one filesystem (one s_uuid) and repeat inode
 * numbers, so an object's identity there includes its subvolume
 * (uni_lower_subvol, read from btrfs's own file handle, which names it on
 * every kernel): it is hashed into the number, recorded in the origin of
 * a copy (record version 2) and part of the index key.
 *
 * trusted.unionfs.* is the union's bookkeeping: never shown, copied or
 * settable through the union (xattr.c).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include "uni.h"
#include <linux/exportfs.h>
#include <linux/kdev_t.h>
#include <linux/magic.h>
#include <linux/uuid.h>

#define UNI_XATTR_ORIGIN UNI_PRIVATE_XATTR_PREFIX "origin"
#define UNI_XATTR_IMPURE UNI_PRIVATE_XATTR_PREFIX "impure"

#define UNI_ORIGIN_VERSION 1		/* 32 bytes, the origin in no subvolume */
#define UNI_ORIGIN_VERSION_SUBVOL 2	/* 40 bytes: with the subvolume */
#define UNI_ORIGIN_HARDLINKED 0x1	/* the origin had other names when copied */
#define UNI_ORIGIN_INDEXED 0x2		/* ... and the copy stays linked with them (index.c) */

/* The on-disk record, little-endian; version 1 ends before subvol. */
struct uni_origin_record {
	u8 version;
	u8 flags;
	u8 reserved[2];
	__le32 dev;		/* new_encode_dev(s_dev) of the origin's filesystem */
	__le64 ino;		/* the origin's inode number on it */
	u8 uuid[16];		/* its s_uuid; all zero when it has none */
	__le64 subvol;		/* version 2: its btrfs subvolume (never 0) */
} __packed;

#define UNI_ORIGIN_V1_SIZE offsetof(struct uni_origin_record, subvol)

/* btrfs's handle of an object without its parent (FILEID_BTRFS_WITHOUT_PARENT). */
struct uni_btrfs_fid {
	u64 objectid;
	u64 root_objectid;	/* the subvolume */
	u32 gen;
} __packed;

#define UNI_BTRFS_TOP_SUBVOLUME 5	/* BTRFS_FS_TREE_OBJECTID */

/*
 * The btrfs subvolume of a lower inode: 0 for the top-level one and on
 * every other filesystem. Read from the handle btrfs gives NFS, whose
 * layout is fixed (clients keep handles across server upgrades);
 * statx's STATX_SUBVOL exists from 6.10 only. The inode is only read:
 * exportfs takes it non-const, hence the one cast here.
 */
u64 uni_lower_subvol(const struct inode *inode)
{
	struct uni_btrfs_fid fid;
	int len = sizeof(fid) / 4;
	int type;

	if (inode->i_sb->s_magic != BTRFS_SUPER_MAGIC)
		return 0;
	type = uni_encode_inode_fh((struct inode *)inode, (struct fid *)&fid, &len, NULL);
	if (type != FILEID_BTRFS_WITHOUT_PARENT || len * 4 < (int)sizeof(fid) ||
	    fid.root_objectid == UNI_BTRFS_TOP_SUBVOLUME)
		return 0;
	return fid.root_objectid;
}

static size_t uni_origin_size(const struct uni_origin_record *rec)
{
	return rec->version == UNI_ORIGIN_VERSION_SUBVOL ? sizeof(*rec) : UNI_ORIGIN_V1_SIZE;
}

static u64 uni_origin_subvol(const struct uni_origin_record *rec)
{
	return rec->version == UNI_ORIGIN_VERSION_SUBVOL ? le64_to_cpu(rec->subvol) : 0;
}

bool uni_is_private_xattr(const char *name)
{
	return !strncmp(name, UNI_PRIVATE_XATTR_PREFIX, sizeof(UNI_PRIVATE_XATTR_PREFIX) - 1);
}

static void uni_origin_of_inode(const struct inode *inode, struct uni_origin_record *rec)
{
	struct super_block *sb = inode->i_sb;
	u64 subvol = uni_lower_subvol(inode);

	memset(rec, 0, sizeof(*rec));
	rec->version = subvol ? UNI_ORIGIN_VERSION_SUBVOL : UNI_ORIGIN_VERSION;
	if (!S_ISDIR(inode->i_mode) && inode->i_nlink > 1)
		rec->flags |= UNI_ORIGIN_HARDLINKED;
	rec->dev = cpu_to_le32(new_encode_dev(sb->s_dev));
	rec->ino = cpu_to_le64(inode->i_ino);
	memcpy(rec->uuid, &sb->s_uuid, sizeof(rec->uuid));
	rec->subvol = cpu_to_le64(subvol);
}

/*
 * The index key of the object rec names (index.c): "UUID-INO" or
 * "dDEV-INO", hex, with "-sSUBVOL" for an object of a btrfs subvolume.
 */
static void uni_origin_key(const struct uni_origin_record *rec, char key[UNI_ORIGIN_KEY_LEN])
{
	unsigned long long ino = le64_to_cpu(rec->ino), subvol = uni_origin_subvol(rec);
	int len;

	if (!uuid_is_null((const uuid_t *)rec->uuid))
		len = snprintf(key, UNI_ORIGIN_KEY_LEN, "%pUb-%llx", rec->uuid, ino);
	else
		len = snprintf(key, UNI_ORIGIN_KEY_LEN, "d%x-%llx", le32_to_cpu(rec->dev), ino);
	if (subvol && len < UNI_ORIGIN_KEY_LEN)
		snprintf(key + len, UNI_ORIGIN_KEY_LEN - len, "-s%llx", subvol);
}

/* The index key of inode origin itself. */
void uni_origin_key_of_inode(const struct inode *origin, char key[UNI_ORIGIN_KEY_LEN])
{
	struct uni_origin_record rec;

	uni_origin_of_inode(origin, &rec);
	uni_origin_key(&rec, key);
}

/* The record on a lower object: true when it has a valid one. */
static bool uni_origin_read(struct dentry *lower, struct uni_origin_record *rec)
{
	ssize_t len = uni_do_get_private_xattr(lower, UNI_XATTR_ORIGIN, rec, sizeof(*rec));

	if (len == UNI_ORIGIN_V1_SIZE && rec->version == UNI_ORIGIN_VERSION) {
		rec->subvol = 0;
		return true;
	}
	return len == sizeof(*rec) && rec->version == UNI_ORIGIN_VERSION_SUBVOL &&
	       rec->subvol != 0;
}

static int uni_origin_write(struct vfsmount *mnt, struct dentry *dst,
			    const struct uni_origin_record *rec)
{
	return uni_do_setxattr(mnt, dst, UNI_XATTR_ORIGIN, rec, uni_origin_size(rec), 0);
}

static bool uni_origin_on_sb(const struct uni_origin_record *rec, const struct super_block *sb)
{
	if (!uuid_is_null((const uuid_t *)rec->uuid))
		return !memcmp(rec->uuid, &sb->s_uuid, sizeof(rec->uuid));
	return uuid_is_null(&sb->s_uuid) && le32_to_cpu(rec->dev) == new_encode_dev(sb->s_dev);
}

/*
 * Records on the copy dst (being built, write access held, as the
 * mounter) where src came from: src's own record if it is a copy itself,
 * else src. A branch that cannot store it is no error.
 */
int uni_origin_record(const struct path *src, struct dentry *dst, struct vfsmount *dst_mnt)
{
	struct uni_origin_record rec;
	int err;

	if (!uni_origin_read(src->dentry, &rec))
		uni_origin_of_inode(d_inode(src->dentry), &rec);
	/* A copy of an indexed copy (a rename to a higher branch) is a file of its own. */
	if (rec.flags & UNI_ORIGIN_INDEXED)
		rec.flags = (rec.flags & ~UNI_ORIGIN_INDEXED) | UNI_ORIGIN_HARDLINKED;
	err = uni_origin_write(dst_mnt, dst, &rec);
	return err == -EOPNOTSUPP || err == -EPERM ? 0 : err;
}

/* The index key of the object copy is a copy of: 0, or -ENODATA when it records none. */
int uni_origin_key_of_copy(struct dentry *copy, char key[UNI_ORIGIN_KEY_LEN])
{
	struct uni_origin_record rec;

	if (!uni_origin_read(copy, &rec))
		return -ENODATA;
	uni_origin_key(&rec, key);
	return 0;
}

/*
 * Flags the record of copy (complete, unnamed, on mnt) as the indexed
 * copy of a hard-linked origin: numbered as its origin (index.c).
 */
int uni_origin_set_indexed(struct vfsmount *mnt, struct dentry *copy)
{
	struct uni_origin_record rec;
	int err;

	if (!uni_origin_read(copy, &rec))
		return -ENODATA;
	rec.flags = (rec.flags & ~UNI_ORIGIN_HARDLINKED) | UNI_ORIGIN_INDEXED;
	err = uni_do_want_write(mnt);
	if (err)
		return err;
	err = uni_origin_write(mnt, copy, &rec);
	uni_do_drop_write(mnt);
	return err;
}

/* Marks dir (the copy's parent, write access held) as holding copies. */
void uni_origin_mark_impure(const struct path *dir)
{
	if (uni_dir_is_impure(dir->dentry))
		return;
	/* Only readdir's d_ino needs it; a failure costs no data. */
	uni_do_setxattr(dir->mnt, dir->dentry, UNI_XATTR_IMPURE, "y", 1, 0);
}

bool uni_dir_is_impure(struct dentry *lower_dir)
{
	return uni_do_get_private_xattr(lower_dir, UNI_XATTR_IMPURE, NULL, 0) >= 0;
}

/* Is lower a copy with an origin record? */
bool uni_is_copy(struct dentry *lower)
{
	struct uni_origin_record rec;

	return uni_origin_read(lower, &rec);
}

/* Does lower (a copy, or the object itself) stand for the object origin? */
bool uni_origin_is(struct dentry *lower, struct inode *origin)
{
	struct uni_origin_record rec;

	if (d_inode(lower) == origin)
		return true;
	return uni_origin_read(lower, &rec) && le64_to_cpu(rec.ino) == origin->i_ino &&
	       uni_origin_on_sb(&rec, origin->i_sb) &&
	       uni_origin_subvol(&rec) == uni_lower_subvol(origin);
}

/* The union inode number of lower (on branch 'branch' of layout) as itself: no copy. */
u64 uni_own_ino(const struct uni_layout *layout, unsigned int branch, const struct inode *lower)
{
	return uni_union_ino_subvol(layout->branch[branch]->fs_index, uni_lower_subvol(lower),
				    lower->i_ino);
}

/*
 * The union inode number of the object whose top is lower, on branch
 * 'branch' of layout: its origin's number when it is a copy whose origin's
 * filesystem is part of the union, else its own. *indexed (if asked) tells
 * whether it is the indexed copy of a hard-linked origin (index.c).
 */
u64 uni_object_identity(const struct uni_layout *layout, unsigned int branch,
			struct dentry *lower, bool *indexed)
{
	struct uni_origin_record rec;
	bool recorded = uni_origin_read(lower, &rec);
	unsigned int i;

	if (indexed)
		*indexed = recorded && (rec.flags & UNI_ORIGIN_INDEXED);
	if (recorded && !(rec.flags & UNI_ORIGIN_HARDLINKED)) {
		for (i = 0; i < layout->nbranches; i++) {
			const struct uni_lower_branch *b = layout->branch[i];

			if (uni_origin_on_sb(&rec, b->path.mnt->mnt_sb))
				return uni_union_ino_subvol(b->fs_index, uni_origin_subvol(&rec),
							    le64_to_cpu(rec.ino));
		}
	}
	return uni_own_ino(layout, branch, d_inode(lower));
}

u64 uni_object_ino(const struct uni_layout *layout, unsigned int branch, struct dentry *lower)
{
	return uni_object_identity(layout, branch, lower, NULL);
}
