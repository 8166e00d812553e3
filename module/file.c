// SPDX-License-Identifier: GPL-2.0
/*
 * file.c - regular files. An open union file holds an open file on the
 * object's top branch (its "lower file") and every file operation is
 * passed to it, with the branch's own semantics and errors. The union
 * keeps no data of its own: a union file's bytes live only in the branch
 * file's page cache, and mmap maps the branch file itself (as overlayfs
 * maps its backing file), so read, write, mapped access, O_DIRECT,
 * fallocate, copy_file_range, remap and splice all see the same pages.
 *
 * When another opener copies the object up, a file opened before follows
 * it to the copy at its next operation, so readers see what writers
 * wrote. A mapping made before the copyup keeps mapping the file it was
 * made on (doc/design.md, "Files").
 *
 * File locks (flock, POSIX, OFD) stay on the union inode (the VFS's
 * default): its identity survives copyup, while locks on branch files
 * would split between the lower file and its copy.
 *
 * Lock order: the union inode's i_rwsem, then whatever the branch
 * filesystem takes for the call (its own i_rwsem, freeze protection).
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_stack.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include "uni.h"

/* The open flags fcntl(F_SETFL) may change on the union file after open. */
#define UNI_SETFL_MASK (O_APPEND | O_NONBLOCK | O_NDELAY | O_DIRECT)

/* Opens the union file's current top object as the lower file. */
static struct file *uni_open_top(struct file *file)
{
	struct uni_dentry_info *info;
	struct path lower_path;
	struct file *lower;

