/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ufs.h - map of the shim: each file's entry points under its name.
 * Structures and accessors are in ufs_types.h.
 */
#ifndef _UFS_H
#define _UFS_H

#include <linux/fs.h>
#include <linux/fs_context.h>
#include "ufs_types.h"
#include "compat.h"

#define UFS_NAME "unionfs"

/* super.c */
extern struct file_system_type ufs_fs_type;
int ufs_fill_super(struct super_block *sb, struct fs_context *fc);
struct ufs_dentry_info *ufs_root_info(struct ufs_layout *layout, u64 generation);
void ufs_free_sb_info(struct ufs_sb_info *sbi);

/* params.c */
int ufs_init_fs_context(struct fs_context *fc);
const struct ufs_options *ufs_fc_options(const struct fs_context *fc);
int ufs_resolve_branches(struct ufs_sb_info *sbi, const struct ufs_options *opts,
			 struct fs_context *fc);

/* lower.c: calls into branch filesystems, and the core's branch operations */
extern const struct ufs_branch_ops ufs_lower_ops;
struct file *ufs_do_open(const struct path *path, int flags);
int ufs_do_rename(struct vfsmount *mnt, struct dentry *old_dir, struct dentry *old,
		  struct dentry *new_dir, struct dentry *new, unsigned int flags);
int ufs_do_getattr(const struct path *path, struct kstat *stat, u32 mask,
		   unsigned int flags);
struct dentry *ufs_do_lookup_locked(struct dentry *dir, const char *name, unsigned int len);
int ufs_do_want_write(struct vfsmount *mnt);
void ufs_do_drop_write(struct vfsmount *mnt);
int ufs_do_create(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode);
int ufs_do_mkdir(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode);
int ufs_do_symlink(struct vfsmount *mnt, struct inode *dir, struct dentry *new,
		   const char *target);
int ufs_do_mknod(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode,
		 dev_t dev);
int ufs_do_link(struct vfsmount *mnt, struct dentry *old, struct inode *dir, struct dentry *new);
int ufs_do_unlink(struct vfsmount *mnt, struct inode *dir, struct dentry *victim);
int ufs_do_rmdir(struct vfsmount *mnt, struct inode *dir, struct dentry *victim);
struct file *ufs_do_tmpfile_open(const struct path *dir, umode_t mode, int flags);
const char *ufs_do_get_link(struct dentry *dentry, struct delayed_call *done);
int ufs_do_setattr(struct vfsmount *mnt, struct dentry *dentry, struct iattr *attr);
int ufs_do_permission(struct inode *inode, int mask);
int ufs_do_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len);
int ufs_do_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int ufs_do_fileattr_set(struct vfsmount *mnt, struct dentry *dentry, struct fileattr *fa);
int ufs_do_statfs(const struct path *path, struct kstatfs *buf);
int ufs_do_sync_fs(struct super_block *sb);
ssize_t ufs_do_getxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
			void *value, size_t size);
int ufs_do_setxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		    const void *value, size_t size, int flags);
int ufs_do_removexattr(struct vfsmount *mnt, struct dentry *dentry, const char *name);
ssize_t ufs_do_listxattr(struct dentry *dentry, char *list, size_t size);
#if UFS_ACL_API
struct posix_acl *ufs_do_get_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name);
struct posix_acl *ufs_do_get_inode_acl(struct inode *inode, int type);
int ufs_do_set_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		   struct posix_acl *acl);
int ufs_do_remove_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name);
#endif
int ufs_do_check_flags(struct file *file, int flags);
int ufs_do_flush(struct file *file, fl_owner_t id);
ssize_t ufs_do_iter_read(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags);
ssize_t ufs_do_iter_write(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags);
ssize_t ufs_do_splice_read(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags);
ssize_t ufs_do_splice_write(struct pipe_inode_info *pipe, struct file *out, loff_t *ppos,
			    size_t len, unsigned int flags);
long ufs_do_splice_direct(struct file *in, loff_t *in_pos, struct file *out, loff_t *out_pos,
			  size_t len);
ssize_t ufs_do_copy_file_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			       size_t len, unsigned int flags);
loff_t ufs_do_clone_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			  loff_t len, unsigned int remap_flags);
loff_t ufs_do_dedupe_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			   loff_t len, unsigned int remap_flags);
loff_t ufs_do_llseek(struct file *file, loff_t offset, int whence);
int ufs_do_fsync(struct file *file, loff_t start, loff_t end, int datasync);
int ufs_do_fallocate(struct file *file, int mode, loff_t offset, loff_t len);
int ufs_do_fadvise(struct file *file, loff_t offset, loff_t len, int advice);
int ufs_do_truncate(const struct path *path, loff_t length);
int ufs_do_mmap(struct file *file, struct vm_area_struct *vma);
int ufs_do_revalidate(struct dentry *dentry, unsigned int flags);

