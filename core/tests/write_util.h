/* SPDX-License-Identifier: GPL-2.0 */
/*
 * write_util.h - the harness side of the write path: what the kernel shim
 * builds from its union dentries (ancestries, entries), unions built from
 * and compared with compact textual dumps, and the union view as a user
 * sees it.
 */
#ifndef UNI_TESTS_WRITE_UTIL_H
#define UNI_TESTS_WRITE_UTIL_H

#include <list>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "test_util.h"

/*
 * Builds branches from a dump ("b0: /a /d/ /d/.wh.x  b1: -"): names ending
 * in '/' are directories, others regular files whose contents name their
 * branch ("b1"). Modes: "rw ro rw" (missing ones are rw).
 */
std::unique_ptr<TestUnion> make_union(const std::string &layout, const std::string &modes = "");

/*
 * The union as a user sees it, via the core's own lookup and readdir:
 * every visible path, sorted; directories end in '/', files show their
 * contents ("/a=b1"), symlinks their target ("/l->t"). Faults are cleared.
 */
std::string union_view(TestUnion &u);

/*
 * Union directories by path, each resolved once: ancestries handed out for
 * different names share the levels of their common directories, as the
 * shim's would. The levels' new slots (filled by the core) are released
 * with the levels.
 */
class Tree {
public:
	explicit Tree(TestUnion &u);
	~Tree();
	Tree(const Tree &) = delete;
	Tree &operator=(const Tree &) = delete;

	/*
	 * The ancestry of the directory at path ("/" is the root), starting
	 * at the directory 'from' on the way (the root by default); null if
	 * it is not one.
	 */
	uni_ancestry *ancestry(const std::string &dir, const std::string &from = "/");
	/* The level of directory path, or null. */
	uni_dir_level *level(const std::string &dir);

private:
	struct Level {
		std::unique_ptr<Lower> lower;
		uni_dir_level level;
		std::string name;
	};
	struct Chain {
		std::vector<uni_dir_level *> levels;
		uni_ancestry ancestry;
	};

	TestUnion &u_;
	std::map<std::string, std::unique_ptr<Level>> levels_;
	std::list<Chain> chains_;
};

/* One name: its parent's ancestry, the name, and what lookup resolved. */
class Entry {
public:
	Entry(Tree &tree, TestUnion &u, const std::string &path);
	uni_entry *get() { return &entry_; }
	Lower &object() { return *object_; }
	bool found() const { return entry_.parent != nullptr; }

private:
	std::string name_;
	std::unique_ptr<Lower> object_;
	uni_entry entry_{};
};

uni_context context_of(TestUnion &u, uni_delete_mode mode);

/* Knobs and findings of one run_op(). */
struct RunOptions {
	/* Replaces the injected faults right before the core is called (sparing the harness's lookups). */
	std::optional<memfs::Fault> fault;
	/* Make the nth allocation of the core call fail (test_env::fail_allocation). */
	unsigned long fail_allocation = 0;
	/*
	 * Found: the output set ("0..1 dir [0 1]"; exchange: both, "A | B"),
	 * rename's flags, lower calls the core made.
	 */
	std::string result;
	unsigned flags = 0;
	unsigned long calls = 0;
	bool allocation_failed = false;
};

/*
 * One union operation as the shim would run it, everything released
 * afterwards: "create", "mkdir", "symlink", "mknod", "unlink", "rmdir",
 * "rename", "exchange" (renameat2 RENAME_EXCHANGE of path and path2), "link",
 * "copyup", "tmpfile" (prepare_dir of path's directory).
 * Returns the core's result.
 */
int run_op(TestUnion &u, uni_delete_mode mode, const std::string &op, const std::string &path,
	   const std::string &path2 = "", RunOptions *options = nullptr);

uni_delete_mode parse_delete_mode(const std::string &name);

#endif /* UNI_TESTS_WRITE_UTIL_H */
