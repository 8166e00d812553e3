/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioctl_client.h - the union's ioctls (uapi/unionfs.h) behind an interface,
 * and the reads unionctl builds from them.
 *
 * KernelIoctl issues them with ioctl(2); the tests have an in-memory union.
 */
#ifndef UNIONCTL_IOCTL_CLIENT_H
#define UNIONCTL_IOCTL_CLIENT_H

#include <string>
#include <vector>

#include "branch_ref.h"
#include "result.h"
#include "uapi/unionfs.h"

namespace unionctl {

/* Each call returns 0 or a positive errno; FD is a file of the union. */
class IoctlClient {
public:
	virtual ~IoctlClient() = default;

	virtual int get_branch(int fd, struct unionfs_ioc_branch &req) = 0;
	virtual int add_branch(int fd, const struct unionfs_ioc_add &req) = 0;
	virtual int del_branch(int fd, const struct unionfs_ioc_index &req) = 0;
	virtual int set_mode(int fd, const struct unionfs_ioc_index &req) = 0;
	virtual int query(int fd, struct unionfs_ioc_query &req) = 0;
};

class KernelIoctl final : public IoctlClient {
public:
	int get_branch(int fd, struct unionfs_ioc_branch &req) override;
	int add_branch(int fd, const struct unionfs_ioc_add &req) override;
	int del_branch(int fd, const struct unionfs_ioc_index &req) override;
	int set_mode(int fd, const struct unionfs_ioc_index &req) override;
	int query(int fd, struct unionfs_ioc_query &req) override;
};

/* How many times a read that met a concurrent change is started over. */
constexpr int kReadAttempts = 8;
/*
 * How many times a change is requested, each from a new listing, while the
 * module answers ESTALE (the union changed since the listing).
 */
constexpr int kChangeAttempts = 5;

/*
 * Every branch, read with GET_BRANCH 0 .. count - 1, all of one generation
 * (started over when the union changes in between). UNION_NAME is for
 * messages.
 */
Result<BranchList> read_branches(IoctlClient &ioctls, int fd, const std::string &union_name);

/* The indexes of the bits set in a QUERY answer, below COUNT. */
std::vector<uint32_t> query_indexes(const struct unionfs_ioc_query &answer, uint32_t count);

} /* namespace unionctl */

#endif /* UNIONCTL_IOCTL_CLIENT_H */
