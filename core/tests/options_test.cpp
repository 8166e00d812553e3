// SPDX-License-Identifier: GPL-2.0
/*
 * options_test.cpp - mount option parsing: every spelling and every error.
 */
#include <cstring>
#include <optional>
#include <ostream>
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

/* One remount change as the API reports it; no anchor = NULL. */
struct Change {
	ufs_branch_change_kind kind;
	std::string path;
	std::optional<std::string> anchor;
	ufs_branch_mode mode;

	bool operator==(const Change &) const = default;
};

using Changes = std::vector<Change>;

std::ostream &operator<<(std::ostream &out, const Change &change)
{
	static const char *const kKinds[] = {"mode", "add", "del"};

	out << "{" << kKinds[change.kind] << " '" << change.path << "' anchor ";
	if (change.anchor)
		out << "'" << *change.anchor << "'";
	else
		out << "NULL";
	return out << " " << ufs_branch_mode_name(change.mode) << "}";
}

Changes changes_of(const ufs_options *opts)
{
	Changes list;

	for (unsigned i = 0; i < ufs_options_change_count(opts); ++i) {
		const char *anchor = ufs_options_change_anchor(opts, i);

		list.push_back({ufs_options_change_kind(opts, i), ufs_options_change_path(opts, i),
				anchor ? std::optional<std::string>(anchor) : std::nullopt,
				ufs_options_change_mode(opts, i)});
	}
	return list;
}

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

TEST_CASE("options: remount add= at the top, before a branch, or at the bottom")
{
	struct Case {
		const char *value;
		Change change;
	};
	const std::vector<Case> cases = {
		{"/new", {UFS_CHANGE_ADD, "/new", std::nullopt, UFS_BRANCH_RW}},
		{"/new=rw", {UFS_CHANGE_ADD, "/new", std::nullopt, UFS_BRANCH_RW}},
		{"/new=ro", {UFS_CHANGE_ADD, "/new", std::nullopt, UFS_BRANCH_RO}},
		{"/new=nfsro", {UFS_CHANGE_ADD, "/new", std::nullopt, UFS_BRANCH_NFSRO}},
		{"/before:/new", {UFS_CHANGE_ADD, "/new", "/before", UFS_BRANCH_RW}},
		{"/snaps/1:/snaps/2=ro", {UFS_CHANGE_ADD, "/snaps/2", "/snaps/1", UFS_BRANCH_RO}},
		{":/new", {UFS_CHANGE_ADD, "/new", "", UFS_BRANCH_RW}},
		{":/new=nfsro", {UFS_CHANGE_ADD, "/new", "", UFS_BRANCH_NFSRO}},
		/* as in dirs=, the mode follows the last '=' */
		{"/x=y=ro", {UFS_CHANGE_ADD, "/x=y", std::nullopt, UFS_BRANCH_RO}},
		{"/b:/x=y=rw", {UFS_CHANGE_ADD, "/x=y", "/b", UFS_BRANCH_RW}},
		{"/", {UFS_CHANGE_ADD, "/", std::nullopt, UFS_BRANCH_RW}},
	};

	for (const Case &c : cases) {
		Options o;

		INFO("add=" << c.value);
		REQUIRE(o.parse("add", c.value) == 0);
		CHECK(std::string(o.msg) == kUntouched);
		CHECK(changes_of(o.opts) == Changes{c.change});
		CHECK(ufs_options_branch_count(o.opts) == 0);
	}
}

TEST_CASE("options: add='s anchor is NULL for the top and \"\" for the bottom")
{
	Options o;

	REQUIRE(o.parse("add", "/top") == 0);
	REQUIRE(o.parse("add", ":/bottom") == 0);
	REQUIRE(o.parse("add", "/top:/second") == 0);
	CHECK(ufs_options_change_anchor(o.opts, 0) == nullptr);
	REQUIRE(ufs_options_change_anchor(o.opts, 1) != nullptr);
	CHECK(ufs_options_change_anchor(o.opts, 1)[0] == '\0');
	REQUIRE(ufs_options_change_anchor(o.opts, 2) != nullptr);
	CHECK(std::string(ufs_options_change_anchor(o.opts, 2)) == "/top");
}

