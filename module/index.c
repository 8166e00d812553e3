// SPDX-License-Identifier: GPL-2.0
/*
 * index.c - the names of a hard-linked file stay linked across copyup.
 *
 * Names of one file (nlink > 1) on a branch the union does not write are
 * one union object (one union inode). When the first of them is copied
 * up, the complete copy is linked into the index of the writable branch,
 * ".wh..wh.index/KEY" at its root, before it gets its name; KEY names the
 * original (its filesystem's UUID, or device, and its inode number). A
 * later copyup of another name links that copy under the name instead of
 * copying again, and until then the name's reads, stat and attributes go
 * to the copy (uni_index_alias), so a write through one name is read
 * through all of them. Lookup finds the copy of a lower hard link by its
 * key, so the names stay one object after dropped caches, a remount and
 * a reboot. The index directory is hidden by its ".wh." name.
 *
 * The object shows the original's inode number (the copy's origin record
 * is flagged INDEXED, origin.c) and a link count of the copy's links
 * minus the index's, plus the original's names that are neither linked
 * to the copy nor removed, which the copy keeps in its xattr
 * trusted.unionfs.lowerlinks (updated under the object's copyup_mutex).
 * When the last name goes, so does the index entry.
 *
 * A writable branch that cannot store trusted xattrs (probed when the
 * branch object is made) gets no index: there the names part at copyup,
 * each with its own inode number, as before (doc/design.md, "Inodes").
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/cred.h>
#include <linux/namei.h>
#include "uni.h"

#define UNI_INDEX_DIR UNI_WH_PREFIX UNI_WH_PREFIX "index"
#define UNI_XATTR_LOWERLINKS UNI_PRIVATE_XATTR_PREFIX "lowerlinks"

/* May a branch hold an index? Only if it stores trusted xattrs. */
bool uni_index_probe(const struct path *root)
{
	return uni_do_get_private_xattr(root->dentry, UNI_XATTR_LOWERLINKS, NULL, 0) != -EOPNOTSUPP;
}

/*
 * Is lower (the top of a name on branch from) one name of a hard-linked
 * file that a copyup onto branch to keeps linked?
 */
bool uni_index_wanted(const struct uni_lower_branch *from, const struct uni_lower_branch *to,
		      const struct inode *lower)
{
	return S_ISREG(lower->i_mode) && lower->i_nlink > 1 &&
	       READ_ONCE(from->mode) != UNI_BRANCH_RW && to->can_index;
}

/* The index directory at root (a reference), NULL when there is none, or an ERR_PTR. */
static struct dentry *uni_index_dir(const struct path *root)
{
	struct dentry *dir = uni_do_lookup(root->dentry, UNI_INDEX_DIR, strlen(UNI_INDEX_DIR));

	if (!IS_ERR(dir) && !d_is_dir(dir)) {
		dput(dir);
		dir = NULL;
	}
	return dir;
}

/*
 * The index entry for key at root: a referenced positive dentry, NULL
 * when there is none, or an ERR_PTR. As the mounter: the index is the
 * mounter's, mode 0700.
 */
static struct dentry *uni_index_find_key(const struct uni_sb_info *sbi, const struct path *root,
					 const char *key)
{
	const struct cred *old_cred = override_creds(sbi->creator_cred);
	struct dentry *dir = uni_index_dir(root), *entry = dir;

	if (!IS_ERR_OR_NULL(dir)) {
		entry = uni_do_lookup(dir, key, strlen(key));
		dput(dir);
		if (!IS_ERR(entry) && !d_is_reg(entry)) {
			dput(entry);
			entry = NULL;
		}
	}
	revert_creds(old_cred);
	return entry;
}

/*
 * The index entry for key on a writable branch of layout above limit
 * that keeps an index, nearest first; with near, only on near's
 * filesystem and not near itself. A reference, with *where its branch;
 * NULL when there is none; or an ERR_PTR.
 */
