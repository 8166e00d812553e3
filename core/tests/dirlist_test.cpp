// SPDX-License-Identifier: GPL-2.0
/*
 * dirlist_test.cpp - merged directory listings.
 */
#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "env_host.h"
#include "test_util.h"

using memfs::Fault;
using memfs::Op;
using Names = std::vector<std::string>;

TEST_CASE("dirlist: each name once, from the highest-priority branch")
{
	TestUnion u(2);
	memfs::Node *apple = u.fs.add_file(0, "/Apple");
	memfs::Node *tomato = u.fs.add_file(0, "/Tomato");
	memfs::Node *carrots = u.fs.add_file(1, "/Carrots");
	u.fs.add_file(1, "/Tomato");
	memfs::Node *green = u.fs.mkdir(1, "/Green");
	u.fs.add_symlink(1, "/link", "Apple");
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"Apple", "Tomato", "Carrots", "Green", "link"});
	REQUIRE(listing[0].ino == apple->ino);
	REQUIRE(listing[1].ino == tomato->ino);
	REQUIRE(listing[2].ino == uni_union_ino(1, carrots->ino));
	REQUIRE(listing[3].ino == uni_union_ino(1, green->ino));
	REQUIRE(listing[0].dtype == memfs::kDtReg);
	REQUIRE(listing[3].dtype == memfs::kDtDir);
	REQUIRE(listing[4].dtype == memfs::kDtLnk);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: the caller may correct an entry's d_ino, and only that entry's")
{
	TestUnion u(1);
	memfs::Node *a = u.fs.add_file(0, "/a");
	memfs::Node *b = u.fs.add_file(0, "/b");
	Lower root(u.fs, Lower::kRoots);
	uni_dirlist *list = nullptr;

	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list) == 0);
	REQUIRE(uni_dirlist_count(list) == 2);
	uni_dirlist_set_ino(list, 1, 4242);
	uni_dirlist_set_ino(list, 2, 99);	/* out of range: ignored */

	const char *name;
	unsigned len, dtype;
	unsigned long long ino;

	uni_dirlist_entry(list, 0, &name, &len, &ino, &dtype);
	REQUIRE(ino == a->ino);
	uni_dirlist_entry(list, 1, &name, &len, &ino, &dtype);
	REQUIRE(std::string(name, len) == "b");
	REQUIRE(ino == 4242);
	REQUIRE(ino != b->ino);
	uni_dirlist_destroy(list);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: a recorded listing gives back each entry with its branch offset")
{
	uni_dirlist *list = uni_dirlist_create();

	REQUIRE(list != nullptr);
	REQUIRE(uni_dirlist_count(list) == 0);
	REQUIRE(uni_dirlist_append(list, ".", 1, 7, memfs::kDtDir, 0) == 0);
	REQUIRE(uni_dirlist_append(list, "big", 3, 12, memfs::kDtReg, 0x7ffffffe12345678LL) == 0);
	REQUIRE(uni_dirlist_append(list, nullptr, 1, 1, 0, 1) == -UNI_EINVAL);
	REQUIRE(uni_dirlist_count(list) == 2);

	const char *name;
	unsigned len, dtype;
	unsigned long long ino;

	uni_dirlist_entry(list, 1, &name, &len, &ino, &dtype);
	REQUIRE(std::string(name, len) == "big");
	REQUIRE(ino == 12);
	REQUIRE(dtype == memfs::kDtReg);
	REQUIRE(uni_dirlist_offset(list, 0) == 0);
	REQUIRE(uni_dirlist_offset(list, 1) == 0x7ffffffe12345678LL);
	REQUIRE(uni_dirlist_offset(list, 2) == -1);
	uni_dirlist_destroy(list);
}

TEST_CASE("dirlist: a merged listing's entries have no branch offset")
{
	TestUnion u(1);
	u.fs.add_file(0, "/a");
	Lower root(u.fs, Lower::kRoots);
	uni_dirlist *list = nullptr;

	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list) == 0);
	REQUIRE(uni_dirlist_count(list) == 1);
	REQUIRE(uni_dirlist_offset(list, 0) == 0);
	uni_dirlist_destroy(list);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: '.' and '..' are left to the caller")
{
	TestUnion u(2);
	u.fs.add_file(1, "/f");
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"f"});
	u.fs.emit_dots = false;
	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"f"});
}

