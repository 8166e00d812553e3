// SPDX-License-Identifier: GPL-2.0
/*
 * cli_test.cpp - the command: usage errors, refusals, warnings about
 * mounted unions, failures and their exit codes, dry run, summary.
 */
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <fstream>

#include "helpers.h"
#include "tree.h"

using namespace test_tree;
using test_run::Result;
using test_run::run;

namespace {

bool contains(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

/* Refused with exit code 3 and this message, and nothing changed. */
void check_refused(const std::vector<std::string> &args, const std::string &message,
		   const std::vector<std::string> &unchanged)
{
	std::vector<std::string> before;

	for (const std::string &dir : unchanged)
		before.push_back(describe(dir));
	Result result = run(args);

	INFO("stderr: " << result.err);
	CHECK(result.code == 3);
	CHECK(result.err == "snapmerge: " + message + "\n");
	CHECK(result.out.empty());
	for (size_t i = 0; i < unchanged.size(); i++)
		CHECK(describe(unchanged[i]) == before[i]);
}

void set_immutable(const std::string &path, bool on)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY);
	int flags = 0;

	REQUIRE(fd >= 0);
	REQUIRE(::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0);
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	REQUIRE(::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
	::close(fd);
}

/* As the kernel's seq_path(..., ",:= \t\n\\") shows a branch in the options. */
std::string seq_escape(const std::string &path)
{
	std::string out;

	for (char c : path) {
		if (std::string(",:= \t\n\\").find(c) != std::string::npos) {
			char octal[5];

			std::snprintf(octal, sizeof(octal), "\\%03o", static_cast<unsigned char>(c));
			out += octal;
		} else {
			out += c;
		}
	}
	return out;
}

} /* namespace */

TEST_CASE("usage errors exit 2 and point to --help")
{
	struct {
		std::vector<std::string> args;
		std::string message;
	} cases[] = {
		{{}, "no base directory specified"},
		{{"/tmp"}, "no snapshot specified"},
		{{"--bogus", "/a", "/b"}, "unrecognized option '--bogus'"},
		{{"-x", "/a", "/b"}, "invalid option -- 'x'"},
		{{"-q", "-v", "/a", "/b"}, "--quiet and --verbose cannot be used together"},
		{{"--verbose", "/a", "--quiet", "/b"}, "--verbose and --quiet cannot be used together"},
	};

	for (const auto &c : cases) {
		Result result = run(c.args);

		INFO(c.message);
		CHECK(result.code == 2);
		CHECK(result.err == "snapmerge: " + c.message +
					    "\nTry 'snapmerge --help' for more information.\n");
	}
}

TEST_CASE("--help and --version print to stdout and exit 0")
{
	Result help = run({"--help"});

	CHECK(help.code == 0);
	CHECK(contains(help.out, "Usage:\n snapmerge [options] BASE SNAPSHOT...\n"));
	CHECK(contains(help.out, "--dry-run"));
	CHECK(contains(help.out, "snapmerge(8)"));
	CHECK(help.err.empty());
	Result version = run({"-V"});

	CHECK(version.code == 0);
	CHECK(contains(version.out, "snapmerge"));
}

TEST_CASE("refuses a missing or non-directory base or snapshot")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(base, {file("a")});
	build(snap, {file("a", "new"), whiteout(".wh.b")});
	std::string file_path = base + "/a";

	check_refused({scratch.path() + "/missing", snap},
		      scratch.path() + "/missing: cannot use as the base: No such file or directory",
		      {base, snap});
	check_refused({base, scratch.path() + "/missing"},
		      scratch.path() + "/missing: cannot use as the snapshot: No such file or directory",
		      {base, snap});
	check_refused({file_path, snap}, file_path + ": cannot use as the base: Not a directory",
		      {base, snap});
	check_refused({base, snap, file_path},
		      file_path + ": cannot use as the snapshot: Not a directory", {base, snap});
	check_refused({"", snap}, ": cannot use as the base: No such file or directory", {snap});
}

