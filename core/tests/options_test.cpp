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
#include "uni_core.h"

namespace {

constexpr const char *kUntouched = "untouched";

/* One uni_options and the message buffer the kernel side would pass. */
struct Options {
	uni_options *opts = uni_options_create();
	char msg[256];

	Options() { REQUIRE(opts); }
	~Options() { uni_options_destroy(opts); }

	int parse(const char *key, const char *value)
	{
		std::strcpy(msg, kUntouched);
		return uni_options_parse(opts, key, value, msg, sizeof(msg));
	}

	int validate()
	{
		std::strcpy(msg, kUntouched);
		return uni_options_validate(opts, msg, sizeof(msg));
	}

	std::vector<std::pair<std::string, uni_branch_mode>> branches() const
	{
		std::vector<std::pair<std::string, uni_branch_mode>> list;

		for (unsigned i = 0; i < uni_options_branch_count(opts); ++i)
			list.emplace_back(uni_options_branch_path(opts, i),
					  uni_options_branch_mode(opts, i));
		return list;
	}
};

using Branches = std::vector<std::pair<std::string, uni_branch_mode>>;

/* One remount change as the API reports it; no anchor = NULL. */
struct Change {
	uni_branch_change_kind kind;
	std::string path;
	std::optional<std::string> anchor;
	uni_branch_mode mode;

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
	return out << " " << uni_branch_mode_name(change.mode) << "}";
}

Changes changes_of(const uni_options *opts)
{
	Changes list;

	for (unsigned i = 0; i < uni_options_change_count(opts); ++i) {
		const char *anchor = uni_options_change_anchor(opts, i);

		list.push_back({uni_options_change_kind(opts, i), uni_options_change_path(opts, i),
				anchor ? std::optional<std::string>(anchor) : std::nullopt,
				uni_options_change_mode(opts, i)});
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
	REQUIRE(o.branches() == Branches{{"/a", UNI_BRANCH_RW},
					 {"/b", UNI_BRANCH_RO},
					 {"/c", UNI_BRANCH_NFSRO},
					 {"/d", UNI_BRANCH_RW}});
	REQUIRE(o.validate() == 0);
	REQUIRE(std::string(o.msg) == kUntouched);
}

TEST_CASE("options: a single branch")
{
	Options o;

	REQUIRE(o.parse("dirs", "/only") == 0);
	REQUIRE(o.branches() == Branches{{"/only", UNI_BRANCH_RW}});
}

TEST_CASE("options: comma spelling dirs=/a,/b=ro continues the branch list")
{
	Options o;

	REQUIRE(feed(o, {{"dirs", "/alcid"}, {"/penguin", "ro"}, {"/c", nullptr}}) == 0);
	REQUIRE(o.branches() == Branches{{"/alcid", UNI_BRANCH_RW},
					 {"/penguin", UNI_BRANCH_RO},
					 {"/c", UNI_BRANCH_RW}});
}

TEST_CASE("options: comma and colon spellings mix")
{
	Options o;

	/* "dirs=/a:/b=ro,/c=nfsro:/d" as the kernel splits it */
	REQUIRE(feed(o, {{"dirs", "/a:/b=ro"}, {"/c", "nfsro:/d"}}) == 0);
	REQUIRE(o.branches() == Branches{{"/a", UNI_BRANCH_RW},
					 {"/b", UNI_BRANCH_RO},
					 {"/c", UNI_BRANCH_NFSRO},
					 {"/d", UNI_BRANCH_RW}});
}

TEST_CASE("options: relative branch paths are kept for the kernel to resolve")
{
	Options o;

	REQUIRE(o.parse("dirs", "upper:../lower=ro:./x") == 0);
	REQUIRE(o.branches() == Branches{{"upper", UNI_BRANCH_RW},
					 {"../lower", UNI_BRANCH_RO},
					 {"./x", UNI_BRANCH_RW}});
}

TEST_CASE("options: the mode follows the last '=' so a path may contain '='")
{
	Options o;

	/* "dirs=/x=y=ro,/p=q=nfsro,/r=s=rw"; such a path needs an explicit mode */
	REQUIRE(feed(o, {{"dirs", "/x=y=ro"}, {"/p", "q=nfsro"}, {"/r", "s=rw"}}) == 0);
	REQUIRE(o.branches() == Branches{{"/x=y", UNI_BRANCH_RO},
					 {"/p=q", UNI_BRANCH_NFSRO},
					 {"/r=s", UNI_BRANCH_RW}});
}

TEST_CASE("options: delete= modes, default all, last one wins")
{
	Options o;

	REQUIRE(uni_options_delete_mode(o.opts) == UNI_DELETE_ALL);
	REQUIRE(o.parse("delete", "whiteout") == 0);
	REQUIRE(uni_options_delete_mode(o.opts) == UNI_DELETE_WHITEOUT);
	REQUIRE(o.parse("delete", "first") == 0);
	REQUIRE(uni_options_delete_mode(o.opts) == UNI_DELETE_FIRST);
	REQUIRE(o.parse("delete", "all") == 0);
	REQUIRE(uni_options_delete_mode(o.opts) == UNI_DELETE_ALL);
	/* delete= may come before dirs= */
	REQUIRE(o.parse("dirs", "/a") == 0);
	REQUIRE(o.validate() == 0);
}

TEST_CASE("options: mode names for show_options")
{
	REQUIRE(std::string(uni_branch_mode_name(UNI_BRANCH_RW)) == "rw");
	REQUIRE(std::string(uni_branch_mode_name(UNI_BRANCH_RO)) == "ro");
	REQUIRE(std::string(uni_branch_mode_name(UNI_BRANCH_NFSRO)) == "nfsro");
	REQUIRE(std::string(uni_delete_mode_name(UNI_DELETE_ALL)) == "all");
	REQUIRE(std::string(uni_delete_mode_name(UNI_DELETE_WHITEOUT)) == "whiteout");
	REQUIRE(std::string(uni_delete_mode_name(UNI_DELETE_FIRST)) == "first");
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
		REQUIRE(feed(o, c.params) == -UNI_EINVAL);
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
		REQUIRE(uni_options_branch_count(o.opts) == 128);
		REQUIRE(o.parse("/extra", nullptr) == -UNI_EINVAL);
		REQUIRE(std::string(o.msg) == "too many branches (max 128)");
		REQUIRE(uni_options_branch_count(o.opts) == 128);
	}
	{
		Options o;

		REQUIRE(o.parse("dirs", list(129).c_str()) == -UNI_EINVAL);
		REQUIRE(std::string(o.msg) == "too many branches (max 128)");
		REQUIRE(uni_options_branch_count(o.opts) == 0);
	}
}

TEST_CASE("options: a branch path is shorter than PATH_MAX")
{
	std::string longest = "/" + std::string(4094, 'p');
	std::string too_long = longest + "p";
	Options o;

	REQUIRE(o.parse("dirs", too_long.c_str()) == -UNI_EINVAL);
	REQUIRE(std::string(o.msg) == "branch path too long");
	REQUIRE(o.parse("dirs", (longest + "=ro").c_str()) == 0);
	REQUIRE(uni_options_branch_count(o.opts) == 1);
	REQUIRE(std::strlen(uni_options_branch_path(o.opts, 0)) == 4095);
}

TEST_CASE("options: a rejected option changes nothing")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a:/b:/c=bad") == -UNI_EINVAL);
	REQUIRE(uni_options_branch_count(o.opts) == 0);
	/* dirs= was not taken, so a corrected one is accepted */
	REQUIRE(o.parse("dirs", "/a:/b") == 0);
	REQUIRE(o.parse("/c", "ro:/d=bad") == -UNI_EINVAL);
	REQUIRE(o.branches() == Branches{{"/a", UNI_BRANCH_RW}, {"/b", UNI_BRANCH_RW}});
	REQUIRE(o.parse("delete", "bogus") == -UNI_EINVAL);
	REQUIRE(uni_options_delete_mode(o.opts) == UNI_DELETE_ALL);
}

