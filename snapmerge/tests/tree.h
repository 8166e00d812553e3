// SPDX-License-Identifier: GPL-2.0
/*
 * tree.h - test trees: built from a list of nodes, described as text.
 *
 * A test lists the nodes of a snapshot, of a base and of the base it
 * expects afterwards; the expected base is built on disk like the others
 * and the two are compared with describe(), which prints everything
 * snapmerge promises to carry (type, mode, owner, mtime, contents or
 * target, device number, xattrs, hard-link groups), not atimes or ctimes.
 */
#ifndef SNAPMERGE_TESTS_TREE_H
#define SNAPMERGE_TESTS_TREE_H

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace test_tree {

struct Node {
	enum Kind { kFile, kDir, kSymlink, kFifo, kChr, kBlk, kSock, kHardlink };

	std::string path;
	Kind kind = kFile;
	std::string data;	/* contents, symlink target, or hard link's other path */
	mode_t mode = 0644;
	uid_t uid = 0;
	gid_t gid = 0;
	long mtime = 1600000000;
	dev_t rdev = 0;
	off_t size = -1;	/* sparse: data is written at each offset of extents */
	std::map<off_t, std::string> extents;
	std::map<std::string, std::string> xattrs;

	Node &with_mode(mode_t m) { mode = m; return *this; }
	Node &owner(uid_t u, gid_t g) { uid = u; gid = g; return *this; }
	Node &at(long seconds) { mtime = seconds; return *this; }
	Node &xattr(const std::string &name, const std::string &value)
	{
		xattrs[name] = value;
		return *this;
	}
};

Node file(const std::string &path, const std::string &contents = "");
Node dir(const std::string &path);
Node symlink_to(const std::string &path, const std::string &target);
Node fifo(const std::string &path);
Node chr(const std::string &path, unsigned major, unsigned minor);
Node blk(const std::string &path, unsigned major, unsigned minor);
Node sock(const std::string &path);
Node hardlink(const std::string &path, const std::string &existing);
/* A whiteout as the module makes it: empty, mode 0444 (UNI_META_MODE). */
Node whiteout(const std::string &path);
/* size bytes, data at the given offsets, holes elsewhere. */
Node sparse(const std::string &path, off_t size, std::map<off_t, std::string> extents);

/* A POSIX ACL as the kernel stores it in system.posix_acl_*: "u::rw-,u:1000:r--,g::r--,m::r--,o::---" */
std::string acl(const std::string &text);

using Tree = std::vector<Node>;

/* Creates the nodes under root (which must exist), parents first; missing parents are made 0755. */
void build(const std::string &root, const Tree &tree);
/* Everything below root (not root itself), one line per object, sorted. */
std::string describe(const std::string &root);
/* The non-directories of describe(), path -> line (for "old or new" checks). */
std::map<std::string, std::string> describe_objects(const std::string &root);

/* A fresh empty directory under $TMPDIR (or /tmp), removed with its contents when the Scratch goes. */
class Scratch {
public:
	Scratch();
	~Scratch();
	Scratch(const Scratch &) = delete;
	Scratch &operator=(const Scratch &) = delete;
	const std::string &path() const { return path_; }
	/* path()/name, created as an empty directory */
	std::string make_dir(const std::string &name) const;

private:
	std::string path_;
};

/* rm -rf, clearing immutable flags on the way. */
void remove_all(const std::string &path);
std::string read_contents(const std::string &path);
std::vector<std::string> names_in(const std::string &dir);

} /* namespace test_tree */

#endif
