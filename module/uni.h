/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uni.h - map of the shim: each file's entry points under its name.
 * Structures and accessors are in uni_types.h.
 */
#ifndef _UNI_H
#define _UNI_H

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/xattr.h>
#include "uni_types.h"
#include "compat.h"

#define UNI_NAME "unionfs"

/* super.c */
extern struct file_system_type uni_fs_type;
int uni_fill_super(struct super_block *sb, struct fs_context *fc);
struct uni_dentry_info *uni_root_info(struct uni_layout *layout, u64 epoch);
void uni_free_sb_info(struct uni_sb_info *sbi);

/* params.c */
int uni_init_fs_context(struct fs_context *fc);
const struct uni_options *uni_fc_options(const struct fs_context *fc);
int uni_resolve_branches(struct uni_sb_info *sbi, const struct uni_options *opts,
			 struct fs_context *fc);

/* lower.c: calls into branch filesystems, and the core's branch operations */
extern const struct uni_branch_ops uni_lower_ops;
struct file *uni_do_open(const struct path *path, int flags);
struct file *uni_open_branch_dir(const struct uni_layout *layout, unsigned int branch,
				 struct dentry *dir);
int uni_do_iterate(struct file *dir, struct dir_context *ctx);
int uni_do_rename(struct vfsmount *mnt, struct dentry *old_dir, struct dentry *old,
		  struct dentry *new_dir, struct dentry *new, unsigned int flags);
int uni_do_getattr(const struct path *path, struct kstat *stat, u32 mask,
		   unsigned int flags);
struct dentry *uni_do_lookup(struct dentry *dir, const char *name, unsigned int len);
struct dentry *uni_do_lookup_locked(struct dentry *dir, const char *name, unsigned int len);
int uni_do_want_write(struct vfsmount *mnt);
void uni_do_drop_write(struct vfsmount *mnt);
int uni_do_create(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode);
int uni_do_mkdir(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode);
int uni_do_symlink(struct vfsmount *mnt, struct inode *dir, struct dentry *new,
		   const char *target);
int uni_do_mknod(struct vfsmount *mnt, struct inode *dir, struct dentry *new, umode_t mode,
		 dev_t dev);
int uni_do_link(struct vfsmount *mnt, struct dentry *old, struct inode *dir, struct dentry *new);
int uni_do_unlink(struct vfsmount *mnt, struct inode *dir, struct dentry *victim);
int uni_do_rmdir(struct vfsmount *mnt, struct inode *dir, struct dentry *victim);
struct file *uni_do_tmpfile_open(const struct path *dir, umode_t mode, int flags);
const char *uni_do_get_link(struct dentry *dentry, struct delayed_call *done);
int uni_do_setattr(struct vfsmount *mnt, struct dentry *dentry, struct iattr *attr);
int uni_do_permission(struct inode *inode, int mask);
int uni_do_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len);
int uni_do_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int uni_do_fileattr_set(struct vfsmount *mnt, struct dentry *dentry, struct fileattr *fa);
int uni_do_statfs(const struct path *path, struct kstatfs *buf);
int uni_do_sync_fs(struct super_block *sb);
ssize_t uni_do_getxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
			void *value, size_t size);
int uni_do_setxattr(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		    const void *value, size_t size, int flags);
int uni_do_removexattr(struct vfsmount *mnt, struct dentry *dentry, const char *name);
ssize_t uni_do_listxattr(struct dentry *dentry, char *list, size_t size);
ssize_t uni_do_get_private_xattr(struct dentry *dentry, const char *name, void *value,
				 size_t size);
#if UNI_ACL_API
struct posix_acl *uni_do_get_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name);
struct posix_acl *uni_do_get_inode_acl(struct inode *inode, int type);
int uni_do_set_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name,
		   struct posix_acl *acl);
int uni_do_remove_acl(struct vfsmount *mnt, struct dentry *dentry, const char *name);
#endif
struct fid;
char *uni_path_below(struct dentry *root, struct dentry *dentry, char *buf);
int uni_do_encode_fh(struct dentry *object, struct fid *fid, int *max_words);
struct dentry *uni_do_decode_fh(const struct path *root, struct fid *fid, int words, int type,
				bool directory);
int uni_do_check_flags(struct file *file, int flags);
int uni_do_flush(struct file *file, fl_owner_t id);
ssize_t uni_do_iter_read(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags);
ssize_t uni_do_iter_write(struct file *file, struct iov_iter *iter, loff_t *pos, rwf_t flags);
ssize_t uni_do_splice_read(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe,
			   size_t len, unsigned int flags);
