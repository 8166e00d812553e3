// SPDX-License-Identifier: GPL-2.0
/*
 * name_cache.c - which names a branch directory holds, so that a lookup in
 * a union of many branches asks only the branches that may hold the name.
 *
 * A name that only the bottom of N branches holds costs the walk
 * (core/src/lookup.cpp) a lookup of the name and of its whiteout on every
 * branch above: 2N - 1 lookups into branch filesystems, each a miss that
 * the filesystem answers from its directory (and then a negative dentry).
 * Compilers' -I paths, PATH searches and package managers do that all day.
 * So after a branch directory has answered UNI_NAME_CACHE_AFTER misses
 * without changing, its names are read once (iterate_dir) into a table of
 * name hashes (open addressing, at most half full: a probe is about two
 * reads, where a binary search of 200 names was eight). From then on a
 * name whose hash is not there is absent - the name, its whiteout, the
 * opaque markers - without asking. A directory listed before needs one
 * more miss per UNI_NAME_CACHE_NAMES_PER_MISS names it had then: one that
 * changes between few lookups, as one being filled by a create loop, is
 * not read again and again, each time bigger.
 * A hash that is there only means "ask": collisions cost a lookup, never
 * a wrong answer.
 *
 * Validity: a list belongs to the directory's state when it was read (its
 * ctime, mtime, size and i_version, "the stamp"). Every change of a
 * directory's entries - through the union or on the branch itself -
 * moves its ctime, so a list whose stamp is no longer the directory's is
 * dropped before use. A list is only built when the clock has moved past
 * the directory's ctime (coarse timestamps: a change in the same tick as
 * the stamp would not move it) and is kept only if the stamp is unchanged
 * after the read. Not cached: directories of nfsro branches and of
 * filesystems that revalidate or compare names themselves (NFS, FUSE,
 * 9p, case-insensitive ones), which change behind our back or match names
 * other than byte for byte.
 *
 * The lists of a union live in a small hash table (by filesystem and inode
 * number, with no reference to the inode: the stamp, which includes the
 * inode's generation, tells a list from a stale one) under
 * sbi->name_cache_lock, least recently used first out beyond 1024 lists or
 * 2M table slots (8 MiB: 512K to 1M names) per union; a directory of
 * more than 256K names is not listed. They are dropped when the branches
 * change (but one being read, which is only memory) and when the union
 * goes.
 */
#define pr_fmt(fmt) "unionfs: " fmt

#include <linux/cred.h>
#include <linux/hash.h>
#include <linux/iversion.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include "uni.h"

#define UNI_NAME_CACHE_AFTER 16		/* misses of one directory before its names are read */
#define UNI_NAME_CACHE_NAMES_PER_MISS 8	/* then one more per 8 names of its last listing */
#define UNI_NAME_CACHE_DIRS 1024	/* directories a union keeps lists for */
#define UNI_NAME_CACHE_MAX_NAMES (1U << 18)	/* bigger directories are not listed */
#define UNI_NAME_CACHE_BUDGET (1U << 21)	/* table slots a union keeps in all (8 MiB) */

struct uni_name_list {
	struct hlist_node hash;		/* sbi->name_cache, by sb and inode number */
	struct list_head lru;		/* sbi->name_lru, most recently used first */
	const struct super_block *sb;	/* identity only */
	unsigned long ino;
	struct uni_dir_stamp stamp;
	unsigned int misses;		/* lookups that found a name absent since the stamp */
	unsigned int last_count;	/* names at the last listing, kept when it goes */
	bool listed;			/* table holds the names (NULL: none) */
	bool reading;			/* someone reads its names now */
	bool too_big;			/* more than UNI_NAME_CACHE_MAX_NAMES: not listed */
	unsigned int bits;		/* table has 1 << bits slots, 0 when NULL */
	u32 *table;			/* name hashes by uni_table_has(); 0: a free slot */
};

static unsigned int uni_table_slots(unsigned int bits)
{
	return bits ? 1U << bits : 0;
}

void uni_dir_stamp_of(struct inode *dir, struct uni_dir_stamp *stamp)
{
	stamp->ctime = uni_inode_ctime(dir);
	stamp->mtime = uni_inode_mtime(dir);
	stamp->size = i_size_read(dir);
	stamp->version = IS_I_VERSION(dir) ? inode_peek_iversion_raw(dir) : 0;
	stamp->generation = dir->i_generation;
}

