// SPDX-License-Identifier: GPL-2.0
/*
 * write_ops_test.cpp - what the semantics table cannot show: identity of
 * hard links, what a copyup copies, immutable and append-only objects,
 * ENOSPC leaving every branch as it was, retries on the next branch up,
 * the article's ordering of lower operations, the ownership contract of
 * ancestries and output sets, and the checks at the C boundary.
 */
#include <cerrno>
#include <cstring>

#include <catch2/catch.hpp>

#include "write_util.h"

using memfs::Fault;
using memfs::Op;

namespace {

Fault fault_on(Op op, int error, int branch = -1)
{
	Fault fault(op);

	fault.error = -error;
	fault.branch = branch;
	return fault;
}

void check_clean(TestUnion &u)
{
	INFO("violations: " << join(u.fs.violations()));
	CHECK(u.fs.violations().empty());
	CHECK(u.fs.outstanding_refs() == 0);
}

/* Runs op with one injected fault; returns the result. */
int run_with_fault(TestUnion &u, uni_delete_mode mode, const std::string &op,
		   const std::string &path, const std::string &path2, Fault fault)
{
	RunOptions options;

	options.fault = fault;
	return run_op(u, mode, op, path, path2, &options);
}

/*
 * Runs op(ctx, entry of /d/f) on a new union of layout; returns the
 * branches afterwards, and in *lookups the branch lookups op made.
 */
template <typename Op>
std::string logged_on_d_f(const char *layout, const char *modes, uni_delete_mode mode, Op op,
			  std::vector<std::string> *lookups)
{
	auto u = make_union(layout, modes);
	std::string dump;
	{
		Tree tree(*u);
		Entry entry(tree, *u, "/d/f");
		uni_context ctx = context_of(*u, mode);

		u->fs.reset_log();
		REQUIRE(op(u->fs, ctx, entry) == 0);
		*lookups = u->fs.lookup_log();
		dump = u->fs.dump();
	}
	check_clean(*u);
	return dump;
}

} /* namespace */

TEST_CASE("write: a hard link in the source's branch is the same inode")
{
	auto u = make_union("b0: -  b1: /a", "rw rw");

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/b") == 0);
	memfs::Node *a = u->fs.find(1, "/a");
	memfs::Node *b = u->fs.find(1, "/b");
	REQUIRE(a);
	REQUIRE(b);
	CHECK(a->inode == b->inode);
	CHECK(a->inode->nlink == 2);
	check_clean(*u);
}

TEST_CASE("write: a link of a source on a read-only branch links its copy")
{
	auto u = make_union("b0: -  b1: /a", "rw ro");
	RunOptions options;

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/b", &options) == 0);
	CHECK(options.result == "0..0 other [0]");
	CHECK(u->fs.find(0, "/a")->inode == u->fs.find(0, "/b")->inode);
	CHECK(u->fs.find(1, "/a")->inode->nlink == 1);
	check_clean(*u);
}

TEST_CASE("write: copyup copies data, mode, xattrs, symlink targets and devices, not flags")
{
	auto u = make_union("b0: -  b1: -", "rw ro");
	memfs::Node *file = u->fs.add_file(1, "/d/f", "contents");
	file->inode->mode = 0604;
	file->inode->xattrs["user.a"] = "1";
	file->inode->xattrs["system.posix_acl_access"] = "acl";
	u->fs.find(1, "/d")->inode->mode = 0711;
	u->fs.add_symlink(1, "/l", "somewhere");
	u->fs.add_special(1, "/c", memfs::kIfChr | 0620, 0x0801);

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "copyup", "/d/f") == 0);
	memfs::Node *copy = u->fs.find(0, "/d/f");
	REQUIRE(copy);
	CHECK(copy->data() == "contents");
	CHECK(copy->inode->mode == 0604);
	CHECK(copy->inode->xattrs == file->inode->xattrs);
	CHECK(copy->inode != file->inode);
	/* the parent chain keeps its attributes */
	CHECK(u->fs.find(0, "/d")->inode->mode == 0711);

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "copyup", "/l") == 0);
	CHECK(u->fs.find(0, "/l")->kind == memfs::Kind::kSymlink);
	CHECK(u->fs.find(0, "/l")->data() == "somewhere");

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "copyup", "/c") == 0);
	CHECK(u->fs.find(0, "/c")->inode->mode == (memfs::kIfChr | 0620));
	CHECK(u->fs.find(0, "/c")->inode->rdev == 0x0801);
	check_clean(*u);
}

TEST_CASE("write: copyup for open(O_TRUNC) copies no data")
{
	auto u = make_union("b0: -  b1: /a", "rw ro");
	Tree tree(*u);
	Entry entry(tree, *u, "/a");
	Lower out(u->fs);
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);

	REQUIRE(uni_copyup(&ctx, entry.get(), 0, out.set()) == 0);
	CHECK(u->fs.find(0, "/a")->data().empty());
	CHECK(u->fs.find(1, "/a")->data() == "b1");
}

TEST_CASE("write: immutable and append-only objects are not copied up, deleted or renamed")
{
	for (unsigned flag : {UNI_ATTR_IMMUTABLE, UNI_ATTR_APPEND}) {
		INFO("flag " << flag);
		auto u = make_union("b0: /a  b1: /a /b", "rw ro");
		u->fs.find(1, "/b")->inode->flags = flag;
		u->fs.find(0, "/a")->inode->flags = flag;
		std::string before = u->fs.dump();

		CHECK(run_op(*u, UNI_DELETE_ALL, "copyup", "/b") == -EPERM);
		CHECK(run_op(*u, UNI_DELETE_ALL, "link", "/b", "/c") == -EPERM);
		CHECK(run_op(*u, UNI_DELETE_ALL, "unlink", "/b") == -EPERM);
		CHECK(run_op(*u, UNI_DELETE_ALL, "rename", "/b", "/c") == -EPERM);
		/* the lower copy of /a stays: the refusal comes before anything is removed */
		CHECK(run_op(*u, UNI_DELETE_ALL, "unlink", "/a") == -EPERM);
		CHECK(run_op(*u, UNI_DELETE_ALL, "rename", "/a", "/c") == -EPERM);
		CHECK(u->fs.dump() == before);
		check_clean(*u);
	}
}

