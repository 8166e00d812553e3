// SPDX-License-Identifier: GPL-2.0
/*
 * write_table_test.cpp - the semantics table (write_cases.cpp) run under
 * every delete mode: the exact contents of every branch afterwards, the
 * errno, and, independently of the dumps, the union view a user sees.
 */
#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "write_cases.h"
#include "write_util.h"

namespace {

const char *const kModeNames[] = {"all", "whiteout", "first"};

int errno_named(const std::string &name)
{
	static const std::map<std::string, int> kErrnos = {
		{"EPERM", EPERM},     {"ENOENT", ENOENT}, {"EEXIST", EEXIST},
		{"EXDEV", EXDEV},     {"ENOTDIR", ENOTDIR}, {"EISDIR", EISDIR},
		{"EROFS", EROFS},     {"ENOTEMPTY", ENOTEMPTY},
	};
	return kErrnos.at(name);
}

std::vector<std::string> words(const std::string &text)
{
	std::istringstream in(text);
	std::vector<std::string> out;
	std::string word;

	while (in >> word)
		if (word != "-")
			out.push_back(word);
	return out;
}

/* "/d/x=b1" -> "/d/x"; "/d/" -> "/d"; "/l->t" -> "/l"; "/p(1)" -> "/p" */
std::string path_of(const std::string &entry)
{
	size_t end = entry.find_first_of("=(");
	size_t arrow = entry.find("->");

	end = std::min(end, arrow);
	std::string path = entry.substr(0, end);
	if (path.size() > 1 && path.back() == '/')
		path.pop_back();
	return path;
}

bool is_under(const std::string &path, const std::string &top)
{
	return path == top || path.rfind(top + "/", 0) == 0;
}

std::string join_view(std::vector<std::string> entries)
{
	std::string text;

	std::sort(entries.begin(), entries.end());
	for (const std::string &entry : entries)
		text += (text.empty() ? "" : " ") + entry;
	return text.empty() ? "-" : text;
}

/* What a user sees after the operation, derived from what was seen before. */
std::string predicted_view(const WriteCase &c, const std::string &before)
{
	std::vector<std::string> entries = words(before), out;
	std::string op = c.op, path = c.path, path2 = c.path2;

	if (op == "unlink" || op == "rmdir") {
		for (const std::string &entry : entries)
			if (!is_under(path_of(entry), path))
				out.push_back(entry);
	} else if (op == "create" || op == "mkdir" || op == "symlink" || op == "mknod") {
		out = entries;
		out.push_back(op == "create" ? path + "=" : op == "mkdir" ? path + "/" :
			      op == "symlink" ? path + "->target" : path + "(1)");
	} else if (op == "link") {
		out = entries;
		for (const std::string &entry : entries)
			if (path_of(entry) == path)
				out.push_back(path2 + entry.substr(path.size()));
	} else if (op == "copyup") {
		out = entries;
	} else if (op == "rename") {
		for (const std::string &entry : entries) {
			std::string p = path_of(entry);

			if (is_under(p, path2))
				continue;
			out.push_back(is_under(p, path) ? path2 + entry.substr(path.size()) : entry);
		}
	} else if (op == "exchange") {
		for (const std::string &entry : entries) {
			std::string p = path_of(entry);

			if (is_under(p, path))
				out.push_back(path2 + entry.substr(path.size()));
			else if (is_under(p, path2))
				out.push_back(path + entry.substr(path2.size()));
			else
				out.push_back(entry);
		}
	}
	return join_view(out);
}

void run_case(const WriteCase &c, int mode)
{
	INFO(c.what << " [" << c.layout << " | " << c.modes << "] " << c.op << " " << c.path << " "
		    << c.path2 << ", delete=" << kModeNames[mode]);
	auto u = make_union(c.layout, c.modes);
	std::string before_dump = u->fs.dump();
	std::string before_view = union_view(*u);
	std::string expected = expectation(c, mode);

	u->fs.reset_log();
	int ret = run_op(*u, static_cast<uni_delete_mode>(mode), c.op, c.path, c.path2);
	INFO("lower operations: " << join(u->fs.write_log()));

	if (expected[0] == '!') {
		CHECK(ret == -errno_named(expected.substr(1)));
		CHECK(u->fs.dump() == before_dump);
		CHECK(union_view(*u) == before_view);
	} else {
		CHECK(ret == 0);
		CHECK(u->fs.dump() == expected);
		/* first may let a lower instance show through; the others may not */
		if (mode < 2 || !c.expect[2])
			CHECK(union_view(*u) == predicted_view(c, before_view));
	}
	INFO("violations: " << join(u->fs.violations()));
	CHECK(u->fs.violations().empty());
	CHECK(u->fs.outstanding_refs() == 0);
}

void run_cases(const std::set<std::string> &ops)
{
	int rows = 0;

	for (const WriteCase &c : write_cases()) {
		if (!ops.count(c.op))
			continue;
		++rows;
		for (int mode = 0; mode < 3; ++mode)
			run_case(c, mode);
	}
	CHECK(rows > 0);
}

} /* namespace */

TEST_CASE("write table: unlink in every layout and delete mode")
{
	run_cases({"unlink"});
}

TEST_CASE("write table: rmdir of empty and whiteout-only directories")
{
	run_cases({"rmdir"});
}

TEST_CASE("write table: create, mkdir, mknod, symlink, over whiteouts too")
{
	run_cases({"create", "mkdir", "mknod", "symlink"});
}

TEST_CASE("write table: link in the source's branch")
{
	run_cases({"link"});
}

TEST_CASE("write table: copyup before a modification")
{
	run_cases({"copyup"});
}

TEST_CASE("write table: rename of files and directories")
{
	run_cases({"rename"});
}

TEST_CASE("write table: renameat2 RENAME_EXCHANGE of files and directories")
{
	run_cases({"exchange"});
}
