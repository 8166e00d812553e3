// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test.cpp - an interruption at every step, then a re-run.
 *
 * A scenario with every kind of change (two snapshots) is merged once per
 * filesystem-changing step N, with step N failing (EIO: snapmerge's own
 * error handling runs) or crashing (nothing after it runs, as after a
 * power cut), until N is past the last step. After each interruption:
 * every non-directory of the base is whole, as it was before, after the
 * first snapshot, or at the end; nothing present in all three states is
 * missing. Then a plain re-run must give exactly the uninterrupted result.
 */
#include <catch2/catch.hpp>

#include <set>

#include "helpers.h"
#include "tree.h"
#include "whiteouts.h"

using namespace test_tree;

namespace {

const long kT = 1700000000;

Tree scenario_base()
{
	return {
		file("a", "base a"), file("b", "base b").with_mode(0600), hardlink("b2", "b"),
		dir("d").at(kT), file("d/x", "x"), file("d/y", "y"), dir("d/deep/er"), file("d/deep/er/z"),
		dir("opaque"), file("opaque/gone"), dir("opaque/sub"), file("opaque/sub/gone"),
		file("to-dir", "file"), dir("to-file"), file("to-file/x"), symlink_to("link", "a"),
		fifo("fifo"), dir("whited"), dir("whited/sub"), file("whited/sub/f"), file("whited/g"),
		file(".wh.own", "the base's hidden file"), file("stays", "s").at(kT),
	};
}

Tree scenario_s1()
{
	return {
		file("a", "s1 a").with_mode(0755).owner(1000, 1000).xattr("user.a", "1"),
		whiteout(".wh.whited"), whiteout(".wh.fifo"),
		dir("d").with_mode(0700).at(kT + 1), whiteout("d/.wh.x"), file("d/new", "s1 new"),
		dir("opaque").at(kT + 2), whiteout("opaque/.wh.__dir_opaque"), dir("opaque/sub"),
		file("opaque/sub/kept", "k"), file("opaque/ sorts before the marker", "k"),
		dir("to-dir").at(kT + 3), file("to-dir/in", "in"), dir("to-dir/sub"), file("to-dir/sub/f"),
		file("to-file", "now a file"), symlink_to("link", "b"),
		file("h1", "linked"), hardlink("d/h2", "h1"), chr("null", 1, 3), sock("sock"),
		sparse("sparse", 1 << 20, {{512 << 10, "data"}}),
	};
}

Tree scenario_s2()
{
	return {
		file("a", "s2 a"), whiteout(".wh.b"), dir("d").at(kT + 4), whiteout("d/.wh.new"),
		file("d/y", "s2 y"), dir("whited"), file("whited/again", "back"),
		whiteout(".wh.to-dir"), file("to-dir", "file again"),
		dir("opaque").at(kT + 5), file("opaque/s2", "s2"),
	};
}

bool under_temp(const std::string &path)
{
	size_t start = 0;

	for (;;) {
		size_t slash = path.find('/', start);

		if (snapmerge::is_temp_name(path.substr(start, slash - start)))
			return true;
		if (slash == std::string::npos)
			return false;
		start = slash + 1;
	}
}

/* A description line without the link count, which passes through intermediate values. */
std::string without_links(const std::string &line)
{
	size_t at = line.find(" nlink=");

	return at == std::string::npos ? line : line.substr(0, at);
}

struct States {
	std::vector<std::map<std::string, std::string>> objects;	/* before, after s1, end */
	std::string final_base;
};

void build_scenario(const Scratch &scratch, std::string &base, std::string &s1, std::string &s2)
{
	base = scratch.make_dir("base");
	s1 = scratch.make_dir("s1");
	s2 = scratch.make_dir("s2");
	build(base, scenario_base());
	build(s1, scenario_s1());
	build(s2, scenario_s2());
}

States reference_states(const std::vector<std::string> &options)
{
	States states;
	Scratch scratch;
	std::string base, s1, s2;

	build_scenario(scratch, base, s1, s2);
	states.objects.push_back(describe_objects(base));
	std::vector<std::string> args = options;

	args.insert(args.end(), {"--keep", base, s1});
	REQUIRE(test_run::run(args).code == 0);
	states.objects.push_back(describe_objects(base));

	Scratch again;

	build_scenario(again, base, s1, s2);
	args = options;
	args.insert(args.end(), {base, s1, s2});
	REQUIRE(test_run::run(args).code == 0);
	states.objects.push_back(describe_objects(base));
	states.final_base = describe(base);
	return states;
}

void check_whole(const std::string &base, const States &states)
{
	std::map<std::string, std::string> now = describe_objects(base);

	for (const auto &[path, line] : now) {
		if (under_temp(path))
			continue;
		bool known = false;

		for (const auto &state : states.objects) {
			auto found = state.find(path);

			known |= found != state.end() && without_links(found->second) == without_links(line);
		}
		INFO("base object " << path << ": " << line);
		CHECK(known);
	}
	for (const auto &[path, line] : states.objects[0]) {
		bool everywhere = states.objects[1].count(path) && states.objects[2].count(path);

		INFO("missing from the base: " << path);
		CHECK((!everywhere || now.count(path)));
	}
}

/* Returns the number of steps a whole merge takes. */
unsigned long sweep(snapmerge::Fault::Kind kind, const std::vector<std::string> &options,
		    bool no_exchange = false)
{
	States states = reference_states(options);

	for (unsigned long step = 1;; step++) {
		Scratch scratch;
		std::string base, s1, s2;
		std::vector<std::string> args = options;

		build_scenario(scratch, base, s1, s2);
		args.insert(args.end(), {base, s1, s2});
		bool interrupted = false;

		try {
			test_run::Result result = test_run::run(args, {kind, step, no_exchange});

			if (result.code == 0)
				return step - 1;	/* the fault never fired: every step done */
			INFO(result.err);
			REQUIRE(result.code == 1);
			REQUIRE(kind == snapmerge::Fault::kFail);
			interrupted = true;
		} catch (const snapmerge::InjectedCrash &crash) {
			REQUIRE(kind == snapmerge::Fault::kCrash);
			REQUIRE(crash.step == step);
			interrupted = true;
		}
		REQUIRE(interrupted);
		INFO("interrupted at step " << step);
		check_whole(base, states);

		std::vector<std::string> again = options;

		again.insert(again.end(), {base, s1, s2});
		test_run::Result rerun = test_run::run(again);

		INFO(rerun.err);
		REQUIRE(rerun.code == 0);
		REQUIRE(describe(base) == states.final_base);
		bool keep = std::find(options.begin(), options.end(), "--keep") != options.end();

		if (!keep) {
			CHECK(names_in(s1).empty());
			CHECK(names_in(s2).empty());
		}
	}
}

} /* namespace */