TEST_CASE("write: a read-only directory is not copied up to create in it when immutable")
{
	auto u = make_union("b0: -  b1: /d/ /e/ /e/f", "rw ro");
	u->fs.find(1, "/d")->inode->flags = UNI_ATTR_IMMUTABLE;
	u->fs.find(1, "/e")->inode->flags = UNI_ATTR_APPEND;
	std::string before = u->fs.dump();

	CHECK(run_op(*u, UNI_DELETE_ALL, "create", "/d/f") == -EPERM);
	CHECK(run_op(*u, UNI_DELETE_ALL, "unlink", "/e/f") == -EPERM);
	CHECK(u->fs.dump() == before);
	/* appending to an append-only directory is fine */
	CHECK(run_op(*u, UNI_DELETE_ALL, "create", "/e/g") == 0);
	CHECK(u->fs.dump() == "b0: /e/ /e/g  b1: /d/ /e/ /e/f");
	check_clean(*u);
}

TEST_CASE("write: ENOSPC on copy_up leaves every branch unchanged")
{
	struct Case {
		const char *layout;
		const char *op;
		const char *path;
		const char *path2;
	};
	const Case cases[] = {
		{"b0: -  b1: /d/ /d/a", "copyup", "/d/a", ""},
		{"b0: -  b1: /d/ /d/a", "create", "/d/new", ""},
		{"b0: -  b1: /d/ /d/a", "unlink", "/d/a", ""},
		{"b0: -  b1: /d/ /d/a", "rename", "/d/a", "/d/b"},
		{"b0: -  b1: /d/ /d/a /d/s/ /d/s/t", "rename", "/d", "/e"},
		{"b0: /d/ /d/x  b1: /d/ /d/a /d/s/ /d/s/t", "rename", "/d", "/e"},
		{"b0: -  b1: /d/ /d/a", "link", "/d/a", "/d/b"},
	};

	for (const Case &c : cases) {
		for (unsigned skip = 0; skip < 4; ++skip) {
			INFO(c.layout << ": " << c.op << " " << c.path << " " << c.path2
				      << ", copy_up " << skip << " fails");
			auto u = make_union(c.layout, "rw ro");
			std::string before = u->fs.dump();
			Fault fault = fault_on(Op::kCopyUp, ENOSPC);

			fault.skip = skip;
			int ret = run_with_fault(*u, UNI_DELETE_ALL, c.op, c.path, c.path2, fault);
			if (!u->fs.fault_fired())
				continue;
			CHECK(ret == -ENOSPC);
			CHECK(u->fs.dump() == before);
			check_clean(*u);
		}
	}
}

TEST_CASE("write: a full or read-only-mounted branch sends the copy to the next one up")
{
	for (int error : {ENOSPC, EDQUOT, EROFS}) {
		INFO("errno " << error);
		auto u = make_union("b0: -  b1: -  b2: /d/ /d/a", "rw rw ro");

		REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "copyup", "/d/a", "",
				       fault_on(Op::kAnyWrite, error, 1)) == 0);
		CHECK(u->fs.dump() == "b0: /d/ /d/a  b1: -  b2: /d/ /d/a");
		check_clean(*u);
	}
	/* other errors are final */
	auto u = make_union("b0: -  b1: -  b2: /d/ /d/a", "rw rw ro");
	CHECK(run_with_fault(*u, UNI_DELETE_ALL, "copyup", "/d/a", "",
			     fault_on(Op::kCopyUp, EIO, 1)) == -EIO);
	CHECK(u->fs.dump() == "b0: -  b1: -  b2: /d/ /d/a");
	/* and the first error is reported when every branch refuses */
	CHECK(run_with_fault(*u, UNI_DELETE_ALL, "create", "/d/n", "",
			     fault_on(Op::kAnyWrite, ENOSPC)) == -ENOSPC);
	CHECK(u->fs.dump() == "b0: -  b1: -  b2: /d/ /d/a");
	check_clean(*u);
}

TEST_CASE("write: a rename moving a writable branch's file up links it where it can")
{
	/* the new parent is opaque on b0: the new name can only be there */
	const std::string layout = "b0: /P/ /P/.wh..wh..opq  b1: /a";

	for (bool one_filesystem : {true, false}) {
		INFO("one filesystem: " << one_filesystem);
		auto u = make_union(layout, "rw rw");
		u->fs.one_filesystem = one_filesystem;
		REQUIRE(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/h") == 0);	/* a, h: one file */
		std::shared_ptr<memfs::Inode> inode = u->fs.find(1, "/a")->inode;

		REQUIRE(run_op(*u, UNI_DELETE_ALL, "rename", "/a", "/P/a") == 0);
		CHECK(u->fs.dump() == "b0: /P/ /P/.wh..wh..opq /P/a  b1: /h");
		CHECK(union_view(*u) == "/P/ /P/a=b1 /h=b1");
		/* linked: still the file h names; copied: a file of its own */
		CHECK((u->fs.find(0, "/P/a")->inode == inode) == one_filesystem);
		CHECK(inode->nlink == (one_filesystem ? 2 : 1));
		CHECK(u->fs.calls(Op::kLinkUp) == (one_filesystem ? 1u : 0u));
		CHECK(u->fs.calls(Op::kCopyUp) == (one_filesystem ? 0u : 1u));
		check_clean(*u);
	}
	/* a read-only branch's file is always copied */
	auto u = make_union(layout, "rw ro");
	u->fs.one_filesystem = true;
	REQUIRE(run_op(*u, UNI_DELETE_WHITEOUT, "rename", "/a", "/P/a") == 0);
	CHECK(u->fs.calls(Op::kLinkUp) == 0);
	CHECK(u->fs.find(0, "/P/a")->inode != u->fs.find(1, "/a")->inode);
	check_clean(*u);
}

TEST_CASE("write: a failed link-up of a rename leaves every branch as it was")
{
	auto u = make_union("b0: /P/ /P/.wh..wh..opq  b1: /a  b2: /a", "rw rw ro");
	u->fs.one_filesystem = true;
	const std::string before = u->fs.dump();

	for (int error : {EIO, ENOSPC}) {
		INFO("errno " << error);
		CHECK(run_with_fault(*u, UNI_DELETE_WHITEOUT, "rename", "/a", "/P/a",
				     fault_on(Op::kLinkUp, error)) == -error);
		CHECK(u->fs.dump() == before);
		CHECK(u->fs.find(1, "/a")->inode->nlink == 1);
	}
	check_clean(*u);
}

TEST_CASE("write: delete=all removes lower instances first, the top last")
{
	auto u = make_union("b0: /f  b1: /f  b2: /f", "rw rw rw");

	u->fs.reset_log();
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "unlink", "/f") == 0);
	CHECK(u->fs.write_log() ==
	      std::vector<std::string>{"unlink 2:/f", "unlink 1:/f", "unlink 0:/f"});

	auto v = make_union("b0: /d/ /d/.wh.x  b1: /d/ /d/.wh.y  b2: /d/", "rw rw rw");
	v->fs.reset_log();
	REQUIRE(run_op(*v, UNI_DELETE_ALL, "rmdir", "/d") == 0);
	CHECK(v->fs.write_log() ==
	      std::vector<std::string>{"rmdir 2:/d", "unlink 1:/d/.wh.y", "rmdir 1:/d",
				       "unlink 0:/d/.wh.x", "rmdir 0:/d"});
	check_clean(*u);
	check_clean(*v);
}