static struct dentry *uni_index_search(const struct uni_layout *layout, unsigned int limit,
				       const char *key, const struct uni_lower_branch *near,
				       unsigned int *where)
{
	struct uni_lower_branch *branch;
	struct dentry *entry;
	unsigned int i;

	for (i = limit; i-- > 0;) {
		branch = layout->branch[i];
		if (READ_ONCE(branch->mode) != UNI_BRANCH_RW || !branch->can_index)
			continue;
		if (near && (branch == near || branch->path.mnt->mnt_sb != near->path.mnt->mnt_sb))
			continue;
		entry = uni_index_find_key(layout->sbi, &branch->path, key);
		if (entry) {
			*where = i;
			return entry;
		}
	}
	return NULL;
}

/*
 * The copy of original (the top of a name of a lower hard link, on
 * branch start of layout) in the index of a writable branch above it: a
 * reference, with *where its branch; NULL when there is none; or an
 * ERR_PTR. Copies go to the nearest writable branch, but a rename or an
 * exchange puts the first one where its new name is, possibly higher,
 * so every writable branch that keeps an index is asked, nearest first.
 */
struct dentry *uni_index_find_above(const struct uni_layout *layout, unsigned int start,
				    const struct inode *original, unsigned int *where)
{
	char key[UNI_ORIGIN_KEY_LEN];

	uni_origin_key_of_inode(original, key);
	return uni_index_search(layout, start, key, NULL, where);
}

/* The index directory at root, made if missing. Caller has write access, as the mounter. */
static struct dentry *uni_index_dir_make(const struct path *root)
{
	struct inode *rinode = d_inode(root->dentry);
	struct dentry *dir;
	int err;

	inode_lock_nested(rinode, I_MUTEX_PARENT);
	dir = uni_do_lookup_locked(root->dentry, UNI_INDEX_DIR, strlen(UNI_INDEX_DIR));
	if (!IS_ERR(dir) && d_is_negative(dir)) {
		err = uni_do_mkdir(root->mnt, rinode, dir, 0700);
		if (err) {
			dput(dir);
			dir = ERR_PTR(err);
		}
	}
	inode_unlock(rinode);
	if (!IS_ERR(dir) && !d_is_dir(dir)) {
		dput(dir);
		dir = ERR_PTR(-ENOTDIR);
	}
	return dir;
}

/*
 * Links copy (the complete, still unnamed copy of origin) into the index
 * at root, unless a copy is there already. Returns the index entry (a
 * reference): the copy's new name, or the copy found; or an ERR_PTR.
 * As the mounter.
 */
struct dentry *uni_index_add(const struct path *root, struct dentry *copy,
			     const struct inode *origin)
{
	char key[UNI_ORIGIN_KEY_LEN];
	struct dentry *dir, *entry;
	struct inode *dinode;
	int err = uni_do_want_write(root->mnt);

	if (err)
		return ERR_PTR(err);
	dir = uni_index_dir_make(root);
	entry = dir;
	if (IS_ERR(dir))
		goto out;
	uni_origin_key_of_inode(origin, key);
	dinode = d_inode(dir);
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	entry = uni_do_lookup_locked(dir, key, strlen(key));
	if (!IS_ERR(entry) && d_is_negative(entry)) {
		err = uni_do_link(root->mnt, copy, dinode, entry);
		if (err) {
			dput(entry);
			entry = ERR_PTR(err);
		}
	}
	inode_unlock(dinode);
	dput(dir);
out:
	uni_do_drop_write(root->mnt);
	return entry;
}

/* The original's names not yet linked to copy nor removed (0 when unknown). */
unsigned int uni_index_lower_links(struct dentry *copy)
{
	__le32 value;
	ssize_t len = uni_do_get_private_xattr(copy, UNI_XATTR_LOWERLINKS, &value, sizeof(value));

	return len == sizeof(value) ? le32_to_cpu(value) : 0;
}

/* Records that count. As the mounter (trusted xattr). */
int uni_index_set_lower_links(struct vfsmount *mnt, struct dentry *copy, unsigned int count)
{
	__le32 value = cpu_to_le32(count);
	int err = uni_do_want_write(mnt);

	if (err)
		return err;
	err = uni_do_setxattr(mnt, copy, UNI_XATTR_LOWERLINKS, &value, sizeof(value), 0);
	uni_do_drop_write(mnt);
	return err;
}

