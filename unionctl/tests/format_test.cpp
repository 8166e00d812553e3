// SPDX-License-Identifier: GPL-2.0
/*
 * format_test.cpp - listings (text and JSON), modes and messages, verbatim.
 */
#include <catch2/catch.hpp>
#include <cerrno>

#include "format.h"
#include "mode.h"
#include "uapi/unionfs.h"

using namespace unionctl;

namespace {

BranchList three_branches()
{
	return BranchList{7, {
		{0, UNIONFS_BRANCH_RW, 0, "/snaps/1"},
		{1, UNIONFS_BRANCH_RO, 2, "/snaps/0"},
		{2, UNIONFS_BRANCH_NFSRO, 0, "/usr"},
	}};
}

} /* namespace */

TEST_CASE("modes: names, flags, parsing")
{
	CHECK(parse_mode("rw") == uint32_t(UNIONFS_BRANCH_RW));
	CHECK(parse_mode("ro") == uint32_t(UNIONFS_BRANCH_RO));
	CHECK(parse_mode("nfsro") == uint32_t(UNIONFS_BRANCH_NFSRO));
	CHECK_FALSE(parse_mode("RW"));
	CHECK_FALSE(parse_mode(""));
	CHECK_FALSE(parse_mode("r"));
	CHECK_FALSE(parse_mode("rw "));
	CHECK(std::string(mode_name(UNIONFS_BRANCH_NFSRO)) == "nfsro");
	CHECK(std::string(mode_name(9)) == "unknown");
	CHECK(mode_flags(UNIONFS_BRANCH_RW) == "rw-");
	CHECK(mode_flags(UNIONFS_BRANCH_RO) == "r--");
	CHECK(mode_flags(UNIONFS_BRANCH_NFSRO) == "r-n");
	CHECK(mode_flags(9) == "???");
}

TEST_CASE("format_list: tab, path, 1.x flags")
{
	CHECK(format_list(three_branches()) == "\t/snaps/1 (rw-)\n"
					       "\t/snaps/0 (r--)\n"
					       "\t/usr (r-n)\n");
	CHECK(format_list(BranchList{}) == "");
	/* Paths are printed as they are, spaces and all. */
	CHECK(format_list(BranchList{1, {{0, 7, 0, "/my dir"}}}) == "\t/my dir (?\?\?)\n");
}

TEST_CASE("format_query: FILE, tab, branch and flags per branch holding it")
{
	BranchList list = three_branches();

	CHECK(format_query("etc/passwd", {list.branches[1], list.branches[2]}) ==
	      "etc/passwd\t/snaps/0 (r--)\n"
	      "etc/passwd\t/usr (r-n)\n");
	CHECK(format_query("x", {}) == "");
}

TEST_CASE("format_list_json: util-linux layout")
{
	CHECK(format_list_json("/mnt/u", three_branches()) ==
	      "{\n"
	      "   \"mountpoint\": \"/mnt/u\",\n"
	      "   \"generation\": 7,\n"
	      "   \"branches\": [\n"
	      "      {\n"
	      "         \"index\": 0,\n"
	      "         \"path\": \"/snaps/1\",\n"
	      "         \"mode\": \"rw\",\n"
	      "         \"open_files\": 0\n"
	      "      },\n"
	      "      {\n"
	      "         \"index\": 1,\n"
	      "         \"path\": \"/snaps/0\",\n"
	      "         \"mode\": \"ro\",\n"
	      "         \"open_files\": 2\n"
	      "      },\n"
	      "      {\n"
	      "         \"index\": 2,\n"
	      "         \"path\": \"/usr\",\n"
	      "         \"mode\": \"nfsro\",\n"
	      "         \"open_files\": 0\n"
	      "      }\n"
	      "   ]\n"
	      "}\n");
}

TEST_CASE("format_list_json: unknown numbers (from mount options) are null")
{
	BranchList list{std::nullopt, {{0, UNIONFS_BRANCH_RO, std::nullopt, "/a"}}};

	CHECK(format_list_json("/mnt/u", list) ==
	      "{\n"
	      "   \"mountpoint\": \"/mnt/u\",\n"
	      "   \"generation\": null,\n"
	      "   \"branches\": [\n"
	      "      {\n"
	      "         \"index\": 0,\n"
	      "         \"path\": \"/a\",\n"
	      "         \"mode\": \"ro\",\n"
	      "         \"open_files\": null\n"
	      "      }\n"
	      "   ]\n"
	      "}\n");
}

