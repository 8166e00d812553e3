// SPDX-License-Identifier: GPL-2.0
/*
 * export.c - file handles: NFS export (knfsd, with fsid=) and
 * name_to_handle_at/open_by_handle_at on the union.
 *
 * A union handle wraps the handle of the object's top lower object, as
 * its branch filesystem encodes it (with its parent for a non-directory,
 * so the branch can reconnect it after its cache was dropped), and a key
 * naming that filesystem. Decoding asks the branch filesystem for its
 * object, takes that object's path below its branch root, and looks the
 * same path up through the union: the union object found there is the
 * answer if it is the handle's object - the same lower object, or a copy
 * whose origin record names it (origin.c), so a handle taken before a
 * copyup opens the copy. Union dentries made this way are always
 * connected, so directories need no reconnection by the union itself.
 * A non-directory whose union inode is still in memory is found through
 * the inode cache first (that also covers one renamed since through the
 * union). Anything else - a removed object, a name now whited out,
 * another union's handle, forged bytes - is ESTALE.
 *
 * An object renamed through the union is no longer at its handle's path
 * once the caches are dropped: it is found by the records the rename
 * left (rename_records.c) - on the whiteout at its old path (an object
 * of a read-only branch, copied to its new name, or one below a renamed
 * directory) or on a regular file of a writable branch moved into another
 * directory. Without records (a branch without trusted xattrs; a symlink
 * or device node of the writable branch moved into another directory)
 * such a handle is ESTALE.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/cred.h>
#include <linux/exportfs.h>
#include <linux/jhash.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/uuid.h>
#include "uni.h"

/* Our handle type; knfsd and open_by_handle_at pass it back unchanged. */
#define UNI_FILEID_TYPE 0x55
#define UNI_FH_VERSION 1
#define UNI_FH_DIR 0x1

struct uni_fh {
	u8 version;
	u8 flags;
	u8 lower_type;		/* the branch filesystem's own handle type */
	u8 reserved;
	__le32 fs_key;		/* names that filesystem (uni_fs_key) */
	u32 lower[];		/* its handle */
};

#define UNI_FH_HEADER_WORDS (sizeof(struct uni_fh) / sizeof(u32))

/* A filesystem's key: its UUID hashed, or its device number without one. */
static u32 uni_fs_key(const struct super_block *sb)
{
	if (uuid_is_null(&sb->s_uuid))
		return new_encode_dev(sb->s_dev);
	return jhash(&sb->s_uuid, sizeof(sb->s_uuid), 0) | 0x80000000u;
}

/* ---- encoding ---- */

/* The directory of some name of lower (referenced), for a connectable handle. */
static struct inode *uni_lower_parent_get(struct inode *lower)
{
	struct dentry *alias = d_find_alias(lower), *parent;
	struct inode *dir;

	if (!alias)
		return NULL;
	parent = dget_parent(alias);
	dir = igrab(d_inode(parent));
	dput(parent);
	dput(alias);
	return dir;
}

static int uni_encode_fh(struct inode *inode, u32 *fh, int *max_len, struct inode *parent)
{
	struct inode *lower = uni_lower_inode_get(inode);
	struct inode *lower_dir = S_ISDIR(inode->i_mode) ? NULL : uni_lower_parent_get(lower);
	struct uni_fh *h = (struct uni_fh *)fh;
	int room = *max_len - (int)UNI_FH_HEADER_WORDS;
	int lower_len = max(room, 0);
	u32 no_room[1];
	int type;

	/* Too little room: the lower says how much it needs, we add ours. */
	type = uni_encode_inode_fh(lower, (struct fid *)(room > 0 ? h->lower : no_room),
				   &lower_len, lower_dir);
	if (room <= 0 || type < 0 || type == FILEID_INVALID) {
		*max_len = UNI_FH_HEADER_WORDS + lower_len;
		type = FILEID_INVALID;
		goto out;
	}
	h->version = UNI_FH_VERSION;
	h->flags = S_ISDIR(inode->i_mode) ? UNI_FH_DIR : 0;
	h->lower_type = type;
	h->reserved = 0;
	h->fs_key = cpu_to_le32(uni_fs_key(lower->i_sb));
	*max_len = UNI_FH_HEADER_WORDS + lower_len;
	type = UNI_FILEID_TYPE;
out:
	iput(lower_dir);
	iput(lower);
	return type;
}

