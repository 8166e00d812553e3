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
#include "uni.h"

struct uni_fs_context {
	struct uni_options *opts;
};

enum uni_param {
	Opt_dirs,
	Opt_delete,
	Opt_mode,
	Opt_incgen,
	Opt_add,
	Opt_del,
};

static const struct fs_parameter_spec uni_fs_parameters[] = {
	fsparam_string("dirs", Opt_dirs),
	fsparam_string("delete", Opt_delete),
	/* remount only */
	fsparam_string("mode", Opt_mode),
	fsparam_flag("incgen", Opt_incgen),
	fsparam_string("add", Opt_add),
	fsparam_string("del", Opt_del),
	{}
};

static int uni_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct uni_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	const char *value = NULL;
	char msg[160];
	int err;

	/* A key starting with '/' is one more branch of "dirs=/a,/b"; fs_parser has no spec for it. */
	if (param->key[0] != '/') {
		err = fs_parse(fc, uni_fs_parameters, param, &result);
		if (err < 0)
			return err;
	}
	if (param->type == fs_value_is_string)
		value = param->string;
	else if (param->type != fs_value_is_flag)
		return invalfc(fc, "%s: expected a string value", param->key);

	err = uni_options_parse(ctx->opts, param->key, value, msg, sizeof(msg));
	if (err == -UNI_ENOENT)
		return -ENOPARAM;
	if (err == -EINVAL)
		return invalfc(fc, "%s", msg);
	return err;
}

/* Resolves the branch the user named; every refusal is explained in the log. */
static int uni_resolve_one_branch(const char *name, struct path *path, struct fs_context *fc)
{
	int err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);

	if (err == -ENOTDIR)
		return invalfc(fc, "branch %s is not a directory", name);
	if (err == -ENOENT)
		return invalfc(fc, "branch %s does not exist", name);
	if (err)
		return invalfc(fc, "branch %s cannot be resolved: error %d", name, err);
	return 0;
}

/*
 * Resolves every branch the user named and publishes them as the union's
 * first layout, which owns the references from then on.
 */
int uni_resolve_branches(struct uni_sb_info *sbi, const struct uni_options *opts,
			 struct fs_context *fc)
{
	unsigned int n = uni_options_branch_count(opts), i, clash;
	struct uni_lower_branch **branches;
	struct uni_layout *layout = NULL;
	int err = 0;

	branches = kcalloc(n, sizeof(*branches), GFP_KERNEL);
	if (!branches)
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const char *name = uni_options_branch_path(opts, i);
		const char *why;
		struct path path;

		err = uni_resolve_one_branch(name, &path, fc);
		if (err)
			break;
		why = uni_branch_refusal(&path, branches, i, FILESYSTEM_MAX_STACK_DEPTH, &clash);
		if (why && clash < i)
			err = invalfc(fc, "branches %s and %s overlap",
				      uni_options_branch_path(opts, clash), name);
		else if (why)
			err = invalfc(fc, "branch %s %s", name, why);
		else if (!(branches[i] = uni_branch_create(sbi, &path, uni_options_branch_mode(opts, i),
							    branches, i)))
			err = -ENOMEM;
		path_put(&path);
	}
	if (!err) {
		layout = uni_layout_create(sbi, branches, n);
		if (!layout)
			err = -ENOMEM;
	}
	for (i = 0; i < n; i++)
		uni_branch_put(branches[i]);
	kfree(branches);
	if (err)
		return err;
	rcu_assign_pointer(sbi->layout, layout);
	sbi->delete_mode = uni_options_delete_mode(opts);
	return 0;
}

const struct uni_options *uni_fc_options(const struct fs_context *fc)
{
	const struct uni_fs_context *ctx = fc->fs_private;

	return ctx->opts;
}

static int uni_get_tree(struct fs_context *fc)
{
	struct uni_fs_context *ctx = fc->fs_private;
	char msg[160];
	int err;

	err = uni_options_validate(ctx->opts, msg, sizeof(msg));
	if (err)
		return invalfc(fc, "%s", msg);
	return get_tree_nodev(fc, uni_fill_super);
}

