// SPDX-License-Identifier: GPL-2.0
/*
 * params.c - the new mount API: parameters go through fs_parser for their
 * keys and to the core for their values (dirs=, delete=, the bare "/b"
 * branches of the "dirs=/a,/b" spelling); branches are then resolved and
 * checked here, each refusal explained through the fs_context log.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/fs_parser.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include "ufs.h"

struct ufs_fs_context {
	struct ufs_options *opts;
};

enum ufs_param {
	Opt_dirs,
	Opt_delete,
	Opt_mode,
	Opt_incgen,
	Opt_add,
	Opt_del,
};

static const struct fs_parameter_spec ufs_fs_parameters[] = {
	fsparam_string("dirs", Opt_dirs),
	fsparam_string("delete", Opt_delete),
	/* remount only */
	fsparam_string("mode", Opt_mode),
	fsparam_flag("incgen", Opt_incgen),
	fsparam_string("add", Opt_add),
	fsparam_string("del", Opt_del),
	{}
};

static int ufs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct ufs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	const char *value = NULL;
	char msg[160];
	int err;

	/* A key starting with '/' is one more branch of "dirs=/a,/b"; fs_parser has no spec for it. */
	if (param->key[0] != '/') {
		err = fs_parse(fc, ufs_fs_parameters, param, &result);
		if (err < 0)
			return err;
	}
	if (param->type == fs_value_is_string)
		value = param->string;
	else if (param->type != fs_value_is_flag)
		return invalfc(fc, "%s: expected a string value", param->key);

	err = ufs_options_parse(ctx->opts, param->key, value, msg, sizeof(msg));
	if (err == -UFS_ENOENT)
		return -ENOPARAM;
	if (err == -EINVAL)
		return invalfc(fc, "%s", msg);
	return err;
}

/* Is DESC (or anything through mounts above it) the directory ANCESTOR? */
static bool ufs_path_is_under(const struct path *desc, const struct path *ancestor)
{
	struct path p = *desc;
	bool found = false;

	path_get(&p);
	for (;;) {
		if (p.dentry == ancestor->dentry) {
			found = true;
			break;
		}
		if (p.dentry == p.mnt->mnt_root) {
			if (!follow_up(&p))
				break;	/* reached the root of the namespace */
			continue;
		}
		{
			struct dentry *parent = dget_parent(p.dentry);

			dput(p.dentry);
			p.dentry = parent;
		}
	}
	path_put(&p);
	return found;
}

/* Two branches overlap when one holds the other, through mounts or bind mounts. */
static bool ufs_branches_overlap(const struct path *a, const struct path *b)
{
	if (a->dentry->d_sb == b->dentry->d_sb &&
	    (is_subdir(a->dentry, b->dentry) || is_subdir(b->dentry, a->dentry)))
		return true;
	return ufs_path_is_under(a, b) || ufs_path_is_under(b, a);
}

static int ufs_resolve_one_branch(struct ufs_lower_branch *branch, const char *name,
				  struct fs_context *fc)
{
	struct super_block *lower_sb;
	int err;

	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &branch->path);
	if (err == -ENOTDIR)
		return invalfc(fc, "branch %s is not a directory", name);
	if (err == -ENOENT)
		return invalfc(fc, "branch %s does not exist", name);
	if (err)
		return invalfc(fc, "branch %s cannot be resolved: error %d", name, err);

	lower_sb = branch->path.dentry->d_sb;
	if (lower_sb->s_type == &ufs_fs_type)
		err = invalfc(fc, "branch %s is itself on a unionfs", name);
	else if (lower_sb->s_stack_depth >= FILESYSTEM_MAX_STACK_DEPTH)
		err = invalfc(fc, "branch %s is stacked too deep", name);
	if (err) {
		/* Not yet counted in nbranches: nobody else would put it. */
		path_put(&branch->path);
		branch->path = (struct path){};
	}
	return err;
}

/* fs_index numbers distinct lower filesystems, so inode numbers stay unique. */
static unsigned int ufs_fs_index(const struct ufs_sb_info *sbi, unsigned int upto,
				 unsigned int *next_index)
{
	const struct super_block *sb = sbi->branches[upto].path.dentry->d_sb;
	unsigned int i;

	for (i = 0; i < upto; i++)
		if (sbi->branches[i].path.dentry->d_sb == sb)
			return ufs_branch_table_get(sbi->table, i)->fs_index;
	return (*next_index)++;
}

/*
 * Resolves every branch the user named into sbi (which owns the references
 * from then on, also on failure) and builds the core's branch table.
 */
int ufs_resolve_branches(struct ufs_sb_info *sbi, const struct ufs_options *opts,
			 struct fs_context *fc)
{
	unsigned int n = ufs_options_branch_count(opts), i, j, next_index = 0;
	int err;

	sbi->branches = kcalloc(n, sizeof(*sbi->branches), GFP_KERNEL);
	sbi->table = ufs_branch_table_create(n);
	if (!sbi->branches || !sbi->table)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		const char *name = ufs_options_branch_path(opts, i);
		struct ufs_lower_branch *branch = &sbi->branches[i];
		struct ufs_branch entry;