ssize_t uni_do_splice_write(struct pipe_inode_info *pipe, struct file *out, loff_t *ppos,
			    size_t len, unsigned int flags);
/* Bounce buffer of uni_do_copy_by_buffer(): one read and one write per call. */
#define UNI_BOUNCE_SIZE (64 * 1024)
ssize_t uni_do_copy_by_buffer(struct file *in, loff_t *in_pos, struct file *out, loff_t *out_pos,
			      size_t len);
long uni_do_splice_direct(struct file *in, loff_t *in_pos, struct file *out, loff_t *out_pos,
			  size_t len);
ssize_t uni_do_copy_file_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			       size_t len, unsigned int flags);
loff_t uni_do_clone_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			  loff_t len, unsigned int remap_flags);
loff_t uni_do_dedupe_range(struct file *in, loff_t pos_in, struct file *out, loff_t pos_out,
			   loff_t len, unsigned int remap_flags);
loff_t uni_do_llseek(struct file *file, loff_t offset, int whence);
int uni_do_fsync(struct file *file, loff_t start, loff_t end, int datasync);
int uni_do_fallocate(struct file *file, int mode, loff_t offset, loff_t len);
int uni_do_fadvise(struct file *file, loff_t offset, loff_t len, int advice);
int uni_do_truncate(const struct path *path, loff_t length);
int uni_do_mmap(struct file *file, struct vm_area_struct *vma);
int uni_do_revalidate(struct dentry *dentry, unsigned int flags);

/* namei.c */
extern const struct dentry_operations uni_dentry_ops;
struct uni_dentry_info *uni_alloc_dentry_info(struct uni_layout *layout, u64 epoch);
struct uni_dentry_info *uni_alloc_info_like(const struct uni_dentry_info *model);
struct uni_dentry_info *uni_alloc_current_info(struct uni_sb_info *sbi);
struct uni_dentry_info *uni_get_dentry_info(struct dentry *dentry);
struct uni_dentry_info *uni_get_fresh_info(struct dentry *dentry);
void uni_put_dentry_info(struct uni_dentry_info *info);
void uni_set_dentry_info(struct dentry *dentry, struct uni_dentry_info *info);
bool uni_replace_dentry_info(struct dentry *dentry, struct uni_dentry_info *expected,
			     struct uni_dentry_info *info);
bool uni_top_lags_inode(struct dentry *dentry, const struct uni_dentry_info *info);
void uni_get_top_lower_path(struct dentry *dentry, struct path *out);
void uni_top_lower_path_of(struct dentry *dentry, const struct uni_dentry_info *info,
			   struct path *out);
void uni_lower_set_of(const struct uni_dentry_info *info, struct uni_lower_set *set);
struct dentry *uni_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags);
u64 uni_child_ino(const struct uni_dentry_info *dir_info, const char *name, unsigned int len);

/* dir.c */
extern const struct inode_operations uni_dir_iops;
int uni_copyup_for_write(struct dentry *dentry, unsigned long long size);
int uni_get_writable_top(struct dentry *dentry, unsigned long long size, struct path *out);
int uni_copyup_target(const struct uni_dentry_info *info);
void uni_pending_moves_init(struct uni_sb_info *sbi);
void uni_pending_moves_drop(struct uni_sb_info *sbi);

/* inode.c */
int uni_permission(UNI_IDMAP_PARAM, struct inode *inode, int mask);
int uni_getattr(UNI_IDMAP_PARAM, const struct path *path, struct kstat *stat,
		u32 request_mask, unsigned int flags);
int uni_setattr(UNI_IDMAP_PARAM, struct dentry *dentry, struct iattr *attr);
void uni_inode_update_top(struct dentry *dentry);
bool uni_in_subtree_rename(const struct uni_layout *layout);
void uni_rename_copy_made(struct uni_layout *layout, struct inode *original,
			  struct dentry *copy, unsigned int branch, const struct path *linked_from);
void uni_inode_follow_copy(struct super_block *sb, struct inode *original,
			   const struct uni_layout *layout, unsigned int bi, struct dentry *copy,
			   bool indexed);
void uni_inode_follow_index(struct inode *inode, struct dentry *copy,
			    struct uni_lower_branch *branch);