TEST_CASE("write: an intermediate failure turns into a whiteout; the result is the top's")
{
	auto u = make_union("b0: /f  b1: /f  b2: /f", "rw rw rw");

	u->fs.reset_log();
	REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "unlink", "/f", "",
			       fault_on(Op::kUnlink, EBUSY, 1)) == 0);
	CHECK(u->fs.write_log() ==
	      std::vector<std::string>{"unlink 2:/f", "create 0:/.wh.f", "unlink 0:/f"});
	CHECK(u->fs.dump() == "b0: /.wh.f  b1: /f  b2: -");
	CHECK(union_view(*u) == "-");

	/* the top's own failure is the result, and the whiteout made for it is gone again */
	auto v = make_union("b0: /f  b1: /f", "rw ro");
	Fault once = fault_on(Op::kUnlink, EBUSY, 0);
	once.times = 1;
	CHECK(run_with_fault(*v, UNI_DELETE_ALL, "unlink", "/f", "", once) == -EBUSY);
	CHECK(v->fs.dump() == "b0: /f  b1: /f");
	check_clean(*u);
	check_clean(*v);
}

TEST_CASE("write: a directory rename renames each instance in its branch, lowest first")
{
	auto u = make_union("b0: /d/ /d/x  b1: /d/ /d/y", "rw rw");
	memfs::Node *top = u->fs.find(0, "/d"), *lower = u->fs.find(1, "/d");
	RunOptions options;

	u->fs.reset_log();
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "rename", "/d", "/e", &options) == 0);
	CHECK(u->fs.write_log() ==
	      std::vector<std::string>{"rename 1:/d -> /e", "rename 0:/d -> /e"});
	CHECK(options.result == "0..1 dir [0 1]");
	CHECK(options.flags == 0);
	CHECK(u->fs.find(0, "/e") == top);
	CHECK(u->fs.find(1, "/e") == lower);
	check_clean(*u);
}

TEST_CASE("write: a directory that cannot stay in place is rebuilt and flagged")
{
	auto u = make_union("b0: /d/ /d/x  b1: /d/ /d/y", "rw ro");
	RunOptions options;

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "rename", "/d", "/e", &options) == 0);
	CHECK(options.result == "0..0 dir [0]");
	CHECK(options.flags == UNI_RENAME_COPIED);

	auto v = make_union("b0: -  b1: /d/ /d/y", "rw ro");
	REQUIRE(run_op(*v, UNI_DELETE_ALL, "rename", "/d", "/e", &options) == 0);
	CHECK(options.result == "0..0 dir [0]");
	CHECK(options.flags == UNI_RENAME_COPIED);

	auto w = make_union("b0: -  b1: /a", "rw ro");
	REQUIRE(run_op(*w, UNI_DELETE_ALL, "rename", "/a", "/b", &options) == 0);
	CHECK(options.flags == 0);
	check_clean(*u);
	check_clean(*v);
	check_clean(*w);
}

TEST_CASE("write: new parent directories are handed to the caller in the ancestry")
{
	auto u = make_union("b0: -  b1: -  b2: /a/ /a/b/", "rw ro ro");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	uni_create_args args{UNI_CREATE_REG, 0644, 0, nullptr, 0};

	SECTION("on success the slots hold new references")
	{
		Tree tree(*u);
		Entry entry(tree, *u, "/a/b/f");
		Lower out(u->fs);
		uni_dir_level *a = tree.level("/a"), *b = tree.level("/a/b");

		REQUIRE(a->set.start == 2);
		REQUIRE(uni_create(&ctx, entry.get(), &args, out.set()) == 0);
		CHECK(a->set.start == 0);
		CHECK(a->set.end == 2);
		CHECK(a->set.handles[0] == u->fs.find(0, "/a"));
		CHECK(b->set.start == 0);
		CHECK(b->set.handles[0] == u->fs.find(0, "/a/b"));
		CHECK(b->set.handles[1] == nullptr);
		CHECK(out.start() == 0);
		CHECK(out.end() == 0);
		CHECK(out.kind() == UNI_KIND_OTHER);
		CHECK(out.node(0) == u->fs.find(0, "/a/b/f"));
		/* each new slot is one reference, the out set another, the tree the rest */
		CHECK(u->fs.find(0, "/a")->refs == 1);
		CHECK(u->fs.find(0, "/a/b")->refs == 1);
		CHECK(u->fs.find(0, "/a/b/f")->refs == 1);
	}
	SECTION("on failure the directories are gone and the slots empty")
	{
		Tree tree(*u);
		Entry entry(tree, *u, "/a/b/f");
		Lower out(u->fs);
		uni_dir_level *a = tree.level("/a"), *b = tree.level("/a/b");

		u->fs.inject(fault_on(Op::kCreate, EIO));
		REQUIRE(uni_create(&ctx, entry.get(), &args, out.set()) == -EIO);
		CHECK(a->set.start == 2);
		CHECK(a->set.handles[0] == nullptr);
		CHECK(b->set.start == 2);
		CHECK(b->set.handles[0] == nullptr);
		CHECK(out.start() == -1);
		CHECK(out.held() == 0);
		CHECK(u->fs.dump() == "b0: -  b1: -  b2: /a/ /a/b/");
	}
	check_clean(*u);
}

