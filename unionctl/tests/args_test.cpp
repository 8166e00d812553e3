// SPDX-License-Identifier: GPL-2.0
/*
 * args_test.cpp - every accepted spelling of every action, and every usage
 * error with its message.
 */
#include <catch2/catch.hpp>

#include "args.h"
#include "mode.h"

using namespace unionctl;

namespace {

/* A Command as one line, so a table row states all of it. */
std::string describe(const Command &cmd)
{
	static const char *const kActions[] = {"add", "remove", "mode", "list", "query", "help", "version"};
	std::string out = kActions[static_cast<int>(cmd.action)];

	if (cmd.action == Action::Help || cmd.action == Action::Version)
		return out;
	out += " " + cmd.target;
	switch (cmd.action) {
	case Action::Add:
		out += " dir=" + cmd.dir + " mode=" + mode_name(cmd.mode);
		if (cmd.where != Where::Top)
			out += (cmd.where == Where::Before ? " before=" : " after=") + cmd.branch.text;
		break;
	case Action::Remove:
		out += " branch=" + cmd.branch.text;
		break;
	case Action::Mode:
		out += " branch=" + cmd.branch.text + " mode=" + mode_name(cmd.mode);
		break;
	default:
		break;
	}
	return out + (cmd.json ? " json" : "");
}

std::string parse(const std::vector<std::string> &args)
{
	Result<Command> cmd = parse_args(args);

	if (cmd.is_error())
		return "error: " + cmd.failure().message;
	return describe(cmd.value());
}

struct Row {
	std::vector<std::string> args;
	std::string expected;
};

std::string joined(const std::vector<std::string> &args)
{
	std::string out;

	for (const std::string &arg : args)
		out += (out.empty() ? "" : " ") + ("'" + arg + "'");
	return out;
}

void check_rows(const std::vector<Row> &rows)
{
	for (const Row &row : rows) {
		INFO("unionctl " << joined(row.args));
		CHECK(parse(row.args) == row.expected);
	}
}

} /* namespace */

TEST_CASE("--list and --query, action after or before the path")
{
	check_rows({
		{{"/mnt/u", "--list"}, "list /mnt/u"},
		{{"--list", "/mnt/u"}, "list /mnt/u"},
		{{"/mnt/u", "--list", "--json"}, "list /mnt/u json"},
		{{"-J", "--list", "/mnt/u"}, "list /mnt/u json"},
		{{"/mnt/u", "--list", "-J"}, "list /mnt/u json"},
		{{"/mnt/u/etc/passwd", "--query"}, "query /mnt/u/etc/passwd"},
		{{"--query", "/mnt/u/etc/passwd"}, "query /mnt/u/etc/passwd"},
		{{"--query", "--json", "f"}, "query f json"},
	});
}

TEST_CASE("--add: on top by default, --before/--after/--mode in any position")
{
	check_rows({
		{{"/mnt/u", "--add", "/snaps/0"}, "add /mnt/u dir=/snaps/0 mode=rw"},
		{{"--add", "/mnt/u", "/snaps/0"}, "add /mnt/u dir=/snaps/0 mode=rw"},
		{{"/mnt/u", "--add", "--mode", "ro", "/new"}, "add /mnt/u dir=/new mode=ro"},
		{{"/mnt/u", "--add", "--mode=nfsro", "/new"}, "add /mnt/u dir=/new mode=nfsro"},
		{{"/mnt/u", "--add", "/new", "--mode", "ro"}, "add /mnt/u dir=/new mode=ro"},
		{{"/mnt/u", "--mode", "ro", "--add", "/new"}, "add /mnt/u dir=/new mode=ro"},
		{{"--add", "--before", "/b", "/mnt/u", "/new"}, "add /mnt/u dir=/new mode=rw before=/b"},
		{{"/mnt/u", "--add", "--before=/b", "/new"}, "add /mnt/u dir=/new mode=rw before=/b"},
		{{"/mnt/u", "--add", "--after", "1", "/new"}, "add /mnt/u dir=/new mode=rw after=1"},
		{{"--add", "--mode", "ro", "--after", "/b", "/mnt/u", "/new"},
		 "add /mnt/u dir=/new mode=ro after=/b"},
		{{"/mnt/u", "--add", "--before", "/a", "--before", "/b", "/new"},
		 "add /mnt/u dir=/new mode=rw before=/b"},
		{{"/mnt/u", "--add", "--", "-odd"}, "add /mnt/u dir=-odd mode=rw"},
		{{"/mnt/u", "--add", "-"}, "add /mnt/u dir=- mode=rw"},
	});
}

