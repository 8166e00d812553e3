// SPDX-License-Identifier: GPL-2.0
/*
 * options_test.cpp - mount option parsing: every spelling and every error.
 */
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "env_host.h"
#include "ufs_core.h"

namespace {

constexpr const char *kUntouched = "untouched";

/* One ufs_options and the message buffer the kernel side would pass. */
struct Options {
	ufs_options *opts = ufs_options_create();
	char msg[256];

	Options() { REQUIRE(opts); }
	~Options() { ufs_options_destroy(opts); }

	int parse(const char *key, const char *value)
	{
		std::strcpy(msg, kUntouched);
		return ufs_options_parse(opts, key, value, msg, sizeof(msg));
	}

	int validate()
	{
		std::strcpy(msg, kUntouched);
		return ufs_options_validate(opts, msg, sizeof(msg));
	}

	std::vector<std::pair<std::string, ufs_branch_mode>> branches() const
	{
		std::vector<std::pair<std::string, ufs_branch_mode>> list;

		for (unsigned i = 0; i < ufs_options_branch_count(opts); ++i)
			list.emplace_back(ufs_options_branch_path(opts, i),
					  ufs_options_branch_mode(opts, i));
		return list;
	}
};

using Branches = std::vector<std::pair<std::string, ufs_branch_mode>>;

/* One parameter as the kernel hands it over; value may be null. */
struct Param {
	const char *key;
	const char *value;
};

/* Feeds params; all but the last must succeed. Returns the last result. */
int feed(Options &o, const std::vector<Param> &params)
{
	for (size_t i = 0; i + 1 < params.size(); ++i)
		REQUIRE(o.parse(params[i].key, params[i].value) == 0);
	return o.parse(params.back().key, params.back().value);
}

} /* namespace */

TEST_CASE("options: dirs= lists branches leftmost first with their modes")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a:/b=ro:/c=nfsro:/d=rw") == 0);
	REQUIRE(o.branches() == Branches{{"/a", UFS_BRANCH_RW},
					 {"/b", UFS_BRANCH_RO},
					 {"/c", UFS_BRANCH_NFSRO},
					 {"/d", UFS_BRANCH_RW}});
	REQUIRE(o.validate() == 0);
	REQUIRE(std::string(o.msg) == kUntouched);
}

TEST_CASE("options: a single branch")
{
	Options o;

	REQUIRE(o.parse("dirs", "/only") == 0);
	REQUIRE(o.branches() == Branches{{"/only", UFS_BRANCH_RW}});
}

TEST_CASE("options: comma spelling dirs=/a,/b=ro continues the branch list")
{
	Options o;

	REQUIRE(feed(o, {{"dirs", "/alcid"}, {"/penguin", "ro"}, {"/c", nullptr}}) == 0);
	REQUIRE(o.branches() == Branches{{"/alcid", UFS_BRANCH_RW},
					 {"/penguin", UFS_BRANCH_RO},
					 {"/c", UFS_BRANCH_RW}});
}

TEST_CASE("options: comma and colon spellings mix")
{
	Options o;

	/* "dirs=/a:/b=ro,/c=nfsro:/d" as the kernel splits it */
	REQUIRE(feed(o, {{"dirs", "/a:/b=ro"}, {"/c", "nfsro:/d"}}) == 0);
	REQUIRE(o.branches() == Branches{{"/a", UFS_BRANCH_RW},
					 {"/b", UFS_BRANCH_RO},
					 {"/c", UFS_BRANCH_NFSRO},
					 {"/d", UFS_BRANCH_RW}});
}

TEST_CASE("options: relative branch paths are kept for the kernel to resolve")
{
	Options o;

	REQUIRE(o.parse("dirs", "upper:../lower=ro:./x") == 0);
	REQUIRE(o.branches() == Branches{{"upper", UFS_BRANCH_RW},
					 {"../lower", UFS_BRANCH_RO},
					 {"./x", UFS_BRANCH_RW}});
}

