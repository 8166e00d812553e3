// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_client_test.cpp - reading a union's branches consistently, and
 * QUERY's bitmap.
 */
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>

#include "fakes.h"
#include "ioctl_client.h"

using namespace unionctl;
using namespace unionctl::test;

namespace {

/* The union's root, open as unionctl opens it, for the length of a test. */
struct OpenRoot {
	explicit OpenRoot(World &world)
		: fd(world.system, world.system.open("/mnt/u", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {}
	Fd fd;
};

std::string paths(const BranchList &list)
{
	std::string out;

	for (const BranchEntry &branch : list.branches)
		out += std::to_string(branch.index) + ":" + branch.path + " ";
	return out;
}

} /* namespace */

TEST_CASE("read_branches: every branch with its mode, open files and the generation")
{
	World world;
	OpenRoot root(world);
	world.union_.generation = 41;

	Result<BranchList> list = read_branches(world.union_, root.fd.get(), "/mnt/u");
	REQUIRE_FALSE(list.is_error());
	CHECK(paths(list.value()) == "0:/srv/top 1:/srv/mid 2:/srv/base ");
	CHECK(list.value().generation == 41u);
	CHECK(list.value().branches[1].mode == uint32_t(UNIONFS_BRANCH_RO));
	CHECK(list.value().branches[1].open_files == 2u);
	CHECK(list.value().branches[2].mode == uint32_t(UNIONFS_BRANCH_NFSRO));
	CHECK(world.union_.get_branch_calls == 3);
}

TEST_CASE("read_branches: a change in the middle of a listing starts it over")
{
	World world;
	OpenRoot root(world);
	bool changed = false;

	/* A branch is added on top while unionctl reads branch 2. */
	world.union_.before_get_branch = [&](uint32_t index) {
		if (index == 2 && !changed) {
			changed = true;
			world.union_.branches.insert(world.union_.branches.begin(),
						     BranchEntry{0, UNIONFS_BRANCH_RW, 0, "/snaps/0"});
			for (size_t i = 0; i < world.union_.branches.size(); i++)
				world.union_.branches[i].index = uint32_t(i);
			world.union_.bump();
		}
	};
	Result<BranchList> list = read_branches(world.union_, root.fd.get(), "/mnt/u");
	REQUIRE_FALSE(list.is_error());
	CHECK(paths(list.value()) == "0:/snaps/0 1:/srv/top 2:/srv/mid 3:/srv/base ");
	CHECK(world.union_.get_branch_calls == 3 + 4);
}

TEST_CASE("read_branches: a branch removed under the listing (EINVAL at the end) starts it over")
{
	World world;
	OpenRoot root(world);
	bool changed = false;

	world.union_.before_get_branch = [&](uint32_t index) {
		if (index == 1 && !changed) {
			changed = true;
			world.union_.branches.pop_back();
			world.union_.bump();
		}
	};
	Result<BranchList> list = read_branches(world.union_, root.fd.get(), "/mnt/u");
	REQUIRE_FALSE(list.is_error());
	CHECK(paths(list.value()) == "0:/srv/top 1:/srv/mid ");
}

TEST_CASE("read_branches: a union that never holds still gives up with EAGAIN")
{
	World world;
	OpenRoot root(world);

	world.union_.before_get_branch = [&](uint32_t index) {
		if (index == 1)
			world.union_.bump();
	};
	Result<BranchList> list = read_branches(world.union_, root.fd.get(), "/mnt/u");
	REQUIRE(list.is_error());
	CHECK(list.failure().message == "/mnt/u: cannot read the branches: Resource temporarily unavailable");
	CHECK(list.failure().exit_code == kExitFailed);
	CHECK(world.union_.get_branch_calls == 2 * kReadAttempts);
}

TEST_CASE("read_branches: an ioctl error is the failure, with its errno")
{
	World world;
	OpenRoot root(world);

	world.union_.fail["GET_BRANCH"] = ENOTTY;
	Result<BranchList> list = read_branches(world.union_, root.fd.get(), "/mnt/u");
	REQUIRE(list.is_error());
	CHECK(list.failure().message == "/mnt/u: cannot read the branches: Inappropriate ioctl for device");
	CHECK(list.failure().err == ENOTTY);
	CHECK(world.union_.get_branch_calls == 1);
}

TEST_CASE("read_branches: a path filling the whole buffer without a NUL is cut at the buffer")
{
	struct Unterminated : IoctlClient {
		int get_branch(int, struct unionfs_ioc_branch &req) override
		{
			req.count = 1;
			std::memset(req.path, 'a', sizeof(req.path));
			return 0;
		}
		int add_branch(int, const struct unionfs_ioc_add &) override { return ENOTTY; }
		int del_branch(int, const struct unionfs_ioc_index &) override { return ENOTTY; }
		int set_mode(int, const struct unionfs_ioc_index &) override { return ENOTTY; }
		int query(int, struct unionfs_ioc_query &) override { return ENOTTY; }
	} ioctls;

	Result<BranchList> list = read_branches(ioctls, 0, "/mnt/u");
	REQUIRE_FALSE(list.is_error());
	CHECK(list.value().branches.at(0).path == std::string(UNIONFS_PATH_MAX, 'a'));
}

TEST_CASE("query_indexes: bit i is branch i, across the 64-bit words, below count")
{
	struct unionfs_ioc_query answer = {};

	answer.branches[0] = (1ULL << 0) | (1ULL << 5) | (1ULL << 63);
	answer.branches[1] = (1ULL << 0) | (1ULL << 63);
	CHECK(query_indexes(answer, 128) == std::vector<uint32_t>{0, 5, 63, 64, 127});
	CHECK(query_indexes(answer, 64) == std::vector<uint32_t>{0, 5, 63});
	CHECK(query_indexes(answer, 1000) == std::vector<uint32_t>{0, 5, 63, 64, 127});
	CHECK(query_indexes(answer, 0).empty());
}