/*
 * Has the clock left the tick of dir's stamp? Only then does any later
 * change of its entries move its ctime (coarse timestamps: a change in the
 * same tick would not), so only then may what is read now be kept.
 */
bool uni_dir_stamp_settled(struct inode *dir, const struct uni_dir_stamp *stamp)
{
	struct timespec64 now = current_time(dir);

	return timespec64_compare(&now, &stamp->ctime) > 0;
}

bool uni_dir_stamp_equal(const struct uni_dir_stamp *a, const struct uni_dir_stamp *b)
{
	return timespec64_equal(&a->ctime, &b->ctime) && timespec64_equal(&a->mtime, &b->mtime) &&
	       a->size == b->size && a->version == b->version && a->generation == b->generation;
}

/*
 * Do dir's stamps (a directory of branch) tell every change of its
 * entries? Not on nfsro branches, nor on filesystems that revalidate or
 * compare names themselves (NFS, FUSE, 9p, case-insensitive ones).
 */
bool uni_dir_stamps_trusted(const struct uni_lower_branch *branch, struct dentry *dir)
{
	return READ_ONCE(branch->mode) != UNI_BRANCH_NFSRO &&
	       !(dir->d_flags & (DCACHE_OP_REVALIDATE | DCACHE_OP_WEAK_REVALIDATE |
				 DCACHE_OP_HASH | DCACHE_OP_COMPARE)) &&
	       !IS_DEADDIR(d_inode(dir));
}

static u32 uni_name_hash(const char *name, unsigned int len)
{
	return full_name_hash(NULL, name, len);
}

static unsigned long uni_name_list_key(const struct super_block *sb, unsigned long ino)
{
	return hash_ptr(sb, 32) ^ ino;
}

/* Caller holds name_cache_lock. */
static struct uni_name_list *uni_name_list_find(struct uni_sb_info *sbi, struct inode *dir)
{
	struct uni_name_list *list;

	hash_for_each_possible(sbi->name_cache, list, hash, uni_name_list_key(dir->i_sb, dir->i_ino))
		if (list->sb == dir->i_sb && list->ino == dir->i_ino)
			return list;
	return NULL;
}

/*
 * What a change under name_cache_lock lets go of: freed after unlocking
 * (kvfree() may sleep).
 */
struct uni_name_garbage {
	struct list_head lists;		/* whole lists, with their names */
	u32 *table;			/* the names of a list that stays */
};

#define UNI_NAME_GARBAGE(g) { .lists = LIST_HEAD_INIT((g).lists) }

static void uni_name_garbage_free(struct uni_name_garbage *garbage)
{
	struct uni_name_list *list, *next;

	list_for_each_entry_safe(list, next, &garbage->lists, lru) {
		kvfree(list->table);
		kfree(list);
	}
	kvfree(garbage->table);
}

/* Takes list's names away into garbage. Caller holds name_cache_lock. */
static void uni_name_list_empty(struct uni_sb_info *sbi, struct uni_name_list *list,
				struct uni_name_garbage *garbage)
{
	if (!list->listed)
		return;
	list->listed = false;
	WARN_ON_ONCE(garbage->table);
	garbage->table = list->table;
	sbi->name_slots -= uni_table_slots(list->bits);
	list->table = NULL;
	list->bits = 0;
}

/* Removes list, into garbage. Caller holds name_cache_lock. */
static void uni_name_list_drop(struct uni_sb_info *sbi, struct uni_name_list *list,
			       struct uni_name_garbage *garbage)
{
	hash_del(&list->hash);
	list_move(&list->lru, &garbage->lists);
	WRITE_ONCE(sbi->name_lists, sbi->name_lists - 1);
	sbi->name_slots -= uni_table_slots(list->bits);
}

/*
 * Drops the least recently used lists (not keep, none being read) while
 * there are more than UNI_NAME_CACHE_DIRS or more names than the budget.
 * Caller holds name_cache_lock.
 */
static void uni_name_lists_trim(struct uni_sb_info *sbi, struct uni_name_list *keep,
				struct uni_name_garbage *garbage)
{
	struct uni_name_list *list, *prev;

	list_for_each_entry_safe_reverse(list, prev, &sbi->name_lru, lru) {
		if (sbi->name_lists <= UNI_NAME_CACHE_DIRS &&
		    sbi->name_slots <= UNI_NAME_CACHE_BUDGET)
			break;
		if (list != keep && !list->reading)
			uni_name_list_drop(sbi, list, garbage);
	}
}

