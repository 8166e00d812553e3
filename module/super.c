// SPDX-License-Identifier: GPL-2.0
/*
 * super.c - the union superblock (fill_super, super_operations) and module
 * init/exit.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/cred.h>
#include <linux/backing-dev.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include "uni.h"

/* Drops everything a (possibly half-built) sb_info holds. */
void uni_free_sb_info(struct uni_sb_info *sbi)
{
	uni_layout_put(rcu_dereference_protected(sbi->layout, true));
	uni_name_cache_clear(sbi);
	if (sbi->creator_cred)
		put_cred(sbi->creator_cred);
	kfree(sbi);
}

/* The branch statfs reports: the highest-priority writable one, else the first. */
static const struct path *uni_statfs_branch(const struct uni_layout *layout)
{
	int writable = uni_branch_table_first_writable(layout->table);

	return &layout->branch[writable >= 0 ? writable : 0]->path;
}

static int uni_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct uni_layout *layout = uni_current_layout(UNI_SB(dentry->d_sb));
	int err = uni_do_statfs(uni_statfs_branch(layout), buf);

	uni_layout_put(layout);
	if (!err)
		buf->f_type = UNIONFS_SUPER_MAGIC;
	return err;
}

/* True when an earlier writable branch of layout than i is on the same filesystem. */
static bool uni_sb_synced_before(const struct uni_layout *layout, unsigned int i)
{
	struct super_block *sb = layout->branch[i]->path.mnt->mnt_sb;
	unsigned int j;

	for (j = 0; j < i; j++)
		if (READ_ONCE(layout->branch[j]->mode) == UNI_BRANCH_RW &&
		    layout->branch[j]->path.mnt->mnt_sb == sb)
			return true;
	return false;
}

/*
 * syncfs(2) and sync(2): the union holds no dirty data of its own, its
 * writable branches do. Each of their filesystems is synced once, with
 * its s_umount held as sync_filesystem() requires (lock order: the
 * union's s_umount, then a branch's).
 */
static int uni_sync_fs(struct super_block *sb, int wait)
{
	struct uni_layout *layout;
	unsigned int i;
	int err = 0;

	if (!wait)
		return 0;	/* the waiting pass does it all */
	layout = uni_current_layout(UNI_SB(sb));
	for (i = 0; i < layout->nbranches; i++) {
		struct super_block *lower_sb = layout->branch[i]->path.mnt->mnt_sb;
		int ret;

		if (READ_ONCE(layout->branch[i]->mode) != UNI_BRANCH_RW ||
		    uni_sb_synced_before(layout, i))
			continue;
		down_read(&lower_sb->s_umount);
		ret = uni_do_sync_fs(lower_sb);
		up_read(&lower_sb->s_umount);
		if (ret && !err)
			err = ret;
	}
	uni_layout_put(layout);
	return err;
}

/* Prints "dirs=/a=rw:/b=ro" with branch paths resolved, so /proc/mounts round-trips. */
static int uni_show_options(struct seq_file *m, struct dentry *root)
{
	struct uni_sb_info *sbi = UNI_SB(root->d_sb);
	struct uni_layout *layout = uni_current_layout(sbi);
	unsigned int i;

	seq_puts(m, ",dirs=");
	for (i = 0; i < layout->nbranches; i++) {
		if (i)
			seq_putc(m, ':');
		/* Escape what would split the option string apart. */
		seq_path(m, &layout->branch[i]->path, ",:= \t\n\\");
		seq_printf(m, "=%s", uni_branch_mode_name(READ_ONCE(layout->branch[i]->mode)));
	}
	uni_layout_put(layout);
	if (sbi->delete_mode != UNI_DELETE_ALL)
		seq_printf(m, ",delete=%s", uni_delete_mode_name(sbi->delete_mode));
	return 0;
}

static const struct super_operations uni_super_ops = {
	.alloc_inode = uni_alloc_inode,
	.free_inode = uni_free_inode,
	/*
	 * No union inode outlives its dentries: it pins lower inodes, which
	 * must not stay pinned once their branch is removed and unused.
	 */
	.drop_inode = generic_delete_inode,
	.evict_inode = uni_evict_inode,
	.statfs = uni_statfs,
	.sync_fs = uni_sync_fs,
	.show_options = uni_show_options,
};

/* The root's info in layout: its lower objects are the branch roots themselves. */
struct uni_dentry_info *uni_root_info(struct uni_layout *layout, u64 epoch)
{
	struct uni_dentry_info *info = uni_alloc_dentry_info(layout, epoch);
	unsigned int i;

