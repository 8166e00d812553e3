// SPDX-License-Identifier: GPL-2.0
/*
 * listing.c - directory listings kept with a union directory's inode, for
 * its next opens and rewinds while they are current: the same lower
 * directories (by identity) and every one's stamp (name_cache.c)
 * unchanged. Any change of a lower directory's entries - through the union
 * or on the branch itself - moves its ctime; a listing is only kept when
 * the clock was past each ctime before it was read (a change in the same
 * tick moves the ctime then) and no stamp moved while it was read.
 * Directories on branches whose stamps cannot be trusted
 * (uni_dir_stamps_trusted()) are listed anew at every start, as are all
 * once a union keeps UNI_LISTING_BUDGET names in listings; a listing goes
 * with its inode.
 *
 * Two kinds (readdir.c reads both): a merged listing, which the core
 * builds (each name once, whiteouts applied; offsets are indexes), and a
 * listing recorded while a directory of one branch was read through
 * (offsets are the branch directory's, so a reader cannot tell it from
 * reading the branch).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/magic.h>
#include <linux/slab.h>
#include "uni.h"

#define UNI_LISTING_BUDGET (1L << 20)	/* names a union keeps in listings */

void uni_listing_put(struct uni_dir_listing *listing)
{
	if (!listing || !refcount_dec_and_test(&listing->count))
		return;
	if (listing->kept)
		atomic_long_sub(uni_dirlist_count(listing->list),
				&UNI_SB(listing->sb)->listed_names);
	uni_dirlist_destroy(listing->list);
	kfree(listing);
}

/* The inode goes: so does its listing. */
void uni_dir_listing_forget(struct inode *inode)
{
	uni_listing_put(UNI_I(inode)->listing);
	UNI_I(inode)->listing = NULL;
}

/* Which entries of a merged listing may show a lower d_ino the union does not use. */
enum uni_ino_fixups {
	UNI_INOS_AS_LISTED,	/* none: every lower d_ino is the union's */
	UNI_INOS_SUBVOL_ROOTS,	/* subdirectories listed as 256: btrfs subvolume roots */
	UNI_INOS_ALL,		/* any entry */
};

#define UNI_BTRFS_SUBVOL_ROOT_INO 256	/* BTRFS_FIRST_FREE_OBJECTID */

/*
 * Does a lower d_ino of the directory differ from what stat says? In a
 * directory holding copies (origin.c), any entry. On btrfs the union
 * numbers an object with its subvolume (origin.c): in a directory of a
 * subvolume other than the top-level one that is every entry; in the
 * top-level one only a subvolume's root, which its parent lists as 256.
 */
static enum uni_ino_fixups uni_dir_ino_fixups(const struct uni_dentry_info *info)
{
	enum uni_ino_fixups fixups = UNI_INOS_AS_LISTED;
	struct dentry *lower;
	int i;

	for (i = info->start; i <= info->end; i++) {
		lower = info->lower[i];
		if (!lower)
			continue;
		if (uni_dir_is_impure(lower))
			return UNI_INOS_ALL;
		if (lower->d_sb->s_magic == BTRFS_SUPER_MAGIC) {
			if (uni_lower_subvol(d_inode(lower)))
				return UNI_INOS_ALL;
			fixups = UNI_INOS_SUBVOL_ROOTS;
		}
	}
	return fixups;
}

/*
 * Where a lower d_ino may not be the union's (above), the entry's number
 * is asked for (a lookup of the name). Other directories cost one xattr
 * read per instance.
 */
static void uni_dirlist_use_union_inos(struct uni_dirlist *list,
				       const struct uni_dentry_info *info)
{
	enum uni_ino_fixups fixups = uni_dir_ino_fixups(info);
	unsigned int i, count = uni_dirlist_count(list);

	if (fixups == UNI_INOS_AS_LISTED)
		return;
	for (i = 0; i < count; i++) {
		const char *name;
		unsigned int len, dtype;
		unsigned long long ino;
		u64 union_ino;

		uni_dirlist_entry(list, i, &name, &len, &ino, &dtype);
		if (fixups == UNI_INOS_SUBVOL_ROOTS &&
		    (dtype != DT_DIR || ino != UNI_BTRFS_SUBVOL_ROOT_INO))
			continue;
		union_ino = uni_child_ino(info, name, len);
		if (union_ino && union_ino != ino)
			uni_dirlist_set_ino(list, i, union_ino);
	}
}
/* Is listing still what info's lower directories hold? */
static bool uni_listing_current(const struct uni_dir_listing *listing,
				const struct uni_dentry_info *info)
{
	struct uni_dir_stamp now;
	int i;

	if (listing->layout != info->layout || listing->start != info->start ||
	    listing->end != info->end)
		return false;
	for (i = info->start; i <= info->end; i++) {
		const struct uni_listed_dir *dir = &listing->dirs[i];
		struct inode *lower = info->lower[i] ? d_inode(info->lower[i]) : NULL;

		if (!lower) {
			if (dir->sb)
				return false;
			continue;
		}
		if (dir->sb != lower->i_sb || dir->ino != lower->i_ino)
			return false;
		uni_dir_stamp_of(lower, &now);
		if (!uni_dir_stamp_equal(&now, &dir->stamp))
			return false;
	}
	return true;
}