/* ---- decoding ---- */

struct uni_decode_ctx {
	const struct uni_layout *layout;
	int branch;		/* out: the branch whose root is above the object */
};

/* The branch of layout whose root is an ancestor of (connected) lower, or -1. */
static int uni_branch_above(const struct uni_layout *layout, struct dentry *lower)
{
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++) {
		const struct path *root = &layout->branch[i]->path;

		if (root->mnt->mnt_sb == lower->d_sb && is_subdir(lower, root->dentry))
			return i;
	}
	return -1;
}

/* exportfs's test: a lower object is acceptable when it is inside one of our branches. */
static int uni_lower_acceptable(void *context, struct dentry *lower)
{
	struct uni_decode_ctx *ctx = context;

	ctx->branch = uni_branch_above(ctx->layout, lower);
	return ctx->branch >= 0;
}

static int uni_accept_any(void *context, struct dentry *lower)
{
	return 1;
}

/*
 * Decodes the handle's lower part on the first branch filesystem whose key
 * matches; acceptable decides whether a reconnected dentry is needed.
 */
static struct dentry *uni_decode_lower(const struct uni_layout *layout, const struct uni_fh *h,
				       int lower_len, int (*acceptable)(void *, struct dentry *),
				       struct uni_decode_ctx *ctx)
{
	const struct super_block *tried = NULL;
	unsigned int i;

	for (i = 0; i < layout->nbranches; i++) {
		struct vfsmount *mnt = layout->branch[i]->path.mnt;
		struct dentry *lower;

		if (mnt->mnt_sb == tried || uni_fs_key(mnt->mnt_sb) != le32_to_cpu(h->fs_key))
			continue;
		tried = mnt->mnt_sb;
		lower = exportfs_decode_fh(mnt, (struct fid *)h->lower, lower_len, h->lower_type,
					   acceptable, ctx);
		if (!IS_ERR_OR_NULL(lower))
			return lower;
	}
	return ERR_PTR(-ESTALE);
}

/* Is the union object of dentry the object lower stands for? */
static bool uni_is_object_of(struct dentry *dentry, struct dentry *lower)
{
	struct uni_dentry_info *info = uni_get_fresh_info(dentry);
	bool same = false;
	int i;

	if (IS_ERR(info))
		return false;
	if (info->kind == UNI_KIND_DIR && d_is_dir(lower)) {
		for (i = info->start; i <= info->end && !same; i++)
			same = info->lower[i] && d_inode(info->lower[i]) == d_inode(lower);
		/* Or moved by a rename through the union: copied, with its origin. */
		same = same || uni_origin_is(info->lower[info->start], d_inode(lower));
	} else if (info->kind == UNI_KIND_OTHER && !d_is_dir(lower)) {
		same = uni_origin_is(info->lower[info->start], d_inode(lower));
	}
	uni_put_dentry_info(info);
	return same;
}

/* Looks up path ("" or "/a/b") through the union: a positive dentry or ERR_PTR(-ESTALE). */
static struct dentry *uni_lookup_union_path(struct super_block *sb, const char *path)
{
	struct dentry *dentry = dget(sb->s_root);
	const char *name, *slash;

	for (name = path; *name == '/'; name = slash) {
		struct dentry *child;

		name++;
		slash = strchrnul(name, '/');
		child = lookup_positive_unlocked(name, dentry, slash - name);
		dput(dentry);
		if (IS_ERR(child))
			return ERR_PTR(-ESTALE);
		dentry = child;
	}
	return dentry;
}

/*
 * The union dentry at the path that lower has below branch root 'root',
 * followed by rest ("" or "/a/b"); an ERR_PTR when there is none.
 */
static struct dentry *uni_lookup_same_path(struct super_block *sb, struct dentry *root,
					   struct dentry *lower, const char *rest)
{
	char *buf = kmalloc(2 * PATH_MAX, GFP_KERNEL), *path;
	struct dentry *dentry = ERR_PTR(-ESTALE);

