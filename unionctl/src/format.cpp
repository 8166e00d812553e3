// SPDX-License-Identifier: GPL-2.0
/*
 * format.cpp - listings and messages.
 *
 * The JSON follows util-linux's (findmnt -J, lsblk -J): three-space
 * indentation, one member per line, null where a value is unknown.
 */
#include "format.h"

#include <cerrno>
#include <cstdio>

#include "mode.h"
#include "uapi/unionfs.h"

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

/* The refusals every change shares. */
std::string change_refusal(int err)
{
	if (err == EPERM)
		return "changing a union's branches needs CAP_SYS_ADMIN";
	return errno_text(err);
}

/*
 * EINVAL for a request unionctl built itself (a known mode, reserved
 * fields 0) leaves the index: the union has fewer branches than its
 * listing said, which only a request without the generation check can meet.
 */
std::string no_branch_at(uint32_t index)
{
	return "the union has no branch at index " + std::to_string(index);
}

} /* namespace */

std::string add_refusal(int err, const BranchList &list, std::string_view dir_union,
			std::string_view own_union)
{
	switch (err) {
	case EINVAL:
		if (list.branches.size() >= UNIONFS_MAX_BRANCHES)
			return "the union already has " + std::to_string(list.branches.size()) +
			       " branches, the most it can have";
		if (!dir_union.empty() && dir_union == own_union)
			return "it lies inside the union";
		if (!dir_union.empty())
			return "it lies inside another union (" + std::string(dir_union) + ")";
		return "it overlaps a branch of the union or lies inside it";
	case EROFS:
		return "its filesystem is mounted read-only";
	}
	return change_refusal(err);
}

std::string remove_refusal(int err, const BranchList &list, uint32_t index)
{
	switch (err) {
	case EBUSY: {
		if (list.branches.size() == 1)
			return "it is the union's last branch";
		/* The count is the listing's: files may have been opened since. */
		uint64_t open = index < list.branches.size() ? list.branches[index].open_files.value_or(0) : 0;
		if (open == 1)
			return "1 file is open on it";
		if (open > 1)
			return std::to_string(open) + " files are open on it";
		return "files are open on it";
	}
	case EINVAL:
		return no_branch_at(index);
	}
	return change_refusal(err);
}

std::string mode_refusal(int err, uint32_t index)
{
	switch (err) {
	case EROFS:
		return "the branch's filesystem is mounted read-only";
	case EINVAL:
		return no_branch_at(index);
	}
	return change_refusal(err);
}

std::string kept_changing(int attempts)
{
	return "the union's branches kept changing; gave up after " + std::to_string(attempts) + " attempts";
}

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
