// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - memory mappings of union files go through a page cache of the
 * union inode, not the lower file's. That keeps a mapping coherent with
 * the union object rather than with one lower file: when another opener
 * copies the object up and writes to it, the written range is dropped from
 * this cache (file.c), the mapping faults, and the page is read again from
 * the object's current lower file.
 *
 * Pages come from the lower file (read_folio); pages dirtied through a
 * shared writable mapping are written back to the lower file that mapping
 * was made on (the inode's wb_file, set at mmap time, kept until evict).
 * read(2)/write(2) still go straight to the lower file; they first flush
 * this cache's dirty pages in their range so the two paths agree.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_stack.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/writeback.h>
#include "ufs.h"

/* Returns a reference to the inode's writeback file, or NULL. */
static struct file *ufs_wb_file_get(struct inode *inode)
{
	struct ufs_inode_info *ui = UFS_I(inode);
	struct file *file = NULL;

	spin_lock(&inode->i_lock);
	if (ui->wb_file)
		file = get_file(ui->wb_file);
	spin_unlock(&inode->i_lock);
	return file;
}

/* Makes lower the inode's writeback file (the object may have moved since the last one). */
static void ufs_wb_file_set(struct inode *inode, struct file *lower)
{
	struct ufs_inode_info *ui = UFS_I(inode);
	struct file *old;

	spin_lock(&inode->i_lock);
	old = ui->wb_file;
	ui->wb_file = get_file(lower);
	spin_unlock(&inode->i_lock);
	if (old)
		fput(old);
}

/* Called from evict: the last writeback is done. */
void ufs_wb_file_put(struct inode *inode)
{
	struct ufs_inode_info *ui = UFS_I(inode);

	if (ui->wb_file)
		fput(ui->wb_file);
	ui->wb_file = NULL;
}

/* Reads or writes a whole buffer at pos, as kernel_read/kernel_write may stop short. */
static ssize_t ufs_lower_io(struct file *lower, void *buf, size_t len, loff_t pos, bool write)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? kernel_write(lower, buf + done, len - done, &pos) :
				    kernel_read(lower, buf + done, len - done, &pos);

		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

static int ufs_read_folio(struct file *file, struct folio *folio)
{
	struct inode *inode = folio->mapping->host;
	struct file *lower = file ? ufs_lower_file(file) : ufs_wb_file_get(inode);
	size_t len = folio_size(folio);
	ssize_t n = -EIO;
	void *kaddr;

	if (lower) {
		kaddr = kmap_local_folio(folio, 0);
		n = ufs_lower_io(lower, kaddr, len, folio_pos(folio), false);
		if (n >= 0)
			memset(kaddr + n, 0, len - n);	/* past the end of the file */
		kunmap_local(kaddr);
		fput(lower);
	}
	if (n >= 0)
		folio_mark_uptodate(folio);
	folio_unlock(folio);
	return n < 0 ? n : 0;
}

/* Writes one dirty folio (clipped to i_size) to the lower file. Folio comes locked. */
static int ufs_write_folio(struct folio *folio, struct writeback_control *wbc, void *data)
{
	struct inode *inode = folio->mapping->host;
	loff_t pos = folio_pos(folio), size = i_size_read(inode);
	size_t len = folio_size(folio);
	struct file *lower = data;
	void *kaddr;
	ssize_t n;

	if (pos >= size) {
		folio_unlock(folio);	/* wholly past the end: truncated away */
		return 0;
	}
	len = min_t(loff_t, len, size - pos);
	folio_start_writeback(folio);
	folio_unlock(folio);
	kaddr = kmap_local_folio(folio, 0);
	n = ufs_lower_io(lower, kaddr, len, pos, true);
	kunmap_local(kaddr);
	if (n >= 0 && n < len)
		n = -EIO;
	if (n < 0)
		mapping_set_error(folio->mapping, n);
	folio_end_writeback(folio);
	return n < 0 ? n : 0;
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static int ufs_write_page(struct page *page, struct writeback_control *wbc, void *data)
{
	return ufs_write_folio(page_folio(page), wbc, data);
}
#define ufs_writepage_cb ufs_write_page
#else
#define ufs_writepage_cb ufs_write_folio
#endif

static int ufs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct inode *inode = mapping->host;
	struct file *lower = ufs_wb_file_get(inode);
	int err;

	if (!lower)
		return 0;	/* only shared writable mappings dirty pages, and they set it */
	err = write_cache_pages(mapping, wbc, ufs_writepage_cb, lower);
	fsstack_copy_attr_times(inode, file_inode(lower));
	fput(lower);
	return err;
}

const struct address_space_operations ufs_aops = {
	.read_folio = ufs_read_folio,
	.writepages = ufs_writepages,
	.dirty_folio = filemap_dirty_folio,
};

int ufs_mmap(struct file *file, struct vm_area_struct *vma)
{
	/* A shared writable mapping writes back to the lower file it was made on. */
	if ((vma->vm_flags & VM_SHARED) && (vma->vm_flags & VM_MAYWRITE)) {
		struct file *lower = ufs_lower_file(file);

		ufs_wb_file_set(file_inode(file), lower);
		fput(lower);
	}
	return generic_file_mmap(file, vma);
}

/* Before read(2)/write(2) reach the lower file: our dirty pages in the range go first. */
int ufs_cache_flush_range(struct inode *inode, loff_t pos, size_t count)
{
	if (!inode->i_mapping->nrpages || !count)
		return 0;
	return filemap_write_and_wait_range(inode->i_mapping, pos, pos + count - 1);
}

/* After the lower file changed in [pos, pos + count): mappings must read it again. */
void ufs_cache_drop_range(struct inode *inode, loff_t pos, size_t count)
{
	if (!inode->i_mapping->nrpages || !count)
		return;
	invalidate_inode_pages2_range(inode->i_mapping, pos >> PAGE_SHIFT,
				      (pos + count - 1) >> PAGE_SHIFT);
}
