/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test_util.h - fixtures shared by the core's tests: a union of memfs
 * branches, lower sets that own their references, and listing helpers.
 */
#ifndef UNI_TESTS_TEST_UTIL_H
#define UNI_TESTS_TEST_UTIL_H

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "memfs.h"
#include "uni_core.h"

/* Branch i is its own filesystem (fs_index i); modes default to rw (others read-only in memfs). */
class TestUnion {
public:
	explicit TestUnion(unsigned branches, std::vector<uni_branch_mode> modes = {});
	~TestUnion();
	TestUnion(const TestUnion &) = delete;
	TestUnion &operator=(const TestUnion &) = delete;

	unsigned count() const { return fs.branch_count(); }

	memfs::Fs fs;
	uni_branch_table *table;
};

/* A uni_lower_set whose references this object owns and puts. */
class Lower {
public:
	/* Empty: room for every branch, nothing held (an out parameter). */
	explicit Lower(memfs::Fs &fs);
	/* The union root: every branch's root directory. */
	static constexpr struct Roots {} kRoots{};
	Lower(memfs::Fs &fs, Roots);
	~Lower() { release(); }
	Lower(const Lower &) = delete;
	Lower &operator=(const Lower &) = delete;

	uni_lower_set *set() { return &set_; }
	int start() const { return set_.start; }
	int end() const { return set_.end; }
	uni_kind kind() const { return set_.kind; }
	memfs::Node *node(unsigned branch) const;
	/* References held right now. */
	long held() const;
	void release();

private:
	memfs::Fs &fs_;
	std::vector<void *> handles_;
	uni_lower_set set_;
};

int resolve(TestUnion &u, Lower &parent, std::string_view name, Lower &out);

struct Listing {
	std::string name;
	unsigned long long ino;
	unsigned dtype;
};

/* Builds, copies out and destroys a listing; returns the build result. */
int list_dir(TestUnion &u, Lower &dir, std::vector<Listing> &out);
std::vector<std::string> names_of(const std::vector<Listing> &listing);

std::string join(const std::vector<std::string> &items);

/* Every reference the core took is back, and it broke no handle rule. */
#define REQUIRE_BALANCED(fs, held)                                   \
	do {                                                         \
		INFO("violations: " << join((fs).violations()));     \
		REQUIRE((fs).violations().empty());                  \
		REQUIRE((fs).outstanding_refs() == (held));          \
	} while (0)

#endif /* UNI_TESTS_TEST_UTIL_H */