TEST_CASE("--remove by path or index, both orders")
{
	check_rows({
		{{"/mnt/u", "--remove", "/b"}, "remove /mnt/u branch=/b"},
		{{"--remove", "/mnt/u", "/b"}, "remove /mnt/u branch=/b"},
		{{"/mnt/u", "--remove", "2"}, "remove /mnt/u branch=2"},
		{{"/mnt/u", "--remove", "--", "-b"}, "remove /mnt/u branch=-b"},
	});
}

TEST_CASE("--mode takes BRANCH MODE or MODE BRANCH, action first or second, or --mode=MODE")
{
	check_rows({
		{{"/mnt/u", "--mode", "/b", "ro"}, "mode /mnt/u branch=/b mode=ro"},
		{{"/mnt/u", "--mode", "ro", "/b"}, "mode /mnt/u branch=/b mode=ro"},
		{{"--mode", "/mnt/u", "/b", "ro"}, "mode /mnt/u branch=/b mode=ro"},
		{{"--mode", "/mnt/u", "nfsro", "/b"}, "mode /mnt/u branch=/b mode=nfsro"},
		{{"/mnt/u", "--mode", "1", "rw"}, "mode /mnt/u branch=1 mode=rw"},
		{{"/mnt/u", "--mode=ro", "/b"}, "mode /mnt/u branch=/b mode=ro"},
		{{"/mnt/u", "/b", "--mode", "ro"}, "mode /mnt/u branch=/b mode=ro"},
		/* Both could be a mode: as in 1.x, the last one is. */
		{{"/mnt/u", "--mode", "ro", "rw"}, "mode /mnt/u branch=ro mode=rw"},
	});
}

TEST_CASE("--help and --version win when they come before any error")
{
	check_rows({
		{{"--help"}, "help"},
		{{"-h"}, "help"},
		{{"/mnt/u", "--list", "--help"}, "help"},
		{{"--help", "--bogus"}, "help"},
		{{"-hJ"}, "help"},
		{{"--version"}, "version"},
		{{"-V"}, "version"},
		{{"-JV"}, "version"},
		{{"--bogus", "--help"}, "error: unrecognized option '--bogus'"},
		{{"--add", "--remove", "--help"}, "error: mutually exclusive arguments: --add --remove"},
	});
}

TEST_CASE("missing and extra operands")
{
	check_rows({
		{{}, "error: no action specified (--add, --remove, --mode, --list or --query)"},
		{{"/mnt/u"}, "error: no action specified (--add, --remove, --mode, --list or --query)"},
		{{"--list"}, "error: no union specified"},
		{{"--add"}, "error: no union specified"},
		{{"--remove"}, "error: no union specified"},
		{{"--query"}, "error: --query: no file specified"},
		{{"/mnt/u", "--add"}, "error: --add: no directory specified"},
		{{"/mnt/u", "--remove"}, "error: --remove: no branch specified"},
		{{"/mnt/u", "--mode"}, "error: --mode: no branch and mode specified"},
		{{"/mnt/u", "--mode", "ro"}, "error: --mode: no branch specified"},
		{{"/mnt/u", "--mode", "/b"}, "error: --mode: no mode specified"},
		{{"/mnt/u", "--mode=ro"}, "error: --mode: no branch specified"},
		{{"/mnt/u", "--add", "/new", "/other"}, "error: unexpected argument '/other'"},
		{{"/mnt/u", "--remove", "/b", "/c"}, "error: unexpected argument '/c'"},
		{{"/mnt/u", "--mode", "/b", "ro", "x"}, "error: unexpected argument 'x'"},
		{{"/mnt/u", "--mode=ro", "/b", "/c"}, "error: unexpected argument '/c'"},
		{{"/mnt/u", "--list", "/x"}, "error: unexpected argument '/x'"},
		{{"/f", "--query", "/g"}, "error: unexpected argument '/g'"},
	});
}

TEST_CASE("invalid modes")
{
	const std::string bad = "error: invalid mode 'rx' (expected rw, ro or nfsro)";

	check_rows({
		{{"/mnt/u", "--mode", "/b", "rx"}, bad},
		{{"/mnt/u", "--mode=rx", "/b"}, bad},
		{{"/mnt/u", "--add", "--mode", "rx", "/new"}, bad},
		{{"/mnt/u", "--add", "--mode=rx", "/new"}, bad},
		{{"/mnt/u", "--mode", "/b", "RO"}, "error: invalid mode 'RO' (expected rw, ro or nfsro)"},
		/* With --add, --mode takes the next word, whatever it is. */
		{{"/mnt/u", "--add", "--mode", "/new"}, "error: invalid mode '/new' (expected rw, ro or nfsro)"},
	});
}