TEST_CASE("options: remount's del= and mode= changes and incgen")
{
	Options o;

	CHECK(ufs_options_incgen(o.opts) == 0);
	REQUIRE(o.parse("mode", "/snaps/0=ro") == 0);
	REQUIRE(o.parse("mode", "/x=y=nfsro") == 0);	/* the mode follows the last '=' */
	REQUIRE(o.parse("del", "/old") == 0);
	REQUIRE(o.parse("mode", "/b=rw") == 0);
	REQUIRE(o.parse("incgen", nullptr) == 0);
	CHECK(changes_of(o.opts) == Changes{{UFS_CHANGE_MODE, "/snaps/0", std::nullopt, UFS_BRANCH_RO},
					    {UFS_CHANGE_MODE, "/x=y", std::nullopt, UFS_BRANCH_NFSRO},
					    {UFS_CHANGE_DEL, "/old", std::nullopt, UFS_BRANCH_RW},
					    {UFS_CHANGE_MODE, "/b", std::nullopt, UFS_BRANCH_RW}});
	CHECK(ufs_options_incgen(o.opts) == 1);
	CHECK(ufs_options_branch_count(o.opts) == 0);
}

TEST_CASE("options: remount changes of every kind stay in the order given")
{
	Options o;

	/* "dirs=/a:/b,del=/a,add=/a=ro,mode=/b=ro,add=:/c,add=/b:/d=nfsro,del=/c" */
	REQUIRE(feed(o, {{"dirs", "/a:/b"},
			 {"del", "/a"},
			 {"add", "/a=ro"},
			 {"mode", "/b=ro"},
			 {"add", ":/c"},
			 {"add", "/b:/d=nfsro"},
			 {"del", "/c"}}) == 0);
	CHECK(changes_of(o.opts) == Changes{{UFS_CHANGE_DEL, "/a", std::nullopt, UFS_BRANCH_RW},
					    {UFS_CHANGE_ADD, "/a", std::nullopt, UFS_BRANCH_RO},
					    {UFS_CHANGE_MODE, "/b", std::nullopt, UFS_BRANCH_RO},
					    {UFS_CHANGE_ADD, "/c", "", UFS_BRANCH_RW},
					    {UFS_CHANGE_ADD, "/d", "/b", UFS_BRANCH_NFSRO},
					    {UFS_CHANGE_DEL, "/c", std::nullopt, UFS_BRANCH_RW}});
	/* the changes leave the branch list alone, and the other way round */
	CHECK(o.branches() == Branches{{"/a", UFS_BRANCH_RW}, {"/b", UFS_BRANCH_RW}});
	/* a rejected change is not added and does not disturb the others */
	REQUIRE(o.parse("add", "/x:/y:/z") == -UFS_EINVAL);
	REQUIRE(o.parse("del", "/a=ro") == -UFS_EINVAL);
	REQUIRE(o.parse("mode", "/b") == -UFS_EINVAL);
	REQUIRE(ufs_options_change_count(o.opts) == 6);
	REQUIRE(o.parse("del", "/d") == 0);
	REQUIRE(ufs_options_change_count(o.opts) == 7);
	CHECK(changes_of(o.opts).back() == Change{UFS_CHANGE_DEL, "/d", std::nullopt, UFS_BRANCH_RW});
}

TEST_CASE("options: show_options' octal escapes are decoded in every branch path")
{
	Options o;

	/* seq_path() escapes ",:= \t\n\\" as '\' and three octal digits */
	REQUIRE(o.parse("dirs", "/a\\072b=ro:/c\\054d\\075e:/\\134x") == 0);
	CHECK(o.branches() == Branches{{"/a:b", UFS_BRANCH_RO},
				       {"/c,d=e", UFS_BRANCH_RW},
				       {"/\\x", UFS_BRANCH_RW}});
	REQUIRE(o.parse("/f\\040g", "nfsro") == 0);	/* "dirs=...,/f\040g=nfsro" */
	CHECK(o.branches().back() == std::pair<std::string, ufs_branch_mode>{"/f g", UFS_BRANCH_NFSRO});

	REQUIRE(o.parse("add", "/a\\072b:/new\\011tab=ro") == 0);
	/* an escaped ':' or '=' splits nothing */
	REQUIRE(o.parse("add", "/p\\072q\\072r") == 0);
	REQUIRE(o.parse("del", "/x\\075ro") == 0);
	REQUIRE(o.parse("mode", "/n\\012l\\134=nfsro") == 0);
	REQUIRE(o.parse("add", ":/\\057z") == 0);
	CHECK(changes_of(o.opts) == Changes{{UFS_CHANGE_ADD, "/new\ttab", "/a:b", UFS_BRANCH_RO},
					    {UFS_CHANGE_ADD, "/p:q:r", std::nullopt, UFS_BRANCH_RW},
					    {UFS_CHANGE_DEL, "/x=ro", std::nullopt, UFS_BRANCH_RW},
					    {UFS_CHANGE_MODE, "/n\nl\\", std::nullopt, UFS_BRANCH_NFSRO},
					    {UFS_CHANGE_ADD, "//z", "", UFS_BRANCH_RW}});
}

