/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dirlist.h - merged listings for the core's own use (emptiness of a union
 * directory, the contents a directory copy must reproduce).
 */
#ifndef UNI_DIRLIST_H
#define UNI_DIRLIST_H

#include "lower_set.h"

namespace uni {

/* Sole owner of one uni_dirlist. */
class OwnedDirList {
public:
	explicit OwnedDirList(uni_dirlist *list) : list_(list) {}
	OwnedDirList(OwnedDirList &&other) : list_(exchange(other.list_, nullptr)) {}
	OwnedDirList(const OwnedDirList &) = delete;
	OwnedDirList &operator=(const OwnedDirList &) = delete;
	OwnedDirList &operator=(OwnedDirList &&) = delete;
	~OwnedDirList() { uni_dirlist_destroy(list_); }

	unsigned count() const { return uni_dirlist_count(list_); }

	StringView name(unsigned index) const
	{
		const char *name;
		unsigned len, dtype;
		unsigned long long ino;

		uni_dirlist_entry(list_, index, &name, &len, &ino, &dtype);
		return StringView(name, len);
	}

private:
	uni_dirlist *list_;
};

/* uni_dirlist_build() for a set already known to be a valid directory range. */
Result<OwnedDirList> build_dirlist(const uni_branch_table &table, const BranchOps &ops,
				   const uni_lower_set &dir);

} /* namespace uni */

#endif /* UNI_DIRLIST_H */
