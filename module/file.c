// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - regular files: each open union file holds an open file on the
 * top branch and forwards read(2)/write(2) to it (mmap.c gives mappings a
 * page cache of the union inode, kept coherent with them). When another opener
 * copies the object up, a file opened before follows it to the copy at
 * its next operation, so readers see what writers wrote.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_stack.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include "ufs.h"

/* Opens the union file's current top object as the lower file. */
static struct file *ufs_open_top(struct file *file)
{
	struct path lower_path;
	struct file *lower;

	ufs_get_top_lower_path(file->f_path.dentry, &lower_path);
	/* Creation and truncation were the VFS's business on our inode, not the lower's. */
	lower = ufs_do_open(&lower_path, file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
	dput(lower_path.dentry);
	return lower;
}

static int ufs_open(struct inode *inode, struct file *file)
{
	struct ufs_file_info *fi;
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
	lower = ufs_open_top(file);
	if (IS_ERR(lower)) {
		kfree(fi);
		return PTR_ERR(lower);
	}
	spin_lock_init(&fi->lock);
	fi->lower = lower;
	fi->branch = ufs_inode_branch_get(inode);
	atomic_long_inc(&fi->branch->open_files);
	file->private_data = fi;
	/* O_DIRECT works when the lower file can do it (checked after ->open). */
	if (lower->f_mode & FMODE_CAN_ODIRECT)
		file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

/*
 * Returns a reference to the lower file to use now (caller must fput()
 * it): the one opened with the union file, unless the object has been
 * copied up since, in which case the copy is opened and kept instead.
 */
struct file *ufs_lower_file(struct file *file)
{
	struct ufs_file_info *fi = UFS_F(file);
	struct inode *top = READ_ONCE(UFS_I(file_inode(file))->lower);
	struct ufs_lower_branch *branch, *old_branch = NULL;
	struct file *lower, *fresh, *old = NULL;

	spin_lock(&fi->lock);
	lower = get_file(fi->lower);
	spin_unlock(&fi->lock);
	if (likely(file_inode(lower) == top))
		return lower;

	fresh = ufs_open_top(file);
	if (IS_ERR(fresh))
		return lower;	/* the old object is still a consistent file */
	branch = ufs_inode_branch_get(file_inode(file));
	spin_lock(&fi->lock);
	if (fi->lower == lower) {
		old = fi->lower;
		fi->lower = get_file(fresh);
		old_branch = fi->branch;
		atomic_long_dec(&old_branch->open_files);
		fi->branch = branch;
		atomic_long_inc(&branch->open_files);
		branch = NULL;	/* the file's reference now */
	}
	spin_unlock(&fi->lock);
	ufs_branch_put(branch);
	ufs_branch_put(old_branch);
	if (old)
		fput(old);
	fput(lower);
	return fresh;
}

static int ufs_release(struct inode *inode, struct file *file)
{
	struct ufs_file_info *fi = UFS_F(file);

	atomic_long_dec(&fi->branch->open_files);
	ufs_branch_put(fi->branch);
	fput(fi->lower);
	kfree(fi);
	return 0;
}

static ssize_t ufs_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	rwf_t flags = (iocb->ki_flags & IOCB_HIPRI) ? RWF_HIPRI : 0;
	struct file *lower;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	ret = ufs_cache_flush_range(file_inode(iocb->ki_filp), iocb->ki_pos, iov_iter_count(iter));
	if (ret)
		return ret;
	lower = ufs_lower_file(iocb->ki_filp);
	ret = vfs_iter_read(lower, iter, &iocb->ki_pos, flags);
	fput(lower);
	return ret;
}

/* Writes go to the lower file; size and times are mirrored back. */
static ssize_t ufs_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp, *lower;
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
	lower = ufs_lower_file(file);
	inode_lock(inode);
	/* Our mapped pages of the range go to the lower first, and are read again after. */
	ret = ufs_cache_flush_range(inode, iocb->ki_pos, iov_iter_count(iter));
	if (!ret) {
		file_start_write(lower);
		ret = vfs_iter_write(lower, iter, &iocb->ki_pos, flags);
		file_end_write(lower);
	}
	fsstack_copy_inode_size(inode, file_inode(lower));
	fsstack_copy_attr_times(inode, file_inode(lower));
	if (ret > 0)
		ufs_cache_drop_range(inode, iocb->ki_pos - ret, ret);
	inode_unlock(inode);
	fput(lower);
	return ret;
}