/*
 * The list of dir, made if missing (NULL when out of memory), current: a
 * list whose stamp is not dir's is emptied and starts counting again.
 * Caller holds name_cache_lock; what goes is put in garbage.
 */
static struct uni_name_list *uni_name_list_get(struct uni_sb_info *sbi, struct inode *dir,
					       struct uni_name_list *fresh,
					       struct uni_name_garbage *garbage)
{
	struct uni_name_list *list = uni_name_list_find(sbi, dir);
	struct uni_dir_stamp now;

	uni_dir_stamp_of(dir, &now);
	if (!list) {
		if (!fresh)
			return NULL;
		list = fresh;
		list->sb = dir->i_sb;
		list->ino = dir->i_ino;
		list->stamp = now;
		hash_add(sbi->name_cache, &list->hash, uni_name_list_key(dir->i_sb, dir->i_ino));
		list_add(&list->lru, &sbi->name_lru);
		WRITE_ONCE(sbi->name_lists, sbi->name_lists + 1);
		uni_name_lists_trim(sbi, list, garbage);
		return list;
	}
	list_move(&list->lru, &sbi->name_lru);
	if (!uni_dir_stamp_equal(&list->stamp, &now)) {
		list->stamp = now;
		list->misses = 0;
		list->too_big = false;
		uni_name_list_empty(sbi, list, garbage);
	}
	return list;
}

/*
 * Misses of the current stamp before dir is listed: reading costs about as
 * much per name as a miss saves per UNI_NAME_CACHE_NAMES_PER_MISS names.
 */
static unsigned int uni_misses_to_list(const struct uni_name_list *list)
{
	return UNI_NAME_CACHE_AFTER + list->last_count / UNI_NAME_CACHE_NAMES_PER_MISS;
}

struct uni_name_reader {
	struct dir_context ctx;
	u32 *hashes;
	unsigned int count, room;
	int err;
};

static bool uni_name_reader_actor(struct dir_context *ctx, const char *name, int len,
				  loff_t offset, u64 ino, unsigned int dtype)
{
	struct uni_name_reader *r = container_of(ctx, struct uni_name_reader, ctx);

	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	if (r->count == r->room) {
		unsigned int room = r->room ? 2 * r->room : 256;
		u32 *more;

		if (room > UNI_NAME_CACHE_MAX_NAMES) {
			r->err = -EFBIG;
			return false;
		}
		more = kvmalloc_array(room, sizeof(*more), GFP_KERNEL);
		if (!more) {
			r->err = -ENOMEM;
			return false;
		}
		if (r->count)
			memcpy(more, r->hashes, r->count * sizeof(*more));
		kvfree(r->hashes);
		r->hashes = more;
		r->room = room;
	}
	r->hashes[r->count++] = uni_name_hash(name, len);
	return true;
}

/* A name's hash as the table keeps it: 0 marks a free slot. */
static u32 uni_table_key(u32 hash)
{
	return hash ?: 1;
}

/* May a name of this hash be in the table? Asked per branch by every lookup. */
static bool uni_table_has(const u32 *table, unsigned int bits, u32 hash)
{
	u32 mask = (1U << bits) - 1, key = uni_table_key(hash), i;

	if (!table)
		return false;
	for (i = hash_32(key, bits); table[i]; i = (i + 1) & mask)
		if (table[i] == key)
			return true;
	return false;
}

/* A table of hashes[0..count), at most half full; NULL for no names. */
static int uni_table_build(const u32 *hashes, unsigned int count, u32 **table,
			   unsigned int *bits)
{
	unsigned int b, i;
	u32 mask, *t;

	*table = NULL;
	*bits = 0;
	if (!count)
		return 0;
	b = max(4, ilog2(count) + 2);
	mask = (1U << b) - 1;
	t = kvcalloc(1U << b, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < count; i++) {
		u32 key = uni_table_key(hashes[i]), slot = hash_32(key, b);

		while (t[slot] && t[slot] != key)
			slot = (slot + 1) & mask;
		t[slot] = key;
	}
	*table = t;
	*bits = b;
	return 0;
}

/* Reads the hashes of dir's names into r. Caller is the mounter. */
static int uni_name_list_read(const struct path *dir, struct uni_name_reader *r)
{
	struct file *file = uni_do_open(dir, O_RDONLY | O_DIRECTORY);
	unsigned int before;
	int err;

	if (IS_ERR(file))
		return PTR_ERR(file);
	r->ctx.actor = uni_name_reader_actor;
	do {
		before = r->count;
		err = uni_do_iterate(file, &r->ctx);
	} while (!err && !r->err && r->count != before);
	fput(file);
	return err ?: r->err;
}

