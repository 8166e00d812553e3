// SPDX-License-Identifier: GPL-2.0
/*
 * man_page_test.cpp - unionctl.8 keeps up with the program: every option of
 * --help, the exit statuses, the messages of refused changes, and example
 * command lines that parse.
 */
#include <catch2/catch.hpp>
#include <cerrno>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "args.h"
#include "format.h"
#include "ioctl_client.h"

using namespace unionctl;

namespace {

std::string man_page()
{
	std::ifstream in(UNIONCTL_MAN_PAGE);
	std::stringstream text;

	REQUIRE(in);
	text << in.rdbuf();
	return text.str();
}

/* roff's "\-" is a plain '-' once rendered. */
std::string rendered(std::string text)
{
	for (size_t at; (at = text.find("\\-")) != std::string::npos;)
		text.replace(at, 2, "-");
	return text;
}

std::string section(const std::string &page, const std::string &name)
{
	size_t start = page.find("\n.SH " + name + "\n");

	REQUIRE(start != std::string::npos);
	size_t end = page.find("\n.SH ", start + 1);
	return page.substr(start, end - start);
}

std::vector<std::string> words(const std::string &line)
{
	std::istringstream in(line);
	std::vector<std::string> out;

	for (std::string word; in >> word;)
		out.push_back(word);
	return out;
}

} /* namespace */

TEST_CASE("unionctl.8 describes every option --help lists")
{
	std::string page = rendered(man_page());
	std::string usage = usage_text();
	std::regex option("(^|[ ,\\[|])(--?[a-zA-Z][a-z-]*)");
	std::set<std::string> options;

	for (std::sregex_iterator it(usage.begin(), usage.end(), option), end; it != end; ++it)
		options.insert((*it)[2]);
	REQUIRE(options.size() >= 13);
	/* Each has an item of its own: the line after a .TP names it. */
	std::string items;
	std::istringstream lines(page);
	for (std::string line, previous; std::getline(lines, line); previous = line)
		if (previous == ".TP")
			items += line + "\n";
	for (const std::string &name : options) {
		INFO(name);
		CHECK(std::regex_search(items, std::regex("[ \"]" + name + "([ \"=]|$)",
							  std::regex::multiline)));
	}
}

TEST_CASE("unionctl.8 lists exactly the exit statuses unionctl uses")
{
	std::string exit_status = section(man_page(), "EXIT STATUS");
	std::regex item("\n\\.TP\n\\.B ([0-9]+)\n");
	std::set<int> documented;

	for (std::sregex_iterator it(exit_status.begin(), exit_status.end(), item), end; it != end; ++it)
		documented.insert(std::stoi((*it)[1]));
	CHECK(documented == std::set<int>{kExitOk, kExitUsage, kExitFailed, kExitNotUnion});
}

TEST_CASE("unionctl.8's ERRORS quotes the message of each refusal, one source line each")
{
	std::string errors = rendered(section(man_page(), "ERRORS"));
	BranchList three, one, full;

	for (uint32_t i = 0; i < 3; i++)
		three.branches.push_back(BranchEntry{i, UNIONFS_BRANCH_RW, 0, "/b" + std::to_string(i)});
	one.branches.push_back(three.branches[0]);
	full.branches.resize(UNIONFS_MAX_BRANCHES);
	/* A number in a message is \fIN\fP in the page. */
	three.branches[1].open_files = 2;
	std::string open_files = remove_refusal(EBUSY, three, 1);
	std::string no_branch = mode_refusal(EINVAL, 7);
	std::string other_union = add_refusal(EINVAL, three, "/v", "/u");
	REQUIRE(other_union.substr(other_union.size() - 4) == "(/v)");
	REQUIRE(open_files.rfind("2 ", 0) == 0);
	REQUIRE(no_branch.substr(no_branch.size() - 2) == " 7");
	CHECK(remove_refusal(EINVAL, three, 7) == no_branch);

	for (const std::string &message : {
		     add_refusal(EINVAL, three, "", "/u"),
		     add_refusal(EINVAL, three, "/u", "/u"),
		     other_union.substr(0, other_union.size() - 3) + "\\fImountpoint\\fP)",
		     add_refusal(EINVAL, full, "", "/u"),
		     add_refusal(ENOTDIR, three, "", "/u"),
		     add_refusal(EROFS, three, "", "/u"),
		     add_refusal(EPERM, three, "", "/u"),
		     remove_refusal(EBUSY, one, 0),
		     "\\fIN\\fP " + open_files.substr(2),
		     remove_refusal(EBUSY, three, 0),
		     no_branch.substr(0, no_branch.size() - 1) + "\\fIN\\fP",
		     mode_refusal(EROFS, 0),
		     mode_refusal(EPERM, 0),
		     kept_changing(kChangeAttempts),
	     }) {
		INFO(message);
		CHECK(errors.find(message) != std::string::npos);
	}
}

TEST_CASE("the command lines in unionctl.8's examples parse")
{
	std::istringstream examples(rendered(section(man_page(), "EXAMPLES")));
	int count = 0;

	for (std::string line; std::getline(examples, line);) {
		std::vector<std::string> args = words(line);
		if (args.size() < 2 || (args[0] != "#" && args[0] != "$") || args[1] != "unionctl")
			continue;
		args.erase(args.begin(), args.begin() + 2);
		INFO(line);
		Result<Command> cmd = parse_args(args);
		CHECK_FALSE(cmd.is_error());
		count++;
	}
	CHECK(count >= 7);
}
