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