		err = ufs_resolve_one_branch(branch, name, fc);
		if (err)
			return err;
		sbi->nbranches = i + 1;	/* from here on, kill_sb puts this path */
		branch->mode = ufs_options_branch_mode(opts, i);

		for (j = 0; j < i; j++)
			if (ufs_branches_overlap(&sbi->branches[j].path, &branch->path))
				return invalfc(fc, "branches %s and %s overlap",
					       ufs_options_branch_path(opts, j), name);

		entry = (struct ufs_branch){ .env = branch, .mode = branch->mode };
		entry.fs_index = ufs_fs_index(sbi, i, &next_index);
		err = ufs_branch_table_insert(sbi->table, i, &entry);
		if (err)
			return err;
	}
	sbi->delete_mode = ufs_options_delete_mode(opts);
	return 0;
}

const struct ufs_options *ufs_fc_options(const struct fs_context *fc)
{
	const struct ufs_fs_context *ctx = fc->fs_private;

	return ctx->opts;
}

static int ufs_get_tree(struct fs_context *fc)
{
	struct ufs_fs_context *ctx = fc->fs_private;
	char msg[160];
	int err;

	err = ufs_options_validate(ctx->opts, msg, sizeof(msg));
	if (err)
		return invalfc(fc, "%s", msg);
	return get_tree_nodev(fc, ufs_fill_super);
}

/* Applies remount's mode=BRANCH=MODE changes in order; BRANCH is a path. */
static int ufs_apply_mode_changes(struct fs_context *fc, struct ufs_sb_info *sbi,
				  const struct ufs_options *opts)
{
	unsigned int i;
	int err;

	for (i = 0; i < ufs_options_mode_change_count(opts); i++) {
		const char *name = ufs_options_mode_change_path(opts, i);
		struct path path;
		int index;

		err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &path);
		if (err)
			return invalfc(fc, "mode=%s: cannot resolve the branch: error %d", name, err);
		index = ufs_find_branch(sbi, &path);
		path_put(&path);
		if (index < 0)
			return invalfc(fc, "mode=%s: not a branch of this union", name);
		err = ufs_set_branch_mode(sbi, index, ufs_options_mode_change_mode(opts, i));
		if (err == -EROFS)
			return errorfc(fc, "mode=%s: the branch's filesystem is read-only", name), err;
		if (err)
			return err;
	}
	return 0;
}

/*
 * mount(8) repeats the options /proc/mounts shows on a remount: a dirs=
 * naming exactly the union's branches, with their modes, changes nothing.
 */
static bool ufs_same_branches(struct ufs_sb_info *sbi, const struct ufs_options *opts)
{
	unsigned int i, n = ufs_options_branch_count(opts);

	if (n != sbi->nbranches)
		return false;
	for (i = 0; i < n; i++) {
		struct path path;
		bool same;

		if (kern_path(ufs_options_branch_path(opts, i), LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			      &path))
			return false;
		same = path.dentry == sbi->branches[i].path.dentry &&
		       ufs_options_branch_mode(opts, i) == READ_ONCE(sbi->branches[i].mode);
		path_put(&path);
		if (!same)
			return false;
	}
	return true;
}

/*
 * Remount: mode=BRANCH=MODE and incgen change a live union; the branch
 * list itself (dirs=) cannot be replaced, and add=/del= are refused by
 * the core's parser (not supported yet).
 */
static int ufs_reconfigure(struct fs_context *fc)
{
	struct ufs_fs_context *ctx = fc->fs_private;
	struct ufs_sb_info *sbi = UFS_SB(fc->root->d_sb);
	int err;

	if (ufs_options_branch_count(ctx->opts) && !ufs_same_branches(sbi, ctx->opts))
		return invalfc(fc, "dirs= cannot be changed by remount; use mode=, or unmount");
	err = ufs_apply_mode_changes(fc, sbi, ctx->opts);
	if (err)
		return err;
	if (ufs_options_incgen(ctx->opts))
		ufs_bump_generation(sbi);
	return 0;
}

static void ufs_free_fc(struct fs_context *fc)
{
	struct ufs_fs_context *ctx = fc->fs_private;

	if (ctx) {
		ufs_options_destroy(ctx->opts);
		kfree(ctx);
	}
	if (fc->s_fs_info)
		ufs_free_sb_info(fc->s_fs_info);
}

static const struct fs_context_operations ufs_context_ops = {
	.parse_param = ufs_parse_param,
	.get_tree = ufs_get_tree,
	.reconfigure = ufs_reconfigure,
	.free = ufs_free_fc,
};

int ufs_init_fs_context(struct fs_context *fc)
{
	struct ufs_fs_context *ctx;
	struct ufs_sb_info *sbi;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->opts = ufs_options_create();
	if (!ctx->opts) {
		kfree(ctx);
		return -ENOMEM;
	}
	fc->fs_private = ctx;
	fc->ops = &ufs_context_ops;
	if (fc->purpose != FS_CONTEXT_FOR_MOUNT)
		return 0;

	/* Handed to the superblock by sget_fc(); freed by ufs_free_fc() until then. */
	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;	/* ufs_free_fc() frees ctx */
	fc->s_fs_info = sbi;
	return 0;
}