namespace {

/* A name in a union of a writable and a read-only branch, its parent's ancestry starting at 'from'. */
struct AnchoredEntry {
	AnchoredEntry(const char *layout, const std::string &dir, const std::string &name,
		      const std::string &from)
		: u(make_union(layout, "rw ro")), ctx(context_of(*u, UNI_DELETE_ALL)), tree(*u),
		  entry(tree, *u, dir + "/" + name), out(u->fs)
	{
		entry.get()->parent = tree.ancestry(dir, from);
	}

	int create()
	{
		uni_create_args args{UNI_CREATE_REG, 0644, 0, nullptr, 0};

		return uni_create(&ctx, entry.get(), &args, out.set());
	}

	std::unique_ptr<TestUnion> u;
	uni_context ctx;
	Tree tree;
	Entry entry;
	Lower out;
};

} /* namespace */

TEST_CASE("write: an ancestry may start at a directory on every writable branch")
{
	SECTION("a create in a directory the writable branch has: one level")
	{
		AnchoredEntry a("b0: /a/ /a/b/  b1: /a/ /a/b/ /a/b/x", "/a/b", "f", "/a/b");

		REQUIRE(a.entry.get()->parent->depth == 1);
		REQUIRE(a.create() == 0);
		CHECK(a.u->fs.dump() == "b0: /a/ /a/b/ /a/b/f  b1: /a/ /a/b/ /a/b/x");
	}
	SECTION("levels below the anchor are made as from the root")
	{
		AnchoredEntry a("b0: /a/  b1: /a/ /a/b/ /a/b/c/ /a/b/c/x", "/a/b/c", "x", "/a");

		REQUIRE(uni_copyup(&a.ctx, a.entry.get(), UNI_COPY_ALL, a.out.set()) == 0);
		CHECK(a.tree.level("/a/b")->set.handles[0] == a.u->fs.find(0, "/a/b"));
		CHECK(a.out.node(0) == a.u->fs.find(0, "/a/b/c/x"));
		CHECK(a.u->fs.dump() ==
		      "b0: /a/ /a/b/ /a/b/c/ /a/b/c/x  b1: /a/ /a/b/ /a/b/c/ /a/b/c/x");
	}
	SECTION("a read-only branch the anchor lacks does not matter")
	{
		AnchoredEntry a("b0: /a/  b1: -", "/a", "f", "/a");

		REQUIRE(a.create() == 0);
		CHECK(a.u->fs.dump() == "b0: /a/ /a/f  b1: -");
	}
	SECTION("an anchor without a writable branch's directory is refused")
	{
		/* /a/b would have to be made on b0 from /a, which the chain does not hold */
		AnchoredEntry a("b0: /a/  b1: /a/ /a/b/", "/a/b", "f", "/a/b");
		int branch;

		CHECK(a.create() == -EINVAL);
		CHECK(uni_prepare_dir(&a.ctx, a.entry.get()->parent, &branch) == -EINVAL);
		CHECK(a.u->fs.dump() == "b0: /a/  b1: /a/ /a/b/");
	}
}

TEST_CASE("write: a parent directory made meanwhile by someone else is adopted")
{
	auto u = make_union("b0: -  b1: /d/", "rw ro");
	Tree tree(*u);
	Entry entry(tree, *u, "/d/f");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	uni_create_args args{UNI_CREATE_REG, 0644, 0, nullptr, 0};
	Lower out(u->fs);

	/* as if a concurrent copyup made /d on branch 0 after our lookup */
	memfs::Node *made = u->fs.mkdir(0, "/d");
	REQUIRE(uni_create(&ctx, entry.get(), &args, out.set()) == 0);
	CHECK(tree.level("/d")->set.handles[0] == made);
	CHECK(u->fs.dump() == "b0: /d/ /d/f  b1: /d/");
}

TEST_CASE("write: a directory copied up meanwhile by someone else is adopted")
{
	auto u = make_union("b0: -  b1: /d/ /d/x", "rw ro");
	{
		Tree tree(*u);
		Entry entry(tree, *u, "/d");
		uni_context ctx = context_of(*u, UNI_DELETE_ALL);
		Lower out(u->fs);

		/* as if a create below /d made it on branch 0 after our lookup */
		memfs::Node *made = u->fs.mkdir(0, "/d");
		REQUIRE(uni_copyup(&ctx, entry.get(), UNI_COPY_ALL, out.set()) == 0);
		CHECK(out.set()->handles[0] == made);
		CHECK(out.start() == 0);
		CHECK(u->fs.dump() == "b0: /d/  b1: /d/ /d/x");

		/* a file of that name is something else: still an error */
		u->fs.remove(0, "/d");
		u->fs.add_file(0, "/d");
		Lower again(u->fs);
		CHECK(uni_copyup(&ctx, entry.get(), UNI_COPY_ALL, again.set()) == -EEXIST);
	}
	check_clean(*u);
}

