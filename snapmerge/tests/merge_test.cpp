// SPDX-License-Identifier: GPL-2.0
/*
 * merge_test.cpp - what a merge makes of the base: every file type, every
 * whiteout and opaque case, attributes, several snapshots, --keep.
 */
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "tree.h"

using namespace test_tree;
using test_run::merge_case;

namespace {

const long kT1 = 1700000001, kT2 = 1700000002, kT3 = 1700000003;

/* Every kind of object with attributes worth carrying. */
Tree all_kinds()
{
	return {
		file("f", "hello\n").with_mode(0640).owner(1000, 100).at(kT1)
			.xattr("user.k", "v").xattr("trusted.t", std::string("b\0in", 4))
			.xattr("system.posix_acl_access", acl("u::rw-,u:1000:r--,g::r--,m::r--,o::---")),
		dir("d").with_mode(0750).owner(1000, 1000).at(kT2).xattr("user.d", "1")
			.xattr("system.posix_acl_default", acl("u::rwx,g::r-x,o::---")),
		file("d/inner", "in").at(kT3),
		symlink_to("d/link", "../f").owner(1000, 1000).at(kT1).xattr("trusted.l", "x"),
		symlink_to("dangling", "/nonexistent/target").at(kT2),
		fifo("fifo").with_mode(0620).at(kT3),
		chr("null", 1, 3).with_mode(0666).at(kT1),
		blk("loop", 7, 0).with_mode(0660).owner(0, 6).at(kT2),
		sock("sock").at(kT3),
		file("setuid", "x").with_mode(04755).owner(1000, 1000),
		file("sticky-dir-file", "").with_mode(0),
		dir("sticky").with_mode(01777),
		file("h1", "linked").at(kT1),
		hardlink("d/h2", "h1"),
		hardlink("h3", "h1"),
		sparse("sparse", 8 << 20, {{0, "head"}, {4 << 20, "middle"}}),
		file("empty", ""),
		dir("empty-dir").with_mode(0500).at(kT3),
	};
}

off_t data_map(const std::string &path, std::vector<std::pair<off_t, off_t>> &extents)
{
	int fd = ::open(path.c_str(), O_RDONLY);
	struct stat st;

	REQUIRE(fd >= 0);
	::fstat(fd, &st);
	for (off_t offset = 0;;) {
		off_t data = ::lseek(fd, offset, SEEK_DATA);

		if (data < 0)
			break;
		off_t hole = ::lseek(fd, data, SEEK_HOLE);

		extents.emplace_back(data, hole);
		offset = hole;
	}
	::close(fd);
	return st.st_blocks * 512;
}

} /* namespace */

TEST_CASE("every file type lands in an empty base with mode, owner, times, xattrs and ACLs")
{
	REQUIRE(test_run::is_root());
	merge_case({}, all_kinds(), all_kinds());
}

TEST_CASE("every file type replaces the base's objects of the same names")
{
	Tree base = {
		file("f", "old"), dir("d"), file("d/inner", "old inner"), file("d/link", "a file"),
		file("fifo", "file"), dir("null"), file("null/x"), symlink_to("loop", "somewhere"),
		fifo("sock"), file("setuid", "old"), file("h1", "old"), file("h3", "old"),
		file("sparse", "old"), file("empty", "old"), dir("empty-dir"),
	};

	merge_case(base, all_kinds(), all_kinds());
}