/* ---- Remount: changes to the live union's branches ---- */

/* The option a change was given as, for messages. */
static const char *uni_change_key(enum uni_branch_change_kind kind)
{
	return kind == UNI_CHANGE_ADD ? "add" : kind == UNI_CHANGE_DEL ? "del" : "mode";
}

static int uni_refuse_overlap(struct fs_context *fc, const char *name, const struct path *other)
{
	char *buf = kmalloc(PATH_MAX, GFP_KERNEL);
	char *path = buf ? d_path(other, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	int err;

	err = invalfc(fc, "add=%s: overlaps branch %s", name, IS_ERR(path) ? "?" : path);
	kfree(buf);
	return err;
}

/* Applies one add=, del= or mode= change (its paths already resolved) under namespace_rwsem. */
static int uni_apply_change(struct fs_context *fc, struct super_block *sb,
			    const struct uni_options *opts, unsigned int i,
			    const struct path *path, const struct path *anchor)
{
	/* The layout before the change: a refused change leaves it current. */
	struct uni_layout *layout = uni_layout_locked(UNI_SB(sb));
	enum uni_branch_change_kind kind = uni_options_change_kind(opts, i);
	const char *key = uni_change_key(kind);
	const char *name = uni_options_change_path(opts, i);
	const char *why = NULL;
	unsigned int clash, index;
	int found, err;

	if (kind == UNI_CHANGE_ADD) {
		index = 0;
		if (anchor->dentry) {
			found = uni_layout_find(layout, anchor);
			if (found < 0)
				return invalfc(fc, "add=%s: %s is not a branch of this union", name,
					       uni_options_change_anchor(opts, i));
			index = found;
		} else if (uni_options_change_anchor(opts, i)) {
			index = layout->nbranches;	/* "add=:/new": at the bottom */
		}
		err = uni_add_branch_locked(sb, path, index, uni_options_change_mode(opts, i),
					    &why, &clash);
		if (err == -EINVAL && clash < layout->nbranches)
			return uni_refuse_overlap(fc, name, &layout->branch[clash]->path);
	} else {
		found = uni_layout_find(layout, path);
		if (found < 0)
			return invalfc(fc, "%s=%s: not a branch of this union", key, name);
		if (kind == UNI_CHANGE_DEL)
			err = uni_del_branch_locked(sb, found, &why);
		else
			err = uni_set_mode_locked(sb, found, uni_options_change_mode(opts, i), &why);
	}
	if (err && why)
		return errorfc(fc, "%s=%s: %s", key, name, why), err;
	return err;
}

/* Resolves the directories one change names (an unused anchor stays empty). */
static int uni_resolve_change(struct fs_context *fc, const struct uni_options *opts,
			      unsigned int i, struct path *path, struct path *anchor)
{
	enum uni_branch_change_kind kind = uni_options_change_kind(opts, i);
	const char *key = uni_change_key(kind);
	const char *name = uni_options_change_path(opts, i);
	const char *before = uni_options_change_anchor(opts, i);
	int err;

	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (err == -ENOTDIR)
		return invalfc(fc, "%s=%s: not a directory", key, name);
	if (err == -ENOENT)
		return invalfc(fc, "%s=%s: no such directory", key, name);
	if (err)
		return invalfc(fc, "%s=%s: cannot resolve the directory: error %d", key, name, err);
	if (kind != UNI_CHANGE_ADD || !before || !*before)
		return 0;
	err = kern_path(before, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, anchor);
	if (err) {
		path_put(path);
		return invalfc(fc, "add=%s:%s: cannot resolve the branch %s: error %d",
			       before, name, before, err);
	}
	return 0;
}

/*
 * Applies remount's add=, del= and mode= in the order given. Paths are
 * resolved before namespace_rwsem is taken, so no change of names waits for
 * a path walk. A refusal stops there; earlier changes stay.
 */
static int uni_apply_changes(struct fs_context *fc, struct super_block *sb,
			     const struct uni_options *opts)
{
	struct uni_sb_info *sbi = UNI_SB(sb);
	unsigned int i, n = uni_options_change_count(opts);
	bool removed = false;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		struct path path = {}, anchor = {};

		err = uni_resolve_change(fc, opts, i, &path, &anchor);
		if (err)
			break;
		err = down_write_killable(&sbi->namespace_rwsem);
		if (!err) {
			err = uni_apply_change(fc, sb, opts, i, &path, &anchor);
			up_write(&sbi->namespace_rwsem);
		}
		removed |= !err && uni_options_change_kind(opts, i) == UNI_CHANGE_DEL;
		path_put(&path);
		if (anchor.dentry)
			path_put(&anchor);
	}
	if (removed)
		uni_forget_unused(sb);
	return err;
}

