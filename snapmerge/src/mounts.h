// SPDX-License-Identifier: GPL-2.0
/*
 * mounts.h - what /proc/self/mountinfo says about the directories given.
 *
 * Two questions: is a directory a branch of a mounted union (unionfs shows
 * its branches in its super options as dirs=/a=rw:/b=ro, each path escaped
 * by seq_path as \ooo for ",:= \t\n\\"), and where does a directory live
 * inside its filesystem (device and path from that filesystem's root), so
 * that a bind mount cannot hide that one directory is inside another.
 */
#ifndef SNAPMERGE_MOUNTS_H
#define SNAPMERGE_MOUNTS_H

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snapmerge {

struct MountEntry {
	unsigned major = 0, minor = 0;
	std::string root;		/* the mount's root inside its filesystem */
	std::string mount_point;
	std::string fstype;
	std::string source;
	std::string super_options;	/* as the kernel printed them */
};

/* Lines that do not parse are skipped. */
std::vector<MountEntry> parse_mountinfo(std::string_view text);
/* The file's contents; empty when it cannot be read. */
std::string read_file(const std::string &path);

/* "\040" -> " " (mountinfo and seq_path escapes) */
std::string unescape_octal(std::string_view text);

struct Branch {
	std::string path;
	std::string mode;	/* "rw", "ro", "nfsro" */
};

/* The branches of a unionfs mount (empty for other filesystems). */
std::vector<Branch> union_branches(const MountEntry &mount);

struct BranchUse {
	std::string mount_point;
	std::string mode;
};

/*
 * Every mounted union that has dir as a branch: the branch path equals the
 * resolved path, or names the same directory (device and inode).
 */
std::vector<BranchUse> find_branch_uses(const std::vector<MountEntry> &mounts,
					const std::string &real_path, const struct stat &st);

struct FsLocation {
	unsigned major, minor;
	std::string path;	/* from the filesystem's root */
};

/* Where a resolved absolute path lives; nullopt if no mount covers it. */
std::optional<FsLocation> locate(const std::vector<MountEntry> &mounts, const std::string &real_path);

/* inner == outer or inner below outer (both absolute, normalised). */
bool path_within(const std::string &inner, const std::string &outer);

} /* namespace snapmerge */

#endif