TEST_CASE("format_query_json: the file, the mount point, the holders")
{
	BranchList list = three_branches();

	CHECK(format_query_json("/mnt/u/etc/passwd", "/mnt/u", {list.branches[2]}) ==
	      "{\n"
	      "   \"file\": \"/mnt/u/etc/passwd\",\n"
	      "   \"mountpoint\": \"/mnt/u\",\n"
	      "   \"branches\": [\n"
	      "      {\n"
	      "         \"index\": 2,\n"
	      "         \"path\": \"/usr\",\n"
	      "         \"mode\": \"nfsro\",\n"
	      "         \"open_files\": 0\n"
	      "      }\n"
	      "   ]\n"
	      "}\n");
	CHECK(format_query_json("f", "/mnt/u", {}) ==
	      "{\n"
	      "   \"file\": \"f\",\n"
	      "   \"mountpoint\": \"/mnt/u\",\n"
	      "   \"branches\": []\n"
	      "}\n");
}

TEST_CASE("json_string escapes what JSON needs escaped, and nothing else")
{
	CHECK(json_string("/plain/path") == "\"/plain/path\"");
	CHECK(json_string("a\"b\\c") == "\"a\\\"b\\\\c\"");
	CHECK(json_string("tab\tnl\n") == "\"tab\\tnl\\n\"");
	CHECK(json_string(std::string("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
	CHECK(json_string("caf\xc3\xa9 / space") == "\"caf\xc3\xa9 / space\"");
	CHECK(json_string("") == "\"\"");
}

TEST_CASE("messages: program, object, what, why; usage errors point to --help")
{
	CHECK(format_failure(errno_error("/mnt/u: cannot add branch /snaps/0", EBUSY)) ==
	      "unionctl: /mnt/u: cannot add branch /snaps/0: Device or resource busy\n");
	CHECK(format_failure(usage_error("--add: no directory specified")) ==
	      "unionctl: --add: no directory specified\n"
	      "Try 'unionctl --help' for more information.\n");
	CHECK(format_failure(Failure{kExitNotUnion, "/tmp/x: not on a unionfs"}) ==
	      "unionctl: /tmp/x: not on a unionfs\n");
	CHECK(format_warning("careful") == "unionctl: careful\n");
	CHECK(errno_error("x", ENOTTY).err == ENOTTY);
	CHECK(errno_error("x", ENOTTY).exit_code == kExitFailed);
	CHECK(usage_error("x").err == 0);
}

TEST_CASE("refusals: the wording follows the listing; undocumented errnos keep their text")
{
	BranchList list = three_branches();

	CHECK(remove_refusal(EBUSY, list, 1) == "2 files are open on it");
	CHECK(remove_refusal(EBUSY, list, 0) == "files are open on it");
	list.branches[0].open_files = std::nullopt;
	CHECK(remove_refusal(EBUSY, list, 0) == "files are open on it");
	CHECK(remove_refusal(EBUSY, list, 9) == "files are open on it");
	list.branches.resize(1);
	CHECK(remove_refusal(EBUSY, list, 0) == "it is the union's last branch");
	CHECK(remove_refusal(ENOTTY, list, 0) == "Inappropriate ioctl for device");
	CHECK(add_refusal(EBUSY, list, "", "/mnt/u") == "Device or resource busy");
	CHECK(add_refusal(EINVAL, BranchList{}, "", "/mnt/u") == "it overlaps a branch of the union or lies inside it");
	CHECK(add_refusal(EINVAL, list, "/mnt/u", "/mnt/u") == "it lies inside the union");
	CHECK(add_refusal(EINVAL, list, "/mnt/v", "/mnt/u") == "it lies inside another union (/mnt/v)");
	CHECK(add_refusal(EROFS, list, "/mnt/v", "/mnt/u") == "its filesystem is mounted read-only");
	CHECK(mode_refusal(EBUSY, 0) == "Device or resource busy");
	CHECK(mode_refusal(EROFS, 3) == "the branch's filesystem is mounted read-only");
	CHECK(kept_changing(2) == "the union's branches kept changing; gave up after 2 attempts");
}
