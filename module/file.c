// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - regular files: each open union file holds an open file on the
 * top branch and forwards I/O to it, so data never passes through a page
 * cache of ours (mmap maps the lower file directly).
 */
#define pr_fmt(fmt) "unionfs: " fmt

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
	.splice_read = ufs_splice_read,
	.mmap = ufs_mmap,
};
