// SPDX-License-Identifier: GPL-2.0
/*
 * lookup.cpp - which lower objects make up the union object for a name.
 *
 * The walk goes down the branches in priority order, from where the parent
 * directory exists: a non-directory found first is the whole answer;
 * directories merge until one is opaque, is whited out beside it, or sits
 * above a non-directory; a whiteout beside a negative name ends the walk.
 * Opacity and whiteouts are only looked for when a lower branch is left to
 * hide, which spares three lookups per name on a single-branch union.
 */
#include "lookup.h"
#include "whiteout.h"

using namespace uni;

namespace uni {

Result<bool> has_whiteout(const BranchOps &ops, unsigned branch, void *dir, StringView name)
{
	NameBuffer whiteout;
	Result<usize> length = make_whiteout_name(name, whiteout, sizeof(whiteout));

	/* A name too long to whiteout cannot have a whiteout on any branch. */
	if (length.is_error())
		return false;
	return ops.exists(branch, dir, StringView(whiteout, length.value()));
}

Result<bool> is_opaque(const BranchOps &ops, unsigned branch, void *dir)
{
	if (TRY(ops.exists(branch, dir, kOpaqueName)))
		return true;
	return ops.exists(branch, dir, kOciOpaqueName);
}

} /* namespace uni */

namespace {

enum class Step { kContinue, kStop };

/* Takes hit into out as the object on branch. */
void take(uni_lower_set &out, int branch, LookupHit &hit)
{
	if (out.kind == UNI_KIND_NONE) {
		out.kind = hit.kind;
		out.start = branch;
	}
	out.end = branch;
	out.handles[branch] = hit.ref.release();
}

/*
 * Which branch directories of a walk are asked for the name: found out from
 * the environment (may_hold) a stretch at a time, as the walk goes down,
 * so that a walk that ends at the top branch costs one answer, not one per
 * branch.
 */
class Asking {
public:
	Asking(const BranchOps &ops, const uni_lower_set &parent, StringView name)
		: ops_(ops), parent_(parent), name_(name)
	{
	}

