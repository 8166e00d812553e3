/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uni_types.h - the shim's per-object state and its accessors, nothing else.
 * Prototypes live in uni.h.
 */
#ifndef _UNI_TYPES_H
#define _UNI_TYPES_H

#include <linux/hashtable.h>
#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/rwsem.h>
#include "../core/include/uni_core.h"
#include "uapi/unionfs.h"	/* UNIONFS_SUPER_MAGIC: as FSL Unionfs, so stat -f knows us */


/*
 * One branch: the directory the user named, pinned while any layout, inode
 * or open file refers to it. The same object stays in every layout the
 * branch is part of, so it keeps its identity (open-file count, inode
 * numbers) when branches are added or removed around it.
 */
struct uni_lower_branch {
	refcount_t count;
	struct rcu_head rcu;		/* RCU walkers read mode; freed after a grace period */
	struct path path;
	enum uni_branch_mode mode;	/* changed under namespace_rwsem (write); READ_ONCE elsewhere */
	unsigned int fs_index;		/* numbers the lower filesystem, for inode numbers */
	bool can_index;			/* stores trusted xattrs: may keep an index (index.c) */
	atomic_long_t open_files;	/* union files open with a lower file here */
};

/*
 * The union's branches at one moment, in precedence order, and the core's
 * table of them. Immutable: a change of branches or modes builds a new
 * layout and publishes it in sbi->layout under namespace_rwsem. Dentry infos
 * hold the layout they were resolved in, so their lower[] slots keep
 * meaning what they meant.
 */
struct uni_layout {
	refcount_t count;
	struct rcu_head rcu;
	struct uni_sb_info *sbi;
	struct uni_branch_table *table;	/* core's view; env handles are branch[] */
	unsigned int nbranches;
	struct uni_lower_branch *branch[];
};

/* Per union superblock. */
struct uni_sb_info {
	struct super_block *sb;
	struct uni_layout __rcu *layout;	/* replaced under namespace_rwsem (write) */
	enum uni_delete_mode delete_mode;
	const struct cred *creator_cred;	/* the mounter's: copyup and union metadata */
	/*
	 * Shared by every operation that changes names or lower objects
	 * (create, remove, link, rename of a non-directory, copyup) for the
	 * time the core works on it, so the layout and every directory above
	 * its names stay put; such operations in different directories run
	 * side by side. Exclusive for what moves or re-stacks whole subtrees:
	 * directory renames and branch changes. Lookups, readdir and I/O never
	 * take it. Lock order: VFS inode locks, object locks (copyup_mutex),
	 * this, branch locks (doc/design.md, "Locking").
	 */
	struct rw_semaphore namespace_rwsem;
	/*
	 * While a directory rename runs (namespace_rwsem exclusive): where
	 * the copies it makes are listed, so that union inodes in memory
	 * follow them once it is done (dir.c). NULL otherwise.
	 */
	struct list_head *rename_copies;
	/*
	 * Directories a rename moved for the union whose dentries the VFS
	 * has yet to move (d_move comes after ->rename, outside our locks):
	 * uni_pending_move, under pending_moves_lock. Every change waits for
	 * them before it walks up from a name (dir.c).
	 */
	spinlock_t pending_moves_lock;
	struct list_head pending_moves;
	/*
	 * Bumped by every change of the layout (and by incgen); the number
	 * unionctl sees and passes back to change branches safely.
	 */
	atomic64_t generation;
	/*
	 * Bumped with the generation, and by a directory rename that copied
	 * the directory: an info of an older epoch is resolved again before
	 * it is used for names (uni_get_fresh_info), since the lower objects
	 * it names may be the ones the rename left behind.
	 */
	atomic64_t epoch;
	unsigned int next_fs_index;	/* under namespace_rwsem (write) */
	spinlock_t staged_lock;		/* protects staged */
	struct list_head staged;	/* copies built before namespace_rwsem (copy_up.c) */
	/* Names of branch directories (name_cache.c), under name_cache_lock. */
	spinlock_t name_cache_lock;
	DECLARE_HASHTABLE(name_cache, 8);
	struct list_head name_lru;
	unsigned int name_lists;	/* lists in name_lru */
	unsigned long name_slots;	/* table slots they hold (4 bytes each), for the budget */
	atomic_long_t listed_names;	/* in directory listings kept with inodes (readdir.c) */
};

/*
 * A copy of a regular file built before namespace_rwsem was taken (copy_up.c,
 * uni_stage_copy), waiting for the core's copy_up of the same source onto
 * the same filesystem. Lives on its stager's stack, listed in sbi->staged
 * until taken or dropped; touched by others only under staged_lock.
 */
struct uni_staged_copy {
	struct list_head node;
	const struct inode *src;	/* the source lower inode: identity only */
	const struct super_block *target_sb;
	unsigned long long size;
	struct file *copy;		/* NULL once taken */
};

