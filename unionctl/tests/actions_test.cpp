// SPDX-License-Identifier: GPL-2.0
/*
 * actions_test.cpp - unionctl end to end against the fakes: which ioctl each
 * command line issues, what it prints, its messages and exit statuses.
 */
#include <catch2/catch.hpp>
#include <cerrno>
#include <functional>
#include <sstream>

#include "actions.h"
#include "fakes.h"

using namespace unionctl;
using namespace unionctl::test;

namespace {

struct Row {
	std::vector<std::string> args;
	std::string call;	/* the one changing ioctl it must issue */
};

std::string joined(const std::vector<std::string> &args)
{
	std::string out;

	for (const std::string &arg : args)
		out += (out.empty() ? "" : " ") + arg;
	return out;
}

/* Each row in a fresh world: exit 0, silent, exactly ROW.call issued. */
void check_calls(const std::vector<Row> &rows)
{
	for (const Row &row : rows) {
		World world;
		INFO("unionctl " << joined(row.args));
		CliResult result = run_cli(world, row.args);
		CHECK(result.status == 0);
		CHECK(result.out == "");
		CHECK(result.err == "");
		CHECK(world.union_.calls == std::vector<std::string>{row.call});
	}
}

/* Runs ARGS in a fresh world (after SETUP); the exit status and stderr. */
std::string failure_of(const std::vector<std::string> &args,
		       const std::function<void(World &)> &setup = nullptr)
{
	World world;

	if (setup)
		setup(world);
	CliResult result = run_cli(world, args);
	CHECK(result.out == "");
	return std::to_string(result.status) + " " + result.err;
}

const std::string kList = "\t/srv/top (rw-)\n"
			  "\t/srv/mid (r--)\n"
			  "\t/srv/base (r-n)\n";

} /* namespace */

TEST_CASE("--help and --version print to stdout and exit 0")
{
	World world;
	CliResult help = run_cli(world, {"--help"});

	CHECK(help.status == 0);
	CHECK(help.out.rfind("\nUsage:\n", 0) == 0);
	CHECK(help.err == "");
	CliResult version = run_cli(world, {"-V"});
	CHECK(version.status == 0);
	CHECK(version.out.rfind("unionctl from unionfs ", 0) == 0);
	CHECK(world.union_.get_branch_calls == 0);
}

TEST_CASE("usage errors go to stderr with the --help line, exit 1, and touch nothing")
{
	World world;
	CliResult result = run_cli(world, {"/mnt/u", "--add", "--remove", "/srv/mid"});

	CHECK(result.status == 1);
	CHECK(result.out == "");
	CHECK(result.err == "unionctl: mutually exclusive arguments: --add --remove\n"
			    "Try 'unionctl --help' for more information.\n");
	CHECK(world.union_.get_branch_calls == 0);
	CHECK(world.union_.calls.empty());

	CHECK(failure_of({"/mnt/u", "--mode", "/srv/mid", "rx"}) ==
	      "1 unionctl: invalid mode 'rx' (expected rw, ro or nfsro)\n"
	      "Try 'unionctl --help' for more information.\n");
	CHECK(failure_of({}) == "1 unionctl: no action specified (--add, --remove, --mode, --list or --query)\n"
				"Try 'unionctl --help' for more information.\n");
}

TEST_CASE("--list: 1.x text, from any path inside the union, either order")
{
	for (const std::vector<std::string> &args : std::vector<std::vector<std::string>>{
		     {"/mnt/u", "--list"}, {"--list", "/mnt/u"}, {"/mnt/u/", "--list"},
		     {"/mnt/u/etc/passwd", "--list"}}) {
		World world;
		INFO("unionctl " << joined(args));
		CliResult result = run_cli(world, args);
		CHECK(result.status == 0);
		CHECK(result.out == kList);
		CHECK(result.err == "");
		CHECK(world.union_.calls.empty());
	}
}