TEST_CASE("options: unknown keys are left to the caller, message untouched")
{
	Options o;

	for (const char *key : {"ro", "rw", "source", "dir", "Dirs", "", "relative/path", "debug"}) {
		INFO("key " << key);
		REQUIRE(o.parse(key, nullptr) == -UNI_ENOENT);
		REQUIRE(std::string(o.msg) == kUntouched);
		REQUIRE(o.parse(key, "x") == -UNI_ENOENT);
		REQUIRE(std::string(o.msg) == kUntouched);
	}
	REQUIRE(o.parse("dirs", "/a") == 0);
	REQUIRE(o.parse("relative", nullptr) == -UNI_ENOENT);
	REQUIRE(uni_options_branch_count(o.opts) == 1);
}

TEST_CASE("options: validate requires branches")
{
	Options o;

	REQUIRE(o.validate() == -UNI_EINVAL);
	REQUIRE(std::string(o.msg) == "no branches: dirs= is required");
	REQUIRE(o.parse("delete", "first") == 0);
	REQUIRE(o.validate() == -UNI_EINVAL);
	REQUIRE(o.parse("dirs", "/a=ro") == 0);
	REQUIRE(o.validate() == 0);
}

TEST_CASE("options: messages are truncated to the buffer and NUL-terminated")
{
	Options o;
	char small[10];

	std::memset(small, 'x', sizeof(small));
	REQUIRE(uni_options_parse(o.opts, "delete", "foo", small, sizeof(small)) == -UNI_EINVAL);
	REQUIRE(std::string(small) == "unknown d");
	REQUIRE(uni_options_parse(o.opts, "delete", "foo", small, 1) == -UNI_EINVAL);
	REQUIRE(small[0] == '\0');
	REQUIRE(uni_options_parse(o.opts, "delete", "foo", nullptr, 0) == -UNI_EINVAL);
	REQUIRE(uni_options_validate(o.opts, nullptr, 0) == -UNI_EINVAL);
}

