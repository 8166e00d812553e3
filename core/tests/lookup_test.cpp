// SPDX-License-Identifier: GPL-2.0
/*
 * lookup_test.cpp - lookup resolution across branches.
 *
 * The article's examples first (Fruits/Vegetables, Green), then whiteouts,
 * opacity, type conflicts, negative names, hidden names, and every failure
 * the branches can produce.
 */
#include <cerrno>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "env_host.h"
#include "test_util.h"

using memfs::Fault;
using memfs::Op;

namespace {

/* /Fruits = branch 0: Apple, Tomato; /Vegetables = branch 1: Carrots, Tomato. */
void add_fruits_and_vegetables(memfs::Fs &fs)
{
	fs.add_file(0, "/Apple");
	fs.add_file(0, "/Tomato");
	fs.add_file(1, "/Carrots");
	fs.add_file(1, "/Tomato");
}

/* Green in both branches: Lime on branch 0, Lettuce on branch 1. */
void add_green(memfs::Fs &fs)
{
	fs.add_file(0, "/Green/Lime");
	fs.add_file(1, "/Green/Lettuce");
}

} /* namespace */

TEST_CASE("lookup: a file comes from the highest-priority branch that has it")
{
	TestUnion u(2);
	add_fruits_and_vegetables(u.fs);
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "Tomato", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	REQUIRE(out.node(0) == u.fs.find(0, "/Tomato"));
	REQUIRE(out.node(1) == nullptr);
	/* found first: no need to look further */
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:Tomato"});

	REQUIRE(resolve(u, root, "Apple", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 0);
	REQUIRE(out.node(0) == u.fs.find(0, "/Apple"));

	u.fs.reset_log();
	REQUIRE(resolve(u, root, "Carrots", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 1);
	REQUIRE(out.end() == 1);
	REQUIRE(out.node(0) == nullptr);
	REQUIRE(out.node(1) == u.fs.find(1, "/Carrots"));
	/* a whiteout above is looked for once there is something below to hide */
	REQUIRE(u.fs.lookup_log() ==
		std::vector<std::string>{"0:Carrots", "1:Carrots", "0:.wh.Carrots"});
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a directory in several branches is their merge")
{
	TestUnion u(2);
	add_green(u.fs);
	Lower root(u.fs, Lower::kRoots), green(u.fs), out(u.fs);

	REQUIRE(resolve(u, root, "Green", green) == 0);
	REQUIRE(green.kind() == UNI_KIND_DIR);
	REQUIRE(green.start() == 0);
	REQUIRE(green.end() == 1);
	REQUIRE(green.node(0) == u.fs.find(0, "/Green"));
	REQUIRE(green.node(1) == u.fs.find(1, "/Green"));

	REQUIRE(resolve(u, green, "Lime", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 0);
	REQUIRE(out.node(0) == u.fs.find(0, "/Green/Lime"));

	REQUIRE(resolve(u, green, "Lettuce", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 1);
	REQUIRE(out.node(1) == u.fs.find(1, "/Green/Lettuce"));

	REQUIRE(resolve(u, green, "Kiwi", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	REQUIRE_BALANCED(u.fs, root.held() + green.held() + out.held());
}

TEST_CASE("lookup: directories merge across gaps in the middle branches")
{
	TestUnion u(3);
	u.fs.mkdir(0, "/d");
	u.fs.mkdir(2, "/d");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "d", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 2);
	REQUIRE(out.node(0) == u.fs.find(0, "/d"));
	REQUIRE(out.node(1) == nullptr);
	REQUIRE(out.node(2) == u.fs.find(2, "/d"));
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a negative name is created where the parent is topmost")
{
	TestUnion u(3);
	u.fs.mkdir(1, "/d");
	u.fs.mkdir(2, "/d");
	Lower root(u.fs, Lower::kRoots), d(u.fs), out(u.fs);

	REQUIRE(resolve(u, root, "d", d) == 0);
	REQUIRE(d.start() == 1);
	REQUIRE(d.end() == 2);

	REQUIRE(resolve(u, d, "new", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 1);
	REQUIRE(out.end() == 1);
	REQUIRE(out.held() == 0);

	REQUIRE(resolve(u, root, "nothing", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 0);
	REQUIRE_BALANCED(u.fs, root.held() + d.held());
}

TEST_CASE("lookup: a whiteout hides the name on lower branches")
{
	TestUnion u(3);
	u.fs.add_whiteout(0, "/Tomato");
	u.fs.add_file(1, "/Tomato");
	u.fs.add_file(1, "/.wh.Carrots");
	u.fs.add_file(2, "/Carrots");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "Tomato", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	/* it stopped at the whiteout on branch 0, which a create there must remove */
	REQUIRE(out.set()->known == 0);

	/* a whiteout in a middle branch: nothing above, hidden below */
	u.fs.reset_log();
	REQUIRE(resolve(u, root, "Carrots", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 0);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:Carrots", "1:Carrots", "2:Carrots",
							      "0:.wh.Carrots", "1:.wh.Carrots"});
	/* branch 0 was found without a whiteout: a create need not look */
	REQUIRE(out.set()->known == UNI_KNOWN_NO_WHITEOUT);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("lookup: branches that hold neither the name nor its whiteout are not asked")
{
	TestUnion u(4);
	u.fs.answer_may_hold = true;
	u.fs.add_file(0, "/own0");
	u.fs.add_whiteout(1, "/Gone");
	u.fs.add_file(2, "/Gone");
	u.fs.add_file(3, "/Deep");
	u.fs.add_file(3, "/Gone");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	/* only the bottom holds it: one lookup, three branches skipped */
	REQUIRE(resolve(u, root, "Deep", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 3);
	REQUIRE(out.node(3) == u.fs.find(3, "/Deep"));
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"3:Deep"});
	REQUIRE(u.fs.skipped == std::vector<std::string>{"0:Deep", "1:Deep", "2:Deep"});

	/* a whiteout is one of the names a branch is asked about */
	u.fs.reset_log();
	u.fs.skipped.clear();
	REQUIRE(resolve(u, root, "Gone", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"1:Gone", "2:Gone", "1:.wh.Gone"});
	REQUIRE(u.fs.skipped == std::vector<std::string>{"0:Gone"});

	/* nowhere: every branch skipped, the name is negative at the top */
	u.fs.reset_log();
	REQUIRE(resolve(u, root, "Nowhere", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 0);
	REQUIRE(u.fs.lookup_log().empty());
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("lookup: branches are ruled out a stretch at a time, as far as the walk goes")
{
	TestUnion u(4);
	u.fs.answer_may_hold = true;
	u.fs.may_hold_stops = true;
	u.fs.add_file(0, "/Top");
	u.fs.mkdir(1, "/Dir");
	u.fs.mkdir(3, "/Dir");
	u.fs.add_file(3, "/Deep");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	/* found at the top: the walk ends there, nothing below is ruled on */
	REQUIRE(resolve(u, root, "Top", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 0);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:Top"});
	REQUIRE(u.fs.may_hold_calls == std::vector<std::string>{"0:Top"});
	REQUIRE(u.fs.skipped.empty());
	/* and the lookup says the lists were asked: they need not be again */
	REQUIRE(u.fs.held_lookups == 1);

	/* a directory merged from 1 and 3: asked again below 1, 2 skipped */
	u.fs.reset_log();
	u.fs.may_hold_calls.clear();
	REQUIRE(resolve(u, root, "Dir", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 1);
	REQUIRE(out.end() == 3);
	REQUIRE(out.node(1) == u.fs.find(1, "/Dir"));
	REQUIRE(out.node(3) == u.fs.find(3, "/Dir"));
	REQUIRE(u.fs.may_hold_calls == std::vector<std::string>{"0:Dir", "2:Dir"});
	REQUIRE(u.fs.skipped == std::vector<std::string>{"0:Dir", "2:Dir"});

	/* only the bottom holds it: one answer for the three above */
	u.fs.reset_log();
	u.fs.may_hold_calls.clear();
	u.fs.skipped.clear();
	REQUIRE(resolve(u, root, "Deep", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 3);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"3:Deep"});
	REQUIRE(u.fs.may_hold_calls == std::vector<std::string>{"0:Deep"});
	REQUIRE(u.fs.skipped == std::vector<std::string>{"0:Deep", "1:Deep", "2:Deep"});
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a whiteout does not hide its own branch or higher ones")
{
	TestUnion u(3);
	/* same branch: the object wins over its own whiteout */
	u.fs.add_file(0, "/Tomato");
	u.fs.add_whiteout(0, "/Tomato");
	u.fs.add_file(1, "/Tomato");
	/* whiteout below the object */
	u.fs.add_file(0, "/Apple");
	u.fs.add_whiteout(1, "/Apple");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "Tomato", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.node(0) == u.fs.find(0, "/Tomato"));

	REQUIRE(resolve(u, root, "Apple", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.node(0) == u.fs.find(0, "/Apple"));
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a whiteout beside a directory stops the merge there")
{
	TestUnion u(3);
	u.fs.mkdir(0, "/Green");
	u.fs.mkdir(1, "/Green");
	u.fs.add_whiteout(1, "/Green");
	u.fs.mkdir(2, "/Green");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "Green", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 1);
	REQUIRE(out.node(1) == u.fs.find(1, "/Green"));
	REQUIRE(out.node(2) == nullptr);
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: opaque directories stop the merge, in both marker spellings")
{
	for (bool oci : {false, true}) {
		INFO((oci ? "OCI marker" : "FSL marker"));
		TestUnion u(3);
		u.fs.add_file(0, "/Green/Lime");
		u.fs.make_opaque(1, "/Green", oci);
		u.fs.add_file(2, "/Green/Lettuce");
		Lower root(u.fs, Lower::kRoots), green(u.fs), out(u.fs);

		REQUIRE(resolve(u, root, "Green", green) == 0);
		REQUIRE(green.kind() == UNI_KIND_DIR);
		REQUIRE(green.start() == 0);
		REQUIRE(green.end() == 1);
		REQUIRE(green.node(2) == nullptr);

		REQUIRE(resolve(u, green, "Lettuce", out) == 0);
		REQUIRE(out.kind() == UNI_KIND_NONE);
		REQUIRE_BALANCED(u.fs, root.held() + green.held());
	}
}

TEST_CASE("lookup: an opaque topmost directory hides everything below")
{
	TestUnion u(2);
	u.fs.make_opaque(0, "/Green");
	u.fs.add_file(1, "/Green/Lettuce");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "Green", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	REQUIRE(out.node(1) == nullptr);
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a non-directory hides a lower directory")
{
	TestUnion u(2);
	u.fs.add_file(0, "/X");
	u.fs.mkdir(1, "/X");
	u.fs.add_symlink(0, "/L", "target");
	u.fs.mkdir(1, "/L");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	for (const char *name : {"X", "L"}) {
		REQUIRE(resolve(u, root, name, out) == 0);
		REQUIRE(out.kind() == UNI_KIND_OTHER);
		REQUIRE(out.start() == 0);
		REQUIRE(out.end() == 0);
		REQUIRE(out.node(1) == nullptr);
	}
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: a directory hides a lower non-directory and all below it")
{
	TestUnion u(3);
	u.fs.mkdir(0, "/X");
	u.fs.add_file(1, "/X");
	u.fs.mkdir(2, "/X");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "X", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	REQUIRE(out.node(1) == nullptr);
	REQUIRE(out.node(2) == nullptr);
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: names with the whiteout prefix are never visible")
{
	TestUnion u(2);
	u.fs.add_whiteout(0, "/Tomato");
	u.fs.make_opaque(1, "/Green");
	Lower root(u.fs, Lower::kRoots), green(u.fs), out(u.fs);

	for (const char *name : {".wh.Tomato", ".wh.", ".wh..wh..opq", ".wh.__dir_opaque"}) {
		INFO(name);
		u.fs.reset_log();
		REQUIRE(resolve(u, root, name, out) == 0);
		REQUIRE(out.kind() == UNI_KIND_NONE);
		REQUIRE(out.start() == 0);
		REQUIRE(u.fs.calls(Op::kLookup) == 0);
	}
	REQUIRE(resolve(u, root, "Green", green) == 0);
	REQUIRE(green.start() == 1);
	REQUIRE(resolve(u, green, ".wh.__dir_opaque", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 1);
	/* ".wh" without the dot is an ordinary name */
	u.fs.add_file(1, "/.wh");
	REQUIRE(resolve(u, root, ".wh", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE_BALANCED(u.fs, root.held() + green.held() + out.held());
}

TEST_CASE("lookup: a name too long to whiteout has no whiteout to look for")
{
	TestUnion u(2);
	std::string longest(UNI_NAME_MAX - UNI_WH_PREFIX_LEN, 'n');
	std::string too_long = longest + "n";
	u.fs.add_file(1, "/" + longest);
	u.fs.add_file(1, "/" + too_long);
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, too_long, out) == 0);
	REQUIRE(out.kind() == UNI_KIND_OTHER);
	REQUIRE(out.start() == 1);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:" + too_long, "1:" + too_long});

	u.fs.reset_log();
	REQUIRE(resolve(u, root, longest, out) == 0);
	REQUIRE(out.start() == 1);
	REQUIRE(u.fs.calls(Op::kLookup) == 3);
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: opacity and whiteouts are looked for only when something below would show")
{
	TestUnion u(3);
	u.fs.mkdir(0, "/Solo");
	u.fs.mkdir(0, "/Both");
	u.fs.mkdir(2, "/Both");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	/* a directory only the top branch has: one lookup per branch, no markers */
	REQUIRE(resolve(u, root, "Solo", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_DIR);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 0);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:Solo", "1:Solo", "2:Solo"});

	/* a name no branch has: the same; no whiteout is known absent, but none would hide anything */
	u.fs.reset_log();
	REQUIRE(resolve(u, root, "None", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.set()->known == UNI_KNOWN_HELD_NOWHERE);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:None", "1:None", "2:None"});

	/* a merge: the top's markers and the whiteouts above are asked before it joins */
	u.fs.reset_log();
	REQUIRE(resolve(u, root, "Both", out) == 0);
	REQUIRE(out.start() == 0);
	REQUIRE(out.end() == 2);
	REQUIRE(u.fs.lookup_log() ==
		std::vector<std::string>{"0:Both", "1:Both", "2:Both", "0:" UNI_OPAQUE_NAME,
					 "0:" UNI_OCI_OPAQUE_NAME, "0:.wh.Both", "1:.wh.Both"});
	REQUIRE_BALANCED(u.fs, root.held() + out.held());
}

TEST_CASE("lookup: the lowest branch is not checked for whiteouts or opacity")
{
	TestUnion u(1);
	u.fs.mkdir(0, "/d");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	REQUIRE(resolve(u, root, "d", out) == 0);
	REQUIRE(resolve(u, root, "none", out) == 0);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"0:d", "0:none"});
}

TEST_CASE("lookup: branches outside the parent's range are not visited")
{
	TestUnion u(3);
	u.fs.add_file(0, "/f");
	u.fs.add_file(2, "/f");
	Lower root(u.fs, Lower::kRoots), out(u.fs);

	root.set()->start = 1;
	root.set()->end = 1;
	REQUIRE(resolve(u, root, "f", out) == 0);
	REQUIRE(out.kind() == UNI_KIND_NONE);
	REQUIRE(out.start() == 1);
	REQUIRE(u.fs.lookup_log() == std::vector<std::string>{"1:f"});
}

TEST_CASE("lookup: allocates nothing")
{
	TestUnion u(3);
	add_green(u.fs);
	Lower root(u.fs, Lower::kRoots), out(u.fs);
	unsigned long before = test_env::allocation_count();

	REQUIRE(resolve(u, root, "Green", out) == 0);
	REQUIRE(test_env::allocation_count() == before);
}

TEST_CASE("lookup: a failure at any step is returned with every reference released")
{
	/* Three merged directories, whiteout and opacity checks: many lookups to fail. */
	auto build = [](memfs::Fs &fs) {
		fs.add_file(0, "/Green/Lime");
		fs.add_file(1, "/Green/Lettuce");
		fs.add_file(2, "/Green/Kale");
	};
	size_t steps;
	{
		TestUnion u(3);
		build(u.fs);
		Lower root(u.fs, Lower::kRoots), out(u.fs);

		REQUIRE(resolve(u, root, "Green", out) == 0);
		REQUIRE(out.end() == 2);
		steps = u.fs.lookup_log().size();
		REQUIRE(u.fs.lookup_log() ==
			std::vector<std::string>{"0:Green", "1:Green", "0:" UNI_OPAQUE_NAME,
						 "0:" UNI_OCI_OPAQUE_NAME, "0:.wh.Green", "2:Green",
						 "1:" UNI_OPAQUE_NAME, "1:" UNI_OCI_OPAQUE_NAME,
						 "1:.wh.Green"});
	}
	for (size_t step = 0; step < steps; ++step) {
		for (int error : {-EIO, -EACCES}) {
			INFO("failing lookup " << step << " with " << error);
			TestUnion u(3);
			build(u.fs);
			Lower root(u.fs, Lower::kRoots), out(u.fs);
			Fault fault{Op::kLookup};

			fault.error = error;
			fault.skip = static_cast<unsigned>(step);
			fault.times = 1;
			u.fs.inject(fault);
			REQUIRE(resolve(u, root, "Green", out) == error);
			REQUIRE(out.held() == 0);
			REQUIRE(out.start() == -1);
			REQUIRE(out.end() == -1);
			REQUIRE(out.kind() == UNI_KIND_NONE);
			REQUIRE_BALANCED(u.fs, root.held());
		}
	}
}

TEST_CASE("lookup: failing whiteout and opacity checks fail only the names that need them")
{
	struct Case {
		const char *target;	/* the resolution that must fail */
		int branch;
		const char *failing;	/* the lookup made to fail */
	};
	const Case cases[] = {
		{"Green", 0, ".wh.Green"},	 {"Green", 1, UNI_OPAQUE_NAME},
		{"Green", 1, UNI_OCI_OPAQUE_NAME}, {"Green", 2, "Green"},
		{"Tomato", 1, ".wh.Tomato"},	 {"Tomato", 2, "Tomato"},
	};

	for (const Case &c : cases) {
		INFO("failing " << c.branch << ":" << c.failing);
		TestUnion u(3);
		add_green(u.fs);
		u.fs.mkdir(2, "/Green");
		u.fs.add_file(2, "/Tomato");
		Lower root(u.fs, Lower::kRoots), out(u.fs);
		Fault fault{Op::kLookup};

		fault.branch = c.branch;
		fault.name = c.failing;
		u.fs.inject(fault);
		for (const char *name : {"Green", "Tomato"}) {
			INFO("resolving " << name);
			bool fails = std::string(name) == c.target;

			REQUIRE(resolve(u, root, name, out) == (fails ? -EIO : 0));
			REQUIRE(out.held() == (fails ? 0 : name == std::string("Green") ? 3 : 1));
		}
		out.release();
		REQUIRE_BALANCED(u.fs, root.held());
	}
}

TEST_CASE("lookup: an invalid parent set is EINVAL and yields nothing")
{
	TestUnion u(2);
	u.fs.add_file(0, "/f");
	Lower root(u.fs, Lower::kRoots), out(u.fs);
	uni_lower_set *p = root.set();

	p->start = 1;
	p->end = 0;
	REQUIRE(resolve(u, root, "f", out) == -UNI_EINVAL);
	p->start = 0;
	p->end = 2;
	REQUIRE(resolve(u, root, "f", out) == -UNI_EINVAL);
	p->start = -1;
	p->end = 1;
	REQUIRE(resolve(u, root, "f", out) == -UNI_EINVAL);
	REQUIRE(out.start() == -1);
	REQUIRE(out.held() == 0);

	/* a parent with no lower directory at all */
	Lower empty(u.fs);
	empty.set()->start = 0;
	empty.set()->end = 1;
	empty.set()->kind = UNI_KIND_DIR;
	REQUIRE(resolve(u, empty, "f", out) == -UNI_EINVAL);
	REQUIRE(u.fs.calls(Op::kLookup) == 0);
	REQUIRE_BALANCED(u.fs, root.held());
}

/* ---- Which branches hold a name (unionctl --query) ---- */

namespace {

/* The branches holding name in the union root, as a sorted list of indexes. */
std::vector<int> holders(TestUnion &u, std::string_view name)
{
	Lower root(u.fs, Lower::kRoots);
	unsigned long long bits[2] = {~0ULL, ~0ULL};
	std::vector<int> out;

	REQUIRE(uni_lookup_holders(u.table, u.fs.ops(), u.fs.env(), root.set(), name.data(),
				   static_cast<unsigned>(name.size()), bits, 2) == 0);
	for (int i = 0; i < 128; i++)
		if (bits[i / 64] & (1ULL << (i % 64)))
			out.push_back(i);
	return out;
}

} /* namespace */

TEST_CASE("holders: every branch with a copy of a file, not only the top one")
{
	TestUnion u(3);
	add_fruits_and_vegetables(u.fs);
	u.fs.add_file(2, "/Tomato");
	u.fs.add_file(2, "/Apple");

	REQUIRE(holders(u, "Tomato") == std::vector<int>{0, 1, 2});
	REQUIRE(holders(u, "Apple") == std::vector<int>{0, 2});
	REQUIRE(holders(u, "Carrots") == std::vector<int>{1});
	REQUIRE(holders(u, "Nothing").empty());
	REQUIRE(holders(u, ".wh.Tomato").empty());
}

TEST_CASE("holders: a whiteout beside the name ends the walk below its branch")
{
	TestUnion u(3);
	u.fs.add_file(0, "/f");
	u.fs.add_whiteout(1, "/f");
	u.fs.add_file(1, "/f");
	u.fs.add_file(2, "/f");

	REQUIRE(holders(u, "f") == std::vector<int>{0, 1});
}

TEST_CASE("holders: an object of the other kind below is hidden, and hides the rest")
{
	TestUnion u(3);
	u.fs.add_file(0, "/x");
	u.fs.mkdir(1, "/x");
	u.fs.add_file(2, "/x");
	u.fs.mkdir(0, "/d");
	u.fs.mkdir(1, "/d");
	u.fs.add_file(2, "/d");

	REQUIRE(holders(u, "x") == std::vector<int>{0});
	REQUIRE(holders(u, "d") == std::vector<int>{0, 1});
}

TEST_CASE("holders: an opaque directory ends the walk")
{
	TestUnion u(3);
	u.fs.mkdir(0, "/d");
	u.fs.mkdir(1, "/d");
	u.fs.make_opaque(1, "/d");
	u.fs.mkdir(2, "/d");

	REQUIRE(holders(u, "d") == std::vector<int>{0, 1});
}

TEST_CASE("holders: too few words for the branches, or a bad parent, is EINVAL")
{
	TestUnion u(2);
	Lower root(u.fs, Lower::kRoots);
	unsigned long long bits = 0;

	REQUIRE(uni_lookup_holders(u.table, u.fs.ops(), u.fs.env(), root.set(), "f", 1, &bits, 0) ==
		-EINVAL);
	REQUIRE(uni_lookup_holders(u.table, u.fs.ops(), u.fs.env(), nullptr, "f", 1, &bits, 1) ==
		-EINVAL);
}

TEST_CASE("holders: a failing lookup is returned, with every reference released")
{
	TestUnion u(2);
	add_fruits_and_vegetables(u.fs);
	Lower root(u.fs, Lower::kRoots);
	unsigned long long bits = 0;

	Fault fault{Op::kLookup};

	fault.branch = 1;
	fault.name = "Tomato";
	u.fs.inject(fault);
	REQUIRE(uni_lookup_holders(u.table, u.fs.ops(), u.fs.env(), root.set(), "Tomato", 6, &bits,
				   1) == -EIO);
	REQUIRE_BALANCED(u.fs, root.held());
}
