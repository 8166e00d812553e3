// SPDX-License-Identifier: GPL-2.0
/*
 * names_test.cpp - names with spaces, newlines, leading dashes, backslashes
 * and bytes that are not UTF-8, in the trees and on the command line; and
 * how the whiteout names (the core's) are read.
 */
#include <catch2/catch.hpp>

#include <unistd.h>

#include "helpers.h"
#include "tree.h"
#include "whiteouts.h"

using namespace test_tree;

namespace {

const std::vector<std::string> kHostile = {
	"with space", "new\nline", "-rf", "--help", "-", "\xff\xfe not utf-8", "back\\slash",
	"tab\there", "\xe2\x9c\x93 utf-8", "*", "'quote\"", "\x1b[31mred", " leading space",
};

} /* namespace */

TEST_CASE("hostile names are copied, merged and whited out like any other")
{
	Tree base, snap, expected;

	for (const std::string &name : kHostile) {
		base.push_back(file(name, "old " + name));
		base.push_back(file("gone " + name, "old"));
		base.push_back(dir("dir " + name));
		base.push_back(file("dir " + name + "/" + name, "inside"));
		snap.push_back(file(name, "new " + name));
		snap.push_back(whiteout(".wh.gone " + name));
		snap.push_back(dir("dir " + name));
		snap.push_back(whiteout("dir " + name + "/.wh." + name));
		snap.push_back(dir("fresh " + name));
		snap.push_back(symlink_to("fresh " + name + "/" + name, name));
		expected.push_back(file(name, "new " + name));
		expected.push_back(dir("dir " + name));
		expected.push_back(dir("fresh " + name));
		expected.push_back(symlink_to("fresh " + name + "/" + name, name));
	}
	test_run::merge_case(base, snap, expected);
}

TEST_CASE("the longest names work; a name too long for a whiteout cannot be whited out")
{
	std::string longest(255, 'n');
	std::string longest_whiteable = std::string(251, 'w');

	REQUIRE(snapmerge::whiteout_name(longest_whiteable));
	CHECK(!snapmerge::whiteout_name(longest_whiteable + "w"));
	test_run::merge_case({file(longest, "old"), file(longest_whiteable, "old")},
			     {file(longest, "new"), whiteout(".wh." + longest_whiteable)},
			     {file(longest, "new")});
}

TEST_CASE("base and snapshot paths with spaces, newlines and leading dashes work on the command line")
{
	Scratch scratch;
	std::string base = scratch.make_dir("-base with space");
	std::string snap = scratch.make_dir("--snap\nshot");

	build(base, {file("a", "old")});
	build(snap, {file("a", "new")});
	test_run::Result result = test_run::run({"--no-sync", "--", base, snap});

	INFO(result.err);
	CHECK(result.code == 0);
	CHECK(read_contents(base + "/a") == "new");
	CHECK(result.out.find("-base\\040with\\040space") != std::string::npos);

	/* Relative names starting with a dash, after "--" and without it. */
	build(snap, {file("b", "b")});
	char cwd[4096];

	REQUIRE(::getcwd(cwd, sizeof(cwd)));
	REQUIRE(::chdir(scratch.path().c_str()) == 0);
	test_run::Result relative =
		test_run::run({"-q", "--no-sync", "--keep", "--", "-base with space", "--snap\nshot"});
	test_run::Result dotted =
		test_run::run({"-q", "--no-sync", "./-base with space", "./--snap\nshot"});

	REQUIRE(::chdir(cwd) == 0);
	INFO(relative.err << dotted.err);
	CHECK(relative.code == 0);
	CHECK(dotted.code == 0);
	CHECK(read_contents(base + "/b") == "b");
	CHECK(names_in(snap).empty());
}

TEST_CASE("dry-run and verbose output print every name as one unambiguous word")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(snap, {file("new\nline"), file("with space"), file("\xff"), file("back\\slash"),
		     file("\xe2\x9c\x93"), file("\x1b")});
	test_run::Result result = test_run::run({"--dry-run", base, snap});

	REQUIRE(result.code == 0);
	CHECK(result.out.find("copy new\\012line\n") != std::string::npos);
	CHECK(result.out.find("copy with\\040space\n") != std::string::npos);
	CHECK(result.out.find("copy \\377\n") != std::string::npos);
	CHECK(result.out.find("copy back\\134slash\n") != std::string::npos);
	CHECK(result.out.find("copy \xe2\x9c\x93\n") != std::string::npos);
	CHECK(result.out.find("copy \\033\n") != std::string::npos);
}

TEST_CASE("names are read with the core's whiteout naming")
{
	using snapmerge::classify_name;
	using snapmerge::NameKind;

	CHECK(classify_name("file").kind == NameKind::kPlain);
	CHECK(classify_name(".whx").kind == NameKind::kPlain);
	CHECK(classify_name(".wh.file").kind == NameKind::kWhiteout);
	CHECK(classify_name(".wh.file").target == "file");
	CHECK(classify_name(".wh. space").target == " space");
	CHECK(classify_name(".wh.__dir_opaque").kind == NameKind::kOpaque);
	CHECK(classify_name(".wh..wh..opq").kind == NameKind::kOpaque);
	CHECK(classify_name(".wh..wh.x").kind == NameKind::kInert);
	CHECK(classify_name(".wh.").kind == NameKind::kInert);
	CHECK(classify_name(".wh..").kind == NameKind::kInert);
	CHECK(snapmerge::whiteout_name("x") == std::optional<std::string>(".wh.x"));
	CHECK(snapmerge::is_temp_name(snapmerge::temp_name()));
	CHECK(snapmerge::temp_name() != snapmerge::temp_name());
	CHECK(snapmerge::classify_name(snapmerge::temp_name()).kind == NameKind::kInert);
	CHECK(snapmerge::classify_name(snapmerge::done_marker_name()).kind == NameKind::kInert);
	CHECK(!snapmerge::is_temp_name(snapmerge::done_marker_name()));
}