TEST_CASE("options: the mode follows the last '=' so a path may contain '='")
{
	Options o;

	/* "dirs=/x=y=ro,/p=q=nfsro,/r=s=rw"; such a path needs an explicit mode */
	REQUIRE(feed(o, {{"dirs", "/x=y=ro"}, {"/p", "q=nfsro"}, {"/r", "s=rw"}}) == 0);
	REQUIRE(o.branches() == Branches{{"/x=y", UFS_BRANCH_RO},
					 {"/p=q", UFS_BRANCH_NFSRO},
					 {"/r=s", UFS_BRANCH_RW}});
}

TEST_CASE("options: delete= modes, default all, last one wins")
{
	Options o;

	REQUIRE(ufs_options_delete_mode(o.opts) == UFS_DELETE_ALL);
	REQUIRE(o.parse("delete", "whiteout") == 0);
	REQUIRE(ufs_options_delete_mode(o.opts) == UFS_DELETE_WHITEOUT);
	REQUIRE(o.parse("delete", "first") == 0);
	REQUIRE(ufs_options_delete_mode(o.opts) == UFS_DELETE_FIRST);
	REQUIRE(o.parse("delete", "all") == 0);
	REQUIRE(ufs_options_delete_mode(o.opts) == UFS_DELETE_ALL);
	/* delete= may come before dirs= */
	REQUIRE(o.parse("dirs", "/a") == 0);
	REQUIRE(o.validate() == 0);
}

TEST_CASE("options: mode names for show_options")
{
	REQUIRE(std::string(ufs_branch_mode_name(UFS_BRANCH_RW)) == "rw");
	REQUIRE(std::string(ufs_branch_mode_name(UFS_BRANCH_RO)) == "ro");
	REQUIRE(std::string(ufs_branch_mode_name(UFS_BRANCH_NFSRO)) == "nfsro");
	REQUIRE(std::string(ufs_delete_mode_name(UFS_DELETE_ALL)) == "all");
	REQUIRE(std::string(ufs_delete_mode_name(UFS_DELETE_WHITEOUT)) == "whiteout");
	REQUIRE(std::string(ufs_delete_mode_name(UFS_DELETE_FIRST)) == "first");
}

TEST_CASE("options: every error says what is wrong")
{
	struct Case {
		std::vector<Param> params;
		const char *message;
	};
	const std::vector<Case> cases = {
		{{{"dirs", nullptr}}, "dirs= needs a value"},
		{{{"dirs", ""}}, "dirs= needs a value"},
		{{{"dirs", "/a"}, {"dirs", "/b"}}, "dirs= given twice"},
		{{{"dirs", "/a::/b"}}, "empty branch in dirs="},
		{{{"dirs", ":/a"}}, "empty branch in dirs="},
		{{{"dirs", "/a:"}}, "empty branch in dirs="},
		{{{"dirs", "/a"}, {"/b", "ro:"}}, "empty branch in dirs="},
		{{{"dirs", "=ro"}}, "empty branch path in '=ro'"},
		{{{"dirs", "/a:="}}, "empty branch path in '='"},
		{{{"dirs", "/a=xyz"}}, "unknown branch mode 'xyz' for /a"},
		{{{"dirs", "/a="}}, "unknown branch mode '' for /a"},
		{{{"dirs", "/a=RO"}}, "unknown branch mode 'RO' for /a"},
		{{{"dirs", "/a"}, {"/b", "rx"}}, "unknown branch mode 'rx' for /b"},
		{{{"/b", "ro"}}, "branch /b given before dirs="},
		{{{"/b", nullptr}}, "branch /b given before dirs="},
		{{{"dirs", "/a:/b:/a=ro"}}, "branch /a listed twice"},
		{{{"dirs", "/a"}, {"/a", nullptr}}, "branch /a listed twice"},
		{{{"dirs", "/a"}, {"/b", "ro:/b"}}, "branch /b listed twice"},
		{{{"delete", nullptr}}, "delete= needs a value"},
		{{{"delete", "foo"}}, "unknown delete mode 'foo' (want all, whiteout or first)"},
		{{{"delete", ""}}, "unknown delete mode '' (want all, whiteout or first)"},
	};

	for (const Case &c : cases) {
		Options o;

		INFO("expected: " << c.message);
		REQUIRE(feed(o, c.params) == -UFS_EINVAL);
		REQUIRE(std::string(o.msg) == c.message);
	}
}