TEST_CASE("exclusive options are refused, naming both")
{
	check_rows({
		{{"/mnt/u", "--add", "--remove", "/x"}, "error: mutually exclusive arguments: --add --remove"},
		{{"/mnt/u", "--list", "--query"}, "error: mutually exclusive arguments: --list --query"},
		{{"/mnt/u", "--mode", "/b", "ro", "--list"}, "error: mutually exclusive arguments: --mode --list"},
		{{"/mnt/u", "--list", "--mode", "/b", "ro"}, "error: mutually exclusive arguments: --list --mode"},
		{{"/mnt/u", "--remove", "/b", "--query"}, "error: mutually exclusive arguments: --remove --query"},
		{{"/mnt/u", "--add", "--before", "/a", "--after", "/b", "/new"},
		 "error: mutually exclusive arguments: --before --after"},
		{{"/mnt/u", "--list", "--list"}, "list /mnt/u"},
	});
}

TEST_CASE("options that need another one")
{
	check_rows({
		{{"/mnt/u", "--remove", "/b", "--before", "/c"}, "error: --before is only valid with --add"},
		{{"/mnt/u", "--list", "--after", "/c"}, "error: --after is only valid with --add"},
		{{"/mnt/u", "--add", "/x", "--json"}, "error: --json is only valid with --list or --query"},
		{{"/mnt/u", "--remove", "/x", "-J"}, "error: --json is only valid with --list or --query"},
		{{"/mnt/u", "--mode", "/x", "ro", "-J"}, "error: --json is only valid with --list or --query"},
		{{"/mnt/u", "--json"}, "error: no action specified (--add, --remove, --mode, --list or --query)"},
	});
}

TEST_CASE("unknown options and misplaced arguments, in getopt's words")
{
	check_rows({
		{{"/mnt/u", "--bogus"}, "error: unrecognized option '--bogus'"},
		{{"/mnt/u", "--bogus=1", "--list"}, "error: unrecognized option '--bogus=1'"},
		{{"/mnt/u", "--lis"}, "error: unrecognized option '--lis'"},
		{{"/mnt/u", "--list=yes"}, "error: option '--list' doesn't allow an argument"},
		{{"/mnt/u", "--list", "--json=1"}, "error: option '--json' doesn't allow an argument"},
		{{"/mnt/u", "-x"}, "error: invalid option -- 'x'"},
		{{"/mnt/u", "-Jx", "--list"}, "error: invalid option -- 'x'"},
		{{"/mnt/u", "--add", "--before"}, "error: option '--before' requires an argument"},
		{{"/mnt/u", "--add", "/new", "--after"}, "error: option '--after' requires an argument"},
		{{"/mnt/u", "--add", "/new", "--mode"}, "error: option '--mode' requires an argument"},
		{{"/mnt/u", "--remove", "-1"}, "error: invalid option -- '1'"},
	});
}

TEST_CASE("every usage error has exit status 1")
{
	for (const std::vector<std::string> &args : std::vector<std::vector<std::string>>{
		     {}, {"--bogus"}, {"/mnt/u", "--add"}, {"/mnt/u", "--list", "--query"},
		     {"/mnt/u", "--mode", "/b", "rx"}, {"/mnt/u", "--list", "--before", "/b"}}) {
		Result<Command> cmd = parse_args(args);
		INFO("unionctl " << joined(args));
		REQUIRE(cmd.is_error());
		CHECK(cmd.failure().exit_code == kExitUsage);
	}
}

TEST_CASE("BRANCH: all digits is an index, anything else a path")
{
	CHECK(parse_args({"/mnt/u", "--remove", "0"}).value().branch.index == 0u);
	CHECK(parse_args({"/mnt/u", "--remove", "007"}).value().branch.index == 7u);
	CHECK_FALSE(parse_args({"/mnt/u", "--remove", "./7"}).value().branch.index);
	CHECK_FALSE(parse_args({"/mnt/u", "--remove", "7a"}).value().branch.index);
	CHECK_FALSE(parse_args({"/mnt/u", "--remove", "/snaps/0"}).value().branch.index);
	CHECK(parse_args({"/mnt/u", "--add", "--after", "2", "/n"}).value().branch.index == 2u);
	CHECK(parse_args({"/mnt/u", "--mode", "ro", "12"}).value().branch.index == 12u);
}

TEST_CASE("--help text: util-linux layout, every option")
{
	std::string usage = usage_text();

	CHECK(usage.rfind("\nUsage:\n unionctl UNION --add ", 0) == 0);
	for (const char *option : {"--add", "--remove", "--mode", "--list", "--query", "--before",
				   "--after", "-J, --json", "-h, --help", "-V, --version"}) {
		INFO(option);
		CHECK(usage.find(option) != std::string::npos);
	}
	CHECK(usage.find("\nFor more details see unionctl(8).\n") != std::string::npos);
	for (size_t start = 0, end; (end = usage.find('\n', start)) != std::string::npos; start = end + 1) {
		INFO("line: " << usage.substr(start, end - start));
		CHECK(end - start <= 80);
	}
	CHECK(version_text().rfind("unionctl from unionfs ", 0) == 0);
}
