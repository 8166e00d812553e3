/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfs.h - an in-memory stand-in for the branch filesystems, implementing
 * struct uni_branch_ops for the host tests.
 *
 * Each branch is its own tree of directories, files, symlinks and special
 * files with its own inode numbers (so the same number shows up on several
 * branches, as with real separate filesystems). A name is a Node; the
 * object behind it an Inode, shared by hard links. A handle the core holds
 * is a Node *; every reference is counted per node, and anything the core
 * does wrong with handles (a put without a reference, a handle used on the
 * wrong branch or after its last put, a modification of a read-only
 * branch, a stale child) is recorded as a violation for the test to check.
 * Any operation can be made to fail with a chosen errno: the nth call, or
 * calls on a given branch or name.
 *
 * Nodes are never freed before the Fs itself, so a handle to a removed
 * object stays valid, as a dentry reference does in the kernel.
 */
#ifndef UNI_TESTS_MEMFS_H
#define UNI_TESTS_MEMFS_H

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "uni_core.h"

namespace memfs {

/* DT_* values, as iterate() reports them. */
constexpr unsigned kDtFifo = 1;
constexpr unsigned kDtChr = 2;
constexpr unsigned kDtDir = 4;
constexpr unsigned kDtBlk = 6;
constexpr unsigned kDtReg = 8;
constexpr unsigned kDtLnk = 10;
constexpr unsigned kDtSock = 12;

/* S_IF* values for special files. */
constexpr unsigned kIfFifo = 0010000;
constexpr unsigned kIfChr = 0020000;
constexpr unsigned kIfBlk = 0060000;
constexpr unsigned kIfSock = 0140000;
constexpr unsigned kIfMt = 0170000;

enum class Kind { kDir, kFile, kSymlink, kSpecial };

/*
 * Operations a test can count and make fail. kAnyWrite matches every
 * modifying operation, kAny every operation (both only in a Fault).
 */
enum class Op {
	kLookup,
	kIterate,
	kGetattr,
	kCreate,
	kLink,
	kUnlink,
	kRmdir,
	kRename,
	kCopyUp,
	kExchange,
	kLinkUp,
	kCount,
	kAnyWrite,
	kAny,
};

const char *op_name(Op op);

/* The object behind one or more names (hard links share it). */
struct Inode {
	unsigned long long ino;
	std::string data;		/* file contents or symlink target */
	unsigned mode = 0644;		/* permission bits; S_IF* type of a special file */
	unsigned long long rdev = 0;
	unsigned flags = 0;		/* UNI_ATTR_* */
	std::map<std::string, std::string> xattrs;
	int nlink = 1;
};

struct Node {
	Kind kind;
	unsigned branch;
	unsigned long long ino;
	std::string name;		/* "" for a branch root */
	Node *parent;			/* null for a branch root */
	std::shared_ptr<Inode> inode;
	std::vector<Node *> entries;	/* a directory's children, in readdir order */
	std::unordered_map<std::string, Node *> index;	/* the same, by name */
	int refs = 0;			/* references the core holds */
	bool linked = true;		/* false once removed from its directory */

	bool is_dir() const { return kind == Kind::kDir; }
	unsigned dtype() const;
	std::string &data() { return inode->data; }
	/* "/d/name" within its branch */
	std::string path() const;
};

/* One injected failure. */
struct Fault {
	explicit Fault(Op which) : op(which) {}

	Op op;
	int branch = -1;		/* -1: any branch (copy_up: the target branch) */
	/*
	 * Lookup, create, link, copy_up: the name looked up or made; unlink,
	 * rmdir: the child's name; rename: the child's old or new name;
	 * exchange: either child's name;
	 * iterate, getattr: the object's own name. Unset: any.
	 */
	std::optional<std::string> name;
	int error = -5;			/* negative errno to return (default -EIO) */
	unsigned skip = 0;		/* matching calls to let through first */
	int times = -1;			/* how often to fire; -1: every time */
	/* kIterate: emit this many entries (not counting . and ..) before failing. */
	size_t after_entries = 0;
};

class Fs {
public:
	explicit Fs(unsigned branch_count);
	Fs(const Fs &) = delete;
	Fs &operator=(const Fs &) = delete;

