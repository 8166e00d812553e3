// SPDX-License-Identifier: GPL-2.0
/* Union inode numbers: unique across filesystems, the same every time. */
#include <set>

#include <catch2/catch.hpp>

#include "uni_core.h"

TEST_CASE("inode numbers: the first filesystem keeps its own, others get their index on top")
{
	REQUIRE(uni_union_ino(0, 2) == 2);
	REQUIRE(uni_union_ino(0, (1ULL << 56) - 1) == (1ULL << 56) - 1);
	REQUIRE(uni_union_ino(1, 42) == ((1ULL << 56) | 42));
	REQUIRE(uni_union_ino(127, 42) == ((127ULL << 56) | 42));
	REQUIRE(uni_union_ino(7, (1ULL << 56) - 1) == ((7ULL << 56) | ((1ULL << 56) - 1)));
	/* the same lower number on different filesystems stays distinct */
	REQUIRE(uni_union_ino(1, 42) != uni_union_ino(2, 42));
	REQUIRE(uni_union_ino(1, 42) != uni_union_ino(0, 42));
}

TEST_CASE("inode numbers: 64-bit lower numbers are not cut but hashed, the same every time")
{
	const unsigned long long big = 0x0123456789abcdefULL;	/* needs 57 bits */

	for (unsigned fs = 0; fs < 3; fs++) {
		INFO("filesystem " << fs);
		unsigned long long ino = uni_union_ino(fs, big);

		REQUIRE(ino >> 56 == 0xff);		/* the index no filesystem gets */
		REQUIRE(ino == uni_union_ino(fs, big));	/* persistent */
	}
	/* The same big number on two filesystems, and two numbers that differ
	 * only in the bits a shift would lose, are told apart. */
	REQUIRE(uni_union_ino(0, big) != uni_union_ino(1, big));
	REQUIRE(uni_union_ino(1, big) != uni_union_ino(1, big & ((1ULL << 56) - 1)));
	REQUIRE(uni_union_ino(1, 0xff00000000000001ULL) != uni_union_ino(1, 0x0100000000000001ULL));
}

TEST_CASE("inode numbers: unique over many objects on many filesystems, big numbers included")
{
	std::set<unsigned long long> seen;
	unsigned long long count = 0;

	for (unsigned fs = 0; fs < 300; fs += 37) {	/* 0..296: some past index 0xff */
		for (unsigned long long i = 1; i <= 2000; i++) {
			unsigned long long small = i, large = (i << 48) | 0x8000000000000000ULL;

			seen.insert(uni_union_ino(fs, small));
			seen.insert(uni_union_ino(fs, large));
			count += 2;
		}
	}
	REQUIRE(seen.size() == count);
}

TEST_CASE("inode numbers: btrfs subvolumes repeat numbers, the union does not")
{
	/* Subvolume 0 (the top-level one, or no subvolumes): numbers as before. */
	REQUIRE(uni_union_ino_subvol(0, 0, 257) == 257);
	REQUIRE(uni_union_ino_subvol(2, 0, 257) == uni_union_ino(2, 257));

	std::set<unsigned long long> seen;
	for (unsigned fs = 0; fs < 2; fs++)
		for (unsigned long long subvol : {0ULL, 256ULL, 257ULL, 258ULL})
			for (unsigned long long ino : {256ULL, 257ULL, 258ULL}) {
				unsigned long long n = uni_union_ino_subvol(fs, subvol, ino);

				INFO("fs " << fs << " subvolume " << subvol << " ino " << ino);
				REQUIRE(n == uni_union_ino_subvol(fs, subvol, ino));	/* persistent */
				if (subvol)
					REQUIRE(n >> 56 == 0xff);
				REQUIRE(seen.insert(n).second);				/* unique */
			}
	/* Nor does a hashed subvolume number meet a hashed 64-bit one. */
	REQUIRE(uni_union_ino_subvol(0, 256, 257) != uni_union_ino(0, 257 | (1ULL << 60)));
}
