// SPDX-License-Identifier: GPL-2.0
/*
 * readdir.c - directory listings. A directory only one branch has a part
 * in is read straight through that branch directory, as overlayfs reads a
 * directory of one layer: the branch's own offsets (so telldir/seekdir and
 * NFS cookies are its own), union metadata (".wh." names) left out, d_ino
 * numbered as the union numbers the object. Where numbers need fixing (a
 * directory holding copies, btrfs subvolumes) or branches merge, the core
 * builds the listing (each name once, whiteouts applied) as an ordered
 * snapshot when a reader starts at the beginning; the directory offset is
 * an index into that snapshot, so telldir/seekdir and reads spread over
 * many getdents calls stay exact. Which of the two a stream reads is
 * decided when it starts (offset 0, or its first read or seek) and holds
 * until it starts again.
 *
 * A merged listing is kept with the directory's inode for its next opens
 * and rewinds while it is current: the same lower directories (by
 * identity) and every one's stamp (name_cache.c) unchanged. Any change of
 * a lower directory's entries - through the union or on the branch itself -
 * moves its ctime; a listing is only kept when the clock was past each
 * ctime before it was read (a change in the same tick moves the ctime
 * then) and no stamp moved while it was read. Directories on branches
 * whose stamps cannot be trusted (uni_dir_stamps_trusted()) are listed
 * anew at every start, as are all once a union keeps
 * UNI_LISTING_BUDGET names in listings; a listing goes with its inode.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/magic.h>
#include <linux/slab.h>
#include "uni.h"

/* Offsets 0 and 1 are "." and ".."; entry i of the snapshot is at offset i + 2. */
#define UNI_DIR_FIRST_ENTRY 2

#define UNI_LISTING_BUDGET (1L << 20)	/* names a union keeps in listings */

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
	struct uni_listed_dir dirs[];	/* by branch */
};

static void uni_listing_put(struct uni_dir_listing *listing)
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

static int uni_dir_open(struct inode *inode, struct file *file)
{
	struct uni_dir_info *di = kzalloc(sizeof(*di), GFP_KERNEL);

	if (!di)
		return -ENOMEM;
	file->private_data = di;
	return 0;
}

/* Lets go of what the stream read from: it starts anew at its next read. */
static void uni_dir_stop(struct uni_dir_info *di)
{
	uni_listing_put(di->listing);
	di->listing = NULL;
	if (di->through)
		fput(di->through);
	di->through = NULL;
}

