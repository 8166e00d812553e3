// SPDX-License-Identifier: GPL-2.0
/*
 * readdir.c - reading a union directory. A directory only one branch has
 * a part in is read straight through that branch directory, as overlayfs
 * reads a directory of one layer: the branch's own offsets (so
 * telldir/seekdir and NFS cookies are its own), union metadata (".wh."
 * names) left out, d_ino numbered as the union numbers the object. Where
 * numbers need fixing (a directory holding copies, btrfs subvolumes) or
 * branches merge, the core's merged listing is read: an ordered snapshot
 * taken when a reader starts at the beginning, whose offsets are indexes,
 * so telldir/seekdir and reads spread over many getdents calls stay exact.
 *
 * Listings are kept with the inode (listing.c). A directory of one branch
 * read through from its beginning a second time while its inode is in
 * memory is recorded as it passes, with the branch's offsets, and kept:
 * later reads come from memory and see the same offsets, so a reader (or
 * an NFS client resuming at a cookie) cannot tell the two apart. A single
 * walk over a big tree records nothing.
 *
 * Which way a stream reads is decided by the directory's shape when it
 * starts (offset 0, or its first read or seek on a new open) and holds
 * until it starts again; it never depends on what an earlier stream read,
 * because nfsd opens the directory anew for every READDIR.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/compat.h>
#include <linux/slab.h>
#include "uni.h"

/* A merged listing's offsets: 0 and 1 are "." and ".."; entry i is at i + 2. */
#define UNI_DIR_FIRST_ENTRY 2

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
	uni_listing_put(di->recording);
	di->recording = NULL;
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

/* The branch of info's one directory, when nothing in it needs merging or renumbering; else -1. */
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
	if (sole >= 0 && !uni_dir_inos_as_listed(info))
		return -1;
	return sole;
}

/* Opens info's directory on branch b to read it through. */
static int uni_through_open(struct file *file, struct uni_dir_info *di,
			    const struct uni_dentry_info *info, int b)
{
	struct file *lower = uni_open_branch_dir(info->layout, b, info->lower[b]);

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	/* Offsets are the branch's: it gives the width nfsd asked the union for. */
	lower->f_mode |= file->f_mode & (FMODE_32BITHASH | FMODE_64BITHASH);
	di->through = lower;
	di->through_fs_index = info->layout->branch[b]->fs_index;
	return 0;
}

/*
 * Does the reader get 32-bit offsets from a branch directory? ext4 gives
 * them where nfsd asks for them (FMODE_32BITHASH) and to 32-bit
 * programs, and a recorded listing serves only readers of its width.
 */
static bool uni_dir_narrow_offsets(const struct file *file)
{
	if (file->f_mode & (FMODE_32BITHASH | FMODE_64BITHASH))
		return file->f_mode & FMODE_32BITHASH;
	return in_compat_syscall();
}

/* How a stream starts (uni_dir_start()). */
enum uni_dir_start_how {
	UNI_START_AT_BEGINNING,	/* offset 0: may record what it reads through */
	UNI_START_AT_OFFSET,	/* a new open resumed at an offset */
	UNI_START_FROM_BRANCH,	/* at an offset the recorded listing lacks */
};

/*
 * Starts the stream for the directory as it is now: a kept listing of its
 * shape if current, else its one branch directory read through (recorded
 * when read from the beginning again), else a new merged listing.
 */