/* namei.c */
extern const struct dentry_operations ufs_dentry_ops;
struct ufs_dentry_info *ufs_alloc_dentry_info(struct ufs_layout *layout, u64 generation);
struct ufs_dentry_info *ufs_alloc_info_like(const struct ufs_dentry_info *model);
struct ufs_dentry_info *ufs_alloc_current_info(struct ufs_sb_info *sbi);
struct ufs_dentry_info *ufs_get_dentry_info(struct dentry *dentry);
struct ufs_dentry_info *ufs_get_fresh_info(struct dentry *dentry);
void ufs_put_dentry_info(struct ufs_dentry_info *info);
void ufs_set_dentry_info(struct dentry *dentry, struct ufs_dentry_info *info);
bool ufs_replace_dentry_info(struct dentry *dentry, struct ufs_dentry_info *expected,
			     struct ufs_dentry_info *info);
void ufs_get_top_lower_path(struct dentry *dentry, struct path *out);
void ufs_lower_set_of(const struct ufs_dentry_info *info, struct ufs_lower_set *set);
struct dentry *ufs_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags);

/* dir.c */
extern const struct inode_operations ufs_dir_iops;
int ufs_copyup_for_write(struct dentry *dentry, unsigned long long size);

/* inode.c */
int ufs_permission(UFS_IDMAP_PARAM, struct inode *inode, int mask);
int ufs_getattr(UFS_IDMAP_PARAM, const struct path *path, struct kstat *stat,
		u32 request_mask, unsigned int flags);
int ufs_setattr(UFS_IDMAP_PARAM, struct dentry *dentry, struct iattr *attr);
void ufs_inode_update_top(struct dentry *dentry);
void ufs_copy_dir_attrs(struct inode *dir);
struct ufs_lower_branch *ufs_inode_branch_get(struct inode *inode);
struct inode *ufs_iget(struct super_block *sb, const struct ufs_dentry_info *info);
int ufs_init_inode_cache(void);
void ufs_destroy_inode_cache(void);
struct inode *ufs_alloc_inode(struct super_block *sb);
void ufs_free_inode(struct inode *inode);
void ufs_evict_inode(struct inode *inode);
int ufs_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int ufs_fileattr_set(UFS_IDMAP_PARAM, struct dentry *dentry, struct fileattr *fa);
int ufs_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len);

/* file.c */
extern const struct file_operations ufs_file_fops;
struct file *ufs_lower_file(struct file *file);

/* copy_up.c */
struct dentry *ufs_copy_up(const struct path *src, const struct path *dir,
			   const struct qstr *name, unsigned long long size);
struct file *ufs_stage_copy(const struct path *src, const struct path *branch_root,
			    unsigned long long size);
struct dentry *ufs_link_staged_copy(struct file *copy, const struct path *dir,
				    const struct qstr *name);
void ufs_staged_add(struct ufs_sb_info *sbi, struct ufs_staged_copy *sc);
struct file *ufs_staged_take(struct ufs_sb_info *sbi, const struct inode *src,
			     const struct super_block *target_sb, unsigned long long size);
void ufs_staged_drop(struct ufs_sb_info *sbi, struct ufs_staged_copy *sc);

/* xattr.c */
extern const struct xattr_handler *ufs_xattr_handlers[];
ssize_t ufs_listxattr(struct dentry *dentry, char *list, size_t size);
#if UFS_ACL_API
struct posix_acl *ufs_get_inode_acl(struct inode *inode, int type, bool rcu);
struct posix_acl *ufs_get_acl(UFS_IDMAP_PARAM, struct dentry *dentry, int type);
int ufs_set_acl(UFS_IDMAP_PARAM, struct dentry *dentry, struct posix_acl *acl, int type);
#endif

/* layout.c: branch objects and layouts */
struct ufs_lower_branch *ufs_branch_create(struct ufs_sb_info *sbi, const struct path *path,
					   enum ufs_branch_mode mode,
					   struct ufs_lower_branch *const *others, unsigned int count);
struct ufs_lower_branch *ufs_branch_get(struct ufs_lower_branch *branch);
void ufs_branch_put(struct ufs_lower_branch *branch);
struct ufs_layout *ufs_layout_create(struct ufs_sb_info *sbi,
				     struct ufs_lower_branch *const *branches, unsigned int count);
struct ufs_layout *ufs_layout_get(struct ufs_layout *layout);
void ufs_layout_put(struct ufs_layout *layout);
struct ufs_layout *ufs_current_layout(struct ufs_sb_info *sbi);
int ufs_layout_find(const struct ufs_layout *layout, const struct path *path);

/* branch.c: which directories may be branches; changes to a live union's branches */
const char *ufs_branch_refusal(const struct path *path, struct ufs_lower_branch *const *others,
			       unsigned int count, int max_depth, unsigned int *clash);
int ufs_check_generation(struct ufs_sb_info *sbi, u64 expected);
int ufs_incgen_locked(struct super_block *sb);
int ufs_set_mode_locked(struct super_block *sb, unsigned int index, enum ufs_branch_mode mode,
			const char **why);
int ufs_add_branch_locked(struct super_block *sb, const struct path *path, unsigned int index,
			  enum ufs_branch_mode mode, const char **why, unsigned int *clash);
int ufs_del_branch_locked(struct super_block *sb, unsigned int index, const char **why);
void ufs_forget_unused(struct super_block *sb);

/* ioctl.c */
long ufs_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* readdir.c */
extern const struct file_operations ufs_dir_fops;

#endif /* _UFS_H */