TEST_CASE("refuses a snapshot inside the base, the base inside a snapshot, and overlaps")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");
	std::string other = scratch.make_dir("other");

	build(base, {dir("inner"), file("inner/a")});
	build(snap, {dir("sub"), file("sub/x")});
	REQUIRE(::symlink(base.c_str(), (scratch.path() + "/base-link").c_str()) == 0);

	check_refused({base, base + "/inner"}, base + "/inner: the snapshot is inside the base " + base,
		      {base});
	check_refused({snap + "/sub", snap}, snap + "/sub: the base is inside the snapshot " + snap,
		      {snap});
	check_refused({base, base}, base + ": the snapshot is the base directory itself", {base});
	check_refused({base, scratch.path() + "/base-link"},
		      scratch.path() + "/base-link: the snapshot is the base directory itself", {base});
	check_refused({base, scratch.path() + "/base-link/inner"},
		      scratch.path() + "/base-link/inner: the snapshot is inside the base " + base, {base});
	check_refused({base, snap, snap}, snap + ": snapshot given twice", {base, snap});
	check_refused({base, snap, snap + "/sub"},
		      snap + "/sub: the snapshot overlaps the snapshot " + snap, {base, snap});
	check_refused({base, other, snap, "/"}, base + ": the base is inside the snapshot /", {base});
}

TEST_CASE("refuses a snapshot that is inside the base through a bind mount")
{
	if (!test_run::can_mount()) {
		WARN("skipped: cannot mount here");
		return;
	}
	Scratch scratch;
	std::string base = scratch.make_dir("base"), bound = scratch.make_dir("bound");

	build(base, {dir("inner"), file("inner/a")});
	REQUIRE(::mount((base + "/inner").c_str(), bound.c_str(), nullptr, MS_BIND, nullptr) == 0);
	check_refused({base, bound}, bound + ": the snapshot is inside the base " + base, {base});
	check_refused({bound, base}, bound + ": the base is inside the snapshot " + base, {base});
	::umount(bound.c_str());
}