TEST_CASE("options: a backslash that starts no octal escape is kept")
{
	Options o;

	/* not three octal digits, or past \377 */
	REQUIRE(o.parse("dirs", "/a\\b:/c\\08:/d\\400:/e\\07:/f\\") == 0);
	CHECK(o.branches() == Branches{{"/a\\b", UFS_BRANCH_RW},
				       {"/c\\08", UFS_BRANCH_RW},
				       {"/d\\400", UFS_BRANCH_RW},
				       {"/e\\07", UFS_BRANCH_RW},
				       {"/f\\", UFS_BRANCH_RW}});
	REQUIRE(o.parse("del", "/g\\1234") == 0);	/* \123 is 'S', then a '4' */
	CHECK(changes_of(o.opts) == Changes{{UFS_CHANGE_DEL, "/gS4", std::nullopt, UFS_BRANCH_RW}});
}

TEST_CASE("options: duplicates and the length limit count decoded paths")
{
	{
		Options o;

		REQUIRE(o.parse("dirs", "/a:/\\141") == -UFS_EINVAL);
		CHECK(std::string(o.msg) == "branch /\\141 listed twice");
	}
	{
		/* 4095 bytes once decoded, though longer as written */
		std::string longest = "/" + std::string(4093, 'p') + "\\072";
		Options o;

		REQUIRE(o.parse("dirs", (longest + "=ro").c_str()) == 0);
		REQUIRE(std::strlen(ufs_options_branch_path(o.opts, 0)) == 4095);
		REQUIRE(o.parse("add", (longest + "q").c_str()) == -UFS_EINVAL);
		CHECK(std::string(o.msg) == "branch path too long");
		REQUIRE(o.parse("add", (":" + longest).c_str()) == 0);
		REQUIRE(std::strlen(ufs_options_change_path(o.opts, 0)) == 4095);
		REQUIRE(o.parse("add", (longest + "q:/new").c_str()) == -UFS_EINVAL);
		CHECK(std::string(o.msg) == "branch path too long");
		REQUIRE(ufs_options_change_count(o.opts) == 1);
	}
}

TEST_CASE("options: bad remount changes are refused, each with its reason")
{
	struct Case {
		const char *key;
		const char *value;
		std::string message;
	};
	const std::string add_usage = " (want add=[BEFORE:]BRANCH[=rw|ro|nfsro])";
	const std::string del_usage = " (want del=BRANCH)";
	const std::string mode_usage = " (want mode=BRANCH=rw|ro|nfsro)";
	const std::string long_path = "/" + std::string(4095, 'p');
	const std::vector<Case> cases = {
		/* no value */
		{"add", nullptr, "add= needs a value: add=[BEFORE:]BRANCH[=rw|ro|nfsro]"},
		{"add", "", "add= needs a value: add=[BEFORE:]BRANCH[=rw|ro|nfsro]"},
		{"del", nullptr, "del= needs a value: del=BRANCH"},
		{"del", "", "del= needs a value: del=BRANCH"},
		{"mode", nullptr, "mode= needs a value: mode=BRANCH=rw|ro|nfsro"},
		{"mode", "", "mode= needs a value: mode=BRANCH=rw|ro|nfsro"},
		/* an empty path */
		{"add", "=ro", "add==ro: empty branch path" + add_usage},
		{"add", ":", "add=:: empty branch path" + add_usage},
		{"add", ":=ro", "add=:=ro: empty branch path" + add_usage},
		{"add", "/a:", "add=/a:: empty branch path" + add_usage},
		{"add", "=ro:/new", "add==ro:/new: empty branch path" + add_usage},
		{"del", "=", "del==: empty branch path" + del_usage},
		{"mode", "=ro", "mode==ro: empty branch path" + mode_usage},
		/* a relative path */
		{"add", "new", "add=new: new is not an absolute path"},
		{"add", "./new=ro", "add=./new=ro: ./new is not an absolute path"},
		{"add", ":new", "add=:new: new is not an absolute path"},
		{"add", "before:/new", "add=before:/new: before is not an absolute path"},
		{"add", "/before:new", "add=/before:new: new is not an absolute path"},
		{"del", "b", "del=b: b is not an absolute path"},
		{"del", "\\040/b", "del=\\040/b: \\040/b is not an absolute path"},
		{"mode", "../b=ro", "mode=../b=ro: ../b is not an absolute path"},
		/* an unknown mode */
		{"add", "/new=rx", "unknown branch mode 'rx' for /new"},
		{"add", "/new=RO", "unknown branch mode 'RO' for /new"},
		{"add", "/new=", "unknown branch mode '' for /new"},
		{"add", "/a:/new=r", "unknown branch mode 'r' for /new"},
		{"mode", "/a=rx", "unknown branch mode 'rx' for /a"},
		{"mode", "/a=", "unknown branch mode '' for /a"},
		/* a mode where none goes */
		{"del", "/b=ro", "del=/b=ro: /b takes no mode" + del_usage},
		{"del", "/b=rx", "del=/b=rx: /b takes no mode" + del_usage},
		{"del", "/b=", "del=/b=: /b takes no mode" + del_usage},
		{"add", "/a=ro:/new", "add=/a=ro:/new: /a takes no mode" + add_usage},
		/* no mode where one must go */
		{"mode", "/a", "mode=/a: want mode=BRANCH=rw|ro|nfsro"},
		/* more than one ':' */
		{"add", "/a:/b:/c", "add=/a:/b:/c: more than one ':'" + add_usage},
		{"add", "::/c", "add=::/c: more than one ':'" + add_usage},
		{"add", "/a:/b=ro:", "add=/a:/b=ro:: more than one ':'" + add_usage},
		/* a NUL byte, which would cut the path short */
		{"del", "/a\\000b", "NUL byte (\\000) in branch path /a\\000b"},
		{"add", "/a\\000:/b", "NUL byte (\\000) in branch path /a\\000"},
		/* too long */
		{"del", long_path.c_str(), "branch path too long"},
	};

	for (const Case &c : cases) {
		Options o;

		INFO(c.key << "=" << (c.value ? c.value : "(null)") << " expected: " << c.message);
		REQUIRE(o.parse(c.key, c.value) == -UFS_EINVAL);
		CHECK(std::string(o.msg) == c.message);
		CHECK(ufs_options_change_count(o.opts) == 0);
	}
}

