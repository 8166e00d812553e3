// SPDX-License-Identifier: GPL-2.0
/*
 * format.cpp - listings and messages.
 *
 * The JSON follows util-linux's (findmnt -J, lsblk -J): three-space
 * indentation, one member per line, null where a value is unknown.
 */
#include "format.h"

#include <cstdio>

#include "mode.h"

namespace unionctl {

namespace {

constexpr const char *kProgram = "unionctl";

std::string branch_line(const BranchEntry &branch)
{
	return branch.path + " (" + mode_flags(branch.mode) + ")\n";
}

std::string json_number(const std::optional<uint64_t> &value)
{
	return value ? std::to_string(*value) : "null";
}

/* The members of one branch object at indentation INDENT. */
std::string json_branch(const BranchEntry &branch, const std::string &indent)
{
	std::string inner = indent + "   ";

	return indent + "{\n" +
	       inner + "\"index\": " + std::to_string(branch.index) + ",\n" +
	       inner + "\"path\": " + json_string(branch.path) + ",\n" +
	       inner + "\"mode\": " + json_string(mode_name(branch.mode)) + ",\n" +
	       inner + "\"open_files\": " + json_number(branch.open_files) + "\n" +
	       indent + "}";
}

std::string json_branches(const std::vector<BranchEntry> &branches)
{
	std::string out = "   \"branches\": [";

	if (branches.empty())
		return out + "]\n";
	out += "\n";
	for (size_t i = 0; i < branches.size(); i++)
		out += json_branch(branches[i], "      ") + (i + 1 < branches.size() ? ",\n" : "\n");
	return out + "   ]\n";
}

} /* namespace */

std::string format_list(const BranchList &list)
{
	std::string out;

	for (const BranchEntry &branch : list.branches)
		out += "\t" + branch_line(branch);
	return out;
}

std::string format_query(std::string_view file, const std::vector<BranchEntry> &holders)
{
	std::string out;

	for (const BranchEntry &branch : holders)
		out += std::string(file) + "\t" + branch_line(branch);
	return out;
}

std::string format_list_json(std::string_view mountpoint, const BranchList &list)
{
	return "{\n"
	       "   \"mountpoint\": " + json_string(mountpoint) + ",\n"
	       "   \"generation\": " + json_number(list.generation) + ",\n" +
	       json_branches(list.branches) +
	       "}\n";
}

std::string format_query_json(std::string_view file, std::string_view mountpoint,
			      const std::vector<BranchEntry> &holders)
{
	return "{\n"
	       "   \"file\": " + json_string(file) + ",\n"
	       "   \"mountpoint\": " + json_string(mountpoint) + ",\n" +
	       json_branches(holders) +
	       "}\n";
}

std::string json_string(std::string_view text)
{
	std::string out = "\"";

	for (char c : text) {
		unsigned char u = static_cast<unsigned char>(c);

		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			if (u < 0x20 || u == 0x7f) {
				char buf[8];
				std::snprintf(buf, sizeof(buf), "\\u%04x", u);
				out += buf;
			} else {
				out += c;
			}
		}
	}
	return out + "\"";
}

std::string format_failure(const Failure &failure)
{
	std::string out = std::string(kProgram) + ": " + failure.message + "\n";

	if (failure.exit_code == kExitUsage)
		out += std::string("Try '") + kProgram + " --help' for more information.\n";
	return out;
}

std::string format_warning(std::string_view message)
{
	return std::string(kProgram) + ": " + std::string(message) + "\n";
}

} /* namespace unionctl */
