// SPDX-License-Identifier: GPL-2.0
/*
 * system_linux_test.cpp - the real System and ioctls on the host, which has
 * no unionfs: paths, opens, ENOTTY from a non-union, and unionctl end to
 * end with a mountinfo file that calls a temporary directory a union.
 */
#include <catch2/catch.hpp>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>

#include "actions.h"
#include "ioctl_client.h"
#include "system.h"
#include "temp_dir.h"

using namespace unionctl;
using unionctl::test::TempDir;

namespace {

size_t open_fd_count()
{
	size_t count = 0;

	for ([[maybe_unused]] const auto &entry : std::filesystem::directory_iterator("/proc/self/fd"))
		count++;
	return count;
}

/*
 * DIR/u is "a unionfs" of DIR/a (rw) and DIR/b (ro), in a mountinfo file
 * that LinuxSystem reads instead of /proc/self/mountinfo.
 */
struct FakeUnionOnHost {
	TempDir dir;
	std::string mountinfo;

	FakeUnionOnHost()
	{
		for (const char *name : {"u", "a", "b"})
			std::filesystem::create_directory(dir.path() + "/" + name);
		dir.write("u/file", "data");
		mountinfo = dir.write("mountinfo",
				      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
				      "40 22 0:40 / " + dir.path() + "/u rw,relatime shared:7 - unionfs none rw,dirs=" +
					      dir.path() + "/a=rw:" + dir.path() + "/b=ro\n");
	}

	struct Output {
		int status;
		std::string out;
		std::string err;
	};

	Output run(const std::vector<std::string> &args) const
	{
		LinuxSystem system(mountinfo);
		KernelIoctl ioctls;
		std::ostringstream out, err;
		size_t fds = open_fd_count();
		int status = unionctl::run(args, system, ioctls, out, err);

		CHECK(open_fd_count() == fds);
		return Output{status, out.str(), err.str()};
	}
};

} /* namespace */

TEST_CASE("LinuxSystem::realpath resolves symlinks, or gives the errno")
{
	TempDir dir;
	LinuxSystem system;
	std::string canonical;

	std::filesystem::create_directory(dir.path() + "/real");
	std::filesystem::create_directory_symlink("real", dir.path() + "/link");
	CHECK(system.realpath(dir.path() + "/link/", canonical) == 0);
	CHECK(canonical == dir.path() + "/real");
	CHECK(system.realpath(dir.path() + "/missing", canonical) == ENOENT);
	CHECK(system.realpath("/", canonical) == 0);
	CHECK(canonical == "/");
}

TEST_CASE("LinuxSystem::open gives an fd or a negative errno")
{
	TempDir dir;
	LinuxSystem system;
	std::string file = dir.write("file", "x");

	int fd = system.open(dir.path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(fd >= 0);
	system.close(fd);
	CHECK(system.open(file, O_RDONLY | O_DIRECTORY) == -ENOTDIR);
	CHECK(system.open(dir.path() + "/missing", O_RDONLY) == -ENOENT);
}

TEST_CASE("KernelIoctl on a directory that is no union: ENOTTY for every request")
{
	TempDir dir;
	LinuxSystem system;
	KernelIoctl ioctls;
	Fd fd(system, system.open(dir.path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	REQUIRE(fd.get() >= 0);

	struct unionfs_ioc_branch branch = {};
	struct unionfs_ioc_add add = {};
	struct unionfs_ioc_index index = {};
	struct unionfs_ioc_query query = {};
	add.dirfd = fd.get();
	CHECK(ioctls.get_branch(fd.get(), branch) == ENOTTY);
	CHECK(ioctls.add_branch(fd.get(), add) == ENOTTY);
	CHECK(ioctls.del_branch(fd.get(), index) == ENOTTY);
	CHECK(ioctls.set_mode(fd.get(), index) == ENOTTY);
	CHECK(ioctls.query(fd.get(), query) == ENOTTY);
	CHECK(ioctls.get_branch(-1, branch) == EBADF);
}

TEST_CASE("end to end on the host: --list falls back to the mount options")
{
	FakeUnionOnHost host;
	const std::string &d = host.dir.path();
	auto result = host.run({d + "/u", "--list"});

	CHECK(result.status == 0);
	CHECK(result.out == "\t" + d + "/a (rw-)\n\t" + d + "/b (r--)\n");
	CHECK(result.err == "unionctl: " + d + "/u: cannot read the branches: Inappropriate ioctl for device;"
			    " listing its mount options instead\n");

	/* Through a symlink into the union, and from a file inside it. */
	std::filesystem::create_directory_symlink("u", d + "/link");
	CHECK(host.run({"--list", d + "/link"}).out == result.out);
	CHECK(host.run({d + "/u/file", "--list"}).out == result.out);
}

TEST_CASE("end to end on the host: changes fail with the ioctl's errno, other paths are no union")
{
	FakeUnionOnHost host;
	const std::string &d = host.dir.path();

	auto remove = host.run({d + "/u", "--remove", "0"});
	CHECK(remove.status == 2);
	CHECK(remove.err == "unionctl: " + d + "/u: cannot read the branches: Inappropriate ioctl for device\n");

	auto query = host.run({d + "/u/file", "--query"});
	CHECK(query.status == 2);
	CHECK(query.err == "unionctl: " + d +
				   "/u/file: cannot query which branches hold it: Inappropriate ioctl for device\n");

	auto outside = host.run({d + "/a", "--list"});
	CHECK(outside.status == 3);
	CHECK(outside.err == "unionctl: " + d + "/a: not on a unionfs\n");

	auto missing = host.run({d + "/u/missing", "--query"});
	CHECK(missing.status == 2);
	CHECK(missing.err == "unionctl: " + d + "/u/missing: cannot resolve path: No such file or directory\n");
}

TEST_CASE("end to end on the host: --query opens a FIFO without blocking")
{
	FakeUnionOnHost host;
	const std::string fifo = host.dir.path() + "/u/fifo";

	REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
	auto query = host.run({fifo, "--query"});
	CHECK(query.status == 2);
	CHECK(query.err == "unionctl: " + fifo + ": cannot query which branches hold it: Inappropriate ioctl for device\n");
}
