// SPDX-License-Identifier: GPL-2.0
/*
 * readdir.c - merged directory listings. The core builds the listing (each
 * name once, whiteouts applied) as an ordered snapshot when a reader starts
 * at the beginning; the directory offset is an index into that snapshot, so
 * telldir/seekdir and reads spread over many getdents calls stay exact.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/slab.h>
#include "ufs.h"

/* Offsets 0 and 1 are "." and ".."; entry i of the snapshot is at offset i + 2. */
#define UFS_DIR_FIRST_ENTRY 2

static int ufs_dir_open(struct inode *inode, struct file *file)
{
	struct ufs_dir_info *di = kzalloc(sizeof(*di), GFP_KERNEL);

	if (!di)
		return -ENOMEM;
	file->private_data = di;
	return 0;
}

static int ufs_dir_release(struct inode *inode, struct file *file)
{
	struct ufs_dir_info *di = file->private_data;

	if (di->list)
		ufs_dirlist_destroy(di->list);
	kfree(di);
	return 0;
}

/* Takes a fresh snapshot of the merged listing. */
static int ufs_dir_snapshot(struct file *file, struct ufs_dir_info *di)
{
	struct dentry *dentry = file->f_path.dentry;
	/* The listing of the current layout, also for a directory opened before a change. */
	struct ufs_dentry_info *info = ufs_get_fresh_info(dentry);
	struct ufs_lower_set set;
	struct ufs_dirlist *list;
	int err;

	if (IS_ERR(info))
		return PTR_ERR(info);
	ufs_lower_set_of(info, &set);
	err = ufs_dirlist_build(info->layout->table, &ufs_lower_ops, info->layout, &set, &list);
	ufs_put_dentry_info(info);
	if (err)
		return err;
	if (di->list)
		ufs_dirlist_destroy(di->list);
	di->list = list;
	return 0;
}

/* Caller (getdents) holds f_pos_lock, which serialises readers of one open file. */
static int ufs_iterate(struct file *file, struct dir_context *ctx)
{
	struct ufs_dir_info *di = file->private_data;
	unsigned int count, i;
	int err;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (ctx->pos == UFS_DIR_FIRST_ENTRY || !di->list) {
		err = ufs_dir_snapshot(file, di);
		if (err)
			return err;
	}

	count = ufs_dirlist_count(di->list);
	if (ctx->pos - UFS_DIR_FIRST_ENTRY >= count)
		return 0;	/* at the end, or a seekdir past it */
	for (i = ctx->pos - UFS_DIR_FIRST_ENTRY; i < count; i++) {
		const char *name;
		unsigned int len, dtype;
		unsigned long long ino;

		ufs_dirlist_entry(di->list, i, &name, &len, &ino, &dtype);
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
static int ufs_dir_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct dentry *dentry = file->f_path.dentry;
	struct ufs_dentry_info *info = ufs_get_dentry_info(dentry);
	int i, err = 0;

	for (i = info->start; i <= info->end && !err; i++) {
		struct path path = { .mnt = ufs_info_mnt(info, i), .dentry = info->lower[i] };
		struct file *lower;

		if (!path.dentry || READ_ONCE(info->layout->branch[i]->mode) != UFS_BRANCH_RW)
			continue;
		lower = ufs_do_open(&path, O_RDONLY | O_DIRECTORY);
		if (IS_ERR(lower)) {
			err = PTR_ERR(lower);
			break;
		}
		err = ufs_do_fsync(lower, start, end, datasync);
		fput(lower);
	}
	ufs_put_dentry_info(info);
	return err;
}

const struct file_operations ufs_dir_fops = {
	.open = ufs_dir_open,
	.release = ufs_dir_release,
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = ufs_iterate,
	.fsync = ufs_dir_fsync,
	.unlocked_ioctl = ufs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
