// SPDX-License-Identifier: GPL-2.0
/*
 * lookup.cpp - which lower objects make up the union object for a name.
 *
 * The walk goes down the branches in priority order, from where the parent
 * directory exists: a non-directory found first is the whole answer;
 * directories merge until one is opaque, is whited out beside it, or sits
 * above a non-directory; a whiteout beside a negative name ends the walk.
 * Opacity and whiteouts are only looked for when something below would
 * show through them (class Unchecked), which spares three lookups per name
 * on a single-branch union, and per directory only one branch holds.
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

/* A set of branches, a bit each, in may_hold()'s layout (64 to a word). */
class BranchBits {
public:
	void add(int b) { words_[b / 64] |= bit(b); }
	void remove(int b) { words_[b / 64] &= ~bit(b); }
	bool has(int b) const { return words_[b / 64] & bit(b); }
	unsigned long long *words() { return words_; }

private:
	static unsigned long long bit(int b) { return 1ULL << (b % 64); }

	unsigned long long words_[kLookWords] = {};
};

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
			answered_ = ops_.may_hold(parent_, name_, branch, look_.words());
		return look_.has(branch);
	}

private:
	const BranchOps &ops_;
	const uni_lower_set &parent_;
	StringView name_;
	int answered_ = -1;
	BranchBits look_;
};

/*
 * The branches a walk went past without asking what stops it there: an
 * opaque marker in the directory it took, a whiteout beside the name.
 * Those only matter once something below would join the union object, so
 * they are asked then, and a walk that finds nothing below (a directory
 * only one branch has, a name no branch has) never asks them: a
 * directory of the top branch costs one lookup per branch, not five.
 */
class Unchecked {
public:
	void add(int branch) { unchecked_.add(branch); }
	/* Was branch passed and found without a whiteout of the name? */
	bool clear(int branch) const { return clear_.has(branch); }
	/* Does a stop on one of these branches (top first) hide everything below? */
	Result<bool> stop_above(const BranchOps &ops, const uni_lower_set &parent, StringView name,
				const uni_lower_set &out, int below)
	{
		for (int b = 0; b < below; ++b) {
			if (!unchecked_.has(b))
				continue;
			void *taken = out.kind == UNI_KIND_DIR ? out.handles[b] : nullptr;

			if ((taken && TRY(is_opaque(ops, static_cast<unsigned>(b), taken))) ||
			    TRY(has_whiteout(ops, static_cast<unsigned>(b), parent.handles[b], name))) {
				hid_below_ = true;
				return true;
			}
			unchecked_.remove(b);
			clear_.add(b);
		}
		return false;
	}
	/* Did a stop hide something found below it? */
	bool hid_below() const { return hid_below_; }

private:
	BranchBits unchecked_;
	BranchBits clear_;
	bool hid_below_ = false;
};

/* Would hit join the union object found so far (nothing yet, or a directory to merge)? */
bool joins(const uni_lower_set &out, uni_kind hit)
{
	if (hit == UNI_KIND_NONE)
		return false;
	return out.kind == UNI_KIND_NONE || (out.kind == UNI_KIND_DIR && hit == UNI_KIND_DIR);
}

/*
 * Looks the name up on one branch where the parent exists. A non-directory
 * ends the walk (it is the object, or hidden below a directory), so does
 * the last branch; what joins is taken once no stop above hides it.
 */
Result<Step> visit(const BranchOps &ops, const uni_lower_set &parent, StringView name,
		   int branch, bool more_below, Asking &asking, Unchecked &unchecked,
		   uni_lower_set &out)
{
	/* Neither the name nor its whiteout there: nothing to take or to stop at. */
	if (!asking.asks(branch))
		return more_below ? Step::kContinue : Step::kStop;
	LookupHit hit = TRY(ops.lookup_held(branch, parent.handles[branch], name));

	if (joins(out, hit.kind)) {
		if (TRY(unchecked.stop_above(ops, parent, name, out, branch)))
			return Step::kStop;
		take(out, branch, hit);
	}
	if (hit.kind == UNI_KIND_OTHER || !more_below)
		return Step::kStop;
	unchecked.add(branch);
	return Step::kContinue;
}

Result<void> resolve(const BranchOps &ops, const uni_lower_set &parent, StringView name,
		     uni_lower_set &out)
{
	/* A union directory always has at least one lower directory. */
	int first = next_present(parent, parent.start - 1);

	if (first < 0)
		return Error(UNI_EINVAL);
	/* Known to have no whiteout of the name on the first branch (for a create there). */
	bool first_clear = false;
	/* No branch was found holding the name, not even hidden (a whiteout there hides nothing). */
	bool held_nowhere = false;

	if (!is_hidden_name(name)) {
		Asking asking(ops, parent, name);
		Unchecked unchecked;

		for (int branch = first; branch >= 0;) {
			int next = next_present(parent, branch);

			if (TRY(visit(ops, parent, name, branch, next >= 0, asking, unchecked, out)) ==
			    Step::kStop)
				break;
			branch = next;
		}
		first_clear = !asking.asks(first) || unchecked.clear(first);
		held_nowhere = !unchecked.hid_below();
	}
	/* A negative name is created where the parent is topmost. */
	if (out.kind == UNI_KIND_NONE) {
		out.start = out.end = first;
		if (first_clear)
			out.known |= UNI_KNOWN_NO_WHITEOUT;
		if (held_nowhere)
			out.known |= UNI_KNOWN_HELD_NOWHERE;
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
