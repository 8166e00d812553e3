/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lookup.h - lookup resolution for the core's own use (the write path
 * resolves names inside directories it copies or removes).
 */
#ifndef UNI_LOOKUP_H
#define UNI_LOOKUP_H

#include "lower_set.h"

namespace uni {

/* Does ".wh.NAME" exist in dir on this branch? (false for a name too long to have one) */
Result<bool> has_whiteout(const BranchOps &ops, unsigned branch, void *dir, StringView name);

/* A directory holding either opaque marker hides everything below it. */
Result<bool> is_opaque(const BranchOps &ops, unsigned branch, void *dir);

/*
 * uni_lookup_resolve() without the argument checks: 'out' must be empty
 * (all handles NULL, kind UNI_KIND_NONE). On error 'out' may hold
 * references; the caller releases them.
 */
Result<void> resolve_name(const BranchOps &ops, const uni_lower_set &parent, StringView name,
			  uni_lower_set &out);

} /* namespace uni */

#endif /* UNI_LOOKUP_H */
