// SPDX-License-Identifier: GPL-2.0
/*
 * inode_number.cpp - union inode numbers.
 *
 * Two lower filesystems may both have an inode 42, so the union puts the
 * filesystem's index (numbered in branch order) in the top 8 bits. The
 * first filesystem keeps its numbers unchanged: a union of one filesystem
 * (the common case) shows the same numbers as the filesystem itself, and
 * they survive a remount.
 *
 * Some filesystems use all 64 bits (NFS fileids, XFS inode64 on huge
 * disks, FUSE). A number that does not fit in the 56 bits below the index
 * cannot be shifted without losing bits, so it is hashed, with its
 * filesystem's index, into the top index 0xff, which no filesystem gets
 * (indexes from 0xff on go there too). The hash is a fixed function of
 * (index, number), so these numbers are as persistent as the others and
 * unique unless two 56-bit hashes collide: a chance of about n^2 / 2^57
 * among n such objects (1 in 100,000 for a million of them).
 *
 * btrfs subvolumes (and snapshots) share one filesystem and repeat each
 * other's numbers (every subvolume's root is 256; a snapshot keeps its
 * source's). The shim names the subvolume of each object (0 for the
 * top-level one); an object of any other subvolume is hashed with
 * (index, subvolume, number) into the same top index, also persistent.
 */
#include "support.h"

namespace {

constexpr unsigned kFsIndexShift = 56;
constexpr unsigned long long kLowerInoMask = (1ULL << kFsIndexShift) - 1;
constexpr unsigned kOverflowIndex = 0xff;

/* A bijective 64-bit mixer (the splitmix64 finaliser). */
constexpr unsigned long long mix64(unsigned long long x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

constexpr unsigned long long with_index(unsigned index, unsigned long long low56)
{
	return (low56 & kLowerInoMask) | (static_cast<unsigned long long>(index) << kFsIndexShift);
}

} /* namespace */

extern "C" unsigned long long uni_union_ino(unsigned fs_index, unsigned long long lower_ino)
{
	bool fits = (lower_ino & ~kLowerInoMask) == 0 && fs_index < kOverflowIndex;

	if (fits)
		return fs_index == 0 ? lower_ino : with_index(fs_index, lower_ino);
	return with_index(kOverflowIndex, mix64(lower_ino ^ mix64(fs_index + 1)));
}

extern "C" unsigned long long uni_union_ino_subvol(unsigned fs_index, unsigned long long subvol,
						   unsigned long long lower_ino)
{
	if (!subvol)
		return uni_union_ino(fs_index, lower_ino);
	return with_index(kOverflowIndex, mix64(lower_ino ^ mix64(mix64(fs_index + 1) ^ subvol)));
}