void uni_copy_dir_attrs(struct inode *dir);
struct uni_lower_branch *uni_inode_branch_get(struct inode *inode);
struct inode *uni_iget(struct super_block *sb, const struct uni_dentry_info *info);
struct inode *uni_iget_made(struct super_block *sb, const struct uni_dentry_info *info);
struct inode *uni_ilookup_lower(struct super_block *sb, struct inode *lower);
struct inode *uni_lower_inode_get(struct inode *inode);
int uni_init_inode_cache(void);
void uni_destroy_inode_cache(void);
struct inode *uni_alloc_inode(struct super_block *sb);
void uni_free_inode(struct inode *inode);
void uni_evict_inode(struct inode *inode);
int uni_fileattr_get(struct dentry *dentry, struct fileattr *fa);
int uni_fileattr_set(UNI_IDMAP_PARAM, struct dentry *dentry, struct fileattr *fa);
int uni_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start, u64 len);

/* file.c */
extern const struct file_operations uni_file_fops;
struct file *uni_lower_file(struct file *file);

/* copy_up.c */
struct dentry *uni_copy_up(const struct path *src, const struct path *dir,
			   const struct qstr *name, unsigned long long size);
struct dentry *uni_copy_up_as_link(const struct path *src, const struct path *dir,
				   const struct qstr *name, unsigned int min_links);
struct dentry *uni_copy_up_linked(const struct uni_layout *layout, unsigned int from,
				  const struct path *src, const struct path *dir,
				  const struct qstr *name, unsigned long long size,
				  unsigned int to, struct file *staged);
struct dentry *uni_index_copy_only(const struct path *src, const struct path *root);
struct file *uni_stage_copy(const struct path *src, const struct path *branch_root,
			    unsigned long long size);
struct dentry *uni_link_staged_copy(struct file *copy, const struct path *dir,
				    const struct qstr *name);
void uni_staged_add(struct uni_sb_info *sbi, struct uni_staged_copy *sc);
struct file *uni_staged_take(struct uni_sb_info *sbi, const struct inode *src,
			     const struct super_block *target_sb, unsigned long long size);
void uni_staged_drop(struct uni_sb_info *sbi, struct uni_staged_copy *sc);

/* xattr.c */
extern const struct xattr_handler *uni_xattr_handlers[];
ssize_t uni_listxattr(struct dentry *dentry, char *list, size_t size);
#if UNI_ACL_API
struct posix_acl *uni_get_inode_acl(struct inode *inode, int type, bool rcu);
struct posix_acl *uni_get_acl(UNI_IDMAP_PARAM, struct dentry *dentry, int type);
int uni_set_acl(UNI_IDMAP_PARAM, struct dentry *dentry, struct posix_acl *acl, int type);
#endif

/* origin.c: identity across copyup (trusted.unionfs.* records) */
#define UNI_PRIVATE_XATTR_PREFIX XATTR_TRUSTED_PREFIX "unionfs."
bool uni_is_private_xattr(const char *name);
int uni_origin_record(const struct path *src, struct dentry *dst, struct vfsmount *dst_mnt);
void uni_origin_mark_impure(const struct path *dir);
bool uni_dir_is_impure(struct dentry *lower_dir);
bool uni_is_copy(struct dentry *lower);
bool uni_origin_is(struct dentry *lower, struct inode *origin);
u64 uni_object_ino(const struct uni_layout *layout, unsigned int branch, struct dentry *lower);
u64 uni_own_ino(const struct uni_layout *layout, unsigned int branch, const struct inode *lower);
u64 uni_object_identity(const struct uni_layout *layout, unsigned int branch,
			struct dentry *lower, bool *indexed);
#define UNI_ORIGIN_KEY_LEN 64
void uni_origin_key_of_inode(const struct inode *origin, char key[UNI_ORIGIN_KEY_LEN]);
u64 uni_lower_subvol(const struct inode *inode);
int uni_origin_key_of_copy(struct dentry *copy, char key[UNI_ORIGIN_KEY_LEN]);
int uni_origin_set_indexed(struct vfsmount *mnt, struct dentry *copy);

/* name_cache.c: which names a branch directory holds, for lookups in many branches */
void uni_name_cache_init(struct uni_sb_info *sbi);
void uni_dir_stamp_of(struct inode *dir, struct uni_dir_stamp *stamp);
bool uni_dir_stamp_equal(const struct uni_dir_stamp *a, const struct uni_dir_stamp *b);
bool uni_dir_stamp_settled(struct inode *dir, const struct uni_dir_stamp *stamp);
bool uni_dir_stamps_trusted(const struct uni_lower_branch *branch, struct dentry *dir);
void uni_name_cache_clear(struct uni_sb_info *sbi);
bool uni_name_absent(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
		     const struct path *dir, const char *name, unsigned int len);
