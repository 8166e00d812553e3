// SPDX-License-Identifier: GPL-2.0
/*
 * union_mount.cpp - the mount table through libmount.
 */
#include "union_mount.h"

#include <cerrno>
#include <libmount.h>
#include <memory>

#include "mode.h"
#include "uapi/unionfs.h"

namespace unionctl {

namespace {

struct TableUnref {
	void operator()(struct libmnt_table *tb) const { mnt_unref_table(tb); }
};
using TablePtr = std::unique_ptr<struct libmnt_table, TableUnref>;

std::string text_or_empty(const char *text)
{
	return text ? text : "";
}

MountEntry entry_of(struct libmnt_fs *fs)
{
	return MountEntry{text_or_empty(mnt_fs_get_target(fs)), text_or_empty(mnt_fs_get_root(fs)),
			  text_or_empty(mnt_fs_get_fstype(fs)),
			  text_or_empty(mnt_fs_get_fs_options(fs))};
}

/* "/a/b" -> "/a" -> "/"; false once at "/". */
bool to_parent(std::string &path)
{
	size_t slash = path.rfind('/');

	if (path == "/" || slash == std::string::npos)
		return false;
	path.erase(slash == 0 ? 1 : slash);
	return true;
}

} /* namespace */

Result<MountEntry> find_mount(const std::string &mountinfo, const std::string &path)
{
	TablePtr table(mnt_new_table());
	std::string dir = strip_trailing_slashes(path);

	if (!table)
		return errno_error(mountinfo + ": cannot read the mount table", ENOMEM);
	/*
	 * Not mnt_table_find_mountpoint(): it stat()s the path, and the
	 * table need not describe this host. Without a cache,
	 * mnt_table_find_target() compares the targets as strings.
	 */
	int err = mnt_table_parse_file(table.get(), mountinfo.c_str());
	if (err)
		return errno_error(mountinfo + ": cannot read the mount table", err < 0 ? -err : EINVAL);
	do {
		struct libmnt_fs *fs = mnt_table_find_target(table.get(), dir.c_str(), MNT_ITER_BACKWARD);
		if (fs)
			return entry_of(fs);
	} while (to_parent(dir));
	return MountEntry{};
}

BranchList branches_from_options(std::string_view fs_options)
{
	std::string options(fs_options);
	BranchList list;
	char *value = nullptr;
	size_t size = 0;

	if (mnt_optstr_get_option(options.c_str(), "dirs", &value, &size) != 0 || !value)
		return list;

	std::string_view dirs(value, size);
	while (!dirs.empty()) {
		size_t colon = dirs.find(':');
		std::string_view item = dirs.substr(0, colon);
		uint32_t mode = UNIONFS_BRANCH_RW;
		size_t eq = item.rfind('=');

		if (eq != std::string_view::npos) {
			if (auto parsed = parse_mode(item.substr(eq + 1))) {
				mode = *parsed;
				item = item.substr(0, eq);
			}
		}
		if (!item.empty())
			list.branches.push_back(BranchEntry{static_cast<uint32_t>(list.branches.size()),
							    mode, std::nullopt, std::string(item)});
		if (colon == std::string_view::npos)
			break;
		dirs.remove_prefix(colon + 1);
	}
	return list;
}

} /* namespace unionctl */