TEST_CASE("options: at most 128 branches, in either spelling")
{
	auto list = [](unsigned count) {
		std::string text;

		for (unsigned i = 0; i < count; ++i)
			text += (i ? ":/b" : "/b") + std::to_string(i);
		return text;
	};
	{
		Options o;

		REQUIRE(o.parse("dirs", list(128).c_str()) == 0);
		REQUIRE(ufs_options_branch_count(o.opts) == 128);
		REQUIRE(o.parse("/extra", nullptr) == -UFS_EINVAL);
		REQUIRE(std::string(o.msg) == "too many branches (max 128)");
		REQUIRE(ufs_options_branch_count(o.opts) == 128);
	}
	{
		Options o;

		REQUIRE(o.parse("dirs", list(129).c_str()) == -UFS_EINVAL);
		REQUIRE(std::string(o.msg) == "too many branches (max 128)");
		REQUIRE(ufs_options_branch_count(o.opts) == 0);
	}
}

TEST_CASE("options: a branch path is shorter than PATH_MAX")
{
	std::string longest = "/" + std::string(4094, 'p');
	std::string too_long = longest + "p";
	Options o;

	REQUIRE(o.parse("dirs", too_long.c_str()) == -UFS_EINVAL);
	REQUIRE(std::string(o.msg) == "branch path too long");
	REQUIRE(o.parse("dirs", (longest + "=ro").c_str()) == 0);
	REQUIRE(ufs_options_branch_count(o.opts) == 1);
	REQUIRE(std::strlen(ufs_options_branch_path(o.opts, 0)) == 4095);
}

TEST_CASE("options: a rejected option changes nothing")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a:/b:/c=bad") == -UFS_EINVAL);
	REQUIRE(ufs_options_branch_count(o.opts) == 0);
	/* dirs= was not taken, so a corrected one is accepted */
	REQUIRE(o.parse("dirs", "/a:/b") == 0);
	REQUIRE(o.parse("/c", "ro:/d=bad") == -UFS_EINVAL);
	REQUIRE(o.branches() == Branches{{"/a", UFS_BRANCH_RW}, {"/b", UFS_BRANCH_RW}});
	REQUIRE(o.parse("delete", "bogus") == -UFS_EINVAL);
	REQUIRE(ufs_options_delete_mode(o.opts) == UFS_DELETE_ALL);
}

TEST_CASE("options: unknown keys are left to the caller, message untouched")
{
	Options o;

	for (const char *key : {"ro", "rw", "source", "dir", "Dirs", "", "relative/path", "debug"}) {
		INFO("key " << key);
		REQUIRE(o.parse(key, nullptr) == -UFS_ENOENT);
		REQUIRE(std::string(o.msg) == kUntouched);
		REQUIRE(o.parse(key, "x") == -UFS_ENOENT);
		REQUIRE(std::string(o.msg) == kUntouched);
	}
	REQUIRE(o.parse("dirs", "/a") == 0);
	REQUIRE(o.parse("relative", nullptr) == -UFS_ENOENT);
	REQUIRE(ufs_options_branch_count(o.opts) == 1);
}

TEST_CASE("options: validate requires branches")
{
	Options o;

	REQUIRE(o.validate() == -UFS_EINVAL);
	REQUIRE(std::string(o.msg) == "no branches: dirs= is required");
	REQUIRE(o.parse("delete", "first") == 0);
	REQUIRE(o.validate() == -UFS_EINVAL);
	REQUIRE(o.parse("dirs", "/a=ro") == 0);
	REQUIRE(o.validate() == 0);
}

TEST_CASE("options: messages are truncated to the buffer and NUL-terminated")
{
	Options o;
	char small[10];

	std::memset(small, 'x', sizeof(small));
	REQUIRE(ufs_options_parse(o.opts, "delete", "foo", small, sizeof(small)) == -UFS_EINVAL);
	REQUIRE(std::string(small) == "unknown d");
	REQUIRE(ufs_options_parse(o.opts, "delete", "foo", small, 1) == -UFS_EINVAL);
	REQUIRE(small[0] == '\0');
	REQUIRE(ufs_options_parse(o.opts, "delete", "foo", nullptr, 0) == -UFS_EINVAL);
	REQUIRE(ufs_options_validate(o.opts, nullptr, 0) == -UFS_EINVAL);
}

