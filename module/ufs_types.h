/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ufs_types.h - the shim's per-object state and its accessors, nothing else.
 * Prototypes live in ufs.h.
 */
#ifndef _UFS_TYPES_H
#define _UFS_TYPES_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include "../core/include/ufs_core.h"
#include "uapi/unionfs.h"	/* UNIONFS_SUPER_MAGIC: as FSL Unionfs, so stat -f knows us */


/* One branch: the directory the user named, pinned for the union's lifetime. */
struct ufs_lower_branch {
	struct path path;
	enum ufs_branch_mode mode;	/* changed under write_mutex; READ_ONCE elsewhere */
	atomic_long_t open_files;	/* union files open with a lower file here */
};

/* Per union superblock. Immutable after fill_super in this release. */
struct ufs_sb_info {
	struct ufs_branch_table *table;	/* core's view; env handles point into branches[] */
	struct ufs_lower_branch *branches;
	unsigned int nbranches;
	enum ufs_delete_mode delete_mode;
	const struct cred *creator_cred;	/* the mounter's: copyup and union metadata */
	/*
	 * Serialises the operations that change which lower objects make up
	 * union objects (create, remove, rename, link, copyup), so parent
	 * chains made on a new branch never race. Lookups and I/O don't take it.
	 */
	struct mutex write_mutex;
	/* Bumped by every change of branch modes (or layout): caches revalidate. */
	atomic64_t generation;
};

/*
 * Per union dentry: the lower dentries that make up the object, one slot per
 * branch (NULL where absent), valid for start <= i <= end.
 *
 * An info is immutable once published in d_fsdata: an operation that
 * changes the lower objects of a union dentry (create, copyup, a parent
 * chain made on a new branch) builds a new info and swaps it in under
 * d_lock. Readers take a counted reference (ufs_get_dentry_info()) so the
 * lower dentries stay valid while they use them, even across a swap; RCU
 * walkers may look without one, since the memory is freed after a grace
 * period.
 */
struct ufs_dentry_info {
	refcount_t count;
	struct rcu_head rcu;
	unsigned int nbranches;
	u64 generation;		/* the union's generation when it was resolved */
	int start;
	int end;
	enum ufs_kind kind;
	struct dentry *lower[];
};

/* Per union inode: the top lower inode (a reference), which also keys the inode cache. */
struct ufs_inode_info {
	struct inode *lower;
	struct file *wb_file;	/* protected by i_lock: where mapped dirty pages go (mmap.c) */
	int branch;		/* branch of 'lower' when the inode was made */
	struct inode vfs_inode;
};

/* Per open regular file: the lower file everything is forwarded to. */
struct ufs_file_info {
	spinlock_t lock;	/* protects lower and branch: replaced when the object is copied up */
	struct file *lower;
	int branch;		/* whose open_files counts this file */
};

/* Per open directory: the merged listing, built at offset 0 and kept until rewound. */
struct ufs_dir_info {
	struct ufs_dirlist *list;
};

static inline struct ufs_sb_info *UFS_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline struct ufs_inode_info *UFS_I(const struct inode *inode)
{
	return container_of(inode, struct ufs_inode_info, vfs_inode);
}

static inline struct ufs_file_info *UFS_F(const struct file *file)
{
	return file->private_data;
}

#endif /* _UFS_TYPES_H */