	/*
	 * A name cached before a directory rename copied its object names the
	 * original until it is resolved again (namei.c); its inode follows
	 * the copy already (uni_inode_follow_copy), and so must the file.
	 */
	info = uni_get_fresh_info(file->f_path.dentry);
	if (IS_ERR(info)) {
		uni_get_top_lower_path(file->f_path.dentry, &lower_path);
	} else {
		uni_top_lower_path_of(file->f_path.dentry, info, &lower_path);
		uni_put_dentry_info(info);
	}
	/* Creation and truncation were the VFS's business on our inode, not the lower's. */
	lower = uni_do_open(&lower_path, file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
	dput(lower_path.dentry);
	return lower;
}

static int uni_open(struct inode *inode, struct file *file)
{
	struct uni_file_info *fi;
	struct file *lower;

	/* A writer works on a copy on a writable branch; O_TRUNC copies no data. */
	if ((file->f_flags & O_ACCMODE) != O_RDONLY || (file->f_flags & O_TRUNC)) {
		int err = uni_copyup_for_write(file->f_path.dentry,
					       (file->f_flags & O_TRUNC) ? 0 : UNI_COPY_ALL);

		if (err)
			return err;
	}
	fi = kzalloc(sizeof(*fi), GFP_KERNEL);
	if (!fi)
		return -ENOMEM;
	lower = uni_open_top(file);
	if (IS_ERR(lower)) {
		kfree(fi);
		return PTR_ERR(lower);
	}
	spin_lock_init(&fi->lock);
	fi->lower = lower;
	fi->branch = uni_inode_branch_get(inode);
	atomic_long_inc(&fi->branch->open_files);
	file->private_data = fi;
	/* O_DIRECT works when the lower file can do it (checked after ->open). */
	if (lower->f_mode & FMODE_CAN_ODIRECT)
		file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

/*
 * fcntl(F_SETFL) changed the union file's O_APPEND, O_NONBLOCK or O_DIRECT:
 * the lower file, which does the I/O, must follow.
 */
static int uni_follow_setfl(struct file *file, struct file *lower)
{
	unsigned int flags = READ_ONCE(file->f_flags) & UNI_SETFL_MASK;
	int err;

	if (likely((READ_ONCE(lower->f_flags) & UNI_SETFL_MASK) == flags))
		return 0;
	if ((flags & O_DIRECT) && !(lower->f_mode & FMODE_CAN_ODIRECT))
		return -EINVAL;
	err = uni_do_check_flags(lower, flags);
	if (err)
		return err;
	spin_lock(&lower->f_lock);
	lower->f_flags = (lower->f_flags & ~UNI_SETFL_MASK) | flags;
	lower->f_iocb_flags = iocb_flags(lower);
	spin_unlock(&lower->f_lock);
	return 0;
}

/*
 * Returns a reference to the lower file to use now (caller must fput()
 * it): the one opened with the union file, unless the object has been
 * copied up since, in which case the copy is opened and kept instead.
 */
static struct file *uni_current_lower(struct file *file)
{
	struct uni_file_info *fi = UNI_F(file);
	struct inode *top = READ_ONCE(UNI_I(file_inode(file))->lower);
	struct uni_lower_branch *branch, *old_branch = NULL;
	struct file *lower, *fresh, *old = NULL;

	spin_lock(&fi->lock);
	lower = get_file(fi->lower);
	spin_unlock(&fi->lock);
	if (likely(file_inode(lower) == top))
		return lower;

	fresh = uni_open_top(file);
	if (IS_ERR(fresh))
		return lower;	/* the old object is still a consistent file */
	branch = uni_inode_branch_get(file_inode(file));
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
	uni_branch_put(branch);
	uni_branch_put(old_branch);
	if (old)
		fput(old);
	fput(lower);
	return fresh;
}

/*
 * The lower file for an operation, with the union file's current
 * F_SETFL flags: a reference (caller must fput()) or an ERR_PTR.
 */
struct file *uni_lower_file(struct file *file)
{
	struct file *lower = uni_current_lower(file);
	int err = uni_follow_setfl(file, lower);

	if (err) {
		fput(lower);
		return ERR_PTR(err);
	}
	return lower;
}

static int uni_release(struct inode *inode, struct file *file)
{
	struct uni_file_info *fi = UNI_F(file);

	atomic_long_dec(&fi->branch->open_files);
	uni_branch_put(fi->branch);
	fput(fi->lower);
	kfree(fi);
	return 0;
}

/* close(2) of a descriptor: NFS and FUSE branches report write errors here. */
static int uni_flush(struct file *file, fl_owner_t id)
{
	struct file *lower = uni_current_lower(file);
	int err = uni_do_flush(lower, id);

	fput(lower);
	return err;
}

/* The lower file changed size, times or (write killing set-id bits) mode. */
static void uni_copy_attrs_from(struct inode *inode, struct file *lower)
{
	fsstack_copy_attr_all(inode, file_inode(lower));
	fsstack_copy_inode_size(inode, file_inode(lower));
}

/* The kiocb flags that mean something to the lower file's own I/O path. */
static rwf_t uni_iocb_to_rwf(int ki_flags)
{
	rwf_t flags = 0;

	if (ki_flags & IOCB_HIPRI)
		flags |= RWF_HIPRI;
	if (ki_flags & IOCB_DSYNC)
		flags |= RWF_DSYNC;
	if (ki_flags & IOCB_SYNC)
		flags |= RWF_SYNC;
	if (ki_flags & IOCB_APPEND)
		flags |= RWF_APPEND;
	return flags;
}

static ssize_t uni_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *lower;
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	lower = uni_lower_file(iocb->ki_filp);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	ret = uni_do_iter_read(lower, iter, &iocb->ki_pos, uni_iocb_to_rwf(iocb->ki_flags));
	fsstack_copy_attr_atime(file_inode(iocb->ki_filp), file_inode(lower));
	fput(lower);
	return ret;
}

/*
 * Writes go to the lower file, whose filesystem also drops set-id bits;
 * size, times and mode are mirrored back under our inode lock.
 */
static ssize_t uni_write_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct file *file = iocb->ki_filp, *lower;
	struct inode *inode = file_inode(file);
	ssize_t ret;