TEST_CASE("dirlist: a merged subdirectory lists both branches")
{
	TestUnion u(2);
	u.fs.add_file(0, "/Green/Lime");
	u.fs.add_file(1, "/Green/Lettuce");
	u.fs.add_file(1, "/Green/Lime");
	Lower root(u.fs, Lower::kRoots), green(u.fs);
	std::vector<Listing> listing;

	REQUIRE(resolve(u, root, "Green", green) == 0);
	REQUIRE(list_dir(u, green, listing) == 0);
	REQUIRE(names_of(listing) == Names{"Lime", "Lettuce"});
	REQUIRE_BALANCED(u.fs, root.held() + green.held());
}

TEST_CASE("dirlist: whiteouts hide names on lower branches only")
{
	TestUnion u(3);
	u.fs.add_whiteout(0, "/Carrots");
	u.fs.add_file(0, "/Apple");
	u.fs.add_file(1, "/Carrots");
	u.fs.add_file(1, "/Kiwi");
	u.fs.add_whiteout(1, "/Fig");
	u.fs.add_whiteout(1, "/Apple");
	u.fs.add_file(2, "/Carrots");
	u.fs.add_file(2, "/Fig");
	u.fs.add_file(2, "/Kiwi");
	u.fs.add_file(2, "/Pear");
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"Apple", "Kiwi", "Pear"});
	REQUIRE(listing[1].ino == uni_union_ino(1, u.fs.find(1, "/Kiwi")->ino));
}

TEST_CASE("dirlist: a whiteout never hides its own branch, whatever the order")
{
	TestUnion u(2);
	u.fs.add_whiteout(0, "/Pear");	/* listed before the name */
	u.fs.add_file(0, "/Pear");
	u.fs.add_file(0, "/Plum");
	u.fs.add_whiteout(0, "/Plum");	/* listed after the name */
	u.fs.add_file(1, "/Pear");
	u.fs.add_file(1, "/Plum");
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"Pear", "Plum"});
	REQUIRE(listing[0].ino == u.fs.find(0, "/Pear")->ino);
}

TEST_CASE("dirlist: whiteout and marker names are never listed")
{
	TestUnion u(2);
	u.fs.make_opaque(0, "/");
	u.fs.add_file(0, "/" UNI_OCI_OPAQUE_NAME);
	u.fs.add_whiteout(0, "/gone");
	u.fs.add_file(0, "/.wh.");
	u.fs.add_file(0, "/.wh");
	/* the opaque marker is not a whiteout of "__dir_opaque" */
	u.fs.add_file(1, "/__dir_opaque");
	u.fs.add_file(1, "/.wh..opq");
	u.fs.add_file(1, "/.wh.x");
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{".wh", "__dir_opaque"});
}