TEST_CASE("write: a create looks for a whiteout only where its lookup did not")
{
	uni_create_args file{UNI_CREATE_REG, 0644, 0, nullptr, 0};
	uni_create_args dir{UNI_CREATE_DIR, 0755, 0, nullptr, 0};
	auto create_logged = [&](const char *layout, const char *modes,
				 std::vector<std::string> *lookups,
				 uni_delete_mode mode = UNI_DELETE_ALL,
				 const uni_create_args *args = nullptr) {
		auto create = [&](memfs::Fs &fs, uni_context &ctx, Entry &entry) {
			Lower out(fs);

			return uni_create(&ctx, entry.get(), args ? args : &file, out.set());
		};
		return logged_on_d_f(layout, modes, mode, create, lookups);
	};
	std::vector<std::string> lookups;

	/* the lookup found branch 0 without .wh.f (to see the f below hidden at 1) */
	CHECK(create_logged("b0: /d/  b1: /d/ /d/.wh.f  b2: /d/ /d/f", "rw ro ro", &lookups) ==
	      "b0: /d/ /d/f  b1: /d/ /d/.wh.f  b2: /d/ /d/f");
	CHECK(lookups.empty());

	/* it stopped at the whiteout, which the create finds and removes */
	CHECK(create_logged("b0: /d/ /d/.wh.f  b1: /d/ /d/f", "rw ro", &lookups) ==
	      "b0: /d/ /d/f  b1: /d/ /d/f");
	CHECK(lookups == std::vector<std::string>{"0:.wh.f"});

	/* no branch holds f: a whiteout would hide nothing, beside a file not even later */
	CHECK(create_logged("b0: /d/  b1: /d/", "rw ro", &lookups) == "b0: /d/ /d/f  b1: /d/");
	CHECK(lookups.empty());
	CHECK(create_logged("b0: /d/ /d/.wh.f  b1: /d/", "rw ro", &lookups,
			    UNI_DELETE_WHITEOUT) == "b0: /d/ /d/.wh.f /d/f  b1: /d/");
	CHECK(lookups.empty());
	/* ... but in mode first an f added below later shows once this one goes */
	CHECK(create_logged("b0: /d/ /d/.wh.f  b1: /d/", "rw ro", &lookups, UNI_DELETE_FIRST) ==
	      "b0: /d/ /d/f  b1: /d/");
	CHECK(lookups == std::vector<std::string>{"0:.wh.f"});
	/* ... and a directory added below later merges with a new one */
	CHECK(create_logged("b0: /d/ /d/.wh.f  b1: /d/", "rw ro", &lookups, UNI_DELETE_ALL,
			    &dir) == "b0: /d/ /d/f/  b1: /d/");
	CHECK(lookups == std::vector<std::string>{"0:.wh.f", "1:f"});	/* 1:f: is it made opaque? */

	/* a stray whiteout where no branch below has the directory hides nothing: not looked for */
	CHECK(create_logged("b0: /d/ /d/.wh.f  b1: -", "rw ro", &lookups) ==
	      "b0: /d/ /d/.wh.f /d/f  b1: -");
	CHECK(lookups.empty());
	CHECK(create_logged("b0: /d/ /d/.wh.__dir_opaque /d/.wh.f  b1: /d/ /d/f", "rw ro", &lookups) ==
	      "b0: /d/ /d/.wh.__dir_opaque /d/.wh.f /d/f  b1: /d/ /d/f");
	CHECK(lookups.empty());
}

TEST_CASE("write: an unlink looks below the top only where it could matter")
{
	auto unlink_logged = [&](const char *layout, const char *modes, uni_delete_mode mode,
				 std::vector<std::string> *lookups) {
		auto unlink = [](memfs::Fs &, uni_context &ctx, Entry &entry) {
			return uni_unlink(&ctx, entry.get());
		};
		return logged_on_d_f(layout, modes, mode, unlink, lookups);
	};
	std::vector<std::string> lookups;

	/* on the directory's last branch nothing is below it: nothing looked for */
	CHECK(unlink_logged("b0: /d/  b1: /d/ /d/f", "rw ro", UNI_DELETE_WHITEOUT, &lookups) ==
	      "b0: /d/ /d/.wh.f  b1: /d/ /d/f");
	CHECK(lookups.empty());
	CHECK(unlink_logged("b0: /d/ /d/f  b1: -", "rw ro", UNI_DELETE_ALL, &lookups) ==
	      "b0: /d/  b1: -");
	CHECK(lookups.empty());

	/* above the last branch it is, and stops the look down */
	CHECK(unlink_logged("b0: /d/ /d/f  b1: /d/ /d/.wh.f  b2: /d/ /d/f", "rw ro ro",
			    UNI_DELETE_WHITEOUT, &lookups) ==
	      "b0: /d/  b1: /d/ /d/.wh.f  b2: /d/ /d/f");
	CHECK(lookups == std::vector<std::string>{"0:f", "0:.wh.f", "1:f", "1:.wh.f"});

	/* mode first leaves what is below alone, without looking */
	CHECK(unlink_logged("b0: /d/ /d/f  b1: /d/ /d/f", "rw ro", UNI_DELETE_FIRST, &lookups) ==
	      "b0: /d/  b1: /d/ /d/f");
	CHECK(lookups.empty());
}

TEST_CASE("write: an rmdir reads a directory of one branch only when it holds something")
{
	unsigned long reads = 0;
	int result = 0;
	auto rmdir_logged = [&](const char *layout, uni_delete_mode mode) {
		auto rmdir = [&](memfs::Fs &fs, uni_context &ctx, Entry &entry) {
			unsigned long before = fs.calls(memfs::Op::kIterate);

			result = uni_rmdir(&ctx, entry.get());
			reads = fs.calls(memfs::Op::kIterate) - before;
			return 0;
		};
		std::vector<std::string> lookups;
		return logged_on_d_f(layout, "rw ro", mode, rmdir, &lookups);
	};

	/* nothing below its name: the branch's rmdir alone */
	CHECK(rmdir_logged("b0: /d/ /d/f/  b1: -", UNI_DELETE_ALL) == "b0: /d/  b1: -");
	CHECK(result == 0);
	CHECK(reads == 0);
	/* mode first settles nothing below either */
	CHECK(rmdir_logged("b0: /d/ /d/f/  b1: /d/", UNI_DELETE_FIRST) == "b0: /d/  b1: /d/");
	CHECK(result == 0);
	CHECK(reads == 0);
	/* whiteouts and markers only: read, emptied, removed */
	CHECK(rmdir_logged("b0: /d/ /d/f/ /d/f/.wh.x /d/f/.wh.__dir_opaque  b1: -",
			   UNI_DELETE_ALL) == "b0: /d/  b1: -");
	CHECK(result == 0);
	CHECK(reads > 0);
	/* a name: ENOTEMPTY, nothing touched */
	CHECK(rmdir_logged("b0: /d/ /d/f/ /d/f/x /d/f/.wh.y  b1: -", UNI_DELETE_ALL) ==
	      "b0: /d/ /d/f/ /d/f/.wh.y /d/f/x  b1: -");
	CHECK(result == -ENOTEMPTY);
	/* a lower instance to settle (mode all): read first, as before */
	CHECK(rmdir_logged("b0: /d/ /d/f/  b1: /d/", UNI_DELETE_ALL) == "b0: /d/  b1: /d/");
	CHECK(result == 0);
	CHECK(reads > 0);
}

