// SPDX-License-Identifier: GPL-2.0
/*
 * union_mount_test.cpp - finding a path's mount in a mountinfo file with
 * libmount, and a union's branches in its mount options.
 */
#include <catch2/catch.hpp>

#include "temp_dir.h"
#include "uapi/unionfs.h"
#include "union_mount.h"

using namespace unionctl;
using unionctl::test::TempDir;

namespace {

/* Mount IDs, parents and devices are what the kernel would show. */
const char *const kTable =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	"30 22 0:26 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=1024k\n"
	"40 22 0:40 / /mnt/u rw,relatime shared:7 - unionfs none rw,dirs=/srv/top=rw:/srv/mid=ro:/srv/base=nfsro\n"
	"41 40 0:41 / /mnt/u/sub rw,relatime shared:8 - tmpfs tmpfs rw\n"
	"42 22 0:40 /etc /mnt/etc-of-u rw,relatime shared:7 - unionfs none rw,dirs=/srv/top=rw:/srv/mid=ro:/srv/base=nfsro\n"
	"43 22 0:43 / /mnt/my\\040union rw,relatime shared:9 - unionfs none rw,dirs=/a=rw:/b=ro,delete=whiteout\n"
	"44 22 0:44 / /mnt/over rw,relatime shared:10 - ext4 /dev/sdb1 rw\n"
	"45 44 0:45 / /mnt/over rw,relatime shared:11 - unionfs none rw,dirs=/mnt/over=ro\n";

std::string mount_of(const std::string &mountinfo, const std::string &path)
{
	Result<MountEntry> mount = find_mount(mountinfo, path);

	if (mount.is_error())
		return "error: " + mount.failure().message;
	const MountEntry &m = mount.value();
	if (m.fstype.empty() && m.target.empty())
		return "none";
	return m.fstype + " " + m.target + (m.root == "/" ? "" : " root=" + m.root);
}

std::string branches_of(const std::string &options)
{
	std::string out;

	for (const BranchEntry &branch : branches_from_options(options).branches) {
		CHECK_FALSE(branch.open_files);
		out += std::to_string(branch.index) + ":" + branch.path + "=" +
		       std::to_string(branch.mode) + " ";
	}
	return out;
}

} /* namespace */

TEST_CASE("find_mount: the mount of a path is its nearest mounted ancestor")
{
	TempDir dir;
	std::string table = dir.write("mountinfo", kTable);

	CHECK(mount_of(table, "/mnt/u") == "unionfs /mnt/u");
	CHECK(mount_of(table, "/mnt/u/") == "unionfs /mnt/u");
	CHECK(mount_of(table, "/mnt/u/etc/passwd") == "unionfs /mnt/u");
	CHECK(mount_of(table, "/mnt/u/sub/x") == "tmpfs /mnt/u/sub");
	/* Whole components: /mnt/u/subway is not under /mnt/u/sub. */
	CHECK(mount_of(table, "/mnt/u/subway") == "unionfs /mnt/u");
	CHECK(mount_of(table, "/mnt/uu") == "ext4 /");
	CHECK(mount_of(table, "/tmp/x") == "tmpfs /tmp");
	CHECK(mount_of(table, "/") == "ext4 /");
	CHECK(mount_of(table, "/etc/passwd") == "ext4 /");
}

TEST_CASE("find_mount: bind mounts, escaped targets, the last of stacked mounts")
{
	TempDir dir;
	std::string table = dir.write("mountinfo", kTable);

	CHECK(mount_of(table, "/mnt/etc-of-u/passwd") == "unionfs /mnt/etc-of-u root=/etc");
	CHECK(mount_of(table, "/mnt/my union/a") == "unionfs /mnt/my union");
	/* A union mounted over its own branch's directory hides it. */
	CHECK(mount_of(table, "/mnt/over/x") == "unionfs /mnt/over");
}

TEST_CASE("find_mount: the superblock options come along")
{
	TempDir dir;
	std::string table = dir.write("mountinfo", kTable);
	Result<MountEntry> mount = find_mount(table, "/mnt/my union");

	REQUIRE_FALSE(mount.is_error());
	CHECK(mount.value().fs_options == "rw,dirs=/a=rw:/b=ro,delete=whiteout");
}

TEST_CASE("find_mount: no table, or no mount at all")
{
	TempDir dir;

	CHECK(mount_of(dir.path() + "/missing", "/mnt/u") ==
	      "error: " + dir.path() + "/missing: cannot read the mount table: No such file or directory");
	/* A chroot may show no mount above a path. */
	std::string table = dir.write("mountinfo",
				      "30 22 0:26 / /tmp rw shared:5 - tmpfs tmpfs rw\n");
	CHECK(mount_of(table, "/mnt/u") == "none");
	CHECK(mount_of(dir.write("empty", ""), "/mnt/u") == "none");
}

TEST_CASE("find_mount: the host's own table has a root")
{
	CHECK(mount_of(unionctl::kMountinfo, "/").find(" /") != std::string::npos);
}

TEST_CASE("branches_from_options: dirs= as the module shows it")
{
	CHECK(branches_of("rw,dirs=/srv/top=rw:/srv/mid=ro:/srv/base=nfsro") ==
	      "0:/srv/top=0 1:/srv/mid=1 2:/srv/base=2 ");
	CHECK(branches_of("dirs=/a=ro,delete=whiteout") == "0:/a=1 ");
	CHECK(branches_of("rw,delete=first,dirs=/a:/b=ro") == "0:/a=0 1:/b=1 ");
	/* Only the last '=' can start a mode. */
	CHECK(branches_of("dirs=/x=y=ro:/p=q") == "0:/x=y=1 1:/p=q=0 ");
	CHECK(branches_of("dirs=/a::/b=ro") == "0:/a=0 1:/b=1 ");
	CHECK(branches_of("rw,relatime") == "");
	CHECK(branches_of("dirs=") == "");
	CHECK(branches_of("") == "");
	CHECK(branches_from_options("dirs=/a").generation == std::nullopt);
}
