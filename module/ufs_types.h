/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ufs_types.h - the shim's per-object state and its accessors, nothing else.
 * Prototypes live in ufs.h.
 */
#ifndef _UFS_TYPES_H
#define _UFS_TYPES_H

#include <linux/fs.h>
#include <linux/path.h>
#include "../core/include/ufs_core.h"

#define UNIONFS_SUPER_MAGIC 0xf15f083d	/* as FSL Unionfs, so statfs -f tools know us */

/* One branch: the directory the user named, pinned for the union's lifetime. */
struct ufs_lower_branch {
	struct path path;
	enum ufs_branch_mode mode;
};

/* Per union superblock. Immutable after fill_super in this release. */
struct ufs_sb_info {
	struct ufs_branch_table *table;	/* core's view; env handles point into branches[] */
	struct ufs_lower_branch *branches;
	unsigned int nbranches;
	enum ufs_delete_mode delete_mode;
};

/*
 * Per union dentry: the lower dentries that make up the object, one slot per
 * branch (NULL where absent), valid for start <= i <= end. Filled once by
 * lookup and never changed, so readers need no lock; the references are
 * dropped in d_release.
 */
struct ufs_dentry_info {
	int start;
	int end;
	enum ufs_kind kind;
	struct dentry *lower[];
};

/* Per union inode: the top lower inode (a reference), which also keys the inode cache. */
struct ufs_inode_info {
	struct inode *lower;
	int branch;		/* branch of 'lower' when the inode was made */
	struct inode vfs_inode;
};

/* Per open regular file: the lower file everything is forwarded to. */
struct ufs_file_info {
	struct file *lower;
};

/* Per open directory: the merged listing, built at offset 0 and kept until rewound. */
struct ufs_dir_info {
	struct ufs_dirlist *list;
};

static inline struct ufs_sb_info *UFS_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct ufs_dentry_info *UFS_D(const struct dentry *dentry)
{
	return dentry->d_fsdata;
}

static inline struct ufs_inode_info *UFS_I(const struct inode *inode)
{
	return container_of(inode, struct ufs_inode_info, vfs_inode);
}

static inline struct ufs_file_info *UFS_F(const struct file *file)
{
	return file->private_data;
}

/* The top (highest-priority) lower dentry of a positive union dentry. */
static inline struct dentry *ufs_top_lower(const struct dentry *dentry)
{
	const struct ufs_dentry_info *info = UFS_D(dentry);

	return info->lower[info->start];
}

/* The lower path of the top object: branch mount + top lower dentry. */
static inline void ufs_top_lower_path(const struct dentry *dentry, struct path *out)
{
	const struct ufs_dentry_info *info = UFS_D(dentry);

	out->mnt = UFS_SB(dentry->d_sb)->branches[info->start].path.mnt;
	out->dentry = info->lower[info->start];
}

#endif /* _UFS_TYPES_H */