TEST_CASE("write: O_TMPFILE gets a writable directory with its chain")
{
	auto u = make_union("b0: -  b1: /d/", "rw ro");
	RunOptions options;

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "tmpfile", "/d", "", &options) == 0);
	CHECK(options.result == "branch 0");
	CHECK(u->fs.dump() == "b0: /d/  b1: /d/");

	auto ro = make_union("b0: -  b1: /d/", "ro ro");
	CHECK(run_op(*ro, UNI_DELETE_ALL, "tmpfile", "/d", "", &options) == -EROFS);
	check_clean(*u);
}

TEST_CASE("write: best-effort cleanups that fail leave a correct union")
{
	SECTION("the whiteout beside a new file stays")
	{
		auto u = make_union("b0: /.wh.f  b1: /f", "rw rw");
		Fault fault = fault_on(Op::kUnlink, EIO);

		REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "create", "/f", "", fault) == 0);
		CHECK(u->fs.dump() == "b0: /.wh.f /f  b1: /f");
		CHECK(union_view(*u) == "/f=");
		check_clean(*u);
	}
	SECTION("a new directory without its opaque marker keeps the whiteout beside it")
	{
		auto u = make_union("b0: /.wh.d  b1: /d/ /d/x", "rw rw");
		Fault fault = fault_on(Op::kCreate, ENOSPC);

		fault.name = UNI_OPAQUE_NAME;
		REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "mkdir", "/d", "", fault) == 0);
		CHECK(u->fs.dump() == "b0: /.wh.d /d/  b1: /d/ /d/x");
		CHECK(union_view(*u) == "/d/");
		check_clean(*u);
	}
	SECTION("a target set aside that cannot be removed stays hidden")
	{
		auto u = make_union("b0: /b  b1: /a", "rw rw");
		Fault fault = fault_on(Op::kUnlink, EIO);

		REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "rename", "/a", "/b", fault) == 0);
		CHECK(u->fs.dump() == "b0: /.wh..wh.ufs.tmp.0  b1: /b");
		CHECK(union_view(*u) == "/b=b1");
		check_clean(*u);
	}
}

TEST_CASE("write: temporary names skip leftovers of earlier failures")
{
	auto u = make_union("b0: /b /.wh..wh.ufs.tmp.0  b1: /a", "rw rw");

	u->fs.reset_log();
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "rename", "/a", "/b") == 0);
	CHECK(u->fs.write_log().front() == "rename 0:/b -> /.wh..wh.ufs.tmp.1");
	CHECK(u->fs.dump() == "b0: /.wh..wh.ufs.tmp.0  b1: /b");
	check_clean(*u);
}

TEST_CASE("write: nfsro branches are read-only to the write path")
{
	auto u = make_union("b0: -  b1: /f", "rw nfsro");

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "unlink", "/f") == 0);
	CHECK(u->fs.dump() == "b0: /.wh.f  b1: /f");
	check_clean(*u);
}

TEST_CASE("write: special files and symlinks are created as asked")
{
	auto u = make_union("b0: -", "rw");

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "mknod", "/p") == 0);
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "symlink", "/l") == 0);
	CHECK(u->fs.find(0, "/p")->kind == memfs::Kind::kSpecial);
	CHECK(u->fs.find(0, "/p")->dtype() == memfs::kDtFifo);
	CHECK(u->fs.find(0, "/l")->data() == "target");
	CHECK(union_view(*u) == "/l->target /p(1)");
	check_clean(*u);
}

