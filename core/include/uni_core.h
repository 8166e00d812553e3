/* SPDX-License-Identifier: GPL-2.0 */
/*
 * uni_core.h - the one boundary between the C++ core and its environment.
 *
 * The core (core/src) is freestanding C++ that knows nothing of Linux. The
 * kernel shim (module/) and the host tests (core/tests) both include this
 * header: they provide the environment functions (uni_env_*) and a table of
 * branch operations; the core provides option parsing, the branch table,
 * lookup resolution across branches, readdir merging, whiteout naming and
 * the write path (create, copyup, link, unlink, rmdir, rename): which
 * branch operations, in which order, make one union operation.
 *
 * Rules: plain C types only; opaque handles are void *; every fallible
 * function returns 0 or a negative errno. The core never includes a Linux
 * header and the kernel never sees a C++ type.
 */
#ifndef UNI_CORE_H
#define UNI_CORE_H

#ifdef __cplusplus
extern "C" {
#endif

/* errno values the core returns or interprets (identical to Linux's asm-generic ones). */
#define UNI_EPERM 1
#define UNI_ENOENT 2
#define UNI_EIO 5
#define UNI_ENOMEM 12
#define UNI_EACCES 13
#define UNI_EBUSY 16
#define UNI_EEXIST 17
#define UNI_EXDEV 18
#define UNI_ENOTDIR 20
#define UNI_EISDIR 21
#define UNI_EINVAL 22
#define UNI_ENOSPC 28
#define UNI_EROFS 30
#define UNI_ENAMETOOLONG 36
#define UNI_ENOTEMPTY 39
#define UNI_ESTALE 116
#define UNI_EDQUOT 122

#define UNI_NAME_MAX 255
#define UNI_MAX_BRANCHES 128

/* Whiteouts, FSL format; the aufs/OCI opaque marker is accepted when read. */
#define UNI_WH_PREFIX ".wh."
#define UNI_WH_PREFIX_LEN 4
#define UNI_OPAQUE_NAME ".wh.__dir_opaque"
#define UNI_OCI_OPAQUE_NAME ".wh..wh..opq"

enum uni_branch_mode {
	UNI_BRANCH_RW = 0,
	UNI_BRANCH_RO = 1,
	/* read-only, and the branch may change underneath: trust no cache */
	UNI_BRANCH_NFSRO = 2,
};

enum uni_delete_mode {
	UNI_DELETE_ALL = 0,
	UNI_DELETE_WHITEOUT = 1,
	UNI_DELETE_FIRST = 2,
};

/* What a name is on one branch. */
enum uni_kind {
	UNI_KIND_NONE = 0,	/* negative: nothing there */
	UNI_KIND_DIR = 1,
	UNI_KIND_OTHER = 2,	/* any non-directory */
};

/* ---- Environment: provided by the kernel shim or the host tests ---- */

/*
 * Returns NULL on failure; the core handles that. Memory need not be zeroed,
 * must be 8-byte aligned, and may be large (a directory listing's arrays).
 * The core never passes NULL to uni_env_free().
 */
void *uni_env_alloc(unsigned long size);
void uni_env_free(void *ptr);
/*
 * Called on a broken invariant inside the core that it cannot report as an
 * error (a pure virtual call, an allocation failure in a C++ new-expression).
 * Should not return (BUG()); if it does, the core traps. Deliberately not
 * declared noreturn: objtool then sees a trap after every call, which both
 * the 6.1 (per-object) and 6.12 (whole-module) checks accept.
 */
void uni_env_bug(const char *what);

/* ---- Mount options ---- */

struct uni_options;	/* owned by the core */

struct uni_options *uni_options_create(void);	/* NULL on ENOMEM */
void uni_options_destroy(struct uni_options *opts);

/*
 * Feed one mount parameter, exactly as the kernel's option splitter hands it
 * over (comma-separated "key" or "key=value"; value is NULL when there is no
 * '='). Understood:
 *   dirs=/a[=rw|ro|nfsro]:/b[=MODE]...   branches, leftmost = highest priority
 *   /c[=MODE]                            a bare absolute path after dirs=: one
 *                                        more branch ("dirs=/a,/b" spelling)
 *   delete=all|whiteout|first
 *   add=, del=, mode=, incgen            remount's changes (below)
 * In a branch path, the octal escapes show_options writes for ",:= \t\n\\"
 * (e.g. \072 for ':') are decoded; any other backslash is kept as it is.
 * Returns 0; -UNI_EINVAL with a human-readable reason in msg (NUL-terminated,
 * truncated to msg_size) for anything else; -UNI_ENOMEM.
 * A key the core does not know returns -UNI_ENOENT with msg untouched, so the
 * caller may try its own parameters (e.g. generic "ro", "rw", "source").
 */
int uni_options_parse(struct uni_options *opts, const char *key, const char *value,
		      char *msg, unsigned long msg_size);

/* Called once all parameters are in: at least one branch must be given. */
int uni_options_validate(const struct uni_options *opts, char *msg, unsigned long msg_size);

unsigned uni_options_branch_count(const struct uni_options *opts);
/* Path as written by the user (escapes decoded), NUL-terminated; valid while opts lives. */
const char *uni_options_branch_path(const struct uni_options *opts, unsigned index);
enum uni_branch_mode uni_options_branch_mode(const struct uni_options *opts, unsigned index);
enum uni_delete_mode uni_options_delete_mode(const struct uni_options *opts);

/*
 * Remount only: changes to a live union's branches, any number of them, kept
 * in ONE list in the order given, to be applied in that order:
 *   add=/new[=MODE]          add /new at the top (index 0, highest priority)
 *   add=/before:/new[=MODE]  add /new just before (above) the branch /before
 *   add=:/new[=MODE]         add /new at the bottom (lowest priority)
 *   del=/b                   remove the branch /b
 *   mode=/b=MODE             change the mode of the branch /b
 * MODE is rw|ro|nfsro; add= defaults to rw. Paths are written as in dirs=
 * (a mode after the last '=', escapes decoded) but must be absolute, and
 * del= and an add= anchor take no mode. A malformed change is -UNI_EINVAL
 * with a message; whether the paths name branches is the caller's to check.
 * "incgen" asks for a new generation.
 * Past the end of the list, paths are NULL, kind UNI_CHANGE_MODE, mode rw.
 */
enum uni_branch_change_kind { UNI_CHANGE_MODE, UNI_CHANGE_ADD, UNI_CHANGE_DEL };
unsigned uni_options_change_count(const struct uni_options *opts);
enum uni_branch_change_kind uni_options_change_kind(const struct uni_options *opts, unsigned index);
/* The branch added, removed or re-moded, as written (unescaped), NUL-terminated. */
const char *uni_options_change_path(const struct uni_options *opts, unsigned index);
/* add= only: the branch to insert before; NULL = at the top; "" = append at the bottom. */
const char *uni_options_change_anchor(const struct uni_options *opts, unsigned index);
/* add=: the new branch's mode (rw by default); mode=: the new mode. */
enum uni_branch_mode uni_options_change_mode(const struct uni_options *opts, unsigned index);
int uni_options_incgen(const struct uni_options *opts);

/* "rw", "ro", "nfsro" / "all", "whiteout", "first": for show_options. */
const char *uni_branch_mode_name(enum uni_branch_mode mode);
const char *uni_delete_mode_name(enum uni_delete_mode mode);

/* ---- Branch table ---- */

struct uni_branch_table;	/* owned by the core */

/*
 * One branch: 'env' is the environment's own handle (the shim's struct with
 * the branch's root path); 'fs_index' numbers the distinct lower filesystems
 * (0 for the first) and is used to keep inode numbers unique across them.
 */
struct uni_branch {
	void *env;
	enum uni_branch_mode mode;
	unsigned fs_index;
};

/* capacity is reserved up front; inserts past it grow the table (or ENOMEM). */
struct uni_branch_table *uni_branch_table_create(unsigned capacity);	/* NULL on ENOMEM */
void uni_branch_table_destroy(struct uni_branch_table *table);
/*
 * Insert at index (0 = highest priority; index == count appends).
 * -UNI_EINVAL for index > count, an unknown mode, or a full table
 * (UNI_MAX_BRANCHES); -UNI_ENOMEM.
 */
int uni_branch_table_insert(struct uni_branch_table *table, unsigned index,
			    const struct uni_branch *branch);
/* Changes one branch's mode: -EINVAL for a bad index or mode. */
int uni_branch_table_set_mode(struct uni_branch_table *table, unsigned index,
			      enum uni_branch_mode mode);
unsigned uni_branch_table_count(const struct uni_branch_table *table);
/* NULL past the end; the pointer stays valid until the next insert. */
const struct uni_branch *uni_branch_table_get(const struct uni_branch_table *table,
					      unsigned index);
/* Highest-priority branch whose mode is rw, or -1 when every branch is read-only. */
int uni_branch_table_first_writable(const struct uni_branch_table *table);

/* ---- Operations on branch objects, provided by the environment ---- */

/* What getattr() reports about one branch object. */
#define UNI_ATTR_IMMUTABLE 0x1u	/* FS_IMMUTABLE_FL / S_IMMUTABLE */
#define UNI_ATTR_APPEND 0x2u	/* FS_APPEND_FL / S_APPEND */

struct uni_attr {
	unsigned mode;		/* st_mode: file type and permission bits */
	unsigned flags;		/* UNI_ATTR_* */
};

enum uni_create_type {
	UNI_CREATE_REG = 0,	/* create(2), open(O_CREAT) */
	UNI_CREATE_DIR = 1,	/* mkdir(2) */
	UNI_CREATE_SYMLINK = 2,	/* symlink(2): symlink_target */
	UNI_CREATE_SPECIAL = 3,	/* mknod(2): mode holds S_IFCHR/S_IFBLK/S_IFIFO/S_IFSOCK, rdev */
};

/*
 * The object is union metadata (a whiteout or an opaque marker) that the
 * core makes on its own behalf: the environment may create it with the
 * mounter's credentials and skip quota, as overlayfs does for its own files.
 */
#define UNI_CREATE_INTERNAL 0x1u

struct uni_create_args {
	enum uni_create_type type;
	unsigned mode;			/* permission bits as the VFS hands them over (umask applied) */
	unsigned long long rdev;	/* UNI_CREATE_SPECIAL: the kernel's dev_t value */
	const char *symlink_target;	/* UNI_CREATE_SYMLINK: NUL-terminated */
	unsigned flags;			/* UNI_CREATE_* */
};

/* Mode of the zero-length regular files the core creates as whiteouts and opaque markers. */
#define UNI_META_MODE 0444u

/* rename(): fail with -EEXIST instead of replacing an existing target (RENAME_NOREPLACE). */
#define UNI_RENAME_NOREPLACE 0x1u

/* copy_up(): copy all of the data. */
#define UNI_COPY_ALL (~0ULL)

/*
 * Handles are the environment's references to branch objects (the kernel
 * shim: struct dentry *). A handle passed IN is borrowed: the core holds a
 * reference to it for the duration of the call. A handle passed OUT
 * (*child) is a new reference that the core releases with put().
 *
 * Every modifying operation is ONE call on ONE branch (the environment takes
 * the lower directory locks inside it) and returns 0 or a negative errno
 * with nothing changed. On a branch whose mode is not UNI_BRANCH_RW the core
 * never calls a modifying operation. Where 'dir' and 'child' are both
 * passed, the environment checks under the directory lock that child is
 * still the entry of dir it was looked up as, and returns -ESTALE otherwise.
 */
struct uni_lower_set;

struct uni_branch_ops {
	/*
	 * Look NAME (len bytes, no NUL needed) up in directory DIR on branch
	 * BRANCH. On success returns 0 with *child set to a new reference (or
	 * NULL when the name is negative) and *kind describing it. The core
	 * releases every reference it gets with put().
	 */
	int (*lookup)(void *env, unsigned branch, void *dir, const char *name,
		      unsigned len, void **child, enum uni_kind *kind);
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

	/*
	 * ---- The write path. A read-only environment may leave every one of
	 * these NULL; the write functions below then return -EROFS. ----
	 */

	/* A new reference to the same object (dget()); cannot fail, never given NULL. */
	void *(*get)(void *env, void *handle);
	/* Type, permission bits and immutable/append-only flags of one positive object. */
	int (*getattr)(void *env, unsigned branch, void *handle, struct uni_attr *attr);
	/*
	 * Create NAME in DIR as args describes (vfs_create, vfs_mkdir,
	 * vfs_symlink or vfs_mknod). -EEXIST when the name is positive. On
	 * success *child is a new reference to the new, positive object.
	 */
	int (*create)(void *env, unsigned branch, void *dir, const char *name, unsigned len,
		      const struct uni_create_args *args, void **child);
	/*
	 * Hard-link the non-directory OLD (on the same branch) as NAME in DIR
	 * (vfs_link); *child is a new reference to the new name.
	 */
	int (*link)(void *env, unsigned branch, void *old, void *dir, const char *name,
		    unsigned len, void **child);
	/* Remove the non-directory CHILD from DIR (vfs_unlink). */
	int (*unlink)(void *env, unsigned branch, void *dir, void *child);
	/* Remove the empty directory CHILD from DIR (vfs_rmdir). */
	int (*rmdir)(void *env, unsigned branch, void *dir, void *child);
	/*
	 * Rename CHILD of OLD_DIR to NAME in NEW_DIR, both directories on
	 * BRANCH (lock_rename + vfs_rename). As rename(2), an existing target is
	 * replaced unless flags has UNI_RENAME_NOREPLACE (then -EEXIST; an
	 * environment whose filesystem lacks RENAME_NOREPLACE checks for the
	 * target under the rename lock). Afterwards CHILD is a handle to the
	 * object under its new name (d_move keeps the dentry).
	 */
	int (*rename)(void *env, unsigned branch, void *old_dir, void *child, void *new_dir,
		      const char *name, unsigned len, unsigned flags);
	/*
	 * Copy OBJECT (on FROM_BRANCH) to NAME in TO_DIR on TO_BRANCH, all or
	 * nothing: the copy is built unnamed (O_TMPFILE) or under a hidden
	 * temporary name and linked or renamed to NAME only when complete, so
	 * any failure (-ENOSPC, -EDQUOT, -EIO, ...) leaves TO_BRANCH as it was.
	 * Copies: data without filling holes (at most SIZE bytes; UNI_COPY_ALL
	 * for all of it: open(O_TRUNC) passes 0), mode, owner, timestamps,
	 * xattrs and POSIX ACLs, symlink targets, device numbers. A directory is
	 * copied as an empty directory with the same attributes. Inode flags are
	 * not copied. A non-directory that is immutable or append-only is
	 * refused with -EPERM. -EEXIST when NAME is positive. *child is a new
	 * reference to the copy.
	 */
	int (*copy_up)(void *env, unsigned from_branch, void *object, unsigned to_branch,
		       void *to_dir, const char *name, unsigned len, unsigned long long size,
		       void **child);
	/*
	 * Swap CHILD_A of DIR_A and CHILD_B of DIR_B, both on BRANCH, in one
	 * step (lock_rename + vfs_rename with RENAME_EXCHANGE): afterwards
	 * CHILD_A is the entry of DIR_B under CHILD_B's old name and the other
	 * way round (d_exchange keeps both dentries). Both children are checked
	 * to be still where they were looked up (-ESTALE otherwise); -EINVAL
	 * when one is an ancestor of the other's directory, or the filesystem
	 * cannot exchange. Optional: without it uni_rename_exchange() is
	 * -EINVAL.
	 */
	int (*exchange)(void *env, unsigned branch, void *dir_a, void *child_a, void *dir_b,
			void *child_b);
	/*
	 * Optional, for lookups: which directories of DIR (a directory's lower
	 * set, handles[i] for start <= i <= end, NULL where absent) may hold
	 * NAME or its whiteout? On entry bit i of look[] (i / 64, i % 64; nwords
	 * words) is set for every present directory; clear it only for one that
	 * certainly holds neither (a lookup of either would be negative): the
	 * lookup walk then skips it without asking. Going from start down, it
	 * may stop after the first directory it leaves set (the walk may end
	 * there, as it does for a file) and return that branch: the walk asks
	 * again, with start below it, if it goes on. Returns the last branch
	 * answered for (end when it went through). No such op: ask them all.
	 * Lets an environment that knows its directories' names spare the
	 * lookups a union of many branches makes for a name one of them holds.
	 */
	int (*may_hold)(void *env, const struct uni_lower_set *dir, const char *name,
			unsigned len, unsigned long long *look, unsigned nwords);
	/*
	 * Optional, for a rename or an exchange that moves the non-directory
	 * OBJECT of writable FROM_BRANCH to NAME in TO_DIR on TO_BRANCH (its
	 * old name goes afterwards): give it the new name as a hard link where
	 * both branches share a filesystem, so it stays the same file, with
	 * its other names and its open files, and nothing is copied. -EXDEV
	 * when it cannot (other filesystems): the core copies it with
	 * copy_up(). Otherwise as copy_up().
	 */
	int (*link_up)(void *env, unsigned from_branch, void *object, unsigned to_branch,
		       void *to_dir, const char *name, unsigned len, void **child);
	/*
	 * Optional: lookup() of a name in a directory that may_hold() left
	 * set, for the walk; as lookup(), but the environment need not rule
	 * the name out again (its lists were just asked). NULL: lookup().
	 */
	int (*lookup_held)(void *env, unsigned branch, void *dir, const char *name, unsigned len,
			   void **child, enum uni_kind *kind);
};

/* ---- Lookup resolution ---- */

/*
 * The lower objects that make up one union object: handles[i] is the object
 * on branch i (NULL where absent), for start <= i <= end. A negative union
 * object has kind UNI_KIND_NONE and start = the highest-priority branch where
 * the parent directory exists (where a create would go), end = start.
 * 'known' holds what the lookup that made the set found out besides
 * (UNI_KNOWN_*); 0 claims nothing, and is always right.
 */
struct uni_lower_set {
	int start;
	int end;
	enum uni_kind kind;
	void **handles;		/* caller-provided array of branch_count slots */
	unsigned known;
};

/*
 * A negative set: the name's whiteout was looked for at branch start and
 * is not there, so a create there need not look again. It holds for as long
 * as the set stands for the name: every union change of that directory
 * entry replaces the set, and a directory rebuilt on another branch makes
 * the environment resolve every name below it again.
 */
#define UNI_KNOWN_NO_WHITEOUT 0x1u
/*
 * A negative set: no lower directory of the parent held the name when it
 * was looked up, not even hidden by a whiteout or an opaque directory
 * above it, so a whiteout of the name anywhere in the parent hides
 * nothing. Holds as UNI_KNOWN_NO_WHITEOUT does.
 */
#define UNI_KNOWN_HELD_NOWHERE 0x2u

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
 * -UNI_EINVAL when 'parent' is not a range of the table holding at least
 * one lower directory. Allocates nothing.
 */
int uni_lookup_resolve(const struct uni_branch_table *table, const struct uni_branch_ops *ops,
		       void *env, const struct uni_lower_set *parent, const char *name,
		       unsigned len, struct uni_lower_set *out);

/*
 * Which branches hold NAME inside the union directory 'parent' (for
 * unionctl --query): the walk of uni_lookup_resolve(), but it goes on past
 * non-directories, marking every branch with a copy of the object (of the
 * same kind, directory or not, as the top one) down to an opaque
 * directory, a whiteout beside the name, or an object of the other kind.
 * Bit i % 64 of holders[i / 64] is set for branch i; holders has nwords
 * words (at least one bit per branch), zeroed first. Hidden names (".wh.")
 * are held nowhere. 0 or -errno.
 */
int uni_lookup_holders(const struct uni_branch_table *table, const struct uni_branch_ops *ops,
		       void *env, const struct uni_lower_set *parent, const char *name,
		       unsigned len, unsigned long long *holders, unsigned nwords);

/* Is this a name the union never shows (".wh." prefix)? */
int uni_name_is_hidden(const char *name, unsigned len);

/*
 * Writes ".wh." + name into buf (NUL-terminated). Returns the length, or
 * -UNI_ENAMETOOLONG when the whiteout name would exceed UNI_NAME_MAX, or
 * -UNI_EINVAL when buf is too small (UNI_NAME_MAX + 1 bytes always suffice).
 */
int uni_whiteout_name(const char *name, unsigned len, char *buf, unsigned long buf_size);

/* Union inode number for a branch object (unique across lower filesystems). */
unsigned long long uni_union_ino(unsigned fs_index, unsigned long long lower_ino);
/*
 * The same for an object of a btrfs subvolume other than the top-level one
 * (subvol: its id; 0 means the top-level one, or no subvolumes at all).
 */
unsigned long long uni_union_ino_subvol(unsigned fs_index, unsigned long long subvol,
					unsigned long long lower_ino);

/* ---- Merged directory listing ---- */

struct uni_dirlist;	/* owned by the core: a stable, ordered snapshot */

/*
 * Lists the union directory 'dir' (its lower directories from dir->start to
 * dir->end): each name once, from the highest-priority branch that has it;
 * ".wh.*" names hidden, and names whited out on a branch hidden from every
 * lower branch. '.' and '..' are not included. Order: branch by branch in
 * priority order, each branch in its own order. d_ino is uni_union_ino().
 * *out is NULL on error: a negative errno from ops, -UNI_ENOMEM,
 * -UNI_ENOTDIR when dir->kind is not UNI_KIND_DIR, -UNI_EINVAL for a range
 * outside the table.
 */
int uni_dirlist_build(const struct uni_branch_table *table, const struct uni_branch_ops *ops,
		      void *env, const struct uni_lower_set *dir, struct uni_dirlist **out);
void uni_dirlist_destroy(struct uni_dirlist *list);
unsigned uni_dirlist_count(const struct uni_dirlist *list);
/* Entry at index (< count): name (not NUL-terminated), its length, ino, DT_* type. */
void uni_dirlist_entry(const struct uni_dirlist *list, unsigned index, const char **name,
		       unsigned *len, unsigned long long *ino, unsigned *dtype);
/*
 * Replaces entry index's d_ino: the caller knows better for a copied-up
 * object, which keeps its origin's number. An index out of range is ignored.
 */
void uni_dirlist_set_ino(struct uni_dirlist *list, unsigned index, unsigned long long ino);

/*
 * A listing recorded entry by entry as a branch directory is read through
 * (no merging: the caller filters), each entry with the branch's offset of
 * it, so that reading it back gives the same offsets. An empty list, or
 * NULL when out of memory; -UNI_ENOMEM from an append leaves the list as
 * it was.
 */
struct uni_dirlist *uni_dirlist_create(void);
int uni_dirlist_append(struct uni_dirlist *list, const char *name, unsigned len,
		       unsigned long long ino, unsigned dtype, long long offset);
/* Entry index's branch offset (0 for a merged listing's entries), -1 out of range. */
long long uni_dirlist_offset(const struct uni_dirlist *list, unsigned index);

/* ---- The write path: one union operation turned into branch operations ---- */

/*
 * Everything a write function needs to reach the branches. delete_mode is
 * the mount's delete= option; it governs unlink, rmdir and rename.
 */
struct uni_context {
	const struct uni_branch_table *table;
	const struct uni_branch_ops *ops;	/* every write op must be set, else -EROFS */
	void *env;
	enum uni_delete_mode delete_mode;
};

/*
 * One union directory on the way from the union root to a parent: its name
 * in the level above (unused at level 0) and its lower directories, as
 * lookup resolved them (kind UNI_KIND_DIR; start..end are the branches that
 * count: those below an opaque directory do not).
 *
 * 'set' is IN/OUT. When the core needs the directory on a branch where it
 * is missing (to create something there, or a whiteout), it copies the
 * level from its top branch (copy_up() of a directory: attributes, no
 * contents), for every missing level from the deepest existing one down,
 * and records the new directory in set.handles[branch], lowering set.start
 * (or raising set.end) to include it. A directory that appears there
 * meanwhile (copy_up() says -EEXIST: a concurrent copyup) is looked up and
 * used instead. On return (success or failure) every slot that was NULL on
 * entry and is non-NULL now holds a NEW REFERENCE OWNED BY THE CALLER,
 * which should install it in its cache of that union directory (the union
 * dentry's lower[], start and end). Slots that were non-NULL on entry are
 * never changed, and the core never takes their references. When an
 * operation fails, the directories it made are removed again and their
 * slots are NULL; a directory whose removal failed, or that was found
 * rather than made, stays in its slot (it exists on the branch).
 */
struct uni_dir_level {
	const char *name;
	unsigned len;
	struct uni_lower_set set;
};

/*
 * The chain of union directories from an anchor (levels[0]) down to a
 * parent (levels[depth - 1]). The anchor is the union root, or the
 * deepest directory on the way that has a directory on every writable
 * branch: a write never makes or looks at a level above it, so the chain
 * need not go further up (a create in a directory already on the writable
 * branch is a chain of one level).
 * Two ancestries passed to one call (rename, link) may share level
 * pointers (a common prefix, or the same parent), and should: an update
 * through one is then seen by the other. One ancestry must not list the
 * same level twice.
 */
struct uni_ancestry {
	struct uni_dir_level **levels;
	unsigned depth;
};

/*
 * One name in a union directory: the parent's ancestry, the name, and the
 * union object lookup resolved for it (its uni_lower_set, borrowed: the
 * core takes no reference it does not give back, and changes nothing in
 * it). 'object' may be NULL for uni_create().
 */
struct uni_entry {
	struct uni_ancestry *parent;
	const char *name;
	unsigned len;
	const struct uni_lower_set *object;
};

/*
 * Output sets ('out' parameters) are caller-provided uni_lower_sets with
 * room for every branch in 'handles'. On success they hold the new lower
 * set of the object, every handle a NEW REFERENCE owned by the caller
 * (typically the new uni_dentry_info of the union dentry). On error they
 * are empty (start = end = -1, all NULL).
 *
 * The environment must hold, for the whole call, what the VFS holds for
 * the union operation (the union parent's i_rwsem; for rename also
 * s_vfs_rename_mutex), so that no other union operation changes these
 * names meanwhile. Every function returns 0 or a negative errno, and after
 * an error the union view is as before the call (lower-priority copies the
 * delete mode told the core to remove may be gone; they were hidden).
 *
 * Branch choice: a new object goes to the highest-priority branch where
 * the parent exists; if that branch is read-only, or refuses with -EROFS,
 * -ENOSPC or -EDQUOT, the next writable branch of higher priority is
 * tried, nearest first, up to branch 0 (parent chain copied up there).
 * Other errors are final. Out of writable branches: -EROFS (or the first
 * error). Copyup for a modification chooses the same way, from the
 * object's top branch. An immutable or append-only object is not copied
 * up, deleted or renamed: -EPERM (as on its own branch); neither is a
 * directory whose top is immutable copied up to create in it, nor an
 * immutable or append-only one to delete from it.
 */

/*
 * create(2)/open(O_CREAT), mkdir, mknod, symlink of entry->name in the
 * union directory entry->parent (whose lookup was negative). Names
 * beginning with ".wh." cannot be created: -EPERM. A whiteout of the name
 * in the target branch is removed once the object exists; a new directory
 * is made opaque when a lower branch (within the parent's range) would
 * otherwise show through. *out is the new object: {t..t}.
 */
int uni_create(const struct uni_context *ctx, const struct uni_entry *entry,
	       const struct uni_create_args *args, struct uni_lower_set *out);

/*
 * Makes the union directory at the end of 'dir' exist on a writable branch
 * (as uni_create would choose it, parent chain copied up) and returns that
 * branch in *branch. For O_TMPFILE, which the environment then makes
 * itself (vfs_tmpfile) in dir->levels[depth - 1]->set.handles[*branch].
 */
int uni_prepare_dir(const struct uni_context *ctx, struct uni_ancestry *dir, int *branch);

/*
 * Copyup before a modification of a positive object (open for write,
 * truncate, setattr, setxattr/removexattr): when the object's top branch
 * is writable nothing is copied; otherwise it is copied (at most 'size'
 * bytes of data, UNI_COPY_ALL for all) to a writable branch of higher
 * priority with its parent chain. *out is the object's new set: for a
 * non-directory {t..t}, for a directory the copy merged with the lower
 * directories it had.
 */
int uni_copyup(const struct uni_context *ctx, const struct uni_entry *entry,
	       unsigned long long size, struct uni_lower_set *out);

/*
 * link(2) of the non-directory 'source' as 'target' (negative). Made in the
 * source's own branch when it is writable, with the target's parent chain
 * created there, so both names are one inode. A source on a read-only
 * branch is copied up first (as uni_copyup), and so is one whose branch
 * cannot make the new name visible (a whiteout or leftover of the name on
 * a read-only branch of higher priority). *out_source is the source's set
 * afterwards (changed only by a copyup), *out_target the new name's.
 */
int uni_link(const struct uni_context *ctx, const struct uni_entry *source,
	     const struct uni_entry *target, struct uni_lower_set *out_source,
	     struct uni_lower_set *out_target);

/*
 * unlink(2) / rmdir(2) of a positive entry, following ctx->delete_mode:
 *   all       remove every instance, lower-priority branches first; if one
 *             cannot be removed (read-only branch, an error, an object of
 *             the other type), stop there and cover the name with a
 *             whiteout at the top;
 *   whiteout  remove the top instance and put a whiteout beside it when a
 *             lower instance would otherwise show through;
 *   first     remove the top instance only; the next one shows through.
 * A top instance on a read-only branch is covered by a whiteout in the
 * nearest writable branch above it (parent chain copied up). A whiteout is
 * only made where something lower would show through. rmdir needs the
 * union directory logically empty (-ENOTEMPTY): the whiteouts and opaque
 * markers inside its instances are removed before each rmdir. The result
 * is that of the top instance; the visible state changes only with it.
 * Afterwards the union name is negative; the caller drops its lower set.
 */
int uni_unlink(const struct uni_context *ctx, const struct uni_entry *entry);
int uni_rmdir(const struct uni_context *ctx, const struct uni_entry *entry);

/* *out_flags of uni_rename() */
/*
 * The directory was rebuilt on one branch (its visible contents copied and
 * the copy made opaque): cached union dentries below it describe lower
 * objects that no longer make it up and must be invalidated
 * (shrink_dcache_parent / d_invalidate of the children).
 */
#define UNI_RENAME_COPIED 0x1u

/*
 * rename(2) of positive 'from' to 'to' (negative, or a positive object of
 * the same type that it replaces; a directory must be logically empty:
 * -ENOTEMPTY). Never -EXDEV. The new name's top goes to the source's top
 * branch when it is writable and nothing of the new name on a read-only
 * branch above would hide it; otherwise to the nearest writable branch
 * above those. Placement:
 *   in place  a file, or a directory all of whose instances are on
 *             writable branches: each instance is renamed within its own
 *             branch (the lowest instance is made opaque when something
 *             of the new name below would otherwise merge in);
 *   move top  a directory whose top is writable but not all instances:
 *             the top is renamed within its branch and the visible
 *             contents of the others are copied into it;
 *   copy      the top must move up: the object is copied there (a
 *             directory with all its visible contents, opaque if needed),
 *             and the old top removed when its branch is writable.
 * Objects of the new name in the way (at or above the new top, or inside
 * the directory's range; with delete=all also the target's lower copies)
 * are first renamed to a hidden temporary name (".wh..wh.ufs.tmp.N") and
 * removed only once the rename is complete, so a failure puts everything
 * back. The old name is deleted as ctx->delete_mode says (see uni_unlink).
 * *out is the renamed object's new set (the same handles when renamed in
 * place: they follow the rename); *out_flags has UNI_RENAME_* bits.
 * The VFS has already excluded: RENAME_WHITEOUT (the shim refuses it;
 * RENAME_EXCHANGE is uni_rename_exchange), a directory into its own
 * subtree, a type mismatch with a positive target, and source and target
 * being the same inode.
 */
int uni_rename(const struct uni_context *ctx, const struct uni_entry *from,
	       const struct uni_entry *to, struct uni_lower_set *out, unsigned *out_flags);

/*
 * renameat2(RENAME_EXCHANGE): swaps the positive names 'a' and 'b' (any
 * types; -ENOENT when one is negative, -EPERM for a ".wh." name or an
 * immutable or append-only top). Both tops are brought to one writable
 * branch r: the nearest writable branch at or above both tops where
 * nothing of either name on a read-only branch above would hide the
 * result (parent chains copied up there). An object whose top is below r
 * is copied to r. A directory that does not live on r alone (lower
 * instances, or a copy) gets its visible contents copied into its top on
 * r, and a directory top is made opaque when something of the other name
 * below r would otherwise merge into it under its new name (a file top
 * hides everything below it). Then one exchange() on r. Lower instances
 * stay where they are, hidden; nothing is deleted, so the delete mode
 * does not matter. On failure every step is undone.
 * *out_a is the set of the object that was at 'a' (now at b's name),
 * *out_b that of the object that was at 'b'; each is {r..r}. *out_flags
 * has UNI_RENAME_COPIED when a directory was rebuilt on r (cached union
 * dentries below both names are then stale). Nothing happens when both
 * names are the same lower object. The VFS has already excluded one name
 * being an ancestor of the other.
 */
int uni_rename_exchange(const struct uni_context *ctx, const struct uni_entry *a,
			const struct uni_entry *b, struct uni_lower_set *out_a,
			struct uni_lower_set *out_b, unsigned *out_flags);

#ifdef __cplusplus
}
#endif

#endif /* UNI_CORE_H */