TEST_CASE("options: out-of-range queries are harmless")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a=ro") == 0);
	REQUIRE(uni_options_branch_path(o.opts, 1) == nullptr);
	REQUIRE(uni_options_branch_mode(o.opts, 1) == UNI_BRANCH_RW);
	REQUIRE(uni_options_parse(nullptr, "dirs", "/a", nullptr, 0) == -UNI_EINVAL);
	REQUIRE(uni_options_parse(o.opts, nullptr, "/a", nullptr, 0) == -UNI_EINVAL);
	uni_options_destroy(nullptr);
}

TEST_CASE("options: every allocation failure is ENOMEM and changes nothing")
{
	uni_options *opts = nullptr;
	auto attempt = [&]() -> int {
		opts = uni_options_create();
		if (!opts)
			return -UNI_ENOMEM;
		const Param params[] = {
			{"dirs", "/a:/b=ro"}, {"/c", "nfsro:/d"}, {"/e=f", "rw"}, {"delete", "first"}};
		unsigned expected_count = 0;

		for (const Param &p : params) {
			unsigned before = uni_options_branch_count(opts);
			int ret = uni_options_parse(opts, p.key, p.value, nullptr, 0);

			if (ret) {
				REQUIRE(uni_options_branch_count(opts) == before);
				return ret;
			}
			expected_count = uni_options_branch_count(opts);
		}
		REQUIRE(expected_count == 5);
		REQUIRE(std::string(uni_options_branch_path(opts, 4)) == "/e=f");
		return 0;
	};
	auto cleanup = [&] {
		uni_options_destroy(opts);
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
		{"/new", {UNI_CHANGE_ADD, "/new", std::nullopt, UNI_BRANCH_RW}},
		{"/new=rw", {UNI_CHANGE_ADD, "/new", std::nullopt, UNI_BRANCH_RW}},
		{"/new=ro", {UNI_CHANGE_ADD, "/new", std::nullopt, UNI_BRANCH_RO}},
		{"/new=nfsro", {UNI_CHANGE_ADD, "/new", std::nullopt, UNI_BRANCH_NFSRO}},
		{"/before:/new", {UNI_CHANGE_ADD, "/new", "/before", UNI_BRANCH_RW}},
		{"/snaps/1:/snaps/2=ro", {UNI_CHANGE_ADD, "/snaps/2", "/snaps/1", UNI_BRANCH_RO}},
		{":/new", {UNI_CHANGE_ADD, "/new", "", UNI_BRANCH_RW}},
		{":/new=nfsro", {UNI_CHANGE_ADD, "/new", "", UNI_BRANCH_NFSRO}},
		/* as in dirs=, the mode follows the last '=' */
		{"/x=y=ro", {UNI_CHANGE_ADD, "/x=y", std::nullopt, UNI_BRANCH_RO}},
		{"/b:/x=y=rw", {UNI_CHANGE_ADD, "/x=y", "/b", UNI_BRANCH_RW}},
		{"/", {UNI_CHANGE_ADD, "/", std::nullopt, UNI_BRANCH_RW}},
	};

	for (const Case &c : cases) {
		Options o;

		INFO("add=" << c.value);
		REQUIRE(o.parse("add", c.value) == 0);
		CHECK(std::string(o.msg) == kUntouched);
		CHECK(changes_of(o.opts) == Changes{c.change});
		CHECK(uni_options_branch_count(o.opts) == 0);
	}
}