TEST_CASE("--list --json")
{
	World world;
	world.union_.generation = 5;
	CliResult result = run_cli(world, {"/mnt/u/etc", "--list", "--json"});

	CHECK(result.status == 0);
	CHECK(result.err == "");
	CHECK(result.out == "{\n"
			    "   \"mountpoint\": \"/mnt/u\",\n"
			    "   \"generation\": 5,\n"
			    "   \"branches\": [\n"
			    "      {\n"
			    "         \"index\": 0,\n"
			    "         \"path\": \"/srv/top\",\n"
			    "         \"mode\": \"rw\",\n"
			    "         \"open_files\": 0\n"
			    "      },\n"
			    "      {\n"
			    "         \"index\": 1,\n"
			    "         \"path\": \"/srv/mid\",\n"
			    "         \"mode\": \"ro\",\n"
			    "         \"open_files\": 2\n"
			    "      },\n"
			    "      {\n"
			    "         \"index\": 2,\n"
			    "         \"path\": \"/srv/base\",\n"
			    "         \"mode\": \"nfsro\",\n"
			    "         \"open_files\": 0\n"
			    "      }\n"
			    "   ]\n"
			    "}\n");
}

TEST_CASE("--list: a module without GET_BRANCH is listed from the mount options, with a warning")
{
	World world;
	world.union_.fail["GET_BRANCH"] = ENOTTY;
	CliResult result = run_cli(world, {"/mnt/u", "--list"});

	CHECK(result.status == 0);
	CHECK(result.out == kList);
	CHECK(result.err == "unionctl: /mnt/u: cannot read the branches: Inappropriate ioctl for device;"
			    " listing its mount options instead\n");

	CliResult json = run_cli(world, {"/mnt/u", "--list", "-J"});
	CHECK(json.status == 0);
	CHECK(json.out.find("   \"generation\": null,\n") != std::string::npos);
	CHECK(json.out.find("         \"open_files\": null\n") != std::string::npos);
}

TEST_CASE("--list: other GET_BRANCH errors, or no dirs= to fall back on, fail with exit 2")
{
	CHECK(failure_of({"/mnt/u", "--list"}, [](World &w) { w.union_.fail["GET_BRANCH"] = EIO; }) ==
	      "2 unionctl: /mnt/u: cannot read the branches: Input/output error\n");
	CHECK(failure_of({"/mnt/u", "--list"}, [](World &w) {
		      w.union_.fail["GET_BRANCH"] = ENOTTY;
		      w.system.mounts[1].fs_options = "rw";
	      }) == "2 unionctl: /mnt/u: cannot read the branches: Inappropriate ioctl for device\n");
}

TEST_CASE("finding the union: not a unionfs is exit 3, other trouble exit 2")
{
	CHECK(failure_of({"/srv/top", "--list"}) == "3 unionctl: /srv/top: not on a unionfs\n");
	CHECK(failure_of({"/tmp/x", "--add", "/snaps/0"}) == "3 unionctl: /tmp/x: not on a unionfs\n");
	CHECK(failure_of({"/etc/passwd", "--query"}) == "3 unionctl: /etc/passwd: not on a unionfs\n");
	CHECK(failure_of({"/mnt/u", "--list"}, [](World &w) { w.system.mounts.clear(); }) ==
	      "3 unionctl: /mnt/u: not on a unionfs\n");
	CHECK(failure_of({"relative", "--list"}) ==
	      "2 unionctl: relative: cannot resolve path: No such file or directory\n");
	CHECK(failure_of({"/mnt/u/x", "--list"}, [](World &w) { w.system.errors["/mnt/u/x"] = ELOOP; }) ==
	      "2 unionctl: /mnt/u/x: cannot resolve path: Too many levels of symbolic links\n");
	CHECK(failure_of({"/mnt/u", "--list"}, [](World &w) {
		      w.system.mount_table_failure =
			      errno_error("/proc/self/mountinfo: cannot read the mount table", ENOENT);
	      }) == "2 unionctl: /proc/self/mountinfo: cannot read the mount table: No such file or directory\n");
	CHECK(failure_of({"/mnt/u/etc", "--list"}, [](World &w) { w.system.errors["/mnt/u"] = EACCES; }) ==
	      "2 unionctl: /mnt/u/etc: cannot open the union's mount point /mnt/u: Permission denied\n");
}