	if (!info)
		return NULL;
	for (i = 0; i < layout->nbranches; i++)
		info->lower[i] = dget(layout->branch[i]->path.dentry);
	info->start = 0;
	info->end = layout->nbranches - 1;
	info->kind = UNI_KIND_DIR;
	return info;
}

static int uni_set_stack_depth(struct super_block *sb)
{
	struct uni_layout *layout = rcu_dereference_protected(UNI_SB(sb)->layout, true);
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++)
		sb->s_stack_depth = max(sb->s_stack_depth,
					layout->branch[i]->path.dentry->d_sb->s_stack_depth + 1);
	return sb->s_stack_depth > FILESYSTEM_MAX_STACK_DEPTH ? -EINVAL : 0;
}

/*
 * The union's own work runs with the mounter's credentials, never with
 * more: without CAP_SYS_RESOURCE, so copies and whiteouts respect disk
 * quotas and the space a filesystem reserves for root (as overlayfs).
 */
static int uni_capture_mounter_creds(struct uni_sb_info *sbi)
{
	struct cred *cred = prepare_creds();

	if (!cred)
		return -ENOMEM;
	cap_lower(cred->cap_effective, CAP_SYS_RESOURCE);
	sbi->creator_cred = cred;
	return 0;
}

int uni_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct uni_dentry_info *info;
	struct inode *root;
	int err;

	err = uni_resolve_branches(sbi, uni_fc_options(fc), fc);
	if (err)
		return err;
	if (uni_set_stack_depth(sb))
		return invalfc(fc, "branches are stacked too deep");
	err = uni_capture_mounter_creds(sbi);
	if (err)
		return err;

	sbi->sb = sb;
	sb->s_magic = UNIONFS_SUPER_MAGIC;
	sb->s_op = &uni_super_ops;
	sb->s_d_op = &uni_dentry_ops;
	sb->s_export_op = &uni_export_ops;
	sb->s_maxbytes = uni_layout_maxbytes(rcu_dereference_protected(sbi->layout, true));
	sb->s_time_gran = 1;
	sb->s_xattr = uni_xattr_handlers;
	/*
	 * The branch decides about ACLs: the VFS must leave the umask to it
	 * (a default ACL replaces the umask; vfs_create() and friends strip
	 * it for a branch directory without ACLs), and 6.2+ asks
	 * IS_POSIXACL() before the ACL inode operations.
	 */
	sb->s_flags |= SB_POSIXACL;
	init_rwsem(&sbi->namespace_rwsem);
	spin_lock_init(&sbi->staged_lock);
	INIT_LIST_HEAD(&sbi->staged);
	/* Generations count from 1: 0 in a request means "do not check". */
	atomic64_set(&sbi->generation, 1);
	atomic64_set(&sbi->epoch, 1);

	info = uni_root_info(rcu_dereference_protected(sbi->layout, true),
			     atomic64_read(&sbi->epoch));
	if (!info)
		return -ENOMEM;
	root = uni_iget(sb, info);
	if (IS_ERR(root)) {
		uni_put_dentry_info(info);
		return PTR_ERR(root);
	}
	sb->s_root = d_make_root(root);
	if (!sb->s_root) {
		uni_put_dentry_info(info);
		return -ENOMEM;
	}
	uni_set_dentry_info(sb->s_root, info);
	return 0;
}

static void uni_kill_sb(struct super_block *sb)
{
	struct uni_sb_info *sbi = UNI_SB(sb);

	if (sbi)	/* their references, before the dentries go */
		uni_pending_moves_drop(sbi);
	kill_anon_super(sb);
	if (sbi)
		uni_free_sb_info(sbi);
}

struct file_system_type uni_fs_type = {
	.owner = THIS_MODULE,
	.name = UNI_NAME,
	.init_fs_context = uni_init_fs_context,
	.kill_sb = uni_kill_sb,
};
MODULE_ALIAS_FS(UNI_NAME);

static int __init uni_init(void)
{
	int err = uni_init_inode_cache();

	if (err)
		return err;
	err = register_filesystem(&uni_fs_type);
	if (err)
		uni_destroy_inode_cache();
	return err;
}

static void __exit uni_exit(void)
{
	unregister_filesystem(&uni_fs_type);
	uni_destroy_inode_cache();
}

module_init(uni_init);
module_exit(uni_exit);

MODULE_DESCRIPTION("Union filesystem: merges directories (branches) into one view");
MODULE_LICENSE("GPL");
MODULE_VERSION(UNI_VERSION);