TEST_CASE("changed files replace the base's, the rest of the base stays")
{
	Tree base = {
		file("a", "old a"), file("b", "b stays").with_mode(0600).at(kT1),
		dir("d").at(kT1), file("d/x", "old x"), file("d/y", "y stays").at(kT2),
		symlink_to("s", "old"), dir("keep/deep").at(kT3), file("keep/deep/k", "k").at(kT3),
	};
	Tree snap = {
		file("a", "new a").with_mode(0755).at(kT3), dir("d").with_mode(0700).at(kT2),
		file("d/x", "new x"), symlink_to("s", "new"), file("c", "new c"),
	};
	Tree expected = {
		file("a", "new a").with_mode(0755).at(kT3), file("b", "b stays").with_mode(0600).at(kT1),
		dir("d").with_mode(0700).at(kT2), file("d/x", "new x"), file("d/y", "y stays").at(kT2),
		symlink_to("s", "new"), file("c", "new c"),
		dir("keep/deep").at(kT3), file("keep/deep/k", "k").at(kT3),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("whiteouts delete files, directories with their contents, symlinks and special files")
{
	Tree base = {
		file("f"), dir("dir"), dir("dir/sub"), file("dir/sub/deep"), symlink_to("dir/sub/l", "x"),
		symlink_to("sl", "f"), fifo("p"), chr("c", 1, 3), sock("s"), dir("d"), file("d/x"),
		file("d/y", "y").at(kT1), dir("e").at(kT2), file("e/z").at(kT2),
	};
	Tree snap = {
		whiteout(".wh.f"), whiteout(".wh.dir"), whiteout(".wh.sl"), whiteout(".wh.p"),
		whiteout(".wh.c"), whiteout(".wh.s"), dir("d").at(kT3), whiteout("d/.wh.x"),
		whiteout(".wh.missing"), whiteout("d/.wh.also-missing"),
	};
	Tree expected = {
		dir("d").at(kT3), file("d/y", "y").at(kT1), dir("e").at(kT2), file("e/z").at(kT2),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("a whiteout never deletes the link's target, only the link")
{
	Tree base = {
		dir("real"), file("real/precious", "keep me"), symlink_to("link", "real"),
		symlink_to("abs", "/"),
	};
	Tree snap = {whiteout(".wh.link"), whiteout(".wh.abs")};
	Tree expected = {dir("real"), file("real/precious", "keep me")};

	merge_case(base, snap, expected);
}

TEST_CASE("an object beside its own whiteout wins; a directory there replaces instead of merging")
{
	Tree base = {
		file("x", "old"), dir("d"), file("d/old", "o"), dir("m"), file("m/old", "o"),
	};
	Tree snap = {
		whiteout(".wh.x"), file("x", "new"), whiteout(".wh.d"), dir("d"), file("d/new", "n"),
		dir("m"), file("m/new", "n"),
	};
	Tree expected = {
		file("x", "new"), dir("d"), file("d/new", "n"), dir("m"), file("m/old", "o"),
		file("m/new", "n"),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("an opaque directory replaces the base directory's contents (FSL and aufs/OCI markers)")
{
	Tree base = {
		dir("o1"), file("o1/a"), dir("o1/sub"), file("o1/sub/b"), file("o1/.wh.base-hidden"),
		file("o1/n", "old n"), dir("o1/deep/er"), file("o1/deep/er/f"),
		dir("o2"), file("o2/a"), file("o2/c", "old c"),
		dir("m"), file("m/a", "a").at(kT1),
	};
	Tree snap = {
		dir("o1").with_mode(0711).at(kT2), whiteout("o1/.wh.__dir_opaque"), dir("o1/sub"),
		file("o1/sub/new", "new"), file("o1/n", "new n"), whiteout("o1/.wh.whited"),
		dir("o1/deep"), dir("o1/deep/er"), file("o1/deep/er/g"),
		dir("o2").at(kT3), whiteout("o2/.wh..wh..opq"), file("o2/c", "replaced"),
		dir("m").at(kT1), file("m/b", "b"),
	};
	Tree expected = {
		dir("o1").with_mode(0711).at(kT2), dir("o1/sub"), file("o1/sub/new", "new"),
		file("o1/n", "new n"), dir("o1/deep"), dir("o1/deep/er"), file("o1/deep/er/g"),
		dir("o2").at(kT3), file("o2/c", "replaced"),
		dir("m").at(kT1), file("m/a", "a").at(kT1), file("m/b", "b"),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("an opaque directory where the base has none, or a file, is just copied")
{
	Tree base = {file("was-file", "f")};
	Tree snap = {
		dir("new"), whiteout("new/.wh.__dir_opaque"), file("new/a"), whiteout("new/.wh.b"),
		dir("was-file"), whiteout("was-file/.wh..wh..opq"), file("was-file/x"),
	};
	Tree expected = {dir("new"), file("new/a"), dir("was-file"), file("was-file/x")};

	merge_case(base, snap, expected);
}

TEST_CASE("kind changes: file over directory, directory over file and symlink, symlink over directory")
{
	test_tree::Scratch outside;
	std::string outside_dir = outside.make_dir("outside");
	Tree base = {
		dir("fd"), file("fd/x"), file("df", "was file"), dir("sd"), dir("sd/sub"),
		file("sd/sub/x"), symlink_to("ds", outside_dir), fifo("pf"), dir("dp"), chr("cd", 1, 3),
	};
	Tree snap = {
		file("fd", "now file").at(kT1), dir("df").at(kT2), file("df/in", "in"),
		symlink_to("sd", "target"), dir("ds"), file("ds/in", "not outside"),
		file("pf", "regular now"), fifo("dp"), dir("cd"), dir("cd/e"),
	};
	Tree expected = {
		file("fd", "now file").at(kT1), dir("df").at(kT2), file("df/in", "in"),
		symlink_to("sd", "target"), dir("ds"), file("ds/in", "not outside"),
		file("pf", "regular now"), fifo("dp"), dir("cd"), dir("cd/e"),
	};

	merge_case(base, snap, expected);
	CHECK(names_in(outside_dir).empty());
}

TEST_CASE("the base's own hidden names stay; whiteouts of hidden names and inert names do nothing")
{
	Tree base = {
		file(".wh.base-own", "b"), file("x"), dir("d"), file("d/.wh.y"), file("__dir_opaque", "plain"),
	};
	Tree snap = {
		whiteout(".wh..wh.base-own"), dir("d"), file("d/z"),
		file(".wh..wh.ufs.tmp.3", "a core temporary"), file(".wh.", "nothing"),
		whiteout("d/.wh.__dir_opaque2"),
	};
	Tree expected = {
		file(".wh.base-own", "b"), file("x"), dir("d"), file("d/.wh.y"), file("d/z"),
		file("__dir_opaque", "plain"),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("an opaque marker at the snapshot's root is ignored, as the union ignores it")
{
	test_run::Result result = merge_case({file("a", "a")}, {whiteout(".wh.__dir_opaque"), file("b")},
					     {file("a", "a"), file("b")});

	CHECK(result.err.find("opaque marker at the snapshot's root is ignored") != std::string::npos);
}

TEST_CASE("a merged directory takes the snapshot's mode, owner, xattrs and times")
{
	Tree base = {
		dir("d").with_mode(0755).xattr("user.old", "1").xattr("user.same", "s").at(kT1),
		file("d/a").at(kT1),
	};
	Tree snap = {
		dir("d").with_mode(0700).owner(1000, 1000).xattr("user.new", "2").xattr("user.same", "s")
			.at(kT2),
	};
	Tree expected = {
		dir("d").with_mode(0700).owner(1000, 1000).xattr("user.new", "2").xattr("user.same", "s")
			.at(kT2),
		file("d/a").at(kT1),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("the union's own records on snapshot copies do not reach the base")
{
	Tree base = {dir("d").xattr("trusted.unionfs.impure", "y"), file("d/a", "old")};
	Tree snap = {
		dir("d").xattr("trusted.unionfs.impure", "y").xattr("user.d", "1"),
		file("d/a", "new").xattr("trusted.unionfs.origin", "record").xattr("user.a", "1"),
	};
	Tree expected = {
		dir("d").xattr("trusted.unionfs.impure", "y").xattr("user.d", "1"),
		file("d/a", "new").xattr("user.a", "1"),
	};

	merge_case(base, snap, expected);
}

TEST_CASE("files made in a directory with a default ACL get the snapshot's ACLs, not inherited ones")
{
	std::string inherit = acl("u::rwx,u:1000:rwx,g::r-x,m::rwx,o::---");
	Tree base = {dir("d").xattr("system.posix_acl_default", inherit)};
	Tree snap = {
		dir("d").xattr("system.posix_acl_default", inherit), file("d/f", "x").with_mode(0644),
		dir("d/sub").with_mode(0755),
	};

	merge_case(base, snap, snap);
}

TEST_CASE("sparse files stay sparse, trailing holes included")
{
	test_tree::Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(snap, {
		sparse("big", off_t(64) << 20, {{0, "a"}, {off_t(32) << 20, "b"}}),
		sparse("tail", off_t(16) << 20, {{off_t(1) << 20, "middle only"}}),
		sparse("all-hole", off_t(1) << 30, {}),
	});
	test_run::Result result = test_run::run({"-q", "--no-sync", "--keep", base, snap});

	REQUIRE(result.code == 0);
	for (const char *name : {"big", "tail", "all-hole"}) {
		std::vector<std::pair<off_t, off_t>> from, to;
		off_t used_from = data_map(snap + "/" + name, from);
		off_t used_to = data_map(base + "/" + name, to);
		struct stat a, b;

		INFO(name);
		::stat((snap + "/" + name).c_str(), &a);
		::stat((base + "/" + name).c_str(), &b);
		CHECK(a.st_size == b.st_size);
		CHECK(from == to);
		CHECK(used_to <= used_from);
		CHECK(used_to < (off_t(1) << 20));
		CHECK(read_contents(snap + "/" + name) == read_contents(base + "/" + name));
	}
}

TEST_CASE("several snapshots apply oldest first")
{
	test_tree::Scratch scratch;
	std::string base = scratch.make_dir("base"), s1 = scratch.make_dir("s1"),
		    s2 = scratch.make_dir("s2"), expected = scratch.make_dir("expected");

	build(base, {file("a", "base a"), file("b", "base b"), dir("d"), file("d/x", "x"),
		     file("gone-later", "g")});
	build(s1, {file("a", "s1 a"), file("n", "s1 n"), whiteout(".wh.b"), dir("d").at(kT1),
		   file("d/y", "s1 y"), dir("nd"), file("nd/f", "f")});
	build(s2, {file("n", "s2 n"), whiteout(".wh.a"), file("b", "s2 b"), dir("d").at(kT2),
		   whiteout("d/.wh.y"), dir("e"), whiteout(".wh.gone-later"), dir("nd"),
		   whiteout("nd/.wh.f")});
	build(expected, {file("b", "s2 b"), file("n", "s2 n"), dir("d").at(kT2), file("d/x", "x"),
			 dir("e"), dir("nd")});

	test_run::Result result = test_run::run({"--no-sync", base, s1, s2});

	INFO(result.err);
	REQUIRE(result.code == 0);
	CHECK(describe(base) == describe(expected));
	CHECK(names_in(s1).empty());
	CHECK(names_in(s2).empty());
	CHECK(result.out.find("2 snapshots merged") != std::string::npos);
}

TEST_CASE("--keep leaves the snapshot untouched, and a second run changes nothing")
{
	test_tree::Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap");

	build(base, {file("a", "a"), dir("d"), file("d/x"), file("w")});
	build(snap, {file("a", "new"), dir("d"), whiteout("d/.wh.x"), whiteout(".wh.w"), file("h1"),
		     hardlink("h2", "h1"), dir("o"), whiteout("o/.wh.__dir_opaque")});
	std::string snap_before = describe(snap);

	REQUIRE(test_run::run({"-q", "--no-sync", "--keep", base, snap}).code == 0);
	std::string once = describe(base);

	CHECK(describe(snap) == snap_before);
	REQUIRE(test_run::run({"-q", "--no-sync", "--keep", base, snap}).code == 0);
	CHECK(describe(base) == once);
	CHECK(describe(snap) == snap_before);
}

TEST_CASE("hard links of the base to a replaced file keep the old contents")
{
	merge_case({file("a", "old"), hardlink("b", "a")}, {file("a", "new")},
		   {file("a", "new"), file("b", "old")});
}

TEST_CASE("hard links of the snapshot stay links in the base, over any old object")
{
	Tree base = {file("x", "old x"), dir("y"), file("y/z"), file("sub/w", "old w"),
		     hardlink("other", "sub/w")};
	Tree snap = {file("x", "shared").with_mode(0600).owner(1000, 1000), hardlink("y", "x"),
		     hardlink("sub/w", "x"), symlink_to("s1", "t"), hardlink("s2", "s1"), fifo("p1"),
		     hardlink("p2", "p1")};
	Tree expected = {file("other", "old w"), file("x", "shared").with_mode(0600).owner(1000, 1000),
			 hardlink("y", "x"), hardlink("sub/w", "x"), symlink_to("s1", "t"),
			 hardlink("s2", "s1"), fifo("p1"), hardlink("p2", "p1")};

	merge_case(base, snap, expected);
}

TEST_CASE("leftover temporaries of an interrupted run are removed from the base")
{
	Tree base = {
		file("a"), file(".wh..wh.snapmerge.tmp.1.1", "junk"), dir(".wh..wh.snapmerge.tmp.1.2"),
		file(".wh..wh.snapmerge.tmp.1.2/x"), dir("d"), fifo("d/.wh..wh.snapmerge.tmp.7.7"),
	};
	Tree snap = {file("b"), dir("d")};
	Tree expected = {file("a"), file("b"), dir("d")};

	merge_case(base, snap, expected);
}

TEST_CASE("a snapshot marked done by an interrupted run is only emptied, not applied again")
{
	Tree base = {file("a", "merged earlier")};
	Tree snap = {file(".wh..wh.snapmerge.done"), file("a", "half-emptied leftover"), whiteout(".wh.a")};
	test_run::Result result = merge_case(base, snap, base);

	CHECK(result.err.find("already merged by an interrupted run") != std::string::npos);
}

TEST_CASE("a snapshot on another filesystem (tmpfs) merges the same way")
{
	if (!test_run::can_mount()) {
		WARN("skipped: cannot mount here");
		return;
	}
	test_tree::Scratch scratch;
	std::string base = scratch.make_dir("base"), snap = scratch.make_dir("snap"),
		    expected = scratch.make_dir("expected");
	Tree tree = {
		file("f", std::string(300000, 'x')).with_mode(0600).owner(1000, 1000).xattr("trusted.t", "1")
			.xattr("system.posix_acl_access", acl("u::rw-,u:1000:r--,g::---,m::r--,o::---")),
		sparse("sp", 4 << 20, {{1 << 20, "data"}}), dir("d").at(kT1), symlink_to("d/l", "x"),
		file("h"), hardlink("d/h", "h"), fifo("p"),
	};

	Tree with_old = tree;

	with_old.push_back(file("d/old", "o"));
	REQUIRE(::mount("none", snap.c_str(), "tmpfs", 0, nullptr) == 0);
	build(snap, tree);
	build(base, {dir("d"), file("d/old", "o")});
	build(expected, with_old);
	test_run::Result result = test_run::run({"-q", base, snap});

	INFO(result.err);
	CHECK(result.code == 0);
	CHECK(describe(base) == describe(expected));
	CHECK(names_in(snap).empty());
	::umount(snap.c_str());
}