	unsigned branch_count() const { return static_cast<unsigned>(roots_.size()); }
	const uni_branch_ops *ops() const;
	/* The table without the write operations, as a read-only environment has it. */
	const uni_branch_ops *read_only_ops() const;
	void *env() { return this; }

	/* ---- Building trees; missing parents are created as directories ---- */
	Node *root(unsigned branch) const { return roots_.at(branch); }
	Node *mkdir(unsigned branch, std::string_view path);
	Node *add_file(unsigned branch, std::string_view path, std::string data = "");
	Node *add_symlink(unsigned branch, std::string_view path, std::string target);
	Node *add_special(unsigned branch, std::string_view path, unsigned mode,
			  unsigned long long rdev = 0);
	/* ".wh.BASE" beside PATH (a zero-length file, FSL style). */
	Node *add_whiteout(unsigned branch, std::string_view path);
	/* The opaque marker inside directory PATH (OCI spelling if oci). */
	Node *make_opaque(unsigned branch, std::string_view path, bool oci = false);
	Node *find(unsigned branch, std::string_view path) const;
	/* Unlinks PATH from its directory; the node lives on for its holders. */
	void remove(unsigned branch, std::string_view path);

	/* Modifications of a read-only branch fail with EROFS and are violations. */
	void set_readonly(unsigned branch, bool readonly = true);
	bool is_readonly(unsigned branch) const { return readonly_.at(branch); }

	/* A new reference, as the kernel side holds for a union root. */
	void *get(Node *node);
	void put(void *handle);

	/* ---- Failure injection ---- */
	void inject(Fault fault) { faults_.push_back(std::move(fault)); }
	void clear_faults() { faults_.clear(); }
	/* Did any injected fault fire since clear_faults()/reset_log()? */
	bool fault_fired() const { return fired_; }
	/* Include '.' and '..' in iterate() (the core must skip them). */
	bool emit_dots = true;
	/*
	 * Answer may_hold() from the directory's names (as the kernel's name
	 * lists do); off: "look" always, as an environment without it.
	 */
	bool answer_may_hold = false;
	/* may_hold() stops at the first directory that may hold the name. */
	bool may_hold_stops = false;
	/* lookup_held() calls: lookups of names may_hold() left set. */
	unsigned held_lookups = 0;
	/* "START:NAME" for every may_hold() call (START: the first branch asked about). */
	std::vector<std::string> may_hold_calls;
	/*
	 * All branches on one filesystem: link_up() links across branches.
	 * Off, it says -EXDEV (uncounted), as for branches on filesystems of
	 * their own.
	 */
	bool one_filesystem = false;
	/* "BRANCH:NAME" for every may_hold() that said "neither is there". */
	std::vector<std::string> skipped;

	/* ---- What the core did ---- */
	long outstanding_refs() const;
	const std::vector<std::string> &violations() const { return violations_; }
	unsigned long calls(Op op) const { return calls_[static_cast<size_t>(op)]; }
	/* Every operation call, of any kind. */
	unsigned long total_calls() const;
	unsigned long write_calls() const;
	/* "BRANCH:NAME" for every lookup, in order. */
	const std::vector<std::string> &lookup_log() const { return lookup_log_; }
	/* "create 0:/d/.wh.a" etc. for every successful modification, in order. */
	const std::vector<std::string> &write_log() const { return write_log_; }
	void reset_log();