TEST_CASE("write: whiteout names cannot be made through the union")
{
	auto u = make_union("b0: /a", "rw");

	CHECK(run_op(*u, UNI_DELETE_ALL, "rename", "/a", "/.wh.b") == -EPERM);
	CHECK(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/.wh.b") == -EPERM);
	CHECK(run_op(*u, UNI_DELETE_ALL, "mkdir", "/.wh.__dir_opaque") == -EPERM);
	CHECK(u->fs.dump() == "b0: /a");
	check_clean(*u);
}

TEST_CASE("write: a name too long to have a whiteout cannot be covered")
{
	std::string name(UNI_NAME_MAX - 2, 'n');
	auto u = make_union("b0: /" + name + "  b1: /" + name, "rw ro");

	CHECK(run_op(*u, UNI_DELETE_ALL, "unlink", "/" + name) == -ENAMETOOLONG);
	CHECK(u->fs.find(0, "/" + name));
	/* nothing to cover: fine */
	auto v = make_union("b0: /" + name + "  b1: -", "rw ro");
	CHECK(run_op(*v, UNI_DELETE_ALL, "unlink", "/" + name) == 0);
	check_clean(*u);
	check_clean(*v);
}

TEST_CASE("write: renaming a name onto another link of the same object does nothing")
{
	auto u = make_union("b0: /a  b1: -", "rw rw");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	Tree tree(*u);
	Entry from(tree, *u, "/a"), to(tree, *u, "/a");
	Lower out(u->fs);
	unsigned flags = 7;

	REQUIRE(uni_rename(&ctx, from.get(), to.get(), out.set(), &flags) == 0);
	CHECK(flags == 0);
	CHECK(out.node(0) == u->fs.find(0, "/a"));
	CHECK(u->fs.dump() == "b0: /a  b1: -");
}

TEST_CASE("write: the C boundary checks what it is given")
{
	auto u = make_union("b0: /a /d/  b1: -", "rw rw");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	uni_create_args args{UNI_CREATE_REG, 0644, 0, nullptr, 0};
	Tree tree(*u);
	Entry a(tree, *u, "/a"), n(tree, *u, "/n");
	Lower out(u->fs), out2(u->fs);
	unsigned flags;
	int branch;

	CHECK(uni_create(nullptr, n.get(), &args, out.set()) == -EINVAL);
	CHECK(uni_create(&ctx, nullptr, &args, out.set()) == -EINVAL);
	CHECK(uni_create(&ctx, n.get(), nullptr, out.set()) == -EINVAL);
	CHECK(uni_create(&ctx, n.get(), &args, nullptr) == -EINVAL);
	uni_create_args symlink{UNI_CREATE_SYMLINK, 0777, 0, nullptr, 0};
	CHECK(uni_create(&ctx, n.get(), &symlink, out.set()) == -EINVAL);
	CHECK(uni_unlink(&ctx, n.get()) == -EINVAL); /* negative */
	CHECK(uni_rmdir(&ctx, nullptr) == -EINVAL);
	CHECK(uni_copyup(&ctx, n.get(), UNI_COPY_ALL, out.set()) == -EINVAL);
	CHECK(uni_link(&ctx, n.get(), a.get(), out.set(), out2.set()) == -EINVAL);
	CHECK(uni_rename(&ctx, a.get(), n.get(), out.set(), nullptr) == -EINVAL);
	CHECK(uni_prepare_dir(&ctx, nullptr, &branch) == -EINVAL);

	uni_context bad_mode = ctx;
	int raw = 7;
	std::memcpy(&bad_mode.delete_mode, &raw, sizeof(raw));
	CHECK(uni_unlink(&bad_mode, a.get()) == -EINVAL);

	/* a bad ancestry: its first level must be on every writable branch */
	uni_ancestry *anc = a.get()->parent;
	void *saved = anc->levels[0]->set.handles[1];
	anc->levels[0]->set.handles[1] = nullptr;
	CHECK(uni_unlink(&ctx, a.get()) == -EINVAL);
	anc->levels[0]->set.handles[1] = saved;

	/* a read-only environment has no write operations */
	uni_context ro = ctx;
	ro.ops = u->fs.read_only_ops();
	CHECK(uni_create(&ro, n.get(), &args, out.set()) == -EROFS);
	CHECK(uni_unlink(&ro, a.get()) == -EROFS);
	CHECK(uni_rename(&ro, a.get(), n.get(), out.set(), &flags) == -EROFS);
	CHECK(uni_prepare_dir(&ro, a.get()->parent, &branch) == -EROFS);

	CHECK(u->fs.dump() == "b0: /a /d/  b1: -");
	CHECK(u->fs.violations().empty());
}

TEST_CASE("write: a parent set without the object's branch is ESTALE, never a NULL lower call")
{
	/*
	 * A cached view gone stale: /d/f's set says b1, /d's set (from after a
	 * directory rename rebuilt /d on b0) has nothing there.
	 */
	auto u = make_union("b0: /d/  b1: /d/ /d/f", "rw rw");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	{
		Tree tree(*u);
		Entry f(tree, *u, "/d/f");
		uni_dir_level *d = f.get()->parent->levels[1];
		void *saved = d->set.handles[1];

		d->set.handles[1] = nullptr;
		d->set.end = 0;
		u->fs.reset_log();
		CHECK(uni_unlink(&ctx, f.get()) == -ESTALE);
		CHECK(u->fs.write_log().empty());
		d->set.handles[1] = saved;
		d->set.end = 1;
	}
	CHECK(u->fs.dump() == "b0: /d/  b1: /d/ /d/f");
	check_clean(*u);
}

/* ---- renameat2(RENAME_EXCHANGE) ---- */

TEST_CASE("exchange: objects keep their identity; each out set is its own object's")
{
	auto u = make_union("b0: /a /d/ /d/x  b1: -", "rw rw");
	memfs::Node *a = u->fs.find(0, "/a");
	memfs::Node *d = u->fs.find(0, "/d");
	RunOptions options;

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/d", &options) == 0);
	CHECK(options.result == "0..0 other [0] | 0..0 dir [0]");
	CHECK(options.flags == 0);
	CHECK(u->fs.find(0, "/d") == a);
	CHECK(u->fs.find(0, "/a") == d);
	CHECK(u->fs.write_log().back() == "exchange 0:/a <-> /d");
	/* a second exchange swaps back */
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/d") == 0);
	CHECK(u->fs.find(0, "/a") == a);
	CHECK(u->fs.find(0, "/d") == d);
	check_clean(*u);
}

TEST_CASE("exchange: a copied or merged directory is rebuilt and flagged")
{
	RunOptions options;
	auto u = make_union("b0: /a  b1: /d/ /d/x", "rw ro");

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/d", &options) == 0);
	CHECK(options.flags == UNI_RENAME_COPIED);
	CHECK(union_view(*u) == "/a/ /a/x=b1 /d=b0");

	auto v = make_union("b0: /d/ /d/x  b1: /d/ /d/y /e/", "rw rw");
	REQUIRE(run_op(*v, UNI_DELETE_ALL, "exchange", "/d", "/e", &options) == 0);
	CHECK(options.flags == UNI_RENAME_COPIED);
	CHECK(union_view(*v) == "/d/ /e/ /e/x=b0 /e/y=b1");
	check_clean(*u);
	check_clean(*v);
}

TEST_CASE("exchange: two names of one object, hard links, and missing names")
{
	auto u = make_union("b0: /a  b1: -", "rw rw");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/b") == 0);
	u->fs.reset_log();
	{
		Tree tree(*u);
		Entry a(tree, *u, "/a"), again(tree, *u, "/a"), n(tree, *u, "/n");
		Lower out_a(u->fs), out_b(u->fs);
		unsigned flags = 7;

		REQUIRE(uni_rename_exchange(&ctx, a.get(), again.get(), out_a.set(), out_b.set(),
					    &flags) == 0);
		CHECK(flags == 0);
		CHECK(out_a.node(0) == u->fs.find(0, "/a"));
		CHECK(out_b.node(0) == u->fs.find(0, "/a"));
		CHECK(uni_rename_exchange(&ctx, a.get(), n.get(), out_a.set(), out_b.set(),
					  &flags) == -ENOENT);
		CHECK(uni_rename_exchange(&ctx, n.get(), a.get(), out_a.set(), out_b.set(),
					  &flags) == -ENOENT);
	}
	/* hard links of one inode: the branch does nothing, as vfs_rename() */
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/b") == 0);
	CHECK(u->fs.dump() == "b0: /a /b  b1: -");
	check_clean(*u);
}

TEST_CASE("exchange: a writable branch's file moving up is linked where it can")
{
	/* x's parent is opaque on b0, so both tops must meet there */
	auto u = make_union("b0: /P/ /P/.wh..wh..opq /P/x  b1: /a", "rw rw");
	u->fs.one_filesystem = true;
	REQUIRE(run_op(*u, UNI_DELETE_ALL, "link", "/a", "/h") == 0);
	std::shared_ptr<memfs::Inode> inode = u->fs.find(1, "/a")->inode;

	REQUIRE(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/P/x") == 0);
	CHECK(union_view(*u) == "/P/ /P/x=b1 /a=b0 /h=b1");
	CHECK(u->fs.find(0, "/P/x")->inode == inode);
	CHECK(inode->nlink == 2);	/* P/x and h: the old top went */
	CHECK(u->fs.calls(Op::kCopyUp) == 0);
	check_clean(*u);
}

TEST_CASE("exchange: immutable and append-only tops are refused before anything happens")
{
	for (unsigned flag : {UNI_ATTR_IMMUTABLE, UNI_ATTR_APPEND}) {
		INFO("flag " << flag);
		auto u = make_union("b0: /a  b1: /b /c", "rw ro");
		u->fs.find(1, "/b")->inode->flags = flag;
		u->fs.find(0, "/a")->inode->flags = flag;
		std::string before = u->fs.dump();

		CHECK(run_op(*u, UNI_DELETE_ALL, "exchange", "/a", "/c") == -EPERM);
		CHECK(run_op(*u, UNI_DELETE_ALL, "exchange", "/c", "/b") == -EPERM);
		CHECK(u->fs.dump() == before);
		check_clean(*u);
	}
}

TEST_CASE("exchange: a full branch sends both tops to the next writable one up")
{
	for (int error : {ENOSPC, EDQUOT, EROFS}) {
		INFO("errno " << error);
		auto u = make_union("b0: -  b1: /a  b2: /b", "rw rw ro");

		REQUIRE(run_with_fault(*u, UNI_DELETE_ALL, "exchange", "/a", "/b",
				       fault_on(Op::kAnyWrite, error, 1)) == 0);
		CHECK(u->fs.dump() == "b0: /a /b  b1: /a  b2: /b");
		CHECK(union_view(*u) == "/a=b2 /b=b1");
		check_clean(*u);
	}
	/* other errors are final, and put everything back */
	auto u = make_union("b0: -  b1: /a  b2: /b", "rw rw ro");
	CHECK(run_with_fault(*u, UNI_DELETE_ALL, "exchange", "/a", "/b",
			     fault_on(Op::kExchange, EIO, 1)) == -EIO);
	CHECK(u->fs.dump() == "b0: -  b1: /a  b2: /b");
	check_clean(*u);
}

TEST_CASE("exchange: each lower operation failing leaves the view and branches as before")
{
	const char *layouts[][2] = {
		{"b0: /d/ /d/x /e/ /e/y  b1: /d/ /d/z /e/ /e/w", "rw ro"},
		{"b0: /a  b1: /d/ /d/s/ /d/s/x /a/ /a/q", "rw ro"},
		{"b0: -  b1: /p/ /p/a  b2: /q/ /q/b", "rw ro ro"},
	};
	const char *pairs[][2] = {{"/d", "/e"}, {"/a", "/d"}, {"/p/a", "/q/b"}};

	for (int i = 0; i < 3; ++i) {
		auto clean = make_union(layouts[i][0], layouts[i][1]);
		std::string before_dump = clean->fs.dump(), before_view = union_view(*clean);
		RunOptions base;

		REQUIRE(run_op(*clean, UNI_DELETE_ALL, "exchange", pairs[i][0], pairs[i][1], &base) ==
			0);
		std::string after_view = union_view(*clean);
		CHECK(after_view != before_view);
		for (Op op : {Op::kCreate, Op::kCopyUp, Op::kExchange, Op::kLookup, Op::kIterate}) {
			for (unsigned k = 0; k < 8; ++k) {
				INFO(layouts[i][0] << ": " << memfs::op_name(op) << " call " << k);
				auto u = make_union(layouts[i][0], layouts[i][1]);
				Fault fault = fault_on(op, EIO);

				fault.skip = k;
				fault.times = 1;
				int ret = run_with_fault(*u, UNI_DELETE_ALL, "exchange", pairs[i][0],
							 pairs[i][1], fault);
				if (!u->fs.fault_fired()) {
					CHECK(ret == 0);
					continue;
				}
				CHECK(ret == -EIO);
				CHECK(u->fs.dump() == before_dump);
				CHECK(union_view(*u) == before_view);
				check_clean(*u);
			}
		}
		check_clean(*clean);
	}
}

TEST_CASE("exchange: the C boundary checks what it is given")
{
	auto u = make_union("b0: /a /b  b1: -", "rw rw");
	uni_context ctx = context_of(*u, UNI_DELETE_ALL);
	Tree tree(*u);
	Entry a(tree, *u, "/a"), b(tree, *u, "/b");
	Lower out(u->fs), out2(u->fs);
	unsigned flags;

	CHECK(uni_rename_exchange(nullptr, a.get(), b.get(), out.set(), out2.set(), &flags) ==
	      -EINVAL);
	CHECK(uni_rename_exchange(&ctx, nullptr, b.get(), out.set(), out2.set(), &flags) ==
	      -EINVAL);
	CHECK(uni_rename_exchange(&ctx, a.get(), b.get(), nullptr, out2.set(), &flags) == -EINVAL);
	CHECK(uni_rename_exchange(&ctx, a.get(), b.get(), out.set(), out2.set(), nullptr) ==
	      -EINVAL);
	/* an environment without exchange(): EINVAL, as a filesystem that cannot exchange */
	uni_branch_ops no_exchange = *u->fs.ops();
	no_exchange.exchange = nullptr;
	uni_context old = ctx;
	old.ops = &no_exchange;
	CHECK(uni_rename_exchange(&old, a.get(), b.get(), out.set(), out2.set(), &flags) ==
	      -EINVAL);
	uni_context ro = ctx;
	ro.ops = u->fs.read_only_ops();
	CHECK(uni_rename_exchange(&ro, a.get(), b.get(), out.set(), out2.set(), &flags) ==
	      -EROFS);
	/* a ".wh." name (lookup never shows one; the core refuses it all the same) */
	uni_entry hidden = *b.get();
	hidden.name = ".wh.b";
	hidden.len = 5;
	CHECK(uni_rename_exchange(&ctx, a.get(), &hidden, out.set(), out2.set(), &flags) == -EPERM);
	CHECK(uni_rename_exchange(&ctx, &hidden, a.get(), out.set(), out2.set(), &flags) == -EPERM);
	CHECK(u->fs.dump() == "b0: /a /b  b1: -");
	CHECK(u->fs.violations().empty());
}
