// SPDX-License-Identifier: GPL-2.0
/*
 * inode_number.cpp - union inode numbers.
 *
 * Two lower filesystems may both have an inode 42, so the union puts the
 * filesystem's index in the top 8 bits. The first filesystem keeps its
 * numbers unchanged: a union of one filesystem (the common case) shows the
 * same numbers as the filesystem itself, and they survive a remount. Real
 * filesystems do not use the top byte of their inode numbers.
 */
#include "support.h"

namespace {

constexpr unsigned kFsIndexShift = 56;
constexpr unsigned long long kLowerInoMask = (1ULL << kFsIndexShift) - 1;
constexpr unsigned long long kFsIndexMask = 0xff;

} /* namespace */

extern "C" unsigned long long uni_union_ino(unsigned fs_index, unsigned long long lower_ino)
{
	if (fs_index == 0)
		return lower_ino;
	return (lower_ino & kLowerInoMask) | ((fs_index & kFsIndexMask) << kFsIndexShift);
}