TEST_CASE("options: add='s anchor is NULL for the top and \"\" for the bottom")
{
	Options o;

	REQUIRE(o.parse("add", "/top") == 0);
	REQUIRE(o.parse("add", ":/bottom") == 0);
	REQUIRE(o.parse("add", "/top:/second") == 0);
	CHECK(uni_options_change_anchor(o.opts, 0) == nullptr);
	REQUIRE(uni_options_change_anchor(o.opts, 1) != nullptr);
	CHECK(uni_options_change_anchor(o.opts, 1)[0] == '\0');
	REQUIRE(uni_options_change_anchor(o.opts, 2) != nullptr);
	CHECK(std::string(uni_options_change_anchor(o.opts, 2)) == "/top");
}

TEST_CASE("options: remount's del= and mode= changes and incgen")
{
	Options o;

	CHECK(uni_options_incgen(o.opts) == 0);
	REQUIRE(o.parse("mode", "/snaps/0=ro") == 0);
	REQUIRE(o.parse("mode", "/x=y=nfsro") == 0);	/* the mode follows the last '=' */
	REQUIRE(o.parse("del", "/old") == 0);
	REQUIRE(o.parse("mode", "/b=rw") == 0);
	REQUIRE(o.parse("incgen", nullptr) == 0);
	CHECK(changes_of(o.opts) == Changes{{UNI_CHANGE_MODE, "/snaps/0", std::nullopt, UNI_BRANCH_RO},
					    {UNI_CHANGE_MODE, "/x=y", std::nullopt, UNI_BRANCH_NFSRO},
					    {UNI_CHANGE_DEL, "/old", std::nullopt, UNI_BRANCH_RW},
					    {UNI_CHANGE_MODE, "/b", std::nullopt, UNI_BRANCH_RW}});
	CHECK(uni_options_incgen(o.opts) == 1);
	CHECK(uni_options_branch_count(o.opts) == 0);
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
	CHECK(changes_of(o.opts) == Changes{{UNI_CHANGE_DEL, "/a", std::nullopt, UNI_BRANCH_RW},
					    {UNI_CHANGE_ADD, "/a", std::nullopt, UNI_BRANCH_RO},
					    {UNI_CHANGE_MODE, "/b", std::nullopt, UNI_BRANCH_RO},
					    {UNI_CHANGE_ADD, "/c", "", UNI_BRANCH_RW},
					    {UNI_CHANGE_ADD, "/d", "/b", UNI_BRANCH_NFSRO},
					    {UNI_CHANGE_DEL, "/c", std::nullopt, UNI_BRANCH_RW}});
	/* the changes leave the branch list alone, and the other way round */
	CHECK(o.branches() == Branches{{"/a", UNI_BRANCH_RW}, {"/b", UNI_BRANCH_RW}});
	/* a rejected change is not added and does not disturb the others */
	REQUIRE(o.parse("add", "/x:/y:/z") == -UNI_EINVAL);
	REQUIRE(o.parse("del", "/a=ro") == -UNI_EINVAL);
	REQUIRE(o.parse("mode", "/b") == -UNI_EINVAL);
	REQUIRE(uni_options_change_count(o.opts) == 6);
	REQUIRE(o.parse("del", "/d") == 0);
	REQUIRE(uni_options_change_count(o.opts) == 7);
	CHECK(changes_of(o.opts).back() == Change{UNI_CHANGE_DEL, "/d", std::nullopt, UNI_BRANCH_RW});
}

