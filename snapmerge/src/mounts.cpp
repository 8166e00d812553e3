// SPDX-License-Identifier: GPL-2.0
/*
 * mounts.cpp - reading /proc/self/mountinfo.
 *
 * Format (proc(5)): ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS. Read by hand rather than
 * with libmount: seven fields, and the super options must be split on the
 * kernel's own escaping, which libmount leaves as it is anyway.
 */
#include "mounts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace snapmerge {

namespace {

std::vector<std::string_view> split(std::string_view text, char separator)
{
	std::vector<std::string_view> parts;
	size_t start = 0;

	for (;;) {
		size_t end = text.find(separator, start);

		parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
		if (end == std::string_view::npos)
			return parts;
		start = end + 1;
	}
}

bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

} /* namespace */

std::string unescape_octal(std::string_view text)
{
	std::string out;

	for (size_t i = 0; i < text.size(); i++) {
		if (text[i] == '\\' && i + 3 < text.size() && is_octal(text[i + 1]) &&
		    is_octal(text[i + 2]) && is_octal(text[i + 3])) {
			out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
						 (text[i + 3] - '0'));
			i += 3;
		} else {
			out += text[i];
		}
	}
	return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text)
{
	std::vector<MountEntry> mounts;

	for (std::string_view line : split(text, '\n')) {
		std::vector<std::string_view> fields;

		for (std::string_view field : split(line, ' '))
			if (!field.empty())
				fields.push_back(field);
		size_t dash = 6;

		while (dash < fields.size() && fields[dash] != "-")
			dash++;
		if (dash + 2 >= fields.size())
			continue;
		MountEntry mount;
		unsigned major, minor;

		if (std::sscanf(std::string(fields[2]).c_str(), "%u:%u", &major, &minor) != 2)
			continue;
		mount.major = major;
		mount.minor = minor;
		mount.root = unescape_octal(fields[3]);
		mount.mount_point = unescape_octal(fields[4]);
		mount.fstype = unescape_octal(fields[dash + 1]);
		mount.source = unescape_octal(fields[dash + 2]);
		mount.super_options = dash + 3 < fields.size() ? std::string(fields[dash + 3]) : "";
		mounts.push_back(std::move(mount));
	}
	return mounts;
}

std::string read_file(const std::string &path)
{
	std::string text;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return text;
	char buffer[65536];
	ssize_t got;

	while ((got = ::read(fd, buffer, sizeof(buffer))) > 0)
		text.append(buffer, got);
	::close(fd);
	return text;
}

std::vector<Branch> union_branches(const MountEntry &mount)
{
	std::vector<Branch> branches;

	if (mount.fstype != "unionfs")
		return branches;
	/* Commas, colons and '=' inside paths are escaped, so plain splits are safe. */
	for (std::string_view option : split(mount.super_options, ',')) {
		if (option.substr(0, 5) != "dirs=")
			continue;
		for (std::string_view element : split(option.substr(5), ':')) {
			size_t equals = element.rfind('=');
			Branch branch;

			if (equals == std::string_view::npos) {
				branch.path = unescape_octal(element);
				branch.mode = "rw";
			} else {
				branch.path = unescape_octal(element.substr(0, equals));
				branch.mode = std::string(element.substr(equals + 1));
			}
			if (!branch.path.empty())
				branches.push_back(std::move(branch));
		}
	}
	return branches;
}

std::vector<BranchUse> find_branch_uses(const std::vector<MountEntry> &mounts,
					const std::string &real_path, const struct stat &st)
{
	std::vector<BranchUse> uses;

	for (const MountEntry &mount : mounts) {
		for (const Branch &branch : union_branches(mount)) {
			struct stat branch_st;
			bool same = branch.path == real_path ||
				    (::stat(branch.path.c_str(), &branch_st) == 0 &&
				     branch_st.st_dev == st.st_dev && branch_st.st_ino == st.st_ino);

			if (same)
				uses.push_back(BranchUse{mount.mount_point, branch.mode});
		}
	}
	return uses;
}

bool path_within(const std::string &inner, const std::string &outer)
{
	if (outer == "/")
		return !inner.empty() && inner[0] == '/';
	return inner == outer ||
	       (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
		inner[outer.size()] == '/');
}

std::optional<FsLocation> locate(const std::vector<MountEntry> &mounts, const std::string &real_path)
{
	const MountEntry *best = nullptr;

	/* The longest mount point above the path; the last one listed if stacked. */
	for (const MountEntry &mount : mounts)
		if (path_within(real_path, mount.mount_point) &&
		    (!best || mount.mount_point.size() >= best->mount_point.size()))
			best = &mount;
	if (!best)
		return std::nullopt;
	std::string rest = best->mount_point == "/" ? real_path
						    : real_path.substr(best->mount_point.size());
	std::string path = best->root == "/" ? rest : best->root + rest;

	if (path.empty())
		path = "/";
	return FsLocation{best->major, best->minor, path};
}

} /* namespace snapmerge */
