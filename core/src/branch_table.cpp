// SPDX-License-Identifier: GPL-2.0
/*
 * branch_table.cpp - the ordered list of branches of one union.
 *
 * Index 0 is the highest priority. The environment keeps its own per-branch
 * data behind ufs_branch.env; the core only needs each branch's mode and the
 * filesystem index that keeps inode numbers unique.
 */
#include "vector.h"

using namespace ufs;

struct ufs_branch_table {
	Vector<ufs_branch> branches;
};

namespace {

/*
 * C may store any int in an enum, but loading an out-of-range value as a C++
 * enum is undefined, so the mode is checked as the raw int.
 */
bool is_valid_mode(const ufs_branch_mode &mode)
{
	int raw;

	static_assert(sizeof(raw) == sizeof(mode), "enum is int-sized in C");
	copy_bytes(&raw, &mode, sizeof(raw));
	return raw == UFS_BRANCH_RW || raw == UFS_BRANCH_RO || raw == UFS_BRANCH_NFSRO;
}

Result<void> insert_branch(ufs_branch_table &table, unsigned index, const ufs_branch &branch)
{
	if (index > table.branches.size() || !is_valid_mode(branch.mode))
		return Error(UFS_EINVAL);
	if (table.branches.size() >= UFS_MAX_BRANCHES)
		return Error(UFS_EINVAL);
	return table.branches.try_insert(index, branch);
}

} /* namespace */

/* capacity only reserves room; the table grows past it when memory allows. */
extern "C" struct ufs_branch_table *ufs_branch_table_create(unsigned capacity)
{
	OwnPtr<ufs_branch_table> table(try_new<ufs_branch_table>());

	if (!table)
		return nullptr;
	if (table->branches.try_reserve(min(capacity, unsigned(UFS_MAX_BRANCHES))).is_error())
		return nullptr;
	return table.leak();
}

extern "C" void ufs_branch_table_destroy(struct ufs_branch_table *table)
{
	delete_object(table);
}

extern "C" int ufs_branch_table_insert(struct ufs_branch_table *table, unsigned index,
				       const struct ufs_branch *branch)
{
	if (!table || !branch)
		return -UFS_EINVAL;
	return to_errno(insert_branch(*table, index, *branch));
}

extern "C" unsigned ufs_branch_table_count(const struct ufs_branch_table *table)
{
	return table ? static_cast<unsigned>(table->branches.size()) : 0;
}

extern "C" int ufs_branch_table_set_mode(struct ufs_branch_table *table, unsigned index,
					  enum ufs_branch_mode mode)
{
	if (!table || index >= table->branches.size() || !is_valid_mode(mode))
		return -UFS_EINVAL;
	table->branches[index].mode = mode;
	return 0;
}

extern "C" const struct ufs_branch *ufs_branch_table_get(const struct ufs_branch_table *table,
							 unsigned index)
{
	if (!table || index >= table->branches.size())
		return nullptr;
	return &table->branches[index];
}

extern "C" int ufs_branch_table_first_writable(const struct ufs_branch_table *table)
{
	if (!table)
		return -1;
	for (usize i = 0; i < table->branches.size(); ++i)
		if (table->branches[i].mode == UFS_BRANCH_RW)
			return static_cast<int>(i);
	return -1;
}