	/*
	 * Every branch's names, sorted, directories with a trailing '/':
	 * "b0: /.wh.b /a  b1: /b /d/ /d/x". An empty branch is "b1: -".
	 */
	std::string dump() const;
	std::string dump_branch(unsigned branch) const;

private:
	static int op_lookup_held(void *env, unsigned branch, void *dir, const char *name,
				  unsigned len, void **child, enum uni_kind *kind);
	static int op_lookup(void *env, unsigned branch, void *dir, const char *name,
			     unsigned len, void **child, enum uni_kind *kind);
	static void op_put(void *env, void *handle);
	static int op_may_hold(void *env, const struct uni_lower_set *dir, const char *name,
			       unsigned len, unsigned long long *look, unsigned nwords);
	static int op_iterate(void *env, unsigned branch, void *dir,
			      int (*emit)(void *cookie, const char *name, unsigned len,
					  unsigned long long ino, unsigned dtype),
			      void *cookie);
	static void *op_get(void *env, void *handle);
	static int op_getattr(void *env, unsigned branch, void *handle, struct uni_attr *attr);
	static int op_create(void *env, unsigned branch, void *dir, const char *name,
			     unsigned len, const struct uni_create_args *args, void **child);
	static int op_link(void *env, unsigned branch, void *old, void *dir, const char *name,
			   unsigned len, void **child);
	static int op_unlink(void *env, unsigned branch, void *dir, void *child);
	static int op_rmdir(void *env, unsigned branch, void *dir, void *child);
	static int op_rename(void *env, unsigned branch, void *old_dir, void *child,
			     void *new_dir, const char *name, unsigned len, unsigned flags);
	static int op_copy_up(void *env, unsigned from_branch, void *object, unsigned to_branch,
			      void *to_dir, const char *name, unsigned len,
			      unsigned long long size, void **child);
	static int op_exchange(void *env, unsigned branch, void *dir_a, void *child_a, void *dir_b,
			       void *child_b);
	static int op_link_up(void *env, unsigned from_branch, void *object, unsigned to_branch,
			      void *to_dir, const char *name, unsigned len, void **child);

	int lookup(unsigned branch, void *dir, std::string_view name, void **child,
		   enum uni_kind *kind);
	int iterate(unsigned branch, void *dir,
		    int (*emit)(void *, const char *, unsigned, unsigned long long, unsigned),
		    void *cookie);
	int getattr(unsigned branch, void *handle, uni_attr *attr);
	int create(unsigned branch, void *dir, std::string_view name, const uni_create_args *args,
		   void **child);
	int link(unsigned branch, void *old, void *dir, std::string_view name, void **child);
	int remove_child(Op op, unsigned branch, void *dir, void *child);
	int rename(unsigned branch, void *old_dir, void *child, void *new_dir,
		   std::string_view name, unsigned flags);
	int copy_up(unsigned from_branch, void *object, unsigned to_branch, void *to_dir,
		    std::string_view name, unsigned long long size, void **child);
	int exchange(unsigned branch, void *dir_a, void *child_a, void *dir_b, void *child_b);
	int link_up(unsigned from_branch, void *object, unsigned to_branch, void *to_dir,
		    std::string_view name, void **child);

	Node *new_node(Kind kind, unsigned branch, std::string name, Node *parent,
		       std::shared_ptr<Inode> inode = nullptr);
	void attach(Node *node, Node *parent, std::string name);
	void detach(Node *node);
	Node *add(unsigned branch, std::string_view path, Kind kind);
	/* A handle the core passed in, checked against the contract; null if unusable. */
	Node *checked(void *handle, int branch, const char *what);
	/* A directory handle for a modification, and the common checks; sets *err. */
	Node *checked_dir(void *handle, unsigned branch, const char *what, int *err);
	/* Is child still the entry of dir? (a stale handle is a core bug in these tests) */
	bool is_child_of(Node *child, Node *dir, const char *what);
	/* The fault that fires for this call, if any (consumes skip/times). */
	Fault *fire(Op op, unsigned branch, std::string_view name, std::string_view other = {});
	int start_write(Op op, unsigned branch, std::string_view name, std::string_view other = {});
	void count(Op op) { ++calls_[static_cast<size_t>(op)]; }
	void logged(std::string entry) { write_log_.push_back(std::move(entry)); }
	void violation(std::string what) { violations_.push_back(std::move(what)); }

	std::vector<std::unique_ptr<Node>> nodes_;
	std::unordered_set<const Node *> known_;
	std::vector<Node *> roots_;
	std::vector<bool> readonly_;
	std::vector<unsigned long long> next_ino_;
	std::vector<Fault> faults_;
	bool fired_ = false;
	std::vector<std::string> violations_;
	std::array<unsigned long, static_cast<size_t>(Op::kCount)> calls_{};
	std::vector<std::string> lookup_log_;
	std::vector<std::string> write_log_;
};

} /* namespace memfs */

#endif /* UNI_TESTS_MEMFS_H */