static int uni_dir_start(struct file *file, struct uni_dir_info *di, enum uni_dir_start_how how)
{
	struct inode *inode = file_inode(file);
	struct uni_inode_info *ui = UNI_I(inode);
	/* The current layout's, also for a directory opened before a change. */
	struct uni_dentry_info *info = uni_get_fresh_info(file->f_path.dentry);
	struct uni_dir_listing *listing = NULL;
	bool narrow = uni_dir_narrow_offsets(file);
	int b, err = 0;

	if (IS_ERR(info))
		return PTR_ERR(info);
	uni_dir_stop(di);
	di->ended_at = 0;
	di->next_index = 0;
	b = uni_dir_sole_branch(info);
	if (how != UNI_START_FROM_BRANCH)
		listing = uni_listing_cached(inode, info);
	/* Of the other kind, or recorded with offsets of another width: not this reader's. */
	if (listing && (listing->recorded != (b >= 0) ||
			(listing->recorded && listing->narrow_offsets != narrow))) {
		uni_listing_put(listing);
		listing = NULL;
	}
	if (listing) {
		di->listing = listing;
	} else if (b >= 0) {
		err = uni_through_open(file, di, info, b);
		if (!err && how == UNI_START_AT_BEGINNING) {
			if (READ_ONCE(ui->read_through))
				di->recording = uni_listing_record(inode, info, narrow);
			else
				WRITE_ONCE(ui->read_through, true);
		}
	} else {
		listing = uni_listing_build(inode, info);
		if (IS_ERR(listing))
			err = PTR_ERR(listing);
		else
			di->listing = listing;
	}
	uni_put_dentry_info(info);
	return err;
}

static bool uni_is_dot_or_dotdot(const char *name, int len)
{
	return name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'));
}

/* The union's number for "." and ".." of the directory file reads; ino for any other name. */
static u64 uni_dot_ino(struct file *file, const char *name, int len, u64 ino)
{
	if (!uni_is_dot_or_dotdot(name, len))
		return ino;
	return len == 1 ? file_inode(file)->i_ino : uni_parent_ino(file->f_path.dentry);
}

/* A getdents of a directory read through: the caller's, with its entries translated. */
struct uni_through_ctx {
	struct dir_context ctx;
	struct dir_context *caller;
	struct file *file;		/* the union's */
	unsigned int fs_index;
	struct uni_dirlist *record;	/* what the caller took, or NULL */
	bool record_failed;
	bool read_any;			/* the branch gave an entry: not at its end */
};

static bool uni_through_actor(struct dir_context *ctx, const char *name, int len,
			      loff_t offset, u64 ino, unsigned int dtype)
{
	struct uni_through_ctx *tc = container_of(ctx, struct uni_through_ctx, ctx);

	tc->read_any = true;
	if (len >= UNI_WH_PREFIX_LEN && !memcmp(name, UNI_WH_PREFIX, UNI_WH_PREFIX_LEN))
		return true;	/* whiteouts, markers, temporaries: the union's own */
	if (uni_is_dot_or_dotdot(name, len))
		ino = uni_dot_ino(tc->file, name, len, ino);
	else
		ino = uni_union_ino(tc->fs_index, ino);
	if (!tc->caller->actor(tc->caller, name, len, offset, ino, dtype))
		return false;	/* no room: read again by the next call */
	if (tc->record && !tc->record_failed &&
	    uni_dirlist_append(tc->record, name, len, ino, dtype, offset))
		tc->record_failed = true;
	return true;
}

/* A recording that reached the branch directory's end at offset end: kept if still current. */
static void uni_dir_recorded_all(struct file *file, struct uni_dir_info *di, loff_t end)
{
	struct uni_dentry_info *info = uni_get_fresh_info(file->f_path.dentry);

	if (IS_ERR(info))
		return;
	uni_listing_record_end(file_inode(file), di->recording, end, info);
	uni_put_dentry_info(info);
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
		.file = file,
		.fs_index = di->through_fs_index,
		.record = di->recording ? di->recording->list : NULL,
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
	if (err || tc.record_failed) {
		uni_listing_put(di->recording);
		di->recording = NULL;
	}
	if (!err && !tc.read_any) {
		if (di->recording)
			uni_dir_recorded_all(file, di, ctx->pos);
		uni_dir_stop(di);
		di->ended_at = ctx->pos;
	}
	return err;
}