TEST_CASE("options: show_options' octal escapes are decoded in every branch path")
{
	Options o;

	/* seq_path() escapes ",:= \t\n\\" as '\' and three octal digits */
	REQUIRE(o.parse("dirs", "/a\\072b=ro:/c\\054d\\075e:/\\134x") == 0);
	CHECK(o.branches() == Branches{{"/a:b", UNI_BRANCH_RO},
				       {"/c,d=e", UNI_BRANCH_RW},
				       {"/\\x", UNI_BRANCH_RW}});
	REQUIRE(o.parse("/f\\040g", "nfsro") == 0);	/* "dirs=...,/f\040g=nfsro" */
	CHECK(o.branches().back() == std::pair<std::string, uni_branch_mode>{"/f g", UNI_BRANCH_NFSRO});

	REQUIRE(o.parse("add", "/a\\072b:/new\\011tab=ro") == 0);
	/* an escaped ':' or '=' splits nothing */
	REQUIRE(o.parse("add", "/p\\072q\\072r") == 0);
	REQUIRE(o.parse("del", "/x\\075ro") == 0);
	REQUIRE(o.parse("mode", "/n\\012l\\134=nfsro") == 0);
	REQUIRE(o.parse("add", ":/\\057z") == 0);
	CHECK(changes_of(o.opts) == Changes{{UNI_CHANGE_ADD, "/new\ttab", "/a:b", UNI_BRANCH_RO},
					    {UNI_CHANGE_ADD, "/p:q:r", std::nullopt, UNI_BRANCH_RW},
					    {UNI_CHANGE_DEL, "/x=ro", std::nullopt, UNI_BRANCH_RW},
					    {UNI_CHANGE_MODE, "/n\nl\\", std::nullopt, UNI_BRANCH_NFSRO},
					    {UNI_CHANGE_ADD, "//z", "", UNI_BRANCH_RW}});
}

TEST_CASE("options: a backslash that starts no octal escape is kept")
{
	Options o;

	/* not three octal digits, or past \377 */
	REQUIRE(o.parse("dirs", "/a\\b:/c\\08:/d\\400:/e\\07:/f\\") == 0);
	CHECK(o.branches() == Branches{{"/a\\b", UNI_BRANCH_RW},
				       {"/c\\08", UNI_BRANCH_RW},
				       {"/d\\400", UNI_BRANCH_RW},
				       {"/e\\07", UNI_BRANCH_RW},
				       {"/f\\", UNI_BRANCH_RW}});
	REQUIRE(o.parse("del", "/g\\1234") == 0);	/* \123 is 'S', then a '4' */
	CHECK(changes_of(o.opts) == Changes{{UNI_CHANGE_DEL, "/gS4", std::nullopt, UNI_BRANCH_RW}});
}