	if (!iov_iter_count(iter))
		return 0;
	lower = uni_lower_file(file);
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	inode_lock(inode);
	file_start_write(lower);
	ret = uni_do_iter_write(lower, iter, &iocb->ki_pos, uni_iocb_to_rwf(iocb->ki_flags));
	file_end_write(lower);
	uni_copy_attrs_from(inode, lower);
	inode_unlock(inode);
	fput(lower);
	return ret;
}

static ssize_t uni_splice_read(struct file *file, loff_t *ppos, struct pipe_inode_info *pipe,
			       size_t len, unsigned int flags)
{
	struct file *lower = uni_lower_file(file);
	ssize_t ret;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	ret = uni_do_splice_read(lower, ppos, pipe, len, flags);
	fput(lower);
	return ret;
}

/* splice(2) from a pipe and sendfile(2) into a union file. */
static ssize_t uni_splice_write(struct pipe_inode_info *pipe, struct file *file, loff_t *ppos,
				size_t len, unsigned int flags)
{
	struct inode *inode = file_inode(file);
	struct file *lower = uni_lower_file(file);
	ssize_t ret;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	inode_lock(inode);
	file_start_write(lower);
	ret = uni_do_splice_write(pipe, lower, ppos, len, flags);
	file_end_write(lower);
	uni_copy_attrs_from(inode, lower);
	inode_unlock(inode);
	fput(lower);
	return ret;
}

/* The union keeps no dirty data: syncing a union file is syncing its lower file. */
static int uni_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct file *lower = uni_lower_file(file);
	int err;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	err = uni_do_fsync(lower, start, end, datasync);
	fput(lower);
	return err;
}

static long uni_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct file *lower = uni_lower_file(file);
	long ret;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	inode_lock(inode);
	ret = uni_do_fallocate(lower, mode, offset, len);
	uni_copy_attrs_from(inode, lower);
	inode_unlock(inode);
	fput(lower);
	return ret;
}

static int uni_fadvise(struct file *file, loff_t offset, loff_t len, int advice)
{
	struct file *lower = uni_lower_file(file);
	int err;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	err = uni_do_fadvise(lower, offset, len, advice);
	fput(lower);
	return err;
}

/*
 * SEEK_DATA/SEEK_HOLE and SEEK_END need the lower file's knowledge, so the
 * lower file seeks and we copy its position back. The inode lock keeps two
 * seekers on one union file from crossing.
 */
static loff_t uni_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct file *lower = uni_lower_file(file);
	loff_t ret;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	inode_lock(inode);
	lower->f_pos = file->f_pos;
	ret = uni_do_llseek(lower, offset, whence);
	file->f_pos = lower->f_pos;
	inode_unlock(inode);
	fput(lower);
	return ret;
}

/* The lower files of two union files (caller must fput() both), or an error. */
static int uni_lower_file_pair(struct file *in, struct file *out, struct file **lower_in,
			       struct file **lower_out)
{
	*lower_in = uni_lower_file(in);
	if (IS_ERR(*lower_in))
		return PTR_ERR(*lower_in);
	*lower_out = uni_lower_file(out);
	if (IS_ERR(*lower_out)) {
		fput(*lower_in);
		return PTR_ERR(*lower_out);
	}
	return 0;
}

/*
 * Both ends on the union: copy between their lower files, which may
 * reflink or copy on the server. Lower files on filesystems that cannot
 * copy between each other get the kernel's splice copy, as two files on
 * one filesystem would.
 */
static ssize_t uni_copy_file_range(struct file *in, loff_t pos_in, struct file *out,
				   loff_t pos_out, size_t len, unsigned int flags)
{
	struct file *lower_in, *lower_out;
	struct inode *inode = file_inode(out);
	ssize_t ret;
	int err;

	if (in->f_op != &uni_file_fops || out->f_op != &uni_file_fops)
		return -EXDEV;
	err = uni_lower_file_pair(in, out, &lower_in, &lower_out);
	if (err)
		return err;
	inode_lock(inode);
	ret = uni_do_copy_file_range(lower_in, pos_in, lower_out, pos_out, len, flags);
	if (ret == -EXDEV || ret == -EOPNOTSUPP)
		ret = uni_do_copy_file_range(lower_in, pos_in, lower_out, pos_out, len,
					     flags | COPY_FILE_SPLICE);
	uni_copy_attrs_from(inode, lower_out);
	inode_unlock(inode);
	fput(lower_out);
	fput(lower_in);
	return ret;
}

