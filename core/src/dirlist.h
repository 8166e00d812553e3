/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dirlist.h - merged listings for the core's own use (emptiness of a union
 * directory, the contents a directory copy must reproduce).
 */
#ifndef UFS_DIRLIST_H
#define UFS_DIRLIST_H

#include "lower_set.h"

namespace ufs {

/* Sole owner of one ufs_dirlist. */
class OwnedDirList {
public:
	explicit OwnedDirList(ufs_dirlist *list) : list_(list) {}
	OwnedDirList(OwnedDirList &&other) : list_(exchange(other.list_, nullptr)) {}
	OwnedDirList(const OwnedDirList &) = delete;
	OwnedDirList &operator=(const OwnedDirList &) = delete;
	OwnedDirList &operator=(OwnedDirList &&) = delete;
	~OwnedDirList() { ufs_dirlist_destroy(list_); }

	unsigned count() const { return ufs_dirlist_count(list_); }

	StringView name(unsigned index) const
	{
		const char *name;
		unsigned len, dtype;
		unsigned long long ino;

		ufs_dirlist_entry(list_, index, &name, &len, &ino, &dtype);
		return StringView(name, len);
	}

private:
	ufs_dirlist *list_;
};

/* ufs_dirlist_build() for a set already known to be a valid directory range. */
Result<OwnedDirList> build_dirlist(const ufs_branch_table &table, const BranchOps &ops,
				   const ufs_lower_set &dir);

} /* namespace ufs */

#endif /* UFS_DIRLIST_H */
