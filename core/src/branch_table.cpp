// SPDX-License-Identifier: GPL-2.0
/*
 * branch_table.cpp - the ordered list of branches of one union.
 *
 * Index 0 is the highest priority. The environment keeps its own per-branch
 * data behind uni_branch.env; the core only needs each branch's mode and the
 * filesystem index that keeps inode numbers unique.
 */
#include "vector.h"

using namespace uni;

struct uni_branch_table {
	Vector<uni_branch> branches;
};

namespace {

/*
 * C may store any int in an enum, but loading an out-of-range value as a C++
 * enum is undefined, so the mode is checked as the raw int.
 */
bool is_valid_mode(const uni_branch_mode &mode)
{
	int raw;

	static_assert(sizeof(raw) == sizeof(mode), "enum is int-sized in C");
	copy_bytes(&raw, &mode, sizeof(raw));
	return raw == UNI_BRANCH_RW || raw == UNI_BRANCH_RO || raw == UNI_BRANCH_NFSRO;
}

Result<void> insert_branch(uni_branch_table &table, unsigned index, const uni_branch &branch)
{
	if (index > table.branches.size() || !is_valid_mode(branch.mode))
		return Error(UNI_EINVAL);
	if (table.branches.size() >= UNI_MAX_BRANCHES)
		return Error(UNI_EINVAL);
	return table.branches.try_insert(index, branch);
}

} /* namespace */

/* capacity only reserves room; the table grows past it when memory allows. */
extern "C" struct uni_branch_table *uni_branch_table_create(unsigned capacity)
{
	OwnPtr<uni_branch_table> table(try_new<uni_branch_table>());

	if (!table)
		return nullptr;
	if (table->branches.try_reserve(min(capacity, unsigned(UNI_MAX_BRANCHES))).is_error())
		return nullptr;
	return table.leak();
}

extern "C" void uni_branch_table_destroy(struct uni_branch_table *table)
{
	delete_object(table);
}

extern "C" int uni_branch_table_insert(struct uni_branch_table *table, unsigned index,
				       const struct uni_branch *branch)
{
	if (!table || !branch)
		return -UNI_EINVAL;
	return to_errno(insert_branch(*table, index, *branch));
}

extern "C" unsigned uni_branch_table_count(const struct uni_branch_table *table)
{
	return table ? static_cast<unsigned>(table->branches.size()) : 0;
}

extern "C" int uni_branch_table_set_mode(struct uni_branch_table *table, unsigned index,
					  enum uni_branch_mode mode)
{
	if (!table || index >= table->branches.size() || !is_valid_mode(mode))
		return -UNI_EINVAL;
	table->branches[index].mode = mode;
	return 0;
}

extern "C" const struct uni_branch *uni_branch_table_get(const struct uni_branch_table *table,
							 unsigned index)
{
	if (!table || index >= table->branches.size())
		return nullptr;
	return &table->branches[index];
}

extern "C" int uni_branch_table_first_writable(const struct uni_branch_table *table)
{
	if (!table)
		return -1;
	for (usize i = 0; i < table->branches.size(); ++i)
		if (table->branches[i].mode == UNI_BRANCH_RW)
			return static_cast<int>(i);
	return -1;
}