	bool asks(int branch)
	{
		if (branch > answered_)
			answered_ = ops_.may_hold(parent_, name_, branch, look_);
		return look_[branch / 64] & (1ULL << (branch % 64));
	}

private:
	const BranchOps &ops_;
	const uni_lower_set &parent_;
	StringView name_;
	int answered_ = -1;
	unsigned long long look_[kLookWords] = {};
};

/* Looks the name up on one branch where the parent exists. */
Result<Step> visit(const BranchOps &ops, const uni_lower_set &parent, StringView name,
		   int branch, bool more_below, Asking &asking, uni_lower_set &out)
{
	void *dir = parent.handles[branch];

	/* Neither the name nor its whiteout there: as a negative name. */
	if (!asking.asks(branch))
		return more_below ? Step::kContinue : Step::kStop;
	LookupHit hit = TRY(ops.lookup_held(branch, dir, name));

	switch (hit.kind) {
	case UNI_KIND_OTHER:
		/* Below a directory, a non-directory is hidden, and hides the rest. */
		if (out.kind == UNI_KIND_NONE)
			take(out, branch, hit);
		return Step::kStop;
	case UNI_KIND_DIR: {
		void *found = hit.ref.get();

		take(out, branch, hit);
		if (!more_below || TRY(is_opaque(ops, branch, found)))
			return Step::kStop;
		break;
	}
	case UNI_KIND_NONE:
		if (!more_below)
			return Step::kStop;
		break;
	}
	if (TRY(has_whiteout(ops, branch, dir, name)))
		return Step::kStop;
	return Step::kContinue;
}

Result<void> resolve(const BranchOps &ops, const uni_lower_set &parent, StringView name,
		     uni_lower_set &out)
{
	/* A union directory always has at least one lower directory. */
	int first = next_present(parent, parent.start - 1);

	if (first < 0)
		return Error(UNI_EINVAL);
	/* Going on below the first branch means neither name nor whiteout is there. */
	bool passed_first = false;

	if (!is_hidden_name(name)) {
		Asking asking(ops, parent, name);

		for (int branch = first; branch >= 0;) {
			int next = next_present(parent, branch);

			if (TRY(visit(ops, parent, name, branch, next >= 0, asking, out)) ==
			    Step::kStop)
				break;
			passed_first = true;
			branch = next;
		}
	}
	/* A negative name is created where the parent is topmost. */
	if (out.kind == UNI_KIND_NONE) {
		out.start = out.end = first;
		if (passed_first)
			out.known |= UNI_KNOWN_NO_WHITEOUT;
	}
	return {};
}

/* Is hit a copy of the same kind of object (directory or not) as the first one found? */
bool same_kind_as_first(uni_kind first, uni_kind hit)
{
	return first == UNI_KIND_NONE || (first == UNI_KIND_DIR) == (hit == UNI_KIND_DIR);
}

/*
 * The walk of resolve(), but through non-directories too: every branch
 * with a copy of the object (the same kind as the top one) is marked, down
 * to an opaque directory, a whiteout beside the name, or an object of the
 * other kind (which the top one hides).
 */
Result<void> find_holders(const BranchOps &ops, const uni_lower_set &parent, StringView name,
			  unsigned long long *holders)
{
	uni_kind first = UNI_KIND_NONE;

	if (is_hidden_name(name))
		return {};
	Asking asking(ops, parent, name);

	for (int branch = next_present(parent, parent.start - 1); branch >= 0;) {
		int next = next_present(parent, branch);
		void *dir = parent.handles[branch];

		if (!asking.asks(branch)) {
			branch = next;
			continue;
		}
		LookupHit hit = TRY(ops.lookup_held(branch, dir, name));

		if (hit.kind != UNI_KIND_NONE) {
			if (!same_kind_as_first(first, hit.kind))
				break;
			if (first == UNI_KIND_NONE)
				first = hit.kind;
			holders[branch / 64] |= 1ULL << (branch % 64);
		}
		if (next < 0)
			break;
		if (hit.kind == UNI_KIND_DIR && TRY(is_opaque(ops, branch, hit.ref.get())))
			break;
		if (TRY(has_whiteout(ops, branch, dir, name)))
			break;
		branch = next;
	}
	return {};
}

} /* namespace */

extern "C" int uni_lookup_holders(const struct uni_branch_table *table,
				  const struct uni_branch_ops *ops, void *env,
				  const struct uni_lower_set *parent, const char *name,
				  unsigned len, unsigned long long *holders, unsigned nwords)
{
	if (!table || !ops || !parent || !holders || (!name && len))
		return -UNI_EINVAL;
	unsigned count = uni_branch_table_count(table);

	if (static_cast<unsigned long long>(nwords) * 64 < count || !is_valid_range(*parent, count))
		return -UNI_EINVAL;
	for (unsigned i = 0; i < nwords; i++)
		holders[i] = 0;

	BranchOps branch_ops(*ops, env);
	return to_errno(find_holders(branch_ops, *parent, StringView(name, len), holders));
}

Result<void> uni::resolve_name(const BranchOps &ops, const uni_lower_set &parent, StringView name,
			       uni_lower_set &out)
{
	return resolve(ops, parent, name, out);
}

extern "C" int uni_lookup_resolve(const struct uni_branch_table *table,
				  const struct uni_branch_ops *ops, void *env,
				  const struct uni_lower_set *parent, const char *name,
				  unsigned len, struct uni_lower_set *out)
{
	if (!table || !ops || !parent || !out || !out->handles || (!name && len))
		return -UNI_EINVAL;
	unsigned count = uni_branch_table_count(table);

	reset_lower_set(*out, count);
	if (!is_valid_range(*parent, count))
		return -UNI_EINVAL;

	BranchOps branch_ops(*ops, env);
	Result<void> result = resolve(branch_ops, *parent, StringView(name, len), *out);

	if (result.is_error())
		release_lower_set(branch_ops, *out, count);
	return to_errno(result);
}
