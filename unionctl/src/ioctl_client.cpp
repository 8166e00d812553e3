// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_client.cpp - reads built from the union's ioctls.
 */
#include "ioctl_client.h"

#include <cerrno>
#include <cstring>

namespace unionctl {

namespace {

BranchEntry entry_of(const struct unionfs_ioc_branch &req)
{
	return BranchEntry{req.index, req.mode, req.open_files,
			   std::string(req.path, strnlen(req.path, sizeof(req.path)))};
}

} /* namespace */

Result<BranchList> read_branches(IoctlClient &ioctls, int fd, const std::string &union_name)
{
	const std::string what = union_name + ": cannot read the branches";
	int err = 0;

	/*
	 * Each GET_BRANCH reports the generation; a listing that mixes two
	 * generations may show a branch twice or miss one, so it is read again.
	 */
	for (int attempt = 0; attempt < kReadAttempts; attempt++) {
		struct unionfs_ioc_branch req = {};
		BranchList list;

		err = ioctls.get_branch(fd, req);
		if (err)
			return errno_error(what, err);
		const uint32_t count = req.count;
		list.generation = req.generation;
		if (count == 0)
			return list;
		list.branches.push_back(entry_of(req));

		bool stable = true;
		for (uint32_t i = 1; i < count && stable; i++) {
			req = {};
			req.index = i;
			err = ioctls.get_branch(fd, req);
			stable = !err && req.count == count && req.generation == *list.generation;
			if (stable)
				list.branches.push_back(entry_of(req));
		}
		if (stable)
			return list;
	}
	return errno_error(what, err ? err : EAGAIN);
}

std::vector<uint32_t> query_indexes(const struct unionfs_ioc_query &answer, uint32_t count)
{
	std::vector<uint32_t> indexes;

	for (uint32_t i = 0; i < count && i < UNIONFS_MAX_BRANCHES; i++)
		if (answer.branches[i / 64] & (1ULL << (i % 64)))
			indexes.push_back(i);
	return indexes;
}

} /* namespace unionctl */