void uni_name_missed(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
		     const struct path *dir);
int uni_name_lists_filter(const struct uni_layout *layout, const struct uni_lower_set *set,
			  const char *name, unsigned int len, unsigned long long *look);

/* rename_records.c: where an object renamed through the union went, for its handles */
void uni_rename_records_write(struct dentry *old);
void uni_name_record_write_linked(const struct uni_lower_branch *branch, struct dentry *file);
struct dentry *uni_name_record_find(const struct path *root, struct dentry *file);
struct dentry *uni_moved_record_find(const struct path *root, struct dentry *dir,
				     const struct qstr *name);

/* index.c: names of a lower hard link stay linked across copyup */
bool uni_index_probe(const struct path *root);
bool uni_index_wanted(const struct uni_lower_branch *from, const struct uni_lower_branch *to,
		      const struct inode *lower);
struct dentry *uni_index_find_above(const struct uni_layout *layout, unsigned int start,
				    const struct inode *original, unsigned int *where);
struct dentry *uni_index_add(const struct path *root, struct dentry *copy,
			     const struct inode *origin);
unsigned int uni_index_lower_links(struct dentry *copy);
int uni_index_set_lower_links(struct vfsmount *mnt, struct dentry *copy, unsigned int count);
void uni_index_name_removed(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
			    const char *key, bool was_linked, bool shows_again);
bool uni_index_alias(struct inode *inode, struct inode *lower, struct path *out);

/* export.c: file handles (NFS export, open_by_handle_at) */
extern const struct export_operations uni_export_ops;

/* layout.c: branch objects and layouts */
struct uni_lower_branch *uni_branch_create(struct uni_sb_info *sbi, const struct path *path,
					   enum uni_branch_mode mode,
					   struct uni_lower_branch *const *others, unsigned int count);
struct uni_lower_branch *uni_branch_get(struct uni_lower_branch *branch);
void uni_branch_put(struct uni_lower_branch *branch);
struct uni_layout *uni_layout_create(struct uni_sb_info *sbi,
				     struct uni_lower_branch *const *branches, unsigned int count);
struct uni_layout *uni_layout_get(struct uni_layout *layout);
void uni_layout_put(struct uni_layout *layout);
struct uni_layout *uni_current_layout(struct uni_sb_info *sbi);
loff_t uni_layout_maxbytes(const struct uni_layout *layout);
int uni_layout_find(const struct uni_layout *layout, const struct path *path);

/* branch.c: which directories may be branches; changes to a live union's branches */
const char *uni_branch_refusal(const struct path *path, struct uni_lower_branch *const *others,
			       unsigned int count, int max_depth, unsigned int *clash);
int uni_check_generation(struct uni_sb_info *sbi, u64 expected);
u64 uni_begin_epoch_locked(struct super_block *sb, struct uni_dentry_info *root_info);
int uni_incgen_locked(struct super_block *sb);
int uni_set_mode_locked(struct super_block *sb, unsigned int index, enum uni_branch_mode mode,
			const char **why);
int uni_add_branch_locked(struct super_block *sb, const struct path *path, unsigned int index,
			  enum uni_branch_mode mode, const char **why, unsigned int *clash);
int uni_del_branch_locked(struct super_block *sb, unsigned int index, const char **why);
void uni_forget_unused(struct super_block *sb);

/* ioctl.c */
long uni_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* listing.c: listings kept with a directory's inode */
void uni_listing_put(struct uni_dir_listing *listing);
struct uni_dir_listing *uni_listing_cached(struct inode *inode,
					   const struct uni_dentry_info *info);
struct uni_dir_listing *uni_listing_build(struct inode *inode, struct uni_dentry_info *info);
struct uni_dir_listing *uni_listing_record(struct inode *inode,
					   const struct uni_dentry_info *info, bool narrow_offsets);
void uni_listing_record_end(struct inode *inode, struct uni_dir_listing *listing, loff_t end,
			    const struct uni_dentry_info *info);
bool uni_dir_inos_as_listed(const struct uni_dentry_info *info);
void uni_dir_listing_forget(struct inode *inode);

/* readdir.c */
extern const struct file_operations uni_dir_fops;

#endif /* _UNI_H */