/*
 * Per union dentry: the lower dentries that make up the object, one slot per
 * branch (NULL where absent), valid for start <= i <= end.
 *
 * An info is immutable once published in d_fsdata: an operation that
 * changes the lower objects of a union dentry (create, copyup, a parent
 * chain made on a new branch) builds a new info and swaps it in under
 * d_lock. Readers take a counted reference (uni_get_dentry_info()) so the
 * lower dentries stay valid while they use them, even across a swap; RCU
 * walkers may look without one, since the memory is freed after a grace
 * period.
 */
struct uni_dentry_info {
	refcount_t count;
	struct rcu_head rcu;
	struct uni_layout *layout;	/* referenced: lower[] has a slot per branch of it */
	u64 epoch;		/* the union's epoch when it was resolved */
	int start;
	int end;
	enum uni_kind kind;
	unsigned int known;	/* UNI_KNOWN_*, of the lookup that made it */
	struct dentry *lower[];
};

/*
 * A lower directory's state as far as its entries go: every change of its
 * entries moves its ctime (name_cache.c, readdir.c).
 */
struct uni_dir_stamp {
	struct timespec64 ctime, mtime;
	loff_t size;
	u64 version;
	u32 generation;
};

/* One lower directory a listing was read from: which one, and its stamp then. */
struct uni_listed_dir {
	const struct super_block *sb;	/* identity only; NULL: none on this branch */
	unsigned long ino;
	struct uni_dir_stamp stamp;
};

/*
 * A listing holds no reference to what it lists (a kept one would pin
 * layouts, and so removed branches): it compares identities.
 */
struct uni_dir_listing {
	refcount_t count;
	struct super_block *sb;
	const struct uni_layout *layout;	/* identity only */
	int start, end;
	struct uni_dirlist *list;
	bool kept;			/* counted in sbi->listed_names */
	/*
	 * Recorded while one branch directory was read through: its entries
	 * ("." and ".." included) carry that directory's offsets, and
	 * end_offset is its offset after the last one. Otherwise merged:
	 * offsets are indexes.
	 */
	bool recorded;
	bool narrow_offsets;		/* recorded: 32-bit offsets (readdir.c) */
	loff_t end_offset;
	struct uni_listed_dir dirs[];	/* by branch */
};

/*
 * Per union inode: the top lower inode (a reference), which also keys the
 * inode cache. 'lower' is replaced under i_lock (copyup); a reader that
 * may sleep takes its own reference (uni_lower_inode_get).
 */
struct uni_inode_info {
	struct inode *lower;
	/*
	 * Held while this object's lower set is changed or removed: copyup
	 * (the others wait, killably, and find it copied), unlink, rmdir,
	 * rename, link. Taken after the VFS's inode locks and before
	 * namespace_rwsem; two of them in address order (uni_lock_objects).
	 */
	struct mutex copyup_mutex;
	/* Serialises following a new top lower inode (uni_inode_update_top). */
	struct mutex top_mutex;
	struct uni_lower_branch __rcu *branch;	/* referenced: the branch of 'lower' */
	/*
	 * 'lower' is the indexed copy of a hard-linked file (index.c): names
	 * whose top is still the original read through it. Set with lower.
	 */
	bool indexed;
	/* A directory's listing, kept for its next opens (listing.c); under i_lock. */
	struct uni_dir_listing *listing;
	/* A directory of one branch was read through: the next read records it (readdir.c). */
	bool read_through;
	struct inode vfs_inode;
};

/* Per open regular file: the lower file everything is forwarded to. */
struct uni_file_info {
	spinlock_t lock;	/* protects lower and branch: replaced when the object is copied up */
	struct file *lower;
	struct uni_lower_branch *branch;	/* referenced; its open_files counts this file */
};

/*
 * An open union directory (readdir.c): read from a listing (merged, or
 * recorded from the one branch directory it has), or straight through that
 * branch directory, never both.
 */
struct uni_dir_info {
	struct uni_dir_listing *listing;	/* referenced */
	struct file *through;		/* the branch directory read through */
	unsigned int through_fs_index;	/* its filesystem's number, for d_ino */
	struct uni_dir_listing *recording;	/* what through gave so far, to keep */
	loff_t ended_at;		/* through's last end: read there, still the end */
	unsigned int next_index;	/* a recorded listing's entry at the offset */
};

static inline struct uni_sb_info *UNI_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

/* The current layout, for a caller holding namespace_rwsem (no reference taken). */
static inline struct uni_layout *uni_layout_locked(struct uni_sb_info *sbi)
{
	return rcu_dereference_protected(sbi->layout, lockdep_is_held(&sbi->namespace_rwsem));
}

/* The mount of branch i of info's layout. */
static inline struct vfsmount *uni_info_mnt(const struct uni_dentry_info *info, int i)
{
	return info->layout->branch[i]->path.mnt;
}

static inline struct uni_inode_info *UNI_I(const struct inode *inode)
{
	return container_of(inode, struct uni_inode_info, vfs_inode);
}

static inline struct uni_file_info *UNI_F(const struct file *file)
{
	return file->private_data;
}

#endif /* _UNI_TYPES_H */