/*
 * Reads dir's names for list, whose stamp was 'stamp' when the read was
 * decided, and installs them if the directory did not change meanwhile.
 */
static void uni_name_list_fill(struct uni_sb_info *sbi, const struct path *dir,
			       const struct uni_dir_stamp *stamp)
{
	struct uni_name_reader r = { };
	struct uni_name_garbage garbage = UNI_NAME_GARBAGE(garbage);
	struct uni_name_list *list;
	const struct cred *old_cred = override_creds(sbi->creator_cred);
	struct uni_dir_stamp after;
	unsigned int bits = 0;
	u32 *table = NULL;
	int err = uni_name_list_read(dir, &r);

	revert_creds(old_cred);
	if (!err)
		err = uni_table_build(r.hashes, r.count, &table, &bits);
	uni_dir_stamp_of(d_inode(dir->dentry), &after);
	spin_lock(&sbi->name_cache_lock);
	list = uni_name_list_get(sbi, d_inode(dir->dentry), NULL, &garbage);
	if (list) {
		list->reading = false;
		if (uni_dir_stamp_equal(&list->stamp, stamp) &&
		    uni_dir_stamp_equal(stamp, &after)) {
			if (err == -EFBIG) {
				list->too_big = true;
			} else if (!err && !list->listed) {
				list->listed = true;
				list->table = table;
				list->bits = bits;
				list->last_count = r.count;
				sbi->name_slots += uni_table_slots(bits);
				table = NULL;
				uni_name_lists_trim(sbi, list, &garbage);
			}
		}
	}
	spin_unlock(&sbi->name_cache_lock);
	uni_name_garbage_free(&garbage);
	kvfree(r.hashes);
	kvfree(table);
	if (err && err != -EFBIG)
		pr_debug("cannot list %pd: error %d\n", dir->dentry, err);
}

/* May list's directory hold one of hashes[0..n)? list is listed. */
static bool uni_list_holds_any(const struct uni_name_list *list, const u32 *hashes,
			       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (uni_table_has(list->table, list->bits, hashes[i]))
			return true;
	return false;
}

/*
 * A lookup found a name absent from dir, a directory of branch: counts the
 * misses that lead to listing dir, and lists it (as the mounter) when they
 * are enough. Only misses count: a directory whose names are found (the
 * last branch a walk asks, a directory of one branch) gains nothing from a
 * list.
 */
void uni_name_missed(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
		     const struct path *dir)
{
	struct inode *dinode = d_inode(dir->dentry);
	struct uni_name_garbage garbage = UNI_NAME_GARBAGE(garbage);
	struct uni_name_list *list, *fresh = NULL;
	struct uni_dir_stamp stamp;
	bool read = false;

	if (!uni_dir_stamps_trusted(branch, dir->dentry))
		return;
	spin_lock(&sbi->name_cache_lock);
	list = uni_name_list_get(sbi, dinode, NULL, &garbage);
	if (!list) {
		/* A directory not seen before: a list for it, to count its misses. */
		spin_unlock(&sbi->name_cache_lock);
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		spin_lock(&sbi->name_cache_lock);
		list = uni_name_list_get(sbi, dinode, fresh, &garbage);
		if (list == fresh)
			fresh = NULL;
		if (!list)
			goto out;
	}
	if (!list->listed && !list->reading && !list->too_big &&
	    ++list->misses >= uni_misses_to_list(list)) {
		if (uni_dir_stamp_settled(dinode, &list->stamp)) {
			list->reading = true;
			stamp = list->stamp;
			read = true;
		}
	}
out:
	spin_unlock(&sbi->name_cache_lock);
	kfree(fresh);
	uni_name_garbage_free(&garbage);
	if (read)
		uni_name_list_fill(sbi, dir, &stamp);
}

/*
 * Does dir's list, listed and current, rule out every name of
 * hashes[0..n)? Changes nothing but the list's place in the LRU. Caller
 * holds name_cache_lock.
 */