static int ufs_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct file *lower;
	int err = file_write_and_wait_range(file, start, end);	/* mapped pages first */

	if (err)
		return err;
	lower = ufs_lower_file(file);
	err = vfs_fsync_range(lower, start, end, datasync);
	fput(lower);
	return err;
}

static long ufs_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct file *lower = ufs_lower_file(file);
	struct inode *inode = file_inode(file);
	long ret;

	inode_lock(inode);
	ret = ufs_cache_flush_range(inode, offset, len);
	if (!ret)
		ret = vfs_fallocate(lower, mode, offset, len);
	fsstack_copy_inode_size(inode, file_inode(lower));
	fsstack_copy_attr_times(inode, file_inode(lower));
	ufs_cache_drop_range(inode, offset, len);
	inode_unlock(inode);
	fput(lower);
	return ret;
}

static ssize_t ufs_splice_read(struct file *file, loff_t *ppos, struct pipe_inode_info *pipe,
			       size_t len, unsigned int flags)
{
	struct file *lower = ufs_lower_file(file);
	ssize_t ret = ufs_splice_read_lower(lower, ppos, pipe, len, flags);

	fput(lower);
	return ret;
}

/*
 * SEEK_DATA/SEEK_HOLE and SEEK_END need the lower file's knowledge, so the
 * lower file seeks and we copy its position back. The inode lock keeps two
 * seekers on one union file from crossing.
 */
static loff_t ufs_llseek(struct file *file, loff_t offset, int whence)
{
	struct file *lower = ufs_lower_file(file);
	struct inode *inode = file_inode(file);
	loff_t ret;

	inode_lock(inode);
	lower->f_pos = file->f_pos;
	ret = vfs_llseek(lower, offset, whence);
	file->f_pos = lower->f_pos;
	inode_unlock(inode);
	fput(lower);
	return ret;
}

/* Both ends on the union: copy between their lower files (the lower may reflink). */
static ssize_t ufs_copy_file_range(struct file *in, loff_t pos_in, struct file *out,
				   loff_t pos_out, size_t len, unsigned int flags)
{
	struct file *lower_in, *lower_out;
	struct inode *inode = file_inode(out);
	ssize_t ret;

	if (in->f_op != &ufs_file_fops || out->f_op != &ufs_file_fops)
		return -EXDEV;	/* the VFS then falls back to splicing */
	lower_in = ufs_lower_file(in);
	lower_out = ufs_lower_file(out);
	inode_lock(inode);
	ret = ufs_cache_flush_range(file_inode(in), pos_in, len);
	if (!ret)
		ret = ufs_cache_flush_range(inode, pos_out, len);
	if (!ret)
		ret = vfs_copy_file_range(lower_in, pos_in, lower_out, pos_out, len, flags);
	fsstack_copy_inode_size(inode, file_inode(lower_out));
	fsstack_copy_attr_times(inode, file_inode(lower_out));
	if (ret > 0)
		ufs_cache_drop_range(inode, pos_out, ret);
	inode_unlock(inode);
	fput(lower_out);
	fput(lower_in);
	return ret;
}

const struct file_operations ufs_file_fops = {
	.open = ufs_open,
	.release = ufs_release,
	.llseek = ufs_llseek,
	.read_iter = ufs_read_iter,
	.write_iter = ufs_write_iter,
	.fsync = ufs_fsync,
	.fallocate = ufs_fallocate,
	.copy_file_range = ufs_copy_file_range,
	.unlocked_ioctl = ufs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.splice_read = ufs_splice_read,
	.mmap = ufs_mmap,
};