TEST_CASE("--add: every spelling and position becomes one ADD_BRANCH")
{
	check_calls({
		{{"/mnt/u", "--add", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1"},
		{{"--add", "/mnt/u", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1"},
		{{"/mnt/u/etc", "--add", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--mode", "ro", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=ro generation=1"},
		{{"/mnt/u", "--add", "--mode=nfsro", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=nfsro generation=1"},
		{{"/mnt/u", "--add", "--before", "/srv/mid", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=1 mode=rw generation=1"},
		{{"--add", "--before", "/srv/mid", "/mnt/u", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=1 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--after", "/srv/mid", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=2 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--before", "0", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--after", "2", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=3 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--after", "/srv/base/", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=3 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--before", "top", "/snaps/0"}, "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1"},
		{{"/mnt/u", "--add", "--after", "/link/mid", "--mode", "ro", "/snaps/0"},
		 "ADD_BRANCH dir=/snaps/0 index=2 mode=ro generation=1"},
	});
}

TEST_CASE("--add: failures name the union and the directory")
{
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = EBUSY; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: Device or resource busy\n");
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = ENOTTY; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: Inappropriate ioctl for device\n");
	CHECK(failure_of({"/mnt/u", "--add", "/srv/file"}) ==
	      "2 unionctl: /mnt/u: cannot add branch /srv/file: Not a directory\n");
	CHECK(failure_of({"/mnt/u", "--add", "/gone"}, [](World &w) { w.system.errors["/gone"] = ENOENT; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /gone: No such file or directory\n");
	CHECK(failure_of({"/mnt/u", "--add", "/srv/mid/"}) ==
	      "2 unionctl: /mnt/u: cannot add branch /srv/mid/: already a branch (index 1)\n");
	CHECK(failure_of({"/mnt/u", "--add", "/link/mid"}) ==
	      "2 unionctl: /mnt/u: cannot add branch /link/mid: already a branch (index 1)\n");
	CHECK(failure_of({"/mnt/u", "--add", "--before", "7", "/snaps/0"}) ==
	      "2 unionctl: /mnt/u: no branch 7 (the union has 3 branches)\n");
	CHECK(failure_of({"/mnt/u", "--add", "--after", "/srv/nope", "/snaps/0"}) ==
	      "2 unionctl: /mnt/u: /srv/nope: not a branch of this union\n");
	CHECK(failure_of({"/mnt/u", "--add", "--after", "nope", "/snaps/0"}) ==
	      "2 unionctl: /mnt/u: nope: not a branch of this union: No such file or directory\n");
}

TEST_CASE("--add: nothing is issued when the union or BRANCH is wrong")
{
	World world;

	CHECK(run_cli(world, {"/srv", "--add", "/snaps/0"}).status == 3);
	CHECK(run_cli(world, {"/mnt/u", "--add", "--before", "9", "/snaps/0"}).status == 2);
	CHECK(world.union_.calls.empty());
}

TEST_CASE("--remove: by path, by index, relative, either order")
{
	check_calls({
		{{"/mnt/u", "--remove", "/srv/base"}, "DEL_BRANCH index=2 generation=1"},
		{{"--remove", "/mnt/u", "/srv/base"}, "DEL_BRANCH index=2 generation=1"},
		{{"/mnt/u", "--remove", "/srv/base//"}, "DEL_BRANCH index=2 generation=1"},
		{{"/mnt/u", "--remove", "0"}, "DEL_BRANCH index=0 generation=1"},
		{{"/mnt/u", "--remove", "top"}, "DEL_BRANCH index=0 generation=1"},
		{{"/mnt/u/etc", "--remove", "2"}, "DEL_BRANCH index=2 generation=1"},
	});
}

TEST_CASE("--remove: a branch that names nothing is refused before any request")
{
	World world;

	CHECK(failure_of({"/mnt/u", "--remove", "3"}) ==
	      "2 unionctl: /mnt/u: no branch 3 (the union has 3 branches)\n");
	CHECK(failure_of({"/mnt/u", "--remove", "/srv"}) ==
	      "2 unionctl: /mnt/u: /srv: not a branch of this union\n");
	CHECK(run_cli(world, {"/mnt/u", "--remove", "/srv/nope"}).status == 2);
	CHECK(world.union_.calls.empty());
}

TEST_CASE("--mode: both argument orders, both action positions, --mode=MODE")
{
	check_calls({
		{{"/mnt/u", "--mode", "/srv/mid", "rw"}, "SET_MODE index=1 mode=rw generation=1"},
		{{"/mnt/u", "--mode", "rw", "/srv/mid"}, "SET_MODE index=1 mode=rw generation=1"},
		{{"--mode", "/mnt/u", "/srv/mid", "rw"}, "SET_MODE index=1 mode=rw generation=1"},
		{{"--mode", "/mnt/u", "nfsro", "/srv/top"}, "SET_MODE index=0 mode=nfsro generation=1"},
		{{"/mnt/u", "--mode=ro", "/srv/top"}, "SET_MODE index=0 mode=ro generation=1"},
		{{"/mnt/u", "--mode", "2", "ro"}, "SET_MODE index=2 mode=ro generation=1"},
		{{"/mnt/u", "--mode", "/link/mid", "ro"}, "SET_MODE index=1 mode=ro generation=1"},
	});
}

TEST_CASE("--mode: failures")
{
	CHECK(failure_of({"/mnt/u", "--mode", "/srv/nope", "ro"}) ==
	      "2 unionctl: /mnt/u: /srv/nope: not a branch of this union\n");
	CHECK(failure_of({"/srv/top", "--mode", "/srv/mid", "ro"}) == "3 unionctl: /srv/top: not on a unionfs\n");
}

TEST_CASE("--query: FILE, tab, branch (flags) for each branch holding it")
{
	for (const std::vector<std::string> &args : std::vector<std::vector<std::string>>{
		     {"/mnt/u/etc/passwd", "--query"}, {"--query", "/mnt/u/etc/passwd"}}) {
		World world;
		INFO("unionctl " << joined(args));
		CliResult result = run_cli(world, args);
		CHECK(result.status == 0);
		CHECK(result.err == "");
		CHECK(result.out == "/mnt/u/etc/passwd\t/srv/mid (r--)\n"
				    "/mnt/u/etc/passwd\t/srv/base (r-n)\n");
		CHECK(world.union_.calls == std::vector<std::string>{"QUERY /mnt/u/etc/passwd"});
	}
}

TEST_CASE("--query: FILE as written, a directory, a relative path")
{
	World world;
	world.system.links["passwd"] = "/mnt/u/etc/passwd";
	world.union_.holders["passwd"] = {2};
	world.union_.holders["/mnt/u"] = {0, 1, 2};

	CHECK(run_cli(world, {"passwd", "--query"}).out == "passwd\t/srv/base (r-n)\n");
	CliResult root = run_cli(world, {"/mnt/u", "--query"});
	CHECK(root.status == 0);
	CHECK(root.out == "/mnt/u\t/srv/top (rw-)\n/mnt/u\t/srv/mid (r--)\n/mnt/u\t/srv/base (r-n)\n");
}

TEST_CASE("--query --json")
{
	World world;
	CliResult result = run_cli(world, {"/mnt/u/new", "--query", "--json"});

	CHECK(result.status == 0);
	CHECK(result.out == "{\n"
			    "   \"file\": \"/mnt/u/new\",\n"
			    "   \"mountpoint\": \"/mnt/u\",\n"
			    "   \"branches\": [\n"
			    "      {\n"
			    "         \"index\": 0,\n"
			    "         \"path\": \"/srv/top\",\n"
			    "         \"mode\": \"rw\",\n"
			    "         \"open_files\": 0\n"
			    "      }\n"
			    "   ]\n"
			    "}\n");
}

TEST_CASE("--query: failures")
{
	CHECK(failure_of({"/mnt/u/secret", "--query"}, [](World &w) { w.system.errors["/mnt/u/secret"] = EACCES; }) ==
	      "2 unionctl: /mnt/u/secret: cannot resolve path: Permission denied\n");
	CHECK(failure_of({"/mnt/u/new", "--query"}, [](World &w) { w.union_.fail["QUERY"] = ENOTTY; }) ==
	      "2 unionctl: /mnt/u/new: cannot query which branches hold it: Inappropriate ioctl for device\n");
	CHECK(failure_of({"/mnt/u/new", "--query"}, [](World &w) { w.union_.fail["GET_BRANCH"] = EIO; }) ==
	      "2 unionctl: /mnt/u/new: cannot read the branches: Input/output error\n");
}

TEST_CASE("--query: a file that cannot be opened")
{
	struct OpenFails : FakeSystem {
		int open(const std::string &path, int flags) override
		{
			return path == "/mnt/u/secret" ? -EACCES : FakeSystem::open(path, flags);
		}
	};
	World world;
	OpenFails system;
	system.mounts = world.system.mounts;
	FakeUnion union_(system, "/mnt/u");
	union_.branches = world.union_.branches;
	std::ostringstream out, err;

	CHECK(run({"/mnt/u/secret", "--query"}, system, union_, out, err) == 2);
	CHECK(err.str() == "unionctl: /mnt/u/secret: cannot open: Permission denied\n");
	CHECK(system.open_files.empty());
}

TEST_CASE("--query: a branch added between QUERY and GET_BRANCH makes it ask again")
{
	World world;
	bool added = false;

	world.union_.before_get_branch = [&](uint32_t) {
		if (!added) {
			added = true;
			world.union_.branches.insert(world.union_.branches.begin(),
						     BranchEntry{0, UNIONFS_BRANCH_RW, 0, "/snaps/0"});
			for (size_t i = 0; i < world.union_.branches.size(); i++)
				world.union_.branches[i].index = uint32_t(i);
			world.union_.holders["/mnt/u/new"] = {1};
			world.union_.bump();
		}
	};
	CliResult result = run_cli(world, {"/mnt/u/new", "--query"});
	CHECK(result.status == 0);
	CHECK(result.out == "/mnt/u/new\t/srv/top (rw-)\n");
	CHECK(world.union_.calls == std::vector<std::string>{"QUERY /mnt/u/new", "QUERY /mnt/u/new"});
}

TEST_CASE("the article's snapshot workflow, step by step")
{
	/* mount -t unionfs -o dirs=/usr none /mnt/u */
	World world;
	world.system.mounts[1].fs_options = "rw,dirs=/usr=rw";
	world.union_.set_branches({{"/usr", UNIONFS_BRANCH_RW}});

	auto step = [&](const std::vector<std::string> &args) {
		INFO("unionctl " << joined(args));
		CliResult result = run_cli(world, args);
		CHECK(result.status == 0);
		CHECK(result.err == "");
		return result.out;
	};
	step({"/mnt/u", "--add", "/snaps/0"});
	step({"/mnt/u", "--mode", "/usr", "ro"});
	CHECK(step({"/mnt/u", "--list"}) == "\t/snaps/0 (rw-)\n\t/usr (r--)\n");
	step({"/mnt/u", "--add", "/snaps/1"});
	step({"/mnt/u", "--mode", "/snaps/0", "ro"});
	CHECK(step({"/mnt/u", "--list"}) == "\t/snaps/1 (rw-)\n\t/snaps/0 (r--)\n\t/usr (r--)\n");
	CHECK(world.union_.calls == std::vector<std::string>{
					    "ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1",
					    "SET_MODE index=1 mode=ro generation=2",
					    "ADD_BRANCH dir=/snaps/1 index=0 mode=rw generation=3",
					    "SET_MODE index=1 mode=ro generation=4",
				    });
}

TEST_CASE("a union mounted over its own branch: /usr names both, the branch by its path")
{
	/* mount -t unionfs -o dirs=/usr none /usr, as in the article */
	World world;
	world.system.mounts[1] = MountEntry{"/usr", "/", "unionfs", "rw,dirs=/usr=rw"};
	FakeUnion usr(world.system, "/usr");
	usr.set_branches({{"/usr", UNIONFS_BRANCH_RW}});
	std::ostringstream out, err;

	CHECK(run({"/usr", "--add", "/snaps/0"}, world.system, usr, out, err) == 0);
	CHECK(run({"/usr", "--mode", "/usr", "ro"}, world.system, usr, out, err) == 0);
	CHECK(run({"/usr/bin", "--list"}, world.system, usr, out, err) == 0);
	CHECK(err.str() == "");
	CHECK(out.str() == "\t/snaps/0 (rw-)\n\t/usr (r--)\n");
	CHECK(usr.calls == std::vector<std::string>{"ADD_BRANCH dir=/snaps/0 index=0 mode=rw generation=1",
						    "SET_MODE index=1 mode=ro generation=2"});
	CHECK(world.system.open_files.empty());
}

/* ---- the generation check (ESTALE) ---- */

TEST_CASE("changes carry the generation of the listing they were computed from")
{
	World world;
	const uint64_t generation = 0x123456789aULL;	/* more than 32 bits */

	world.union_.generation = generation;
	CHECK(run_cli(world, {"/mnt/u", "--add", "--after", "/srv/top", "/snaps/0"}).status == 0);
	CHECK(run_cli(world, {"/mnt/u", "--mode", "/snaps/0", "ro"}).status == 0);
	CHECK(run_cli(world, {"/mnt/u", "--remove", "/snaps/0"}).status == 0);
	CHECK(world.union_.calls == std::vector<std::string>{
					    "ADD_BRANCH dir=/snaps/0 index=1 mode=rw generation=78187493530",
					    "SET_MODE index=1 mode=ro generation=78187493531",
					    "DEL_BRANCH index=1 generation=78187493532",
				    });
	CHECK(world.union_.generation == generation + 3);
}

TEST_CASE("--remove: ESTALE makes it list the branches, find BRANCH again and retry")
{
	World world;
	bool changed = false;

	/* Between unionctl's listing and its request, a branch goes on top. */
	world.union_.before_change = [&] {
		if (!changed) {
			changed = true;
			world.union_.insert_branch(0, "/snaps/9");
		}
	};
	CliResult result = run_cli(world, {"/mnt/u", "--remove", "/srv/base"});
	CHECK(result.status == 0);
	CHECK(result.err == "");
	CHECK(world.union_.calls == std::vector<std::string>{"DEL_BRANCH index=2 generation=1",
							     "DEL_BRANCH index=3 generation=2"});
	CHECK(run_cli(world, {"/mnt/u", "--list"}).out == "\t/snaps/9 (rw-)\n\t/srv/top (rw-)\n\t/srv/mid (r--)\n");
}

TEST_CASE("--add --before: ESTALE makes it compute the index again, with the directory opened once")
{
	World world;
	bool changed = false;

	world.union_.before_change = [&] {
		if (!changed) {
			changed = true;
			world.union_.erase_branch(0);
		}
	};
	CliResult result = run_cli(world, {"/mnt/u", "--add", "--before", "/srv/base", "--mode", "ro", "/snaps/0"});
	CHECK(result.status == 0);
	CHECK(result.err == "");
	CHECK(world.union_.calls == std::vector<std::string>{"ADD_BRANCH dir=/snaps/0 index=2 mode=ro generation=1",
							     "ADD_BRANCH dir=/snaps/0 index=1 mode=ro generation=2"});
	CHECK(run_cli(world, {"/mnt/u", "--list"}).out == "\t/srv/mid (r--)\n\t/snaps/0 (r--)\n\t/srv/base (r-n)\n");
	/* fds 3 and 4: the union's root and /snaps/0; then 5 for --list. */
	CHECK(world.system.next_fd == 6);
}

TEST_CASE("--mode: ESTALE makes it find BRANCH again and retry")
{
	World world;
	bool changed = false;

	world.union_.before_change = [&] {
		if (!changed) {
			changed = true;
			world.union_.erase_branch(0);
		}
	};
	CliResult result = run_cli(world, {"/mnt/u", "--mode", "/srv/mid", "rw"});
	CHECK(result.status == 0);
	CHECK(result.err == "");
	CHECK(world.union_.calls == std::vector<std::string>{"SET_MODE index=1 mode=rw generation=1",
							     "SET_MODE index=0 mode=rw generation=2"});
	CHECK(run_cli(world, {"/mnt/u", "--list"}).out == "\t/srv/mid (rw-)\n\t/srv/base (r-n)\n");
}

TEST_CASE("ESTALE: a BRANCH that went meanwhile is not found again, and nothing more is asked")
{
	World world;

	world.union_.before_change = [&] {
		if (world.union_.branches.size() == 3)
			world.union_.erase_branch(2);
	};
	CliResult result = run_cli(world, {"/mnt/u", "--remove", "/srv/base"});
	CHECK(result.status == 2);
	CHECK(result.err == "unionctl: /mnt/u: /srv/base: not a branch of this union\n");
	CHECK(world.union_.calls == std::vector<std::string>{"DEL_BRANCH index=2 generation=1"});
}

TEST_CASE("ESTALE: a union that keeps changing makes it give up after kChangeAttempts requests")
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> rows = {
		{{"/mnt/u", "--remove", "/srv/base"},
		 "unionctl: /mnt/u: cannot remove branch /srv/base: the union's branches kept changing;"
		 " gave up after 5 attempts\n"},
		{{"/mnt/u", "--add", "/snaps/0"},
		 "unionctl: /mnt/u: cannot add branch /snaps/0: the union's branches kept changing;"
		 " gave up after 5 attempts\n"},
		{{"/mnt/u", "--mode", "2", "ro"},
		 "unionctl: /mnt/u: cannot set branch 2 to ro: the union's branches kept changing;"
		 " gave up after 5 attempts\n"},
	};

	REQUIRE(kChangeAttempts == 5);
	for (const auto &[args, message] : rows) {
		World world;
		INFO("unionctl " << joined(args));
		world.union_.before_change = [&] { world.union_.bump(); };
		CliResult result = run_cli(world, args);
		CHECK(result.status == 2);
		CHECK(result.out == "");
		CHECK(result.err == message);
		REQUIRE(world.union_.calls.size() == size_t(kChangeAttempts));
		/* Each request from a listing of its own: generations 1, 2, 3 ... */
		for (int i = 0; i < kChangeAttempts; i++) {
			const std::string &call = world.union_.calls[i];
			const std::string suffix = " generation=" + std::to_string(i + 1);
			INFO(call);
			CHECK(call.compare(call.size() - suffix.size(), suffix.size(), suffix) == 0);
		}
		CHECK(world.union_.generation == uint64_t(1 + kChangeAttempts));
		CHECK(run_cli(world, {"/mnt/u", "--list"}).out == kList);
	}
}

TEST_CASE("ESTALE from the module, whatever the generation, is retried as well")
{
	World world;

	world.union_.fail["DEL_BRANCH"] = ESTALE;
	CliResult result = run_cli(world, {"/mnt/u", "--remove", "0"});
	CHECK(result.status == 2);
	CHECK(result.err == "unionctl: /mnt/u: cannot remove branch 0: the union's branches kept changing;"
			    " gave up after 5 attempts\n");
	CHECK(world.union_.calls == std::vector<std::string>(kChangeAttempts, "DEL_BRANCH index=0 generation=1"));
}

/* ---- refusals of the module, in the user's terms ---- */

TEST_CASE("--add: the module's refusals")
{
	const std::string cap = "changing a union's branches needs CAP_SYS_ADMIN";
	const std::string overlap = "it overlaps a branch of the union or lies inside it";

	/* The fake union refuses these as the module does. */
	CHECK(failure_of({"/mnt/u", "--add", "/srv/mid/sub"}) ==
	      "2 unionctl: /mnt/u: cannot add branch /srv/mid/sub: " + overlap + "\n");
	CHECK(failure_of({"/mnt/u", "--add", "/srv"}) ==
	      "2 unionctl: /mnt/u: cannot add branch /srv: " + overlap + "\n");
	CHECK(failure_of({"/mnt/u/etc", "--add", "/mnt/u/etc"}) ==
	      "2 unionctl: /mnt/u/etc: cannot add branch /mnt/u/etc: it lies inside the union\n");
	CHECK(failure_of({"/mnt/u", "--add", "/mnt/v/x"}, [](World &w) {
		      w.system.mounts.push_back(MountEntry{"/mnt/v", "/", "unionfs", "rw,dirs=/srv/v"});
	      }) == "2 unionctl: /mnt/u: cannot add branch /mnt/v/x: it lies inside another union (/mnt/v)\n");
	/* The mount table is only for the wording. */
	CHECK(failure_of({"/mnt/u", "--add", "/srv/mid/sub"}, [](World &w) {
		      w.union_.before_change = [&w] {
			      w.system.mount_table_failure = errno_error("mountinfo", EIO);
		      };
	      }) == "2 unionctl: /mnt/u: cannot add branch /srv/mid/sub: " + overlap + "\n");
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) {
		      std::vector<std::pair<std::string, uint32_t>> many;
		      for (int i = 0; i < UNIONFS_MAX_BRANCHES; i++)
			      many.emplace_back("/b/" + std::to_string(i), UNIONFS_BRANCH_RO);
		      w.union_.set_branches(many);
	      }) == "2 unionctl: /mnt/u: cannot add branch /snaps/0: the union already has 128 branches,"
		    " the most it can have\n");
	/* Injected. */
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = EROFS; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: its filesystem is mounted read-only\n");
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = ENOTDIR; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: Not a directory\n");
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = EPERM; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: " + cap + "\n");
	CHECK(failure_of({"/mnt/u", "--add", "/snaps/0"}, [](World &w) { w.union_.fail["ADD_BRANCH"] = EINVAL; }) ==
	      "2 unionctl: /mnt/u: cannot add branch /snaps/0: " + overlap + "\n");
}

TEST_CASE("--remove: the module's refusals")
{
	/* EBUSY: the fake union refuses its last branch, and branches with open files. */
	CHECK(failure_of({"/mnt/u", "--remove", "/srv/top"}, [](World &w) {
		      w.union_.set_branches({{"/srv/top", UNIONFS_BRANCH_RW}});
	      }) == "2 unionctl: /mnt/u: cannot remove branch /srv/top: it is the union's last branch\n");
	CHECK(failure_of({"/mnt/u", "--remove", "0"}, [](World &w) {
		      w.union_.set_branches({{"/srv/top", UNIONFS_BRANCH_RW}});
		      w.union_.branches[0].open_files = 4;
	      }) == "2 unionctl: /mnt/u: cannot remove branch 0: it is the union's last branch\n");
	CHECK(failure_of({"/mnt/u", "--remove", "/srv/mid"}) ==
	      "2 unionctl: /mnt/u: cannot remove branch /srv/mid: 2 files are open on it\n");
	CHECK(failure_of({"/mnt/u", "--remove", "1"}, [](World &w) { w.union_.branches[1].open_files = 1; }) ==
	      "2 unionctl: /mnt/u: cannot remove branch 1: 1 file is open on it\n");
	/* Opened after the listing: it saw none. */
	CHECK(failure_of({"/mnt/u", "--remove", "0"}, [](World &w) { w.union_.fail["DEL_BRANCH"] = EBUSY; }) ==
	      "2 unionctl: /mnt/u: cannot remove branch 0: files are open on it\n");
	CHECK(failure_of({"/mnt/u", "--remove", "top"}, [](World &w) { w.union_.fail["DEL_BRANCH"] = EINVAL; }) ==
	      "2 unionctl: /mnt/u: cannot remove branch top: the union has no branch at index 0\n");
	CHECK(failure_of({"/mnt/u", "--remove", "2"}, [](World &w) { w.union_.fail["DEL_BRANCH"] = EPERM; }) ==
	      "2 unionctl: /mnt/u: cannot remove branch 2: changing a union's branches needs CAP_SYS_ADMIN\n");
	CHECK(failure_of({"/mnt/u", "--remove", "2"}, [](World &w) { w.union_.fail["DEL_BRANCH"] = ENOTTY; }) ==
	      "2 unionctl: /mnt/u: cannot remove branch 2: Inappropriate ioctl for device\n");
}

TEST_CASE("--mode: the module's refusals")
{
	CHECK(failure_of({"/mnt/u", "--mode", "/srv/mid", "rw"}, [](World &w) { w.union_.fail["SET_MODE"] = EROFS; }) ==
	      "2 unionctl: /mnt/u: cannot set branch /srv/mid to rw: the branch's filesystem is mounted read-only\n");
	CHECK(failure_of({"/mnt/u", "--mode", "/link/mid", "ro"}, [](World &w) { w.union_.fail["SET_MODE"] = EINVAL; }) ==
	      "2 unionctl: /mnt/u: cannot set branch /link/mid to ro: the union has no branch at index 1\n");
	CHECK(failure_of({"/mnt/u", "--mode", "1", "nfsro"}, [](World &w) { w.union_.fail["SET_MODE"] = EPERM; }) ==
	      "2 unionctl: /mnt/u: cannot set branch 1 to nfsro: changing a union's branches needs CAP_SYS_ADMIN\n");
	CHECK(failure_of({"/mnt/u", "--mode", "1", "ro"}, [](World &w) { w.union_.fail["SET_MODE"] = EIO; }) ==
	      "2 unionctl: /mnt/u: cannot set branch 1 to ro: Input/output error\n");
}

TEST_CASE("a refused change keeps its errno and exit status 2, and is issued once")
{
	for (int err : {EINVAL, ENOTDIR, EBUSY, EROFS, EPERM}) {
		World world;
		INFO("errno " << err);
		world.union_.fail["ADD_BRANCH"] = err;
		world.union_.fail["DEL_BRANCH"] = err;
		world.union_.fail["SET_MODE"] = err;
		CHECK(run_cli(world, {"/mnt/u", "--add", "/snaps/0"}).status == 2);
		CHECK(run_cli(world, {"/mnt/u", "--remove", "0"}).status == 2);
		CHECK(run_cli(world, {"/mnt/u", "--mode", "0", "ro"}).status == 2);
		CHECK(world.union_.calls.size() == 3);
	}
}