/*
 * Stamps info's lower directories into listing; false when a change could
 * hide from them (untrusted stamps, or a clock still in a ctime's tick).
 */
static bool uni_listing_stamp(struct uni_dir_listing *listing, const struct uni_dentry_info *info)
{
	bool trusted = true;
	int i;

	listing->layout = info->layout;
	listing->start = info->start;
	listing->end = info->end;
	for (i = info->start; i <= info->end; i++) {
		struct uni_listed_dir *dir = &listing->dirs[i];
		struct dentry *lower = info->lower[i];

		if (!lower)
			continue;
		dir->sb = d_inode(lower)->i_sb;
		dir->ino = d_inode(lower)->i_ino;
		uni_dir_stamp_of(d_inode(lower), &dir->stamp);
		if (!uni_dir_stamps_trusted(info->layout->branch[i], lower) ||
		    !uni_dir_stamp_settled(d_inode(lower), &dir->stamp))
			trusted = false;
	}
	return trusted;
}

/* The cached listing of the directory, if it lists info as it is now. */
struct uni_dir_listing *uni_listing_cached(struct inode *inode,
						  const struct uni_dentry_info *info)
{
	struct uni_dir_listing *listing;

	spin_lock(&inode->i_lock);
	listing = UNI_I(inode)->listing;
	if (listing)
		refcount_inc(&listing->count);
	spin_unlock(&inode->i_lock);
	if (listing && !uni_listing_current(listing, info)) {
		uni_listing_put(listing);
		listing = NULL;
	}
	return listing;
}

/* Keeps listing with the inode (in place of an older one) if the budget allows. */
static void uni_listing_keep(struct inode *inode, struct uni_dir_listing *listing)
{
	struct uni_sb_info *sbi = UNI_SB(inode->i_sb);
	long names = uni_dirlist_count(listing->list);
	struct uni_dir_listing *old;

	if (atomic_long_add_return(names, &sbi->listed_names) > UNI_LISTING_BUDGET) {
		atomic_long_sub(names, &sbi->listed_names);
		return;
	}
	listing->kept = true;
	refcount_inc(&listing->count);
	spin_lock(&inode->i_lock);
	old = UNI_I(inode)->listing;
	UNI_I(inode)->listing = listing;
	spin_unlock(&inode->i_lock);
	uni_listing_put(old);
}

static struct uni_dir_listing *uni_listing_alloc(struct inode *inode,
						 const struct uni_dentry_info *info)
{
	struct uni_dir_listing *listing;

	listing = kzalloc(struct_size(listing, dirs, info->layout->nbranches), GFP_KERNEL);
	if (!listing)
		return NULL;
	refcount_set(&listing->count, 1);
	listing->sb = inode->i_sb;
	return listing;
}

/* Lists info's lower directories; kept with inode when nothing can have slipped by. */
struct uni_dir_listing *uni_listing_build(struct inode *inode, struct uni_dentry_info *info)
{
	struct uni_dir_listing *listing;
	struct uni_lower_set set;
	bool trusted;
	int err;

	listing = uni_listing_alloc(inode, info);
	if (!listing)
		return ERR_PTR(-ENOMEM);
	trusted = uni_listing_stamp(listing, info);
	uni_lower_set_of(info, &set);
	err = uni_dirlist_build(info->layout->table, &uni_lower_ops, info->layout, &set,
				&listing->list);
	if (err) {
		kfree(listing);
		return ERR_PTR(err);
	}
	uni_dirlist_use_union_inos(listing->list, info);
	if (trusted && uni_listing_current(listing, info))
		uni_listing_keep(inode, listing);
	return listing;
}

/* Do the lower d_ino values of info's directories need no fixing? */
bool uni_dir_inos_as_listed(const struct uni_dentry_info *info)
{
	return uni_dir_ino_fixups(info) == UNI_INOS_AS_LISTED;
}

/*
 * Starts recording what a reader reads through info's one branch
 * directory from its beginning (narrow_offsets: with 32-bit offsets);
 * NULL when it could not be kept (stamps not trusted, or the clock still
 * in the directory's ctime tick) or no memory.
 */
struct uni_dir_listing *uni_listing_record(struct inode *inode,
					   const struct uni_dentry_info *info, bool narrow_offsets)
{
	struct uni_dir_listing *listing = uni_listing_alloc(inode, info);

	if (!listing)
		return NULL;
	listing->recorded = true;
	listing->narrow_offsets = narrow_offsets;
	listing->list = uni_dirlist_create();
	if (!listing->list || !uni_listing_stamp(listing, info)) {
		uni_listing_put(listing);
		return NULL;
	}
	return listing;
}

/*
 * The reader reached the end (offset end) of what it recorded: kept with
 * the inode if the directory (info: as it is now) did not change since.
 */
void uni_listing_record_end(struct inode *inode, struct uni_dir_listing *listing, loff_t end,
			    const struct uni_dentry_info *info)
{
	listing->end_offset = end;
	if (uni_listing_current(listing, info))
		uni_listing_keep(inode, listing);
}