TEST_CASE("options: duplicates and the length limit count decoded paths")
{
	{
		Options o;

		REQUIRE(o.parse("dirs", "/a:/\\141") == -UNI_EINVAL);
		CHECK(std::string(o.msg) == "branch /\\141 listed twice");
	}
	{
		/* 4095 bytes once decoded, though longer as written */
		std::string longest = "/" + std::string(4093, 'p') + "\\072";
		Options o;

		REQUIRE(o.parse("dirs", (longest + "=ro").c_str()) == 0);
		REQUIRE(std::strlen(uni_options_branch_path(o.opts, 0)) == 4095);
		REQUIRE(o.parse("add", (longest + "q").c_str()) == -UNI_EINVAL);
		CHECK(std::string(o.msg) == "branch path too long");
		REQUIRE(o.parse("add", (":" + longest).c_str()) == 0);
		REQUIRE(std::strlen(uni_options_change_path(o.opts, 0)) == 4095);
		REQUIRE(o.parse("add", (longest + "q:/new").c_str()) == -UNI_EINVAL);
		CHECK(std::string(o.msg) == "branch path too long");
		REQUIRE(uni_options_change_count(o.opts) == 1);
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
		REQUIRE(o.parse(c.key, c.value) == -UNI_EINVAL);
		CHECK(std::string(o.msg) == c.message);
		CHECK(uni_options_change_count(o.opts) == 0);
	}
}

TEST_CASE("options: a NUL byte is refused in dirs= too")
{
	Options o;

	REQUIRE(o.parse("dirs", "/a:/b\\000") == -UNI_EINVAL);
	CHECK(std::string(o.msg) == "NUL byte (\\000) in branch path /b\\000");
	CHECK(uni_options_branch_count(o.opts) == 0);
}

TEST_CASE("options: out-of-range change queries are harmless")
{
	Options o;

	REQUIRE(o.parse("del", "/a") == 0);
	REQUIRE(o.parse("mode", "/b=ro") == 0);
	/* only add= has an anchor */
	CHECK(uni_options_change_anchor(o.opts, 0) == nullptr);
	CHECK(uni_options_change_anchor(o.opts, 1) == nullptr);
	CHECK(uni_options_change_path(o.opts, 2) == nullptr);
	CHECK(uni_options_change_anchor(o.opts, 2) == nullptr);
	CHECK(uni_options_change_kind(o.opts, 2) == UNI_CHANGE_MODE);
	CHECK(uni_options_change_mode(o.opts, 2) == UNI_BRANCH_RW);
	CHECK(uni_options_change_count(nullptr) == 0);
	CHECK(uni_options_change_path(nullptr, 0) == nullptr);
	CHECK(uni_options_change_anchor(nullptr, 0) == nullptr);
	CHECK(uni_options_incgen(nullptr) == 0);
}

TEST_CASE("options: every allocation failure in a change is ENOMEM and changes nothing")
{
	uni_options *opts = nullptr;
	auto attempt = [&]() -> int {
		opts = uni_options_create();
		if (!opts)
			return -UNI_ENOMEM;
		const Param params[] = {{"add", "/a\\072b:/new=ro"}, {"del", "/old"},
					{"mode", "/b=nfsro"}, {"add", ":/c"}};
		unsigned expected_count = 0;

		for (const Param &p : params) {
			unsigned before = uni_options_change_count(opts);
			int ret = uni_options_parse(opts, p.key, p.value, nullptr, 0);

			if (ret) {
				REQUIRE(uni_options_change_count(opts) == before);
				return ret;
			}
			expected_count = uni_options_change_count(opts);
		}
		REQUIRE(expected_count == 4);
		REQUIRE(changes_of(opts) == Changes{{UNI_CHANGE_ADD, "/new", "/a:b", UNI_BRANCH_RO},
						    {UNI_CHANGE_DEL, "/old", std::nullopt, UNI_BRANCH_RW},
						    {UNI_CHANGE_MODE, "/b", std::nullopt, UNI_BRANCH_NFSRO},
						    {UNI_CHANGE_ADD, "/c", "", UNI_BRANCH_RW}});
		return 0;
	};
	auto cleanup = [&] {
		uni_options_destroy(opts);
		opts = nullptr;
	};

	REQUIRE(test_env::check_every_allocation_failure(attempt, cleanup) > 0);
}
