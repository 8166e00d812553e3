/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ufs_core.h - the one boundary between the C++ core and its environment.
 *
 * The core (core/src) is freestanding C++ that knows nothing of Linux. The
 * kernel shim (module/) and the host tests (core/tests) both include this
 * header: they provide the environment functions (ufs_env_*) and a table of
 * branch operations; the core provides option parsing, the branch table,
 * lookup resolution across branches, readdir merging and whiteout naming.
 *
 * Rules: plain C types only; opaque handles are void *; every fallible
 * function returns 0 or a negative errno. The core never includes a Linux
 * header and the kernel never sees a C++ type.
 */
#ifndef UFS_CORE_H
#define UFS_CORE_H

#ifdef __cplusplus
extern "C" {
#endif

/* errno values the core returns (identical to Linux's asm-generic/errno-base.h). */
#define UFS_ENOENT 2
#define UFS_EIO 5
#define UFS_ENOMEM 12
#define UFS_EEXIST 17
#define UFS_ENOTDIR 20
#define UFS_EISDIR 21
#define UFS_EINVAL 22
#define UFS_ENAMETOOLONG 36
#define UFS_ENOTEMPTY 39

#define UFS_NAME_MAX 255
#define UFS_MAX_BRANCHES 128

/* Whiteouts, FSL format; the aufs/OCI opaque marker is accepted when read. */
#define UFS_WH_PREFIX ".wh."
#define UFS_WH_PREFIX_LEN 4
#define UFS_OPAQUE_NAME ".wh.__dir_opaque"
#define UFS_OCI_OPAQUE_NAME ".wh..wh..opq"

enum ufs_branch_mode {
	UFS_BRANCH_RW = 0,
	UFS_BRANCH_RO = 1,
	/* read-only, and the branch may change underneath: trust no cache */
	UFS_BRANCH_NFSRO = 2,
};

enum ufs_delete_mode {
	UFS_DELETE_ALL = 0,
	UFS_DELETE_WHITEOUT = 1,
	UFS_DELETE_FIRST = 2,
};

/* What a name is on one branch. */
enum ufs_kind {
	UFS_KIND_NONE = 0,	/* negative: nothing there */
	UFS_KIND_DIR = 1,
	UFS_KIND_OTHER = 2,	/* any non-directory */
};

/* ---- Environment: provided by the kernel shim or the host tests ---- */

/*
 * Returns NULL on failure; the core handles that. Memory need not be zeroed,
 * must be 8-byte aligned, and may be large (a directory listing's arrays).
 * The core never passes NULL to ufs_env_free().
 */
void *ufs_env_alloc(unsigned long size);
void ufs_env_free(void *ptr);
/*
 * Called on a broken invariant inside the core that it cannot report as an
 * error (a pure virtual call, an allocation failure in a C++ new-expression).
 * Should not return (BUG()); if it does, the core traps. Deliberately not
 * declared noreturn: objtool then sees a trap after every call, which both
 * the 6.1 (per-object) and 6.12 (whole-module) checks accept.
 */
void ufs_env_bug(const char *what);

/* ---- Mount options ---- */

struct ufs_options;	/* owned by the core */

struct ufs_options *ufs_options_create(void);	/* NULL on ENOMEM */
void ufs_options_destroy(struct ufs_options *opts);

/*
 * Feed one mount parameter, exactly as the kernel's option splitter hands it
 * over (comma-separated "key" or "key=value"; value is NULL when there is no
 * '='). Understood:
 *   dirs=/a[=rw|ro|nfsro]:/b[=MODE]...   branches, leftmost = highest priority
 *   /c[=MODE]                            a bare absolute path after dirs=: one
 *                                        more branch ("dirs=/a,/b" spelling)
 *   delete=all|whiteout|first
 * Returns 0; -UFS_EINVAL with a human-readable reason in msg (NUL-terminated,
 * truncated to msg_size) for anything else; -UFS_ENOMEM.
 * A key the core does not know returns -UFS_ENOENT with msg untouched, so the
 * caller may try its own parameters (e.g. generic "ro", "rw", "source").
 */
int ufs_options_parse(struct ufs_options *opts, const char *key, const char *value,
		      char *msg, unsigned long msg_size);

/* Called once all parameters are in: at least one branch must be given. */
int ufs_options_validate(const struct ufs_options *opts, char *msg, unsigned long msg_size);

unsigned ufs_options_branch_count(const struct ufs_options *opts);
/* Path as written by the user, NUL-terminated; valid while opts lives. */
const char *ufs_options_branch_path(const struct ufs_options *opts, unsigned index);
enum ufs_branch_mode ufs_options_branch_mode(const struct ufs_options *opts, unsigned index);
enum ufs_delete_mode ufs_options_delete_mode(const struct ufs_options *opts);

/* "rw", "ro", "nfsro" / "all", "whiteout", "first": for show_options. */
const char *ufs_branch_mode_name(enum ufs_branch_mode mode);
const char *ufs_delete_mode_name(enum ufs_delete_mode mode);

/* ---- Branch table ---- */

struct ufs_branch_table;	/* owned by the core */

/*
 * One branch: 'env' is the environment's own handle (the shim's struct with
 * the branch's root path); 'fs_index' numbers the distinct lower filesystems
 * (0 for the first) and is used to keep inode numbers unique across them.
 */
struct ufs_branch {
	void *env;
	enum ufs_branch_mode mode;
	unsigned fs_index;
};

/* capacity is reserved up front; inserts past it grow the table (or ENOMEM). */
struct ufs_branch_table *ufs_branch_table_create(unsigned capacity);	/* NULL on ENOMEM */
void ufs_branch_table_destroy(struct ufs_branch_table *table);
/*
 * Insert at index (0 = highest priority; index == count appends).
 * -UFS_EINVAL for index > count, an unknown mode, or a full table
 * (UFS_MAX_BRANCHES); -UFS_ENOMEM.
 */
int ufs_branch_table_insert(struct ufs_branch_table *table, unsigned index,
			    const struct ufs_branch *branch);
unsigned ufs_branch_table_count(const struct ufs_branch_table *table);
/* NULL past the end; the pointer stays valid until the next insert. */
const struct ufs_branch *ufs_branch_table_get(const struct ufs_branch_table *table,
					      unsigned index);
/* Highest-priority branch whose mode is rw, or -1 when every branch is read-only. */
int ufs_branch_table_first_writable(const struct ufs_branch_table *table);

/* ---- Operations on branch objects, provided by the environment ---- */

struct ufs_branch_ops {
	/*
	 * Look NAME (len bytes, no NUL needed) up in directory DIR on branch
	 * BRANCH. On success returns 0 with *child set to a new reference (or
	 * NULL when the name is negative) and *kind describing it. The core
	 * releases every reference it gets with put().
	 */
	int (*lookup)(void *env, unsigned branch, void *dir, const char *name,
		      unsigned len, void **child, enum ufs_kind *kind);
	void (*put)(void *env, void *handle);
	/*
	 * Call emit() once per entry of directory DIR on BRANCH ('.' and '..'
	 * may be included; the core skips them). ino is the branch's own inode
	 * number; dtype is the DT_* value. A negative return of emit() stops the
	 * iteration and is returned.
	 */
	int (*iterate)(void *env, unsigned branch, void *dir,
		       int (*emit)(void *cookie, const char *name, unsigned len,
				   unsigned long long ino, unsigned dtype),
		       void *cookie);
};

/* ---- Lookup resolution ---- */

/*
 * The lower objects that make up one union object: handles[i] is the object
 * on branch i (NULL where absent), for start <= i <= end. A negative union
 * object has kind UFS_KIND_NONE and start = the highest-priority branch where
 * the parent directory exists (where a create would go), end = start.
 */
struct ufs_lower_set {
	int start;
	int end;
	enum ufs_kind kind;
	void **handles;		/* caller-provided array of branch_count slots */
};

/*
 * Resolve NAME inside a union directory whose lower directories are 'parent'.
 * Walks branches parent->start..parent->end in priority order, looking the
 * name up where the parent has a directory:
 *   - a name beginning with ".wh." is never visible (negative result);
 *   - a non-directory found first is the whole answer;
 *   - directories merge; the descent stops at a branch where the directory is
 *     opaque (".wh.__dir_opaque" or ".wh..wh..opq" inside it), where a
 *     whiteout ".wh.NAME" sits beside it, or at a non-directory below it
 *     (which is hidden);
 *   - a negative name at a branch that holds ".wh.NAME" ends the descent.
 * 'out->handles' must have room for every branch and is filled with new
 * references (all NULL on error). Returns 0 or a negative errno from ops;
 * -UFS_EINVAL when 'parent' is not a range of the table holding at least
 * one lower directory. Allocates nothing.
 */
int ufs_lookup_resolve(const struct ufs_branch_table *table, const struct ufs_branch_ops *ops,
		       void *env, const struct ufs_lower_set *parent, const char *name,
		       unsigned len, struct ufs_lower_set *out);

/* Is this a name the union never shows (".wh." prefix)? */
int ufs_name_is_hidden(const char *name, unsigned len);

/*
 * Writes ".wh." + name into buf (NUL-terminated). Returns the length, or
 * -UFS_ENAMETOOLONG when the whiteout name would exceed UFS_NAME_MAX, or
 * -UFS_EINVAL when buf is too small (UFS_NAME_MAX + 1 bytes always suffice).
 */
int ufs_whiteout_name(const char *name, unsigned len, char *buf, unsigned long buf_size);

/* Union inode number for a branch object (unique across lower filesystems). */
unsigned long long ufs_union_ino(unsigned fs_index, unsigned long long lower_ino);

/* ---- Merged directory listing ---- */

struct ufs_dirlist;	/* owned by the core: a stable, ordered snapshot */

/*
 * Lists the union directory 'dir' (its lower directories from dir->start to
 * dir->end): each name once, from the highest-priority branch that has it;
 * ".wh.*" names hidden, and names whited out on a branch hidden from every
 * lower branch. '.' and '..' are not included. Order: branch by branch in
 * priority order, each branch in its own order. d_ino is ufs_union_ino().
 * *out is NULL on error: a negative errno from ops, -UFS_ENOMEM,
 * -UFS_ENOTDIR when dir->kind is not UFS_KIND_DIR, -UFS_EINVAL for a range
 * outside the table.
 */
int ufs_dirlist_build(const struct ufs_branch_table *table, const struct ufs_branch_ops *ops,
		      void *env, const struct ufs_lower_set *dir, struct ufs_dirlist **out);
void ufs_dirlist_destroy(struct ufs_dirlist *list);
unsigned ufs_dirlist_count(const struct ufs_dirlist *list);
/* Entry at index (< count): name (not NUL-terminated), its length, ino, DT_* type. */
void ufs_dirlist_entry(const struct ufs_dirlist *list, unsigned index, const char **name,
		       unsigned *len, unsigned long long *ino, unsigned *dtype);

#ifdef __cplusplus
}
#endif

#endif /* UFS_CORE_H */
