// SPDX-License-Identifier: GPL-2.0
/*
 * branch_ref_test.cpp - BRANCH by index and by path.
 */
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>

#include "branch_ref.h"
#include "uapi/unionfs.h"

using namespace unionctl;

namespace {

BranchList three_branches()
{
	return BranchList{7, {
		{0, UNIONFS_BRANCH_RW, 0, "/srv/top"},
		{1, UNIONFS_BRANCH_RO, 2, "/srv/mid"},
		{2, UNIONFS_BRANCH_NFSRO, 0, "/srv/base"},
	}};
}

std::string resolve(const std::string &text, const std::string &canonical = "", int err = 0,
		    const BranchList &list = three_branches())
{
	Result<uint32_t> index = resolve_branch(parse_branch_ref(text), list, canonical, err, "/mnt/u");

	if (index.is_error())
		return "exit " + std::to_string(index.failure().exit_code) + ": " + index.failure().message;
	return std::to_string(index.value());
}

} /* namespace */

TEST_CASE("parse_branch_ref: decimal digits only, saturating")
{
	CHECK(parse_branch_ref("0").index == 0u);
	CHECK(parse_branch_ref("127").index == 127u);
	CHECK(parse_branch_ref("00").index == 0u);
	CHECK(parse_branch_ref("99999999999999999999999").index == UINT64_MAX);
	CHECK(parse_branch_ref("18446744073709551615").index == UINT64_MAX);
	CHECK(parse_branch_ref("18446744073709551614").index == UINT64_MAX - 1);
	for (const char *path : {"", "/1", "./1", "1/", "0x1", "+1", " 1", "1 ", "snaps"}) {
		INFO("'" << path << "'");
		CHECK_FALSE(parse_branch_ref(path).index);
		CHECK(parse_branch_ref(path).text == path);
	}
}

TEST_CASE("strip_trailing_slashes")
{
	CHECK(strip_trailing_slashes("/a/b//") == "/a/b");
	CHECK(strip_trailing_slashes("/a") == "/a");
	CHECK(strip_trailing_slashes("/") == "/");
	CHECK(strip_trailing_slashes("//") == "/");
	CHECK(strip_trailing_slashes("") == "");
	CHECK(strip_trailing_slashes("a/") == "a");
}

TEST_CASE("BRANCH by index: in range, or a message with the count")
{
	CHECK(resolve("0") == "0");
	CHECK(resolve("2") == "2");
	CHECK(resolve("3") == "exit 2: /mnt/u: no branch 3 (the union has 3 branches)");
	CHECK(resolve("99999999999999999999") ==
	      "exit 2: /mnt/u: no branch 99999999999999999999 (the union has 3 branches)");
	BranchList one{1, {{0, UNIONFS_BRANCH_RW, 0, "/a"}}};
	CHECK(resolve("1", "", 0, one) == "exit 2: /mnt/u: no branch 1 (the union has 1 branch)");
}

TEST_CASE("BRANCH by path: as written, or after realpath")
{
	CHECK(resolve("/srv/mid", "/srv/mid") == "1");
	CHECK(resolve("/srv/mid//", "/srv/mid") == "1");
	/* A relative path or a symlink matches through its canonical form. */
	CHECK(resolve("mid", "/srv/mid") == "1");
	CHECK(resolve("/link/to/base", "/srv/base") == "2");
	/* A branch that cannot be resolved any more is still found as written. */
	CHECK(resolve("/srv/top", "", ENOENT) == "0");
	CHECK(resolve("/srv/nope", "/srv/nope") == "exit 2: /mnt/u: /srv/nope: not a branch of this union");
	CHECK(resolve("nope", "", ENOENT) ==
	      "exit 2: /mnt/u: nope: not a branch of this union: No such file or directory");
	/* As written only for absolute paths: "srv/top" is relative to the cwd. */
	CHECK(resolve("srv/top", "/home/srv/top") == "exit 2: /mnt/u: srv/top: not a branch of this union");
}

TEST_CASE("find_branch_path compares whole paths")
{
	BranchList list = three_branches();

	CHECK(find_branch_path(list, "/srv/base") == 2u);
	CHECK_FALSE(find_branch_path(list, "/srv/bas"));
	CHECK_FALSE(find_branch_path(list, "/srv/base/"));
	CHECK_FALSE(find_branch_path(list, ""));
}