	if (!buf)
		return ERR_PTR(-ENOMEM);
	path = uni_path_below(root, lower, buf);
	if (!IS_ERR(path) && strlen(path) + strlen(rest) < PATH_MAX) {
		memmove(buf, path, strlen(path) + 1);
		strcat(buf, rest);
		dentry = uni_lookup_union_path(sb, buf);
	}
	kfree(buf);
	return dentry;
}

/* dentry (consumed) if its object is the one lower stands for, else ERR_PTR(-ESTALE). */
static struct dentry *uni_if_object_of(struct dentry *dentry, struct dentry *lower)
{
	if (!IS_ERR(dentry) && !uni_is_object_of(dentry, lower)) {
		dput(dentry);
		dentry = ERR_PTR(-ESTALE);
	}
	return dentry;
}

/* A union dentry of a non-directory whose union inode is in memory, or NULL. */
static struct dentry *uni_cached_alias(struct super_block *sb, struct dentry *lower)
{
	struct inode *inode = uni_ilookup_lower(sb, d_inode(lower));
	struct dentry *alias;

	if (!inode)
		return NULL;
	alias = d_find_alias(inode);
	iput(inode);
	if (alias && !uni_is_object_of(alias, lower)) {
		dput(alias);
		alias = NULL;
	}
	return alias;
}

/*
 * An object renamed through the union, found by the record on a whiteout
 * left at its old path, or at an ancestor's (rename_records.c): lower is
 * the handle's object, connected, below the root of branch 'from'. Each
 * writable branch is searched down lower's path for the deepest whiteout
 * with a record; the union object is then at the recorded object's place
 * plus the rest of lower's path.
 */
static struct dentry *uni_decode_by_moved_record(struct super_block *sb,
						 const struct uni_layout *layout,
						 const struct uni_lower_branch *from,
						 struct dentry *lower)
{
	char *buf = kmalloc(2 * PATH_MAX, GFP_KERNEL), *path, *name, *slash;
	struct dentry *dentry = ERR_PTR(-ESTALE);
	unsigned int i;

	if (!buf)
		return ERR_PTR(-ENOMEM);
	path = uni_path_below(from->path.dentry, lower, buf);
	for (i = 0; i < layout->nbranches && !IS_ERR(path) && IS_ERR(dentry); i++) {
		const struct uni_lower_branch *branch = layout->branch[i];
		struct dentry *dir, *moved = NULL, *found;
		const char *rest = "";

		if (READ_ONCE(branch->mode) != UNI_BRANCH_RW || !branch->can_index)
			continue;
		dir = dget(branch->path.dentry);
		for (name = path; *name == '/' && dir; name = slash) {
			struct qstr qname;
			struct dentry *child;

			name++;
			slash = strchrnul(name, '/');
			qname = (struct qstr)QSTR_INIT(name, slash - name);
			found = uni_moved_record_find(&branch->path, dir, &qname);
			if (found) {
				dput(moved);
				moved = found;
				rest = slash;
			}
			child = uni_do_lookup(dir, name, slash - name);
			dput(dir);
			dir = NULL;
			if (!IS_ERR(child) && d_is_dir(child))
				dir = child;
			else if (!IS_ERR(child))
				dput(child);
		}
		dput(dir);
		if (moved) {
			dentry = uni_lookup_same_path(sb, branch->path.dentry, moved, rest);
			dentry = uni_if_object_of(dentry, lower);
			dput(moved);
		}
	}
	kfree(buf);
	return dentry;
}

/*
 * A regular file on a writable branch that was renamed through the union
 * into another directory (its branch cannot reconnect it), found by its
 * name record (rename_records.c): ERR_PTR(-ESTALE) when it has none.
 */
static struct dentry *uni_decode_by_name_record(struct super_block *sb,
						const struct uni_layout *layout,
						struct dentry *lower)
{
	struct dentry *dentry = ERR_PTR(-ESTALE), *named;
	unsigned int i;

	for (i = 0; i < layout->nbranches && IS_ERR(dentry); i++) {
		const struct uni_lower_branch *branch = layout->branch[i];

		if (READ_ONCE(branch->mode) != UNI_BRANCH_RW || !branch->can_index ||
		    lower->d_sb != branch->path.mnt->mnt_sb)
			continue;
		named = uni_name_record_find(&branch->path, lower);
		if (!named)
			continue;
		dentry = uni_lookup_same_path(sb, branch->path.dentry, named, "");
		dentry = uni_if_object_of(dentry, lower);
		dput(named);
	}
	return dentry;
}

