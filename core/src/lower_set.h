/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lower_set.h - helpers over struct uni_lower_set, the lower objects that
 * make up one union object.
 */
#ifndef UNI_LOWER_SET_H
#define UNI_LOWER_SET_H

#include "branch_ops.h"

namespace uni {

/* A set the core may walk: a non-empty range inside the branch table. */
inline bool is_valid_range(const uni_lower_set &set, unsigned branch_count)
{
	return set.handles && set.start >= 0 && set.start <= set.end &&
	       static_cast<unsigned>(set.end) < branch_count;
}

/* First branch after 'after' (pass start - 1 to begin) with an object, or -1. */
inline int next_present(const uni_lower_set &set, int after)
{
	for (int i = after + 1; i <= set.end; ++i)
		if (set.handles[i])
			return i;
	return -1;
}

/* An empty answer: what the caller holds after any error. */
inline void reset_lower_set(uni_lower_set &set, unsigned branch_count)
{
	set.start = -1;
	set.end = -1;
	set.kind = UNI_KIND_NONE;
	set.known = 0;
	for (unsigned i = 0; i < branch_count; ++i)
		set.handles[i] = nullptr;
}

/* Drops every reference the set holds, leaving it empty. */
inline void release_lower_set(const BranchOps &ops, uni_lower_set &set, unsigned branch_count)
{
	for (unsigned i = 0; i < branch_count; ++i)
		ops.put(set.handles[i]);
	reset_lower_set(set, branch_count);
}

} /* namespace uni */

#endif /* UNI_LOWER_SET_H */
