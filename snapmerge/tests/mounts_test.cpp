// SPDX-License-Identifier: GPL-2.0
/*
 * mounts_test.cpp - reading mountinfo: unions' branches, bind mounts.
 */
#include <catch2/catch.hpp>

#include "mounts.h"

using namespace snapmerge;

TEST_CASE("mountinfo lines parse, optional fields and escapes included")
{
	std::vector<MountEntry> mounts = parse_mountinfo(
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro\n"
		"30 22 8:1 /srv/data /mnt/with\\040space rw shared:2 master:1 - ext4 /dev/vda rw\n"
		"garbage line\n"
		"40 22 0:55 / /u rw - unionfs none rw,dirs=/a=rw:/b\\072c=ro,delete=first\n");

	REQUIRE(mounts.size() == 3);
	CHECK(mounts[0].mount_point == "/");
	CHECK(mounts[0].fstype == "ext4");
	CHECK(mounts[1].major == 8);
	CHECK(mounts[1].minor == 1);
	CHECK(mounts[1].root == "/srv/data");
	CHECK(mounts[1].mount_point == "/mnt/with space");
	CHECK(mounts[2].fstype == "unionfs");
	CHECK(mounts[2].super_options == "rw,dirs=/a=rw:/b\\072c=ro,delete=first");
}

TEST_CASE("a union's branches come from dirs=, with seq_path escapes undone")
{
	MountEntry mount;

	mount.fstype = "unionfs";
	mount.super_options = "rw,dirs=/snap\\054s=rw:/base\\040dir\\072x\\075y=ro:/n=nfsro,delete=whiteout";
	std::vector<Branch> branches = union_branches(mount);

	REQUIRE(branches.size() == 3);
	CHECK(branches[0].path == "/snap,s");
	CHECK(branches[0].mode == "rw");
	CHECK(branches[1].path == "/base dir:x=y");
	CHECK(branches[1].mode == "ro");
	CHECK(branches[2].mode == "nfsro");
	mount.fstype = "overlay";
	CHECK(union_branches(mount).empty());
}

TEST_CASE("a path is located inside its filesystem, through bind mounts")
{
	std::vector<MountEntry> mounts = parse_mountinfo(
		"22 1 8:1 / / rw - ext4 /dev/vda rw\n"
		"30 22 8:1 /srv/base/inner /mnt/bound rw - ext4 /dev/vda rw\n"
		"31 22 0:40 / /mnt/bound/t rw - tmpfs none rw\n");

	CHECK(locate(mounts, "/srv/base")->path == "/srv/base");
	CHECK(locate(mounts, "/mnt/bound/x")->path == "/srv/base/inner/x");
	CHECK(locate(mounts, "/mnt/bound")->path == "/srv/base/inner");
	CHECK(locate(mounts, "/mnt/bound/t/y")->minor == 40);
	CHECK(locate(mounts, "/mnt/bound/t/y")->path == "/y");
	CHECK(locate(mounts, "/mnt/boundless")->path == "/mnt/boundless");
	CHECK(path_within("/a/b", "/a"));
	CHECK(path_within("/a", "/a"));
	CHECK(!path_within("/ab", "/a"));
	CHECK(path_within("/anything", "/"));
}