TEST_CASE("options: a NUL byte is refused in dirs= too")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a:/b\\000") == -UFS_EINVAL);
	CHECK(std::string(o.msg) == "NUL byte (\\000) in branch path /b\\000");
	CHECK(ufs_options_branch_count(o.opts) == 0);
}

TEST_CASE("options: out-of-range change queries are harmless")
{
	Options o;

	REQUIRE(o.parse("del", "/a") == 0);
	REQUIRE(o.parse("mode", "/b=ro") == 0);
	/* only add= has an anchor */
	CHECK(ufs_options_change_anchor(o.opts, 0) == nullptr);
	CHECK(ufs_options_change_anchor(o.opts, 1) == nullptr);
	CHECK(ufs_options_change_path(o.opts, 2) == nullptr);
	CHECK(ufs_options_change_anchor(o.opts, 2) == nullptr);
	CHECK(ufs_options_change_kind(o.opts, 2) == UFS_CHANGE_MODE);
	CHECK(ufs_options_change_mode(o.opts, 2) == UFS_BRANCH_RW);
	CHECK(ufs_options_change_count(nullptr) == 0);
	CHECK(ufs_options_change_path(nullptr, 0) == nullptr);
	CHECK(ufs_options_change_anchor(nullptr, 0) == nullptr);
	CHECK(ufs_options_incgen(nullptr) == 0);
}

TEST_CASE("options: every allocation failure in a change is ENOMEM and changes nothing")
{
	ufs_options *opts = nullptr;
	auto attempt = [&]() -> int {
		opts = ufs_options_create();
		if (!opts)
			return -UFS_ENOMEM;
		const Param params[] = {{"add", "/a\\072b:/new=ro"}, {"del", "/old"},
					{"mode", "/b=nfsro"}, {"add", ":/c"}};
		unsigned expected_count = 0;

		for (const Param &p : params) {
			unsigned before = ufs_options_change_count(opts);
			int ret = ufs_options_parse(opts, p.key, p.value, nullptr, 0);

			if (ret) {
				REQUIRE(ufs_options_change_count(opts) == before);
				return ret;
			}
			expected_count = ufs_options_change_count(opts);
		}
		REQUIRE(expected_count == 4);
		REQUIRE(changes_of(opts) == Changes{{UFS_CHANGE_ADD, "/new", "/a:b", UFS_BRANCH_RO},
						    {UFS_CHANGE_DEL, "/old", std::nullopt, UFS_BRANCH_RW},
						    {UFS_CHANGE_MODE, "/b", std::nullopt, UFS_BRANCH_NFSRO},
						    {UFS_CHANGE_ADD, "/c", "", UFS_BRANCH_RW}});
		return 0;
	};
	auto cleanup = [&] {
		ufs_options_destroy(opts);
		opts = nullptr;
	};

	REQUIRE(test_env::check_every_allocation_failure(attempt, cleanup) > 0);
}