static int uni_dir_release(struct inode *inode, struct file *file)
{
	struct uni_dir_info *di = file->private_data;

	uni_dir_stop(di);
	kfree(di);
	return 0;
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
static struct uni_dir_listing *uni_listing_cached(struct inode *inode,
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

/* Lists info's lower directories; kept with inode when nothing can have slipped by. */
static struct uni_dir_listing *uni_listing_build(struct inode *inode, struct uni_dentry_info *info)
{
	struct uni_dir_listing *listing;
	struct uni_lower_set set;
	bool trusted;
	int err;

	listing = kzalloc(struct_size(listing, dirs, info->layout->nbranches), GFP_KERNEL);
	if (!listing)
		return ERR_PTR(-ENOMEM);
	refcount_set(&listing->count, 1);
	listing->sb = inode->i_sb;
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

/*
 * The branch of info's one directory, when nothing in it needs merging or
 * renumbering (uni_dir_ino_fixups()); -1 otherwise.
 */
static int uni_dir_sole_branch(const struct uni_dentry_info *info)
{
	int i, sole = -1;

	for (i = info->start; i <= info->end; i++) {
		if (!info->lower[i])
			continue;
		if (sole >= 0)
			return -1;
		sole = i;
	}
	if (sole >= 0 && uni_dir_ino_fixups(info) != UNI_INOS_AS_LISTED)
		return -1;
	return sole;
}

/* Opens info's directory on branch b to read it through, as the mounter reads branches. */
static int uni_through_open(struct file *file, struct uni_dir_info *di,
			    const struct uni_dentry_info *info, int b)
{
	struct path path = { .mnt = uni_info_mnt(info, b), .dentry = info->lower[b] };
	const struct cred *old_cred = override_creds(UNI_SB(file_inode(file)->i_sb)->creator_cred);
	struct file *lower = uni_do_open(&path, O_RDONLY | O_DIRECTORY);

	revert_creds(old_cred);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	/* Offsets are the branch's: it gives the width nfsd asked the union for. */
	lower->f_mode |= file->f_mode & (FMODE_32BITHASH | FMODE_64BITHASH);
	di->through = lower;
	di->through_fs_index = info->layout->branch[b]->fs_index;
	return 0;
}

/*
 * Starts the stream: decides, for the directory as it is now, whether it
 * is read through its one branch directory or from a merged listing (the
 * one kept with the inode if still current). The choice follows the
 * directory's shape alone, never what was read before: a stream resumed
 * at an offset (nfsd opens the directory anew for every READDIR) must
 * read the offsets it was given in the same kind.
 */
static int uni_dir_start(struct file *file, struct uni_dir_info *di)
{
	struct inode *inode = file_inode(file);
	/* The current layout's, also for a directory opened before a change. */
	struct uni_dentry_info *info = uni_get_fresh_info(file->f_path.dentry);
	struct uni_dir_listing *listing;
	int b, err = 0;

	if (IS_ERR(info))
		return PTR_ERR(info);
	uni_dir_stop(di);
	di->ended_at = 0;
	b = uni_dir_sole_branch(info);
	if (b >= 0) {
		err = uni_through_open(file, di, info, b);
	} else {
		listing = uni_listing_cached(inode, info);
		if (!listing)
			listing = uni_listing_build(inode, info);
		if (IS_ERR(listing))
			err = PTR_ERR(listing);
		else
			di->listing = listing;
	}
	uni_put_dentry_info(info);
	return err;
}

/* A getdents of a directory read through: the caller's, with its entries translated. */
struct uni_through_ctx {
	struct dir_context ctx;
	struct dir_context *caller;
	u64 dot_ino, dotdot_ino;	/* the union's "." and ".." */
	unsigned int fs_index;
	bool read_any;			/* the branch gave an entry: not at its end */
};

static bool uni_through_actor(struct dir_context *ctx, const char *name, int len,
			      loff_t offset, u64 ino, unsigned int dtype)
{
	struct uni_through_ctx *tc = container_of(ctx, struct uni_through_ctx, ctx);

	tc->read_any = true;
	if (len >= UNI_WH_PREFIX_LEN && !memcmp(name, UNI_WH_PREFIX, UNI_WH_PREFIX_LEN))
		return true;	/* whiteouts, markers, temporaries: the union's own */
	if (len == 1 && name[0] == '.')
		ino = tc->dot_ino;
	else if (len == 2 && name[0] == '.' && name[1] == '.')
		ino = tc->dotdot_ino;
	else
		ino = uni_union_ino(tc->fs_index, ino);
	return tc->caller->actor(tc->caller, name, len, offset, ino, dtype);
}

/*
 * Reads on from the branch directory at the caller's offset. At its end
 * the branch directory is let go (a branch removed meanwhile is not kept
 * busy by a reader done with it); reading at that offset again is the end.
 */
static int uni_iterate_through(struct file *file, struct uni_dir_info *di,
			       struct dir_context *ctx)
{
	struct file *lower = di->through;
	struct uni_through_ctx tc = {
		.ctx.actor = uni_through_actor,
		.ctx.pos = ctx->pos,
		.caller = ctx,
		.dot_ino = file_inode(file)->i_ino,
		.dotdot_ino = uni_parent_ino(file->f_path.dentry),
		.fs_index = di->through_fs_index,
	};
	int err;

	if (lower->f_pos != ctx->pos) {
		loff_t pos = uni_do_llseek(lower, ctx->pos, SEEK_SET);

		if (pos < 0)
			return pos;
	}
	err = uni_do_iterate(lower, &tc.ctx);
	if (err == -ENOENT && IS_DEADDIR(file_inode(lower)))
		err = 0;	/* removed while open: its end */
	ctx->pos = tc.ctx.pos;
	if (!err && !tc.read_any) {
		uni_dir_stop(di);
		di->ended_at = ctx->pos;
	}
	return err;
}

/* Reads on from the merged snapshot: "." and "..", then entry i at offset i + 2. */
static int uni_iterate_listing(struct uni_dir_info *di, struct dir_context *ctx)
{
	unsigned int count, i;

	count = uni_dirlist_count(di->listing->list);
	if (ctx->pos - UNI_DIR_FIRST_ENTRY >= count)
		return 0;	/* at the end, or a seekdir past it */
	for (i = ctx->pos - UNI_DIR_FIRST_ENTRY; i < count; i++) {
		const char *name;
		unsigned int len, dtype;
		unsigned long long ino;

		uni_dirlist_entry(di->listing->list, i, &name, &len, &ino, &dtype);
		if (!dir_emit(ctx, name, len, ino, dtype))
			break;
		ctx->pos++;
	}
	return 0;
}

/* Caller (getdents) holds f_pos_lock, which serialises readers of one open file. */
static int uni_iterate(struct file *file, struct dir_context *ctx)
{
	struct uni_dir_info *di = file->private_data;
	int err;

	if (ctx->pos && ctx->pos == di->ended_at && !di->listing && !di->through)
		return 0;
	if (!ctx->pos || (!di->listing && !di->through)) {
		err = uni_dir_start(file, di);
		if (err)
			return err;
	}
	if (di->through)
		return uni_iterate_through(file, di, ctx);
	if (!dir_emit_dots(file, ctx))
		return 0;
	return uni_iterate_listing(di, ctx);
}

/*
 * A seek of a directory read through is the branch directory's (its
 * offsets may be any 63-bit cookie, which the union's s_maxbytes would
 * refuse). A seek to 0 restarts the stream at its next read; a seek on a
 * stream not started yet (nfsd opens the directory for every READDIR and
 * seeks to the cookie) starts it first.
 */
static loff_t uni_dir_llseek(struct file *file, loff_t offset, int whence)
{
	struct uni_dir_info *di = file->private_data;
	loff_t pos;
	int err;

	if (whence == SEEK_SET && offset == 0)
		return generic_file_llseek(file, offset, whence);
	if (!di->listing && !di->through) {
		err = uni_dir_start(file, di);
		if (err)
			return err;
	}
	if (!di->through)
		return generic_file_llseek(file, offset, whence);
	pos = uni_do_llseek(di->through, offset, whence);
	return pos < 0 ? pos : vfs_setpos(file, pos, LLONG_MAX);
}

/*
 * fsync of a union directory syncs its instances on writable branches:
 * that is where creates, removals and renames below it went.
 */
static int uni_dir_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct dentry *dentry = file->f_path.dentry;
	struct uni_dentry_info *info = uni_get_dentry_info(dentry);
	int i, err = 0;

	for (i = info->start; i <= info->end && !err; i++) {
		struct path path = { .mnt = uni_info_mnt(info, i), .dentry = info->lower[i] };
		struct file *lower;

		if (!path.dentry || READ_ONCE(info->layout->branch[i]->mode) != UNI_BRANCH_RW)
			continue;
		lower = uni_do_open(&path, O_RDONLY | O_DIRECTORY);
		if (IS_ERR(lower)) {
			err = PTR_ERR(lower);
			break;
		}
		err = uni_do_fsync(lower, start, end, datasync);
		fput(lower);
	}
	uni_put_dentry_info(info);
	return err;
}

const struct file_operations uni_dir_fops = {
	.open = uni_dir_open,
	.release = uni_dir_release,
	.llseek = uni_dir_llseek,
	.read = generic_read_dir,
	.iterate_shared = uni_iterate,
	.fsync = uni_dir_fsync,
	.unlocked_ioctl = uni_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