TEST_CASE("options: out-of-range queries are harmless")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a=ro") == 0);
	REQUIRE(ufs_options_branch_path(o.opts, 1) == nullptr);
	REQUIRE(ufs_options_branch_mode(o.opts, 1) == UFS_BRANCH_RW);
	REQUIRE(ufs_options_parse(nullptr, "dirs", "/a", nullptr, 0) == -UFS_EINVAL);
	REQUIRE(ufs_options_parse(o.opts, nullptr, "/a", nullptr, 0) == -UFS_EINVAL);
	ufs_options_destroy(nullptr);
}

TEST_CASE("options: every allocation failure is ENOMEM and changes nothing")
{
	ufs_options *opts = nullptr;
	auto attempt = [&]() -> int {
		opts = ufs_options_create();
		if (!opts)
			return -UFS_ENOMEM;
		const Param params[] = {
			{"dirs", "/a:/b=ro"}, {"/c", "nfsro:/d"}, {"/e=f", "rw"}, {"delete", "first"}};
		unsigned expected_count = 0;

		for (const Param &p : params) {
			unsigned before = ufs_options_branch_count(opts);
			int ret = ufs_options_parse(opts, p.key, p.value, nullptr, 0);

			if (ret) {
				REQUIRE(ufs_options_branch_count(opts) == before);
				return ret;
			}
			expected_count = ufs_options_branch_count(opts);
		}
		REQUIRE(expected_count == 5);
		REQUIRE(std::string(ufs_options_branch_path(opts, 4)) == "/e=f");
		return 0;
	};
	auto cleanup = [&] {
		ufs_options_destroy(opts);
		opts = nullptr;
	};

	REQUIRE(test_env::check_every_allocation_failure(attempt, cleanup) > 0);
}

TEST_CASE("options: remount's mode= changes and incgen")
{
	Options o;

	REQUIRE(o.parse("mode", "/snaps/0=ro") == 0);
	REQUIRE(o.parse("mode", "/x=y=nfsro") == 0);	/* the mode follows the last '=' */
	REQUIRE(o.parse("incgen", nullptr) == 0);
	REQUIRE(ufs_options_mode_change_count(o.opts) == 2);
	CHECK(std::string(ufs_options_mode_change_path(o.opts, 0)) == "/snaps/0");
	CHECK(ufs_options_mode_change_mode(o.opts, 0) == UFS_BRANCH_RO);
	CHECK(std::string(ufs_options_mode_change_path(o.opts, 1)) == "/x=y");
	CHECK(ufs_options_mode_change_mode(o.opts, 1) == UFS_BRANCH_NFSRO);
	CHECK(ufs_options_incgen(o.opts) == 1);
	CHECK(ufs_options_mode_change_path(o.opts, 2) == nullptr);
	CHECK(ufs_options_branch_count(o.opts) == 0);
}

TEST_CASE("options: bad mode= values and add=/del= are refused with a reason")
{
	Options o;

	REQUIRE(o.parse("mode", nullptr) == -UFS_EINVAL);
	CHECK(std::string(o.msg) == "mode= needs a value: mode=BRANCH=rw|ro|nfsro");
	REQUIRE(o.parse("mode", "/a") == -UFS_EINVAL);
	CHECK(std::string(o.msg) == "mode=/a: want mode=BRANCH=rw|ro|nfsro");
	REQUIRE(o.parse("mode", "=ro") == -UFS_EINVAL);
	CHECK(std::string(o.msg) == "mode==ro: want mode=BRANCH=rw|ro|nfsro");
	REQUIRE(o.parse("mode", "/a=rx") == -UFS_EINVAL);
	CHECK(std::string(o.msg) == "unknown branch mode 'rx' for /a");
	REQUIRE(o.parse("add", ":/new") == -UFS_EINVAL);
	CHECK(std::string(o.msg) ==
	      "add=: adding or removing branches of a mounted union is not supported yet");
	REQUIRE(o.parse("del", "/b") == -UFS_EINVAL);
	CHECK(std::string(o.msg) ==
	      "del=: adding or removing branches of a mounted union is not supported yet");
	CHECK(ufs_options_mode_change_count(o.opts) == 0);
	CHECK(ufs_options_incgen(o.opts) == 0);
}
