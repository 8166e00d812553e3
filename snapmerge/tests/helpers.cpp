// SPDX-License-Identifier: GPL-2.0
/*
 * helpers.cpp - running snapmerge from the tests.
 */
#include "helpers.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "cli.h"
#include "tree.h"

namespace test_run {

Result run(const std::vector<std::string> &args, snapmerge::Fault fault,
	   const std::string &mountinfo)
{
	std::ostringstream out, err;
	snapmerge::CliEnv env{out, err, mountinfo, false, fault};
	int code = snapmerge::run_cli(args, env);

	return Result{code, out.str(), err.str()};
}

Result program(const std::vector<std::string> &args, const std::map<std::string, std::string> &env)
{
	const char *bin = std::getenv("SNAPMERGE_BIN");

	if (!bin)
		throw std::runtime_error("SNAPMERGE_BIN is not set (run the tests with make check)");
	test_tree::Scratch scratch;
	std::string out_path = scratch.path() + "/out", err_path = scratch.path() + "/err";
	pid_t pid = ::fork();

	if (pid < 0)
		throw std::runtime_error("fork failed");
	if (pid == 0) {
		int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		std::vector<std::string> storage{bin};
		std::vector<char *> argv;

		::dup2(out, 1);
		::dup2(err, 2);
		for (const auto &[name, value] : env)
			::setenv(name.c_str(), value.c_str(), 1);
		storage.insert(storage.end(), args.begin(), args.end());
		for (std::string &arg : storage)
			argv.push_back(arg.data());
		argv.push_back(nullptr);
		::execv(bin, argv.data());
		::_exit(127);
	}
	int status;

	while (::waitpid(pid, &status, 0) < 0) {
	}
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);

	return Result{code, test_tree::read_contents(out_path), test_tree::read_contents(err_path)};
}

Result merge_case(const test_tree::Tree &base, const test_tree::Tree &snapshot,
		  const test_tree::Tree &expected, const std::vector<std::string> &extra)
{
	test_tree::Scratch scratch;
	std::string base_dir = scratch.make_dir("base"), snap_dir = scratch.make_dir("snap");
	std::string expected_dir = scratch.make_dir("expected");
	std::vector<std::string> args{"-q", "--no-sync"};
	bool keep = std::find(extra.begin(), extra.end(), "--keep") != extra.end();

	test_tree::build(base_dir, base);
	test_tree::build(snap_dir, snapshot);
	test_tree::build(expected_dir, expected);
	std::string snap_before = test_tree::describe(snap_dir);

	args.insert(args.end(), extra.begin(), extra.end());
	args.push_back(base_dir);
	args.push_back(snap_dir);
	Result result = run(args);

	INFO("stdout: " << result.out << "stderr: " << result.err);
	CHECK(result.code == 0);
	CHECK(test_tree::describe(base_dir) == test_tree::describe(expected_dir));
	if (keep)
		CHECK(test_tree::describe(snap_dir) == snap_before);
	else
		CHECK(test_tree::names_in(snap_dir).empty());
	return result;
}

bool is_root()
{
	return ::geteuid() == 0;
}

bool can_mount()
{
	static int answer = -1;

	if (answer < 0) {
		test_tree::Scratch scratch;
		std::string dir = scratch.make_dir("m");

		answer = ::mount("none", dir.c_str(), "tmpfs", 0, nullptr) == 0;
		if (answer)
			::umount(dir.c_str());
	}
	return answer;
}

} /* namespace test_run */
