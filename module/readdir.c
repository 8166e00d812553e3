// SPDX-License-Identifier: GPL-2.0
/*
 * readdir.c - merged directory listings. The core builds the listing (each
 * name once, whiteouts applied) as an ordered snapshot when a reader starts
 * at the beginning; the directory offset is an index into that snapshot, so
 * telldir/seekdir and reads spread over many getdents calls stay exact.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/magic.h>
#include <linux/slab.h>
#include "uni.h"

/* Offsets 0 and 1 are "." and ".."; entry i of the snapshot is at offset i + 2. */
#define UNI_DIR_FIRST_ENTRY 2

static int uni_dir_open(struct inode *inode, struct file *file)
{
	struct uni_dir_info *di = kzalloc(sizeof(*di), GFP_KERNEL);

	if (!di)
		return -ENOMEM;
	file->private_data = di;
	return 0;
}

static int uni_dir_release(struct inode *inode, struct file *file)
{
	struct uni_dir_info *di = file->private_data;

	if (di->list)
		uni_dirlist_destroy(di->list);
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

/* Takes a fresh snapshot of the merged listing. */
static int uni_dir_snapshot(struct file *file, struct uni_dir_info *di)
{
	struct dentry *dentry = file->f_path.dentry;
	/* The listing of the current layout, also for a directory opened before a change. */
	struct uni_dentry_info *info = uni_get_fresh_info(dentry);
	struct uni_lower_set set;
	struct uni_dirlist *list;
	int err;

	if (IS_ERR(info))
		return PTR_ERR(info);
	uni_lower_set_of(info, &set);
	err = uni_dirlist_build(info->layout->table, &uni_lower_ops, info->layout, &set, &list);
	if (!err)
		uni_dirlist_use_union_inos(list, info);
	uni_put_dentry_info(info);
	if (err)
		return err;
	if (di->list)
		uni_dirlist_destroy(di->list);
	di->list = list;
	return 0;
}

/* Caller (getdents) holds f_pos_lock, which serialises readers of one open file. */
static int uni_iterate(struct file *file, struct dir_context *ctx)
{
	struct uni_dir_info *di = file->private_data;
	unsigned int count, i;
	int err;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos == UNI_DIR_FIRST_ENTRY || !di->list) {
		err = uni_dir_snapshot(file, di);
		if (err)
			return err;
	}

	count = uni_dirlist_count(di->list);
	if (ctx->pos - UNI_DIR_FIRST_ENTRY >= count)
		return 0;	/* at the end, or a seekdir past it */
	for (i = ctx->pos - UNI_DIR_FIRST_ENTRY; i < count; i++) {
		const char *name;
		unsigned int len, dtype;
		unsigned long long ino;

		uni_dirlist_entry(di->list, i, &name, &len, &ino, &dtype);
		if (!dir_emit(ctx, name, len, ino, dtype))
			break;
		ctx->pos++;
	}
	return 0;
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
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = uni_iterate,
	.fsync = uni_dir_fsync,
	.unlocked_ioctl = uni_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