TEST_CASE("dirlist: only the set's branches, skipping absent ones")
{
	TestUnion u(4);
	for (unsigned b = 0; b < 4; ++b)
		u.fs.add_file(b, "/f" + std::to_string(b));
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	root.set()->start = 1;
	root.set()->end = 3;
	u.fs.put(root.set()->handles[2]);
	root.set()->handles[2] = nullptr;
	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(names_of(listing) == Names{"f1", "f3"});
	REQUIRE(u.fs.calls(Op::kIterate) == 2);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: 5000 names over 4 branches are each listed exactly once")
{
	constexpr unsigned kBranches = 4;
	constexpr unsigned kNames = 5000;
	TestUnion u(kBranches);
	std::map<std::string, unsigned long long> expected_ino;

	for (unsigned i = 0; i < kNames; ++i) {
		/* a fixed pseudo-random non-empty subset of the branches */
		unsigned mask = (i * 2654435761u >> 7) % 15 + 1;
		std::string name = "name-" + std::to_string(i);

		for (unsigned b = kBranches; b-- > 0;) {
			if (!(mask & (1u << b)))
				continue;
			memfs::Node *node = b == 2 && i % 7 == 0 ? u.fs.mkdir(b, "/" + name)
								  : u.fs.add_file(b, "/" + name);

			expected_ino[name] = uni_union_ino(b, node->ino);
		}
	}
	Lower root(u.fs, Lower::kRoots);
	std::vector<Listing> listing;

	REQUIRE(list_dir(u, root, listing) == 0);
	REQUIRE(listing.size() == kNames);
	std::map<std::string, unsigned long long> seen;
	for (const Listing &entry : listing)
		REQUIRE(seen.emplace(entry.name, entry.ino).second);
	REQUIRE(seen == expected_ino);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: a directory of 100000 names")
{
	TestUnion u(2);
	for (unsigned i = 0; i < 100000; ++i)
		u.fs.add_file(i % 3 ? 0 : 1, "/big/file-" + std::to_string(i));
	for (unsigned i = 0; i < 100000; i += 10)
		u.fs.add_whiteout(0, "/big/file-" + std::to_string(i));
	Lower root(u.fs, Lower::kRoots), big(u.fs);
	std::vector<Listing> listing;

	REQUIRE(resolve(u, root, "big", big) == 0);
	REQUIRE(list_dir(u, big, listing) == 0);
	/* names on branch 1 with i % 10 == 0 are whited out by branch 0 */
	unsigned hidden = 0;
	for (unsigned i = 0; i < 100000; i += 10)
		hidden += i % 3 == 0;
	REQUIRE(listing.size() == 100000 - hidden);
}

TEST_CASE("dirlist: an iterate failure anywhere is returned, nothing leaks")
{
	auto build = [](memfs::Fs &fs) {
		for (unsigned b = 0; b < 3; ++b) {
			fs.add_whiteout(b, "/w" + std::to_string(b));
			for (unsigned i = 0; i < 4; ++i)
				fs.add_file(b, "/f" + std::to_string(b) + "-" + std::to_string(i));
		}
	};
	for (int branch = 0; branch < 3; ++branch) {
		for (size_t after = 0; after <= 5; ++after) {
			for (int error : {-EIO, -EACCES}) {
				INFO("branch " << branch << " fails after " << after << " with " << error);
				TestUnion u(3);
				build(u.fs);
				Lower root(u.fs, Lower::kRoots);
				Fault fault{Op::kIterate};
				uni_dirlist *list = reinterpret_cast<uni_dirlist *>(&fault);
				long live = test_env::live_allocations();

				fault.branch = branch;
				fault.error = error;
				fault.after_entries = after;
				u.fs.inject(fault);
				REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(),
							  &list) == error);
				REQUIRE(list == nullptr);
				REQUIRE(test_env::live_allocations() == live);
				REQUIRE_BALANCED(u.fs, root.held());
			}
		}
	}
}

TEST_CASE("dirlist: every allocation failure is ENOMEM and leaks nothing")
{
	TestUnion u(3);
	for (unsigned b = 0; b < 3; ++b) {
		for (unsigned i = 0; i < 40; ++i)
			u.fs.add_file(b, "/n" + std::to_string(i * (b + 1)));
		u.fs.add_whiteout(b, "/n" + std::to_string(b + 5));
	}
	Lower root(u.fs, Lower::kRoots);
	uni_dirlist *list = nullptr;
	unsigned count = 0;

	unsigned long allocations = test_env::check_every_allocation_failure(
		[&] {
			int ret = uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list);

			REQUIRE((ret == 0) == (list != nullptr));
			count = uni_dirlist_count(list);
			return ret;
		},
		[&] {
			uni_dirlist_destroy(list);
			list = nullptr;
		});
	REQUIRE(allocations > 5);
	REQUIRE(count > 40);
	REQUIRE_BALANCED(u.fs, root.held());
}

TEST_CASE("dirlist: bad arguments")
{
	TestUnion u(2);
	Lower root(u.fs, Lower::kRoots);
	uni_dirlist *list = nullptr;
	const char *name = "x";
	unsigned len = 1, dtype = 1;
	unsigned long long ino = 1;

	root.set()->kind = UNI_KIND_OTHER;
	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list) ==
		-UNI_ENOTDIR);
	root.set()->kind = UNI_KIND_DIR;
	root.set()->end = 2;
	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list) ==
		-UNI_EINVAL);
	REQUIRE(list == nullptr);
	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), nullptr) ==
		-UNI_EINVAL);
	root.set()->end = 1;

	REQUIRE(uni_dirlist_build(u.table, u.fs.ops(), u.fs.env(), root.set(), &list) == 0);
	REQUIRE(uni_dirlist_count(list) == 0);
	uni_dirlist_entry(list, 0, &name, &len, &ino, &dtype);
	REQUIRE(name == nullptr);
	REQUIRE(len == 0);
	uni_dirlist_destroy(list);
	uni_dirlist_destroy(nullptr);
	REQUIRE(uni_dirlist_count(nullptr) == 0);
}