TEST_CASE("refuses a read-only base, and a read-only snapshot unless --keep")
{
	if (!test_run::can_mount()) {
		WARN("skipped: cannot mount here");
		return;
	}
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	REQUIRE(::mount("none", snap.c_str(), "tmpfs", 0, nullptr) == 0);
	build(snap, {file("a", "new")});
	REQUIRE(::mount("none", snap.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
	check_refused({base, snap},
		      snap + ": the snapshot is on a read-only filesystem and cannot be emptied (use --keep)",
		      {base});
	CHECK(run({"-q", "--keep", base, snap}).code == 0);
	CHECK(read_contents(base + "/a") == "new");
	CHECK(run({"-q", "--dry-run", base, snap}).code == 0);
	check_refused({snap, base}, snap + ": the base is on a read-only filesystem", {base});
	::umount(snap.c_str());
}

TEST_CASE("warns when the base is a read-write branch of a mounted union, or a snapshot a branch")
{
	Scratch scratch;
	std::string base = scratch.make_dir("b a,s:e=x"), snap = scratch.make_dir("snap");
	std::string mountinfo = scratch.path() + "/mountinfo";

	build(snap, {file("f")});
	{
		std::ofstream out(mountinfo);

		out << "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		    << "50 22 0:99 / /mnt/ro\\040union rw,relatime - unionfs none rw,dirs="
		    << seq_escape(snap) << "=rw:" << seq_escape(base) << "=ro\n";
	}
	Result ro = run({"-q", "--keep", base, snap}, {}, mountinfo);

	CHECK(ro.code == 0);
	CHECK(ro.err.empty());
	Result emptying = run({"-q", base, snap}, {}, mountinfo);

	CHECK(emptying.code == 0);
	CHECK(emptying.err == "snapmerge: warning: " + snap +
				      ": the snapshot is a branch of the union mounted on "
				      "/mnt/ro\\040union; emptying it changes what the union shows\n");
	{
		std::ofstream out(mountinfo, std::ios::app);

		out << "51 22 0:98 / /mnt/rw rw - unionfs none rw,dirs=/x=rw:" << seq_escape(base)
		    << "=rw,delete=whiteout\n";
	}
	Result rw = run({"-q", "--keep", base, snap}, {}, mountinfo);

	CHECK(rw.code == 0);
	CHECK(rw.err == "snapmerge: warning: " + scratch.path() +
				"/b\\040a,s:e=x: the base is a read-write branch of the union mounted on "
				"/mnt/rw; what is written through it meanwhile may be lost or merged "
				"half-way (unmount it first)\n");
}

TEST_CASE("a failing operation exits 1, keeps the snapshot, and a re-run finishes the job")
{
	REQUIRE(test_run::is_root());
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");
	std::string expected = scratch.make_dir("expected");
	Tree snap_tree = {file("a", "new a"), dir("locked"), file("locked/new", "n"), file("z", "z")};

	build(base, {file("a", "old a"), dir("locked")});
	build(snap, snap_tree);
	build(expected, snap_tree);
	set_immutable(base + "/locked", true);
	Result failed = run({"--no-sync", base, snap});

	set_immutable(base + "/locked", false);
	INFO(failed.err);
	CHECK(failed.code == 1);
	CHECK(contains(failed.err, "snapmerge: " + base + "/locked/.wh..wh.snapmerge.tmp."));
	CHECK(contains(failed.err, ": cannot create: Operation not permitted\n"));
	CHECK(contains(failed.err, "snapmerge: " + base +
					   ": holds part of the changes (every file either old or new); "
					   "fix the cause and run the same command again to finish\n"));
	CHECK(read_contents(base + "/a") == "new a");	/* done before the failure */
	CHECK(names_in(base + "/locked").empty());
	CHECK(describe(snap).size() > 0);
	CHECK(names_in(snap).size() == 3);

	Result rerun = run({"-q", "--no-sync", base, snap});

	CHECK(rerun.code == 0);
	CHECK(describe(base) == describe(expected));
	CHECK(names_in(snap).empty());
}

TEST_CASE("the summary counts files, bytes, links, directories and deletions")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(base, {file("w"), dir("wd"), file("wd/x")});
	build(snap, {file("a", std::string(2048, 'a')), file("b", "b"), hardlink("c", "b"), dir("d"),
		     whiteout(".wh.w"), whiteout(".wh.wd"), symlink_to("l", "a")});
	Result result = run({base, snap});

	CHECK(result.code == 0);
	CHECK(result.out == "snapmerge: 1 snapshot merged into " + base +
				    ": 3 files copied (2.0 KiB, 2049 bytes), 1 hard link, "
				    "1 directory created, 2 deleted\n");
}

TEST_CASE("--dry-run prints the plan, later snapshots planned over earlier ones, and changes nothing")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), s1 = scratch.make_dir("s1"),
		    s2 = scratch.make_dir("s2");

	build(base, {file("a"), dir("d"), file("d/x"), file("t"), file(".wh..wh.snapmerge.tmp.9.9")});
	build(s1, {file("a", "new"), whiteout(".wh.t"), dir("d"), whiteout("d/.wh.x"), dir("n"),
		   file("n/f"), file("h1"), hardlink("h2", "h1")});
	build(s2, {dir("n"), whiteout("n/.wh.f"), file("t", "back"), dir("a"), file("a/in")});
	std::string before = describe(base) + describe(s1) + describe(s2);
	Result result = run({"--dry-run", base, s1, s2});

	CHECK(result.code == 0);
	CHECK(result.out == "merge " + s1 + " into " + base + "\n"
			    "clean .wh..wh.snapmerge.tmp.9.9\n"
			    "delete t\n"
			    "replace a\n"
			    "delete d/x\n"
			    "attrs d/\n"
			    "copy h1\n"
			    "link h2 => h1\n"
			    "mkdir n/\n"
			    "copy n/f\n"
			    "attrs n/\n"
			    "empty " + s1 + "\n"
			    "merge " + s2 + " into " + base + "\n"
			    "clean .wh..wh.snapmerge.tmp.9.9\n"
			    "replace a/\n"
			    "copy a/in\n"
			    "attrs a/\n"
			    "delete n/f\n"
			    "attrs n/\n"
			    "copy t\n"
			    "empty " + s2 + "\n"
			    "snapmerge: dry run, nothing changed; 2 snapshots would give: 5 files copied "
			    "(7 bytes), 1 hard link, 2 directories created, 3 deleted, "
			    "2 leftovers of an earlier run removed\n");
	CHECK(describe(base) + describe(s1) + describe(s2) == before);
}

TEST_CASE("--verbose lists each action as it is carried out")
{
	Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(base, {file("gone")});
	build(snap, {file("new"), whiteout(".wh.gone")});
	Result result = run({"-v", base, snap});

	CHECK(result.code == 0);
	CHECK(result.out == "merging " + snap + " into " + base + "\ndelete gone\ncopy new\nemptying " +
				    snap + "\nsnapmerge: 1 snapshot merged into " + base +
				    ": 1 file copied (0 bytes), 0 hard links, 0 directories created, 1 deleted\n");
}