/*
 * The index of the recorded entry at branch offset pos, or -1. Offset 0
 * is the beginning, whatever offset the first entry has (ext4 gives each
 * entry of a hashed directory its hash, "." included).
 */
static int uni_recorded_index(const struct uni_dir_info *di, loff_t pos)
{
	const struct uni_dirlist *list = di->listing->list;
	unsigned int i, count = uni_dirlist_count(list);

	if (pos == 0)
		return 0;
	if (di->next_index < count && uni_dirlist_offset(list, di->next_index) == pos)
		return di->next_index;	/* where the last read stopped */
	for (i = 0; i < count; i++)
		if (uni_dirlist_offset(list, i) == pos)
			return i;
	return -1;
}

/*
 * Reads on from a recorded listing as the branch directory would give it.
 * -ENOENT: the offset is none the listing has (it cannot say where that is).
 */
static int uni_iterate_recorded(struct file *file, struct uni_dir_info *di,
				struct dir_context *ctx)
{
	const struct uni_dir_listing *listing = di->listing;
	unsigned int count = uni_dirlist_count(listing->list);
	int i;

	if (ctx->pos == listing->end_offset)
		return 0;
	i = uni_recorded_index(di, ctx->pos);
	if (i < 0)
		return -ENOENT;
	for (; i < count; i++) {
		const char *name;
		unsigned int len, dtype;
		unsigned long long ino;

		uni_dirlist_entry(listing->list, i, &name, &len, &ino, &dtype);
		/* Each entry goes with its own offset, as the branch gives it. */
		ctx->pos = uni_dirlist_offset(listing->list, i);
		if (!dir_emit(ctx, name, len, uni_dot_ino(file, name, len, ino), dtype))
			return 0;
		di->next_index = i + 1;
	}
	ctx->pos = listing->end_offset;
	return 0;
}

/* Reads on from a merged listing: "." and "..", then entry i at offset i + 2. */
static int uni_iterate_merged(struct file *file, struct uni_dir_info *di,
			      struct dir_context *ctx)
{
	unsigned int count, i;

	if (!dir_emit_dots(file, ctx))
		return 0;
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
		err = uni_dir_start(file, di, ctx->pos ? UNI_START_AT_OFFSET :
							 UNI_START_AT_BEGINNING);
		if (err)
			return err;
	}
	if (di->listing && di->listing->recorded) {
		err = uni_iterate_recorded(file, di, ctx);
		if (err != -ENOENT)
			return err;
		err = uni_dir_start(file, di, UNI_START_FROM_BRANCH);
		if (err)
			return err;
	}
	if (di->through)
		return uni_iterate_through(file, di, ctx);
	return uni_iterate_merged(file, di, ctx);
}

/*
 * A seek of a directory read through is the branch directory's (its
 * offsets may be any 63-bit cookie, which the union's s_maxbytes would
 * refuse), and ends a recording (it no longer reads the whole in order);
 * one read from a recorded listing is checked at the next read. A seek to
 * 0 restarts the stream at its next read; a seek on a stream not started
 * yet (nfsd opens the directory for every READDIR and seeks to the
 * cookie) starts it first.
 */
static loff_t uni_dir_llseek(struct file *file, loff_t offset, int whence)
{
	struct uni_dir_info *di = file->private_data;
	loff_t pos;
	int err;

	if (whence == SEEK_SET && offset == 0)
		return generic_file_llseek(file, offset, whence);
	if (!di->listing && !di->through) {
		err = uni_dir_start(file, di, UNI_START_AT_OFFSET);
		if (err)
			return err;
	}
	if (di->through) {
		uni_listing_put(di->recording);
		di->recording = NULL;
		pos = uni_do_llseek(di->through, offset, whence);
		return pos < 0 ? pos : vfs_setpos(file, pos, LLONG_MAX);
	}
	if (di->listing->recorded)
		return generic_file_llseek_size(file, offset, whence, LLONG_MAX, LLONG_MAX);
	return generic_file_llseek(file, offset, whence);
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
