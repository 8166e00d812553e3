/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfs.h - an in-memory stand-in for the branch filesystems, implementing
 * struct ufs_branch_ops for the host tests.
 *
 * Each branch is its own tree of directories, files and symlinks with its
 * own inode numbers (so the same number shows up on several branches, as
 * with real separate filesystems). A handle the core holds is a Node *;
 * every reference is counted per node, and anything the core does wrong
 * with handles (a put without a reference, a handle used on the wrong
 * branch or after its last put) is recorded as a violation for the test to
 * check. Any operation can be made to fail with a chosen errno.
 *
 * Nodes are never freed before the Fs itself, so a handle to a removed
 * object stays valid, as a dentry reference does in the kernel.
 */
#ifndef UFS_TESTS_MEMFS_H
#define UFS_TESTS_MEMFS_H

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ufs_core.h"

namespace memfs {

/* DT_* values, as iterate() reports them. */
constexpr unsigned kDtDir = 4;
constexpr unsigned kDtReg = 8;
constexpr unsigned kDtLnk = 10;

enum class Kind { kDir, kFile, kSymlink };

/* Operations a test can count and make fail; later branch operations join here. */
enum class Op { kLookup, kIterate, kCount };

struct Node {
	Kind kind;
	unsigned branch;
	unsigned long long ino;
	std::string name;		/* "" for a branch root */
	Node *parent;			/* null for a branch root */
	std::string data;		/* file contents or symlink target */
	std::vector<Node *> entries;	/* a directory's children, in readdir order */
	std::unordered_map<std::string, Node *> index;	/* the same, by name */
	int refs = 0;			/* references the core holds */
	bool linked = true;		/* false once removed from its directory */

	bool is_dir() const { return kind == Kind::kDir; }
	unsigned dtype() const;
};

/* One injected failure. */
struct Fault {
	explicit Fault(Op which) : op(which) {}

	Op op;
	int branch = -1;		/* -1: any branch */
	/* kLookup: the name looked up; kIterate: the directory's own name. Unset: any. */
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
	const ufs_branch_ops *ops() const;
	void *env() { return this; }

	/* ---- Building trees; missing parents are created as directories ---- */
	Node *root(unsigned branch) const { return roots_.at(branch); }
	Node *mkdir(unsigned branch, std::string_view path);
	Node *add_file(unsigned branch, std::string_view path, std::string data = "");
	Node *add_symlink(unsigned branch, std::string_view path, std::string target);
	/* ".wh.BASE" beside PATH (a zero-length file, FSL style). */
	Node *add_whiteout(unsigned branch, std::string_view path);
	/* The opaque marker inside directory PATH (OCI spelling if oci). */
	Node *make_opaque(unsigned branch, std::string_view path, bool oci = false);
	Node *find(unsigned branch, std::string_view path) const;
	/* Unlinks PATH from its directory; the node lives on for its holders. */
	void remove(unsigned branch, std::string_view path);

	/* A new reference, as the kernel side holds for a union root. */
	void *get(Node *node);
	void put(void *handle);

	/* ---- Failure injection ---- */
	void inject(Fault fault) { faults_.push_back(std::move(fault)); }
	void clear_faults() { faults_.clear(); }
	/* Include '.' and '..' in iterate() (the core must skip them). */
	bool emit_dots = true;

	/* ---- What the core did ---- */
	long outstanding_refs() const;
	const std::vector<std::string> &violations() const { return violations_; }
	unsigned long calls(Op op) const { return calls_[static_cast<size_t>(op)]; }
	/* "BRANCH:NAME" for every lookup, in order. */
	const std::vector<std::string> &lookup_log() const { return lookup_log_; }
	void reset_log();

private:
	static int op_lookup(void *env, unsigned branch, void *dir, const char *name,
			     unsigned len, void **child, enum ufs_kind *kind);
	static void op_put(void *env, void *handle);
	static int op_iterate(void *env, unsigned branch, void *dir,
			      int (*emit)(void *cookie, const char *name, unsigned len,
					  unsigned long long ino, unsigned dtype),
			      void *cookie);

	int lookup(unsigned branch, void *dir, std::string_view name, void **child,
		   enum ufs_kind *kind);
	int iterate(unsigned branch, void *dir,
		    int (*emit)(void *, const char *, unsigned, unsigned long long, unsigned),
		    void *cookie);

	Node *new_node(Kind kind, unsigned branch, std::string name, Node *parent);
	Node *add(unsigned branch, std::string_view path, Kind kind);
	/* A handle the core passed in, checked against the contract; null if unusable. */
	Node *checked(void *handle, int branch, const char *what);
	/* The fault that fires for this call, if any (consumes skip/times). */
	Fault *fire(Op op, unsigned branch, std::string_view name);
	void violation(std::string what) { violations_.push_back(std::move(what)); }

	std::vector<std::unique_ptr<Node>> nodes_;
	std::unordered_set<const Node *> known_;
	std::vector<Node *> roots_;
	std::vector<unsigned long long> next_ino_;
	std::vector<Fault> faults_;
	std::vector<std::string> violations_;
	std::array<unsigned long, static_cast<size_t>(Op::kCount)> calls_{};
	std::vector<std::string> lookup_log_;
};

} /* namespace memfs */

#endif /* UFS_TESTS_MEMFS_H */