/* True when the file's object is on a writable branch (it was copied up, or born there). */
static bool uni_file_is_writable_copy(struct file *file)
{
	struct uni_lower_branch *branch = uni_inode_branch_get(file_inode(file));
	bool writable = READ_ONCE(branch->mode) == UNI_BRANCH_RW;

	uni_branch_put(branch);
	return writable;
}

/* FICLONE, FICLONERANGE and FIDEDUPERANGE between union files: the lower files share extents. */
static loff_t uni_remap_file_range(struct file *in, loff_t pos_in, struct file *out,
				   loff_t pos_out, loff_t len, unsigned int remap_flags)
{
	struct inode *inode = file_inode(out);
	struct file *lower_in, *lower_out;
	loff_t ret;
	int err;

	if (remap_flags & ~(REMAP_FILE_DEDUP | REMAP_FILE_ADVISORY))
		return -EINVAL;
	if (in->f_op != &uni_file_fops || out->f_op != &uni_file_fops)
		return -EXDEV;
	/*
	 * Dedupe may be asked of a file opened read-only, which is not copied
	 * up: never let it rewrite the extents of a read-only branch.
	 */
	if ((remap_flags & REMAP_FILE_DEDUP) && !uni_file_is_writable_copy(out))
		return -EPERM;
	err = uni_lower_file_pair(in, out, &lower_in, &lower_out);
	if (err)
		return err;
	if (remap_flags & REMAP_FILE_DEDUP)
		ret = uni_do_dedupe_range(lower_in, pos_in, lower_out, pos_out, len, remap_flags);
	else
		ret = uni_do_clone_range(lower_in, pos_in, lower_out, pos_out, len, remap_flags);
	inode_lock(inode);
	uni_copy_attrs_from(inode, lower_out);
	inode_unlock(inode);
	fput(lower_out);
	fput(lower_in);
	return ret;
}

/*
 * The mapping is the lower file's: the vma is handed to the lower file
 * (vma_set_file), so faults, dirty pages and writeback are the branch
 * filesystem's own and there is one page cache.
 */
static int uni_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct file *lower = uni_lower_file(file);
	int err;

	if (IS_ERR(lower))
		return PTR_ERR(lower);
	if (!lower->f_op->mmap) {
		fput(lower);
		return -ENODEV;
	}
	vma_set_file(vma, lower);
	err = uni_do_mmap(vma->vm_file, vma);
	fsstack_copy_attr_atime(file_inode(file), file_inode(lower));
	fput(lower);
	return err;
}

const struct file_operations uni_file_fops = {
	.open = uni_open,
	.release = uni_release,
	.flush = uni_flush,
	.llseek = uni_llseek,
	.read_iter = uni_read_iter,
	.write_iter = uni_write_iter,
	.fsync = uni_fsync,
	.fallocate = uni_fallocate,
	.fadvise = uni_fadvise,
	.copy_file_range = uni_copy_file_range,
	.remap_file_range = uni_remap_file_range,
	.unlocked_ioctl = uni_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.splice_read = uni_splice_read,
	.splice_write = uni_splice_write,
	.mmap = uni_mmap,
	/*
	 * No leases, so no NFSv4 read delegations: the file handles of two
	 * names of one hard-linked file may differ today (export.c puts the
	 * directory of some name in them), and knfsd keys a delegation by
	 * handle, so a client holding one on the first handle kept reading
	 * its cache while it wrote through the second (test 203). Without
	 * delegations a client revalidates at every open.
	 */
	.setlease = simple_nosetlease,
};