static bool uni_list_rules_out_locked(struct uni_sb_info *sbi, struct inode *dir,
				      const u32 *hashes, unsigned int n)
{
	struct uni_name_list *list = uni_name_list_find(sbi, dir);
	struct uni_dir_stamp now;

	if (!list || !list->listed)
		return false;
	uni_dir_stamp_of(dir, &now);
	if (!uni_dir_stamp_equal(&list->stamp, &now))
		return false;
	if (!list_is_first(&list->lru, &sbi->name_lru))
		list_move(&list->lru, &sbi->name_lru);
	return !uni_list_holds_any(list, hashes, n);
}

/*
 * Does the union keep no list (nor a count of misses towards one) at all?
 * Then no list can rule a name out, and the name is not even hashed: a
 * tree whose names are all found (a find over a read-only branch) never
 * starts one. Read without the lock: a list made meanwhile is only used
 * from the next lookup on, and not using a list is always right.
 */
static bool uni_no_name_lists(struct uni_sb_info *sbi)
{
	return !READ_ONCE(sbi->name_lists);
}

/* Is name certainly absent from dir, a directory of branch? False: look it up. */
bool uni_name_absent(struct uni_sb_info *sbi, const struct uni_lower_branch *branch,
		     const struct path *dir, const char *name, unsigned int len)
{
	u32 hash;
	bool absent;

	if (uni_no_name_lists(sbi) || !uni_dir_stamps_trusted(branch, dir->dentry))
		return false;
	hash = uni_name_hash(name, len);
	spin_lock(&sbi->name_cache_lock);
	absent = uni_list_rules_out_locked(sbi, d_inode(dir->dentry), &hash, 1);
	spin_unlock(&sbi->name_cache_lock);
	return absent;
}

/* The first branch of set that has the directory (set->end if none does). */
static int uni_first_present(const struct uni_lower_set *set)
{
	int i;

	for (i = set->start; i >= 0 && i <= set->end; i++)
		if (set->handles[i])
			return i;
	return set->end;
}

/*
 * For the lookup walk (uni_branch_ops.may_hold): going down from
 * set->start, clears the bit in look of every directory of set (a union
 * directory's lower set in layout) that certainly holds neither name nor
 * its whiteout, and stops at the first one that may: the walk may end
 * there (a file, an opaque directory), and asks again if it does not.
 * Returns the branch it stopped at, or set->end. Directories whose lists
 * are current are answered under one hold of name_cache_lock: a name only
 * the bottom of 16 branches holds asks 15 lists.
 */
int uni_name_lists_filter(const struct uni_layout *layout, const struct uni_lower_set *set,
			  const char *name, unsigned int len, unsigned long long *look)
{
	struct uni_sb_info *sbi = layout->sbi;
	char whiteout[UNI_NAME_MAX + 1];
	int wh_len;
	u32 hashes[2];
	unsigned int n = 1;
	int i, stop = set->end;

	/* No list can rule anything out: the walk asks the first directory. */
	if (uni_no_name_lists(sbi))
		return uni_first_present(set);
	hashes[0] = uni_name_hash(name, len);
	wh_len = uni_whiteout_name(name, len, whiteout, sizeof(whiteout));
	if (wh_len >= 0)	/* else too long to have a whiteout */
		hashes[n++] = uni_name_hash(whiteout, wh_len);
	spin_lock(&sbi->name_cache_lock);
	for (i = set->start; i >= 0 && i <= set->end; i++) {
		struct dentry *dir = set->handles[i];

		if (!dir)
			continue;
		if (!uni_dir_stamps_trusted(layout->branch[i], dir) ||
		    !uni_list_rules_out_locked(sbi, d_inode(dir), hashes, n)) {
			stop = i;
			break;
		}
		look[i / 64] &= ~(1ULL << (i % 64));
	}
	spin_unlock(&sbi->name_cache_lock);
	return stop;
}

/* Drops every list: the branches changed, or the union goes. */
void uni_name_cache_clear(struct uni_sb_info *sbi)
{
	struct uni_name_garbage garbage = UNI_NAME_GARBAGE(garbage);
	struct uni_name_list *list, *next;

	spin_lock(&sbi->name_cache_lock);
	list_for_each_entry_safe(list, next, &sbi->name_lru, lru)
		if (!list->reading)	/* its reader still needs it; the LRU frees it later */
			uni_name_list_drop(sbi, list, &garbage);
	spin_unlock(&sbi->name_cache_lock);
	uni_name_garbage_free(&garbage);
}

void uni_name_cache_init(struct uni_sb_info *sbi)
{
	spin_lock_init(&sbi->name_cache_lock);
	hash_init(sbi->name_cache);
	INIT_LIST_HEAD(&sbi->name_lru);
}