TEST_CASE("a failure at every step, then a re-run, gives the uninterrupted result")
{
	unsigned long steps = sweep(snapmerge::Fault::kFail, {"-q", "--no-sync"});

	INFO(steps << " steps");
	CHECK(steps > 100);
}

TEST_CASE("a crash at every step, then a re-run, gives the uninterrupted result")
{
	unsigned long steps = sweep(snapmerge::Fault::kCrash, {"-q", "--no-sync"});

	CHECK(steps > 100);
}

TEST_CASE("a crash at every step with --keep, then a re-run, gives the uninterrupted result")
{
	unsigned long steps = sweep(snapmerge::Fault::kCrash, {"-q", "--no-sync", "--keep"});

	CHECK(steps > 100);
}

TEST_CASE("a crash at every step without RENAME_EXCHANGE, then a re-run, gives the uninterrupted result")
{
	unsigned long steps = sweep(snapmerge::Fault::kCrash, {"-q", "--no-sync"}, true);

	CHECK(steps > 100);
}

TEST_CASE("the program killed (SIGKILL) part way, then run again, completes the merge")
{
	States states = reference_states({"-q"});

	for (unsigned long step : {1ul, 2ul, 9ul, 33ul, 77ul, 120ul, 150ul}) {
		Scratch scratch;
		std::string base, s1, s2;

		build_scenario(scratch, base, s1, s2);
		test_run::Result killed =
			test_run::program({"-q", base, s1, s2}, {{"SNAPMERGE_FAULT", "kill:" + std::to_string(step)}});

		INFO("killed at step " << step << ": " << killed.err);
		CHECK(killed.code == -9);
		check_whole(base, states);
		test_run::Result rerun = test_run::program({"-q", base, s1, s2});

		INFO(rerun.err);
		CHECK(rerun.code == 0);
		CHECK(describe(base) == states.final_base);
		CHECK(names_in(s1).empty());
		CHECK(names_in(s2).empty());
	}
}

TEST_CASE("a malformed SNAPMERGE_FAULT is a usage error")
{
	test_run::Result result = test_run::program({"--help"}, {{"SNAPMERGE_FAULT", "sometimes"}});

	CHECK(result.code == 2);
	CHECK(result.err.find("SNAPMERGE_FAULT") != std::string::npos);
}
