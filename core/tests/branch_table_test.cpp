// SPDX-License-Identifier: GPL-2.0
/*
 * branch_table_test.cpp - the ordered branch table.
 */
#include <catch2/catch.hpp>

#include "env_host.h"
#include "ufs_core.h"

namespace {

int tag[UFS_MAX_BRANCHES + 1];

ufs_branch make_branch(unsigned n, ufs_branch_mode mode = UFS_BRANCH_RW)
{
	return ufs_branch{&tag[n], mode, n};
}

/* The env tags in table order, as tag indexes. */
std::vector<long> order(const ufs_branch_table *table)
{
	std::vector<long> list;

	for (unsigned i = 0; i < ufs_branch_table_count(table); ++i)
		list.push_back(static_cast<int *>(ufs_branch_table_get(table, i)->env) - tag);
	return list;
}

struct Table {
	ufs_branch_table *table;

	explicit Table(unsigned capacity) : table(ufs_branch_table_create(capacity))
	{
		REQUIRE(table);
	}
	~Table() { ufs_branch_table_destroy(table); }
};

} /* namespace */

TEST_CASE("branch table: starts empty")
{
	Table t(4);

	REQUIRE(ufs_branch_table_count(t.table) == 0);
	REQUIRE(ufs_branch_table_get(t.table, 0) == nullptr);
	REQUIRE(ufs_branch_table_first_writable(t.table) == -1);
}

TEST_CASE("branch table: insert at the end, the front and the middle")
{
	Table t(2);
	ufs_branch b;

	b = make_branch(1);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &b) == 0);
	b = make_branch(3);
	REQUIRE(ufs_branch_table_insert(t.table, 1, &b) == 0);
	b = make_branch(0);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &b) == 0);
	b = make_branch(2, UFS_BRANCH_NFSRO);
	REQUIRE(ufs_branch_table_insert(t.table, 2, &b) == 0);

	REQUIRE(order(t.table) == std::vector<long>{0, 1, 2, 3});
	const ufs_branch *got = ufs_branch_table_get(t.table, 2);
	REQUIRE(got->mode == UFS_BRANCH_NFSRO);
	REQUIRE(got->fs_index == 2);
	REQUIRE(ufs_branch_table_get(t.table, 4) == nullptr);
}

TEST_CASE("branch table: bad index or mode is EINVAL")
{
	Table t(1);
	ufs_branch b = make_branch(0);

	REQUIRE(ufs_branch_table_insert(t.table, 1, &b) == -UFS_EINVAL);
	b.mode = static_cast<ufs_branch_mode>(7);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &b) == -UFS_EINVAL);
	REQUIRE(ufs_branch_table_count(t.table) == 0);
	REQUIRE(ufs_branch_table_insert(t.table, 0, nullptr) == -UFS_EINVAL);
	REQUIRE(ufs_branch_table_insert(nullptr, 0, &b) == -UFS_EINVAL);
}

TEST_CASE("branch table: holds at most 128 branches")
{
	Table t(0);

	for (unsigned i = 0; i < UFS_MAX_BRANCHES; ++i) {
		ufs_branch b = make_branch(i);

		REQUIRE(ufs_branch_table_insert(t.table, i, &b) == 0);
	}
	ufs_branch b = make_branch(UFS_MAX_BRANCHES);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &b) == -UFS_EINVAL);
	REQUIRE(ufs_branch_table_count(t.table) == UFS_MAX_BRANCHES);
}

TEST_CASE("branch table: first writable branch")
{
	Table t(3);
	ufs_branch ro = make_branch(0, UFS_BRANCH_RO);
	ufs_branch nfsro = make_branch(1, UFS_BRANCH_NFSRO);
	ufs_branch rw = make_branch(2, UFS_BRANCH_RW);

	REQUIRE(ufs_branch_table_insert(t.table, 0, &ro) == 0);
	REQUIRE(ufs_branch_table_insert(t.table, 1, &nfsro) == 0);
	REQUIRE(ufs_branch_table_first_writable(t.table) == -1);
	REQUIRE(ufs_branch_table_insert(t.table, 2, &rw) == 0);
	REQUIRE(ufs_branch_table_first_writable(t.table) == 2);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &rw) == 0);
	REQUIRE(ufs_branch_table_first_writable(t.table) == 0);
}

TEST_CASE("branch table: every allocation failure is ENOMEM")
{
	ufs_branch_table *table = nullptr;
	auto attempt = [&]() -> int {
		table = ufs_branch_table_create(1);
		if (!table)
			return -UFS_ENOMEM;
		for (unsigned i = 0; i < 20; ++i) {
			ufs_branch b = make_branch(i);
			unsigned before = ufs_branch_table_count(table);
			int ret = ufs_branch_table_insert(table, i / 2, &b);

			if (ret) {
				REQUIRE(ufs_branch_table_count(table) == before);
				return ret;
			}
		}
		return 0;
	};

	REQUIRE(test_env::check_every_allocation_failure(attempt, [&] {
		ufs_branch_table_destroy(table);
		table = nullptr;
	}) > 1);
}

TEST_CASE("branch table: a branch's mode can change; bad index or mode is EINVAL")
{
	Table t(2);
	ufs_branch base = make_branch(0, UFS_BRANCH_RW);
	ufs_branch snap = make_branch(1, UFS_BRANCH_RW);

	REQUIRE(ufs_branch_table_insert(t.table, 0, &base) == 0);
	REQUIRE(ufs_branch_table_insert(t.table, 0, &snap) == 0);
	REQUIRE(ufs_branch_table_set_mode(t.table, 1, UFS_BRANCH_RO) == 0);
	REQUIRE(ufs_branch_table_get(t.table, 1)->mode == UFS_BRANCH_RO);
	REQUIRE(ufs_branch_table_first_writable(t.table) == 0);
	REQUIRE(ufs_branch_table_set_mode(t.table, 0, UFS_BRANCH_NFSRO) == 0);
	REQUIRE(ufs_branch_table_first_writable(t.table) == -1);
	REQUIRE(ufs_branch_table_set_mode(t.table, 2, UFS_BRANCH_RW) == -UFS_EINVAL);
	REQUIRE(ufs_branch_table_set_mode(t.table, 0, static_cast<ufs_branch_mode>(7)) ==
		-UFS_EINVAL);
	REQUIRE(ufs_branch_table_get(t.table, 0)->mode == UFS_BRANCH_NFSRO);
}
