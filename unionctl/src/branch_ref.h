/* SPDX-License-Identifier: GPL-2.0 */
/*
 * branch_ref.h - a union's branches, and finding the one a BRANCH argument
 * names (by index or by path).
 */
#ifndef UNIONCTL_BRANCH_REF_H
#define UNIONCTL_BRANCH_REF_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace unionctl {

struct BranchEntry {
	uint32_t index;
	uint32_t mode;		/* UNIONFS_BRANCH_* */
	std::optional<uint64_t> open_files;	/* unknown when read from the mount options */
	std::string path;
};

/* A union's branches, highest priority first, as of one generation. */
struct BranchList {
	std::optional<uint64_t> generation;	/* unknown when read from the mount options */
	std::vector<BranchEntry> branches;
};

/*
 * BRANCH as written on the command line: an index when it is all decimal
 * digits (a directory named like a number is written ./7), else a path.
 */
struct BranchRef {
	std::string text;
	std::optional<uint64_t> index;	/* saturates at UINT64_MAX */
};

BranchRef parse_branch_ref(std::string text);

/* "/a/b//" -> "/a/b"; "/" and "" stay as they are. */
std::string strip_trailing_slashes(std::string path);

std::optional<uint32_t> find_branch_path(const BranchList &list, std::string_view path);

/*
 * The index of the branch REF names in LIST. A path matches a branch's path
 * as written (absolute, trailing slashes ignored) or else as resolved by
 * realpath(3): CANONICAL, or RESOLVE_ERR (a positive errno) when that failed.
 * UNION_NAME is the union as the user wrote it, for messages.
 */
Result<uint32_t> resolve_branch(const BranchRef &ref, const BranchList &list,
				const std::string &canonical, int resolve_err,
				const std::string &union_name);

} /* namespace unionctl */

#endif /* UNIONCTL_BRANCH_REF_H */