/*
 * mount(8) repeats the options /proc/mounts shows on a remount: a dirs=
 * naming exactly the union's branches, with their modes, changes nothing.
 */
static bool uni_same_branches(struct uni_sb_info *sbi, const struct uni_options *opts)
{
	unsigned int i, n = uni_options_branch_count(opts);
	struct uni_layout *layout = uni_current_layout(sbi);
	bool same = n == layout->nbranches;

	for (i = 0; same && i < n; i++) {
		struct path path;

		if (kern_path(uni_options_branch_path(opts, i), LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			      &path)) {
			same = false;
			break;
		}
		same = path.dentry == layout->branch[i]->path.dentry &&
		       uni_options_branch_mode(opts, i) == READ_ONCE(layout->branch[i]->mode);
		path_put(&path);
	}
	uni_layout_put(layout);
	return same;
}

/*
 * Remount: add=, del=, mode= and incgen change a live union; the branch
 * list itself (dirs=) cannot be replaced.
 */
static int uni_reconfigure(struct fs_context *fc)
{
	struct uni_fs_context *ctx = fc->fs_private;
	struct super_block *sb = fc->root->d_sb;
	struct uni_sb_info *sbi = UNI_SB(sb);
	int err;

	if (uni_options_branch_count(ctx->opts) && !uni_same_branches(sbi, ctx->opts))
		return invalfc(fc, "dirs= cannot be changed by remount; use add=, del= or mode=");
	err = uni_apply_changes(fc, sb, ctx->opts);
	if (err || !uni_options_incgen(ctx->opts))
		return err;
	err = down_write_killable(&sbi->namespace_rwsem);
	if (err)
		return err;
	err = uni_incgen_locked(sb);
	up_write(&sbi->namespace_rwsem);
	return err;
}

static void uni_free_fc(struct fs_context *fc)
{
	struct uni_fs_context *ctx = fc->fs_private;

	if (ctx) {
		uni_options_destroy(ctx->opts);
		kfree(ctx);
	}
	if (fc->s_fs_info)
		uni_free_sb_info(fc->s_fs_info);
}

static const struct fs_context_operations uni_context_ops = {
	.parse_param = uni_parse_param,
	.get_tree = uni_get_tree,
	.reconfigure = uni_reconfigure,
	.free = uni_free_fc,
};

int uni_init_fs_context(struct fs_context *fc)
{
	struct uni_fs_context *ctx;
	struct uni_sb_info *sbi;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->opts = uni_options_create();
	if (!ctx->opts) {
		kfree(ctx);
		return -ENOMEM;
	}
	fc->fs_private = ctx;
	fc->ops = &uni_context_ops;
	if (fc->purpose != FS_CONTEXT_FOR_MOUNT)
		return 0;

	/* Handed to the superblock by sget_fc(); freed by uni_free_fc() until then. */
	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!sbi)
		return -ENOMEM;	/* uni_free_fc() frees ctx */
	uni_name_cache_init(sbi);
	uni_pending_moves_init(sbi);
	fc->s_fs_info = sbi;
	return 0;
}
