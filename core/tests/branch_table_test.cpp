// SPDX-License-Identifier: GPL-2.0
/*
 * branch_table_test.cpp - the ordered branch table.
 */
#include <catch2/catch.hpp>

#include "env_host.h"
#include "uni_core.h"

namespace {

int tag[UNI_MAX_BRANCHES + 1];

uni_branch make_branch(unsigned n, uni_branch_mode mode = UNI_BRANCH_RW)
{
	return uni_branch{&tag[n], mode, n};
}

/* The env tags in table order, as tag indexes. */
std::vector<long> order(const uni_branch_table *table)
{
	std::vector<long> list;

	for (unsigned i = 0; i < uni_branch_table_count(table); ++i)
		list.push_back(static_cast<int *>(uni_branch_table_get(table, i)->env) - tag);
	return list;
}

struct Table {
	uni_branch_table *table;

	explicit Table(unsigned capacity) : table(uni_branch_table_create(capacity))
	{
		REQUIRE(table);
	}
	~Table() { uni_branch_table_destroy(table); }
};

} /* namespace */

TEST_CASE("branch table: starts empty")
{
	Table t(4);

	REQUIRE(uni_branch_table_count(t.table) == 0);
	REQUIRE(uni_branch_table_get(t.table, 0) == nullptr);
	REQUIRE(uni_branch_table_first_writable(t.table) == -1);
}

TEST_CASE("branch table: insert at the end, the front and the middle")
{
	Table t(2);
	uni_branch b;

	b = make_branch(1);
	REQUIRE(uni_branch_table_insert(t.table, 0, &b) == 0);
	b = make_branch(3);
	REQUIRE(uni_branch_table_insert(t.table, 1, &b) == 0);
	b = make_branch(0);
	REQUIRE(uni_branch_table_insert(t.table, 0, &b) == 0);
	b = make_branch(2, UNI_BRANCH_NFSRO);
	REQUIRE(uni_branch_table_insert(t.table, 2, &b) == 0);

	REQUIRE(order(t.table) == std::vector<long>{0, 1, 2, 3});
	const uni_branch *got = uni_branch_table_get(t.table, 2);
	REQUIRE(got->mode == UNI_BRANCH_NFSRO);
	REQUIRE(got->fs_index == 2);
	REQUIRE(uni_branch_table_get(t.table, 4) == nullptr);
}

TEST_CASE("branch table: bad index or mode is EINVAL")
{
	Table t(1);
	uni_branch b = make_branch(0);

	REQUIRE(uni_branch_table_insert(t.table, 1, &b) == -UNI_EINVAL);
	b.mode = static_cast<uni_branch_mode>(7);
	REQUIRE(uni_branch_table_insert(t.table, 0, &b) == -UNI_EINVAL);
	REQUIRE(uni_branch_table_count(t.table) == 0);
	REQUIRE(uni_branch_table_insert(t.table, 0, nullptr) == -UNI_EINVAL);
	REQUIRE(uni_branch_table_insert(nullptr, 0, &b) == -UNI_EINVAL);
}

TEST_CASE("branch table: holds at most 128 branches")
{
	Table t(0);

	for (unsigned i = 0; i < UNI_MAX_BRANCHES; ++i) {
		uni_branch b = make_branch(i);

		REQUIRE(uni_branch_table_insert(t.table, i, &b) == 0);
	}
	uni_branch b = make_branch(UNI_MAX_BRANCHES);
	REQUIRE(uni_branch_table_insert(t.table, 0, &b) == -UNI_EINVAL);
	REQUIRE(uni_branch_table_count(t.table) == UNI_MAX_BRANCHES);
}

TEST_CASE("branch table: first writable branch")
{
	Table t(3);
	uni_branch ro = make_branch(0, UNI_BRANCH_RO);
	uni_branch nfsro = make_branch(1, UNI_BRANCH_NFSRO);
	uni_branch rw = make_branch(2, UNI_BRANCH_RW);

	REQUIRE(uni_branch_table_insert(t.table, 0, &ro) == 0);
	REQUIRE(uni_branch_table_insert(t.table, 1, &nfsro) == 0);
	REQUIRE(uni_branch_table_first_writable(t.table) == -1);
	REQUIRE(uni_branch_table_insert(t.table, 2, &rw) == 0);
	REQUIRE(uni_branch_table_first_writable(t.table) == 2);
	REQUIRE(uni_branch_table_insert(t.table, 0, &rw) == 0);
	REQUIRE(uni_branch_table_first_writable(t.table) == 0);
}

TEST_CASE("branch table: every allocation failure is ENOMEM")
{
	uni_branch_table *table = nullptr;
	auto attempt = [&]() -> int {
		table = uni_branch_table_create(1);
		if (!table)
			return -UNI_ENOMEM;
		for (unsigned i = 0; i < 20; ++i) {
			uni_branch b = make_branch(i);
			unsigned before = uni_branch_table_count(table);
			int ret = uni_branch_table_insert(table, i / 2, &b);

			if (ret) {
				REQUIRE(uni_branch_table_count(table) == before);
				return ret;
			}
		}
		return 0;
	};

	REQUIRE(test_env::check_every_allocation_failure(attempt, [&] {
		uni_branch_table_destroy(table);
		table = nullptr;
	}) > 1);
}

TEST_CASE("branch table: a branch's mode can change; bad index or mode is EINVAL")
{
	Table t(2);
	uni_branch base = make_branch(0, UNI_BRANCH_RW);
	uni_branch snap = make_branch(1, UNI_BRANCH_RW);

	REQUIRE(uni_branch_table_insert(t.table, 0, &base) == 0);
	REQUIRE(uni_branch_table_insert(t.table, 0, &snap) == 0);
	REQUIRE(uni_branch_table_set_mode(t.table, 1, UNI_BRANCH_RO) == 0);
	REQUIRE(uni_branch_table_get(t.table, 1)->mode == UNI_BRANCH_RO);
	REQUIRE(uni_branch_table_first_writable(t.table) == 0);
	REQUIRE(uni_branch_table_set_mode(t.table, 0, UNI_BRANCH_NFSRO) == 0);
	REQUIRE(uni_branch_table_first_writable(t.table) == -1);
	REQUIRE(uni_branch_table_set_mode(t.table, 2, UNI_BRANCH_RW) == -UNI_EINVAL);
	REQUIRE(uni_branch_table_set_mode(t.table, 0, static_cast<uni_branch_mode>(7)) ==
		-UNI_EINVAL);
	REQUIRE(uni_branch_table_get(t.table, 0)->mode == UNI_BRANCH_NFSRO);
}
