// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - regular files: each open union file holds an open file on the
 * top branch and forwards I/O to it, so data never passes through a page
 * cache of ours (mmap maps the lower file directly).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_stack.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include "ufs.h"

static int ufs_open(struct inode *inode, struct file *file)
{
	struct ufs_file_info *fi;
	struct path lower_path;
	struct file *lower;

	/* A writer works on a copy on a writable branch; O_TRUNC copies no data. */
	if ((file->f_flags & O_ACCMODE) != O_RDONLY || (file->f_flags & O_TRUNC)) {
		int err = ufs_copyup_for_write(file->f_path.dentry,
					       (file->f_flags & O_TRUNC) ? 0 : UFS_COPY_ALL);

		if (err)
			return err;
	}
	fi = kzalloc(sizeof(*fi), GFP_KERNEL);
	if (!fi)
		return -ENOMEM;

	ufs_get_top_lower_path(file->f_path.dentry, &lower_path);
	/* Creation and truncation were the VFS's business on our inode, not the lower's. */
	lower = ufs_do_open(&lower_path, file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
	dput(lower_path.dentry);
	if (IS_ERR(lower)) {
		kfree(fi);
		return PTR_ERR(lower);
	}
	fi->lower = lower;
	file->private_data = fi;
	return 0;
}

static int ufs_release(struct inode *inode, struct file *file)
{
	struct ufs_file_info *fi = UFS_F(file);

	fput(fi->lower);
	kfree(fi);
	return 0;
}

static ssize_t ufs_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *lower = UFS_F(iocb->ki_filp)->lower;
	rwf_t flags = (iocb->ki_flags & IOCB_HIPRI) ? RWF_HIPRI : 0;

	if (!iov_iter_count(iter))
		return 0;
	return vfs_iter_read(lower, iter, &iocb->ki_pos, flags);
}

/* Writes go to the lower file; size and times are mirrored back. */
static ssize_t ufs_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp, *lower = UFS_F(file)->lower;
	struct inode *inode = file_inode(file);
	rwf_t flags = 0;
	ssize_t ret;

	if (iocb->ki_flags & IOCB_DSYNC)
		flags |= RWF_DSYNC;
	if (iocb->ki_flags & IOCB_SYNC)
		flags |= RWF_SYNC;
	if (iocb->ki_flags & IOCB_APPEND)
		flags |= RWF_APPEND;
	if (!iov_iter_count(iter))
		return 0;
	inode_lock(inode);
	file_start_write(lower);
	ret = vfs_iter_write(lower, iter, &iocb->ki_pos, flags);
	file_end_write(lower);
	fsstack_copy_inode_size(inode, file_inode(lower));
	fsstack_copy_attr_times(inode, file_inode(lower));
	inode_unlock(inode);
	return ret;
}

static int ufs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	return vfs_fsync_range(UFS_F(file)->lower, start, end, datasync);
}

static long ufs_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct file *lower = UFS_F(file)->lower;
	struct inode *inode = file_inode(file);
	long ret;

	inode_lock(inode);
	ret = vfs_fallocate(lower, mode, offset, len);
	fsstack_copy_inode_size(inode, file_inode(lower));
	fsstack_copy_attr_times(inode, file_inode(lower));
	inode_unlock(inode);
	return ret;
}

static ssize_t ufs_splice_read(struct file *file, loff_t *ppos, struct pipe_inode_info *pipe,
			       size_t len, unsigned int flags)
{
	return ufs_splice_read_lower(UFS_F(file)->lower, ppos, pipe, len, flags);
}

/*
 * SEEK_DATA/SEEK_HOLE and SEEK_END need the lower file's knowledge, so the
 * lower file seeks and we copy its position back. The inode lock keeps two
 * seekers on one union file from crossing.
 */
static loff_t ufs_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *lower = UFS_F(file)->lower;
	struct inode *inode = file_inode(file);
	loff_t ret;

	inode_lock(inode);
	lower->f_pos = file->f_pos;
	ret = vfs_llseek(lower, offset, whence);
	file->f_pos = lower->f_pos;
	inode_unlock(inode);
	return ret;
}

/* The mapping belongs to the lower file: page faults and writeback are its own. */
static int ufs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *lower = UFS_F(file)->lower;

	if (!lower->f_op->mmap)
		return -ENODEV;
	vma_set_file(vma, lower);
	return call_mmap(lower, vma);
}

const struct file_operations ufs_file_fops = {
	.open = ufs_open,
	.release = ufs_release,
	.llseek = ufs_llseek,
	.read_iter = ufs_read_iter,
	.write_iter = ufs_write_iter,
	.fsync = ufs_fsync,
	.fallocate = ufs_fallocate,
	.splice_read = ufs_splice_read,
	.mmap = ufs_mmap,
};
