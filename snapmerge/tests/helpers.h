// SPDX-License-Identifier: GPL-2.0
/*
 * helpers.h - running snapmerge from the tests: in-process (run_cli with
 * captured output and an optional fault) or as the built program.
 */
#ifndef SNAPMERGE_TESTS_HELPERS_H
#define SNAPMERGE_TESTS_HELPERS_H

#include <map>
#include <string>
#include <vector>

#include "fs.h"
#include "tree.h"

namespace test_run {

struct Result {
	int code;		/* exit code; for the program, -SIGNAL when killed */
	std::string out;
	std::string err;
};

/* run_cli(args) with output captured; InjectedCrash passes through. */
Result run(const std::vector<std::string> &args, snapmerge::Fault fault = {},
	   const std::string &mountinfo = "/proc/self/mountinfo");

/* The program (make check sets SNAPMERGE_BIN), with extra environment variables. */
Result program(const std::vector<std::string> &args, const std::map<std::string, std::string> &env = {});

/*
 * Builds base, snapshot and expected trees in a scratch directory, runs
 * "snapmerge -q --no-sync [extra...] BASE SNAPSHOT", and checks with Catch
 * that it succeeded, that the base now equals the expected tree, and that
 * the snapshot was emptied (or, with --keep, left as built).
 */
Result merge_case(const test_tree::Tree &base, const test_tree::Tree &snapshot,
		  const test_tree::Tree &expected, const std::vector<std::string> &extra = {});

/* For the tests that need privileges the host tests normally have. */
bool is_root();
/* mount(2) works here (tmpfs, bind): some tests need it and skip otherwise. */
bool can_mount();

} /* namespace test_run */

#endif
