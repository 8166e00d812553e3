/* SPDX-License-Identifier: GPL-2.0 */
/*
 * union_mount.h - finding the mount that holds a path, with libmount, and
 * reading a union's branches from its mount options.
 */
#ifndef UNIONCTL_UNION_MOUNT_H
#define UNIONCTL_UNION_MOUNT_H

#include <string>
#include <string_view>

#include "branch_ref.h"
#include "result.h"

namespace unionctl {

constexpr const char *kUnionFsType = "unionfs";
constexpr const char *kMountinfo = "/proc/self/mountinfo";

struct MountEntry {
	std::string target;	/* the mount point */
	std::string root;	/* the mounted directory of the filesystem ("/" unless bind) */
	std::string fstype;
	std::string fs_options;	/* the superblock's options: "rw,dirs=/a=rw:/b=ro" */
};

/*
 * The mount PATH (absolute, resolved by realpath(3)) lies on, according to
 * MOUNTINFO, a file in /proc/self/mountinfo's format: the mount whose target
 * is PATH or its nearest ancestor, the last mounted when several are (as
 * findmnt --target). Nothing is looked up on the host, so a test can give
 * any table. A table without a matching mount gives an empty MountEntry.
 */
Result<MountEntry> find_mount(const std::string &mountinfo, const std::string &path);

/*
 * The branches in a union's mount options, as the module shows them
 * (dirs=/a=rw:/b=ro; a branch without =MODE is rw). Branch paths cannot hold
 * ':' or ',' (mount refuses them), so splitting is unambiguous; a path may
 * hold '=' (only the last one can start a mode).
 */
BranchList branches_from_options(std::string_view fs_options);

} /* namespace unionctl */

#endif /* UNIONCTL_UNION_MOUNT_H */