/*
 * The union dentry of the reconnected lower object of h: at its path, or
 * where a rename through the union moved it. An ERR_PTR when there is none.
 */
static struct dentry *uni_decode_connected(struct super_block *sb,
					   const struct uni_layout *layout,
					   const struct uni_fh *h, int lower_len)
{
	struct uni_decode_ctx ctx = { .layout = layout, .branch = -1 };
	const struct uni_lower_branch *from;
	struct dentry *lower, *dentry;

	lower = uni_decode_lower(layout, h, lower_len, uni_lower_acceptable, &ctx);
	if (IS_ERR(lower))
		return lower;
	if (ctx.branch < 0) {
		dput(lower);
		return ERR_PTR(-ESTALE);
	}
	from = layout->branch[ctx.branch];
	dentry = uni_lookup_same_path(sb, from->path.dentry, lower, "");
	dentry = uni_if_object_of(dentry, lower);
	if (IS_ERR(dentry) && PTR_ERR(dentry) != -ENOMEM)
		dentry = uni_decode_by_moved_record(sb, layout, from, lower);
	dput(lower);
	return dentry;
}

static struct dentry *uni_decode(struct super_block *sb, const struct uni_layout *layout,
				 const struct uni_fh *h, int lower_len)
{
	struct uni_decode_ctx ctx = { .layout = layout, .branch = -1 };
	struct dentry *lower, *dentry;

	if (h->flags & UNI_FH_DIR)
		return uni_decode_connected(sb, layout, h, lower_len);
	lower = uni_decode_lower(layout, h, lower_len, uni_accept_any, &ctx);
	if (IS_ERR(lower))
		return lower;
	dentry = uni_cached_alias(sb, lower);
	if (!dentry)
		dentry = uni_decode_connected(sb, layout, h, lower_len);
	if (IS_ERR(dentry) && PTR_ERR(dentry) != -ENOMEM && d_is_reg(lower))
		dentry = uni_decode_by_name_record(sb, layout, lower);
	dput(lower);
	return dentry;
}

static struct dentry *uni_fh_to_dentry(struct super_block *sb, struct fid *fid, int fh_len,
				       int fh_type)
{
	const struct uni_fh *h = (const struct uni_fh *)fid;
	struct uni_sb_info *sbi = UNI_SB(sb);
	struct uni_layout *layout;
	const struct cred *old_cred;
	struct dentry *dentry;

	if (fh_type != UNI_FILEID_TYPE || fh_len <= (int)UNI_FH_HEADER_WORDS ||
	    h->version != UNI_FH_VERSION || h->lower_type == FILEID_INVALID)
		return ERR_PTR(-ESTALE);
	layout = uni_current_layout(sbi);
	/* Finding the object is the union's own work, as a lookup's is. */
	old_cred = override_creds(sbi->creator_cred);
	dentry = uni_decode(sb, layout, h, fh_len - UNI_FH_HEADER_WORDS);
	revert_creds(old_cred);
	uni_layout_put(layout);
	if (IS_ERR(dentry) && PTR_ERR(dentry) != -ENOMEM)
		dentry = ERR_PTR(-ESTALE);
	return dentry;
}

/* Union dentries from handles are connected: the parent is the dcache's. */
static struct dentry *uni_fh_to_parent(struct super_block *sb, struct fid *fid, int fh_len,
				       int fh_type)
{
	struct dentry *dentry = uni_fh_to_dentry(sb, fid, fh_len, fh_type), *parent;

	if (IS_ERR(dentry))
		return dentry;
	parent = dget_parent(dentry);
	dput(dentry);
	return parent;
}

static struct dentry *uni_get_parent(struct dentry *child)
{
	if (IS_ROOT(child))
		return ERR_PTR(-ESTALE);	/* never made by us: nothing to reconnect */
	return dget_parent(child);
}

const struct export_operations uni_export_ops = {
	.encode_fh = uni_encode_fh,
	.fh_to_dentry = uni_fh_to_dentry,
	.fh_to_parent = uni_fh_to_parent,
	.get_parent = uni_get_parent,
};