/* Removes the index entry of an object none of whose names is left. As the mounter. */
static void uni_index_remove(const struct path *root, struct dentry *entry)
{
	struct dentry *dir = dget_parent(entry);
	struct inode *dinode = d_inode(dir);
	int err = uni_do_want_write(root->mnt);

	if (err)
		goto out;
	inode_lock_nested(dinode, I_MUTEX_PARENT);
	if (entry->d_parent == dir && !d_unhashed(entry))
		err = uni_do_unlink(root->mnt, dinode, entry);
	inode_unlock(dinode);
	uni_do_drop_write(root->mnt);
out:
	if (err)
		pr_warn_ratelimited("cannot remove index entry %pd: error %d\n", entry, err);
	dput(dir);
}

/*
 * The index entry for key that an object on branch can be linked to: on
 * branch, or on another writable branch of the union on the same
 * filesystem (a rename or an exchange may have put the first copy
 * there, index.c). A reference, NULL or an ERR_PTR.
 */
static struct dentry *uni_index_find_linkable(struct uni_sb_info *sbi,
					      const struct uni_lower_branch *branch,
					      const char *key)
{
	struct dentry *entry = uni_index_find_key(sbi, &branch->path, key);
	struct uni_layout *layout;
	unsigned int where;

	if (entry)
		return entry;
	layout = uni_current_layout(sbi);
	entry = uni_index_search(layout, layout->nbranches, key, branch, &where);
	uni_layout_put(layout);
	return entry;
}

/*
 * A name of an indexed object whose copy is on branch was removed
 * through the union (key: the object's, taken before). A name that was
 * not linked to the copy counts one lower name less; a linked one whose
 * original name shows again (shows_again, delete=first) one more; when
 * no name is left, the index entry goes too. Failures cost only a link
 * count: warned, not returned.
 */
void uni_index_name_removed(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
			    const char *key, bool was_linked, bool shows_again)
{
	const struct path *root = &branch->path;
	const struct cred *old_cred;
	struct dentry *entry = uni_index_find_linkable(sbi, branch, key);
	unsigned int lower_links;

	if (IS_ERR_OR_NULL(entry))
		return;
	old_cred = override_creds(sbi->creator_cred);
	lower_links = uni_index_lower_links(entry);
	if (!was_linked && lower_links) {
		lower_links--;
		uni_index_set_lower_links(root->mnt, entry, lower_links);
	} else if (was_linked && shows_again) {
		lower_links++;
		uni_index_set_lower_links(root->mnt, entry, lower_links);
	}
	if (!lower_links && d_inode(entry)->i_nlink == 1)
		uni_index_remove(root, entry);
	revert_creds(old_cred);
	dput(entry);
}

/*
 * Where a name of an indexed object whose top is still the original
 * (lower) reads and writes: the copy's index entry, on the branch of the
 * object's inode or linkable from it, as a path (a reference to the
 * dentry, with the mount of the inode's branch, which the inode pins). False when that is not the inode's
 * object: then the name has parted from it (uni_d_revalidate).
 */
bool uni_index_alias(struct inode *inode, struct inode *lower, struct path *out)
{
	struct uni_inode_info *ui = UNI_I(inode);
	struct uni_lower_branch *branch;
	char key[UNI_ORIGIN_KEY_LEN];
	struct dentry *entry;

	if (!READ_ONCE(ui->indexed))
		return false;
	branch = uni_inode_branch_get(inode);
	uni_origin_key_of_inode(lower, key);
	entry = uni_index_find_linkable(UNI_SB(inode->i_sb), branch, key);
	if (IS_ERR_OR_NULL(entry) || d_inode(entry) != READ_ONCE(ui->lower)) {
		if (!IS_ERR_OR_NULL(entry))
			dput(entry);
		uni_branch_put(branch);
		return false;
	}
	out->mnt = branch->path.mnt;
	out->dentry = entry;
	uni_branch_put(branch);	/* the inode keeps its own reference */
	return true;
}
