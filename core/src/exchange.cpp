// SPDX-License-Identifier: GPL-2.0
/*
 * exchange.cpp - renameat2(RENAME_EXCHANGE): two names swap their objects
 * in one step, whichever branches the objects live on.
 *
 * The swap itself is one exchange() on one branch; everything before it
 * prepares that branch so that the swap alone makes the new view:
 *
 *  1. Branch: r is the nearest writable branch at or above both tops such
 *     that nothing of either name on a read-only branch above r would hide
 *     the result, and both parents can be made there (visible_target, as
 *     rename chooses it, for both names until they agree).
 *  2. Each object's top goes to r: an object whose top is below r is
 *     copied there (copy_up(), parent chain first); a file of a writable
 *     branch is linked there where the environment can (link_up()).
 *  3. Each directory is made self-contained on r: under its new name its
 *     lower instances (they stay under the old name) no longer merge in,
 *     so their visible contents are copied into the top on r (as rename's
 *     move-top does). Its top is made opaque when something of the other
 *     name below r would merge into it under the new name. A non-directory
 *     top needs nothing: it hides whatever lies below it.
 *  4. One exchange() on r; commit.
 *
 * Lower instances of both names stay where they were, hidden; only a top
 * copied up from a writable branch is removed afterwards (best effort; a
 * directory only when empty), as rename does, so the object does not live
 * on as a hidden twin. The delete mode plays no part. Every step of 2-4 is
 * journaled, so a failure leaves the branches as they were. As rename,
 * the first branch is retried further up on EROFS, ENOSPC and EDQUOT.
 */
#include "lookup.h"
#include "whiteout.h"
#include "write.h"

using namespace uni;

namespace {

/* One of the two names. */
struct Side {
	explicit Side(const uni_entry &e)
		: entry(e), name(e.name, e.len), object(*e.object), parent(parent_set(*e.parent)),
		  kind(e.object->kind), top(top_of(*e.object))
	{
	}

	const uni_entry &entry;
	StringView name;
	const uni_lower_set &object;
	uni_lower_set &parent;
	uni_kind kind;
	int top;
};

class Exchange {
public:
	Exchange(Ctx &ctx, const uni_entry &a, const uni_entry &b) : ctx_(ctx), a_(a), b_(b) {}

	Result<void> run(OwnedSet &out_a, OwnedSet &out_b, unsigned &flags)
	{
		if (TRY(is_same_object())) {
			out_a.copy_from(a_.object);
			out_b.copy_from(b_.object);
			return {};
		}
		int r = TRY(choose_branch());

		TRY(try_branches(ctx_, r, [&](int t) {
			out_a.release();
			out_b.release();
			flags = 0;
			return attempt(t, out_a, out_b, flags);
		}));
		return {};
	}

private:
	/* The checks rename(2) makes of the names; true when there is nothing to do. */
	Result<bool> is_same_object()
	{
		if (is_hidden_name(a_.name) || is_hidden_name(b_.name))
			return Error(UNI_EPERM);
		if (a_.top == b_.top && a_.object.handles[a_.top] == b_.object.handles[b_.top])
			return true;
		TRY(check_not_sealed(ctx_, a_.top, a_.object.handles[a_.top], kSealed));
		TRY(check_not_sealed(ctx_, b_.top, b_.object.handles[b_.top], kSealed));
		return false;
	}

	/* Step 1: the first branch to try, or EROFS. */
	Result<int> choose_branch()
	{
		NameCells cells_a = TRY(NameCells::scan(ctx_, a_.parent, a_.name));
		NameCells cells_b = TRY(NameCells::scan(ctx_, b_.parent, b_.name));
		int t = ctx_.first_target(min(a_.top, b_.top));

		/* visible_target only moves up: a few rounds settle it. */
		while (t >= 0) {
			int ta = TRY(visible_target(ctx_, cells_a, *a_.entry.parent, t));

			if (ta < 0)
				break;
			int tb = TRY(visible_target(ctx_, cells_b, *b_.entry.parent, ta));

			if (tb == ta)
				return ta;
			t = tb;
		}
		return Error(UNI_EROFS);
	}

	Result<void> attempt(int r, OwnedSet &out_a, OwnedSet &out_b, unsigned &flags)
	{
		Journal journal(ctx_);
		NameCells cells_a = TRY(NameCells::scan(ctx_, a_.parent, a_.name));
		NameCells cells_b = TRY(NameCells::scan(ctx_, b_.parent, b_.name));
		BranchRef top_a = TRY(bring_to(journal, a_, r, cells_b, flags));
		BranchRef top_b = TRY(bring_to(journal, b_, r, cells_a, flags));
		void *dir_a = a_.parent.handles[r];
		void *dir_b = b_.parent.handles[r];

		TRY(journal.reserve());
		TRY(ctx_.ops.exchange(static_cast<unsigned>(r), dir_a, top_a.get(), dir_b,
				      top_b.get()));
		journal.exchanged(r, dir_a, top_a.get(), dir_b, top_b.get());
		journal.commit();
		remove_copied_top(a_, r);
		remove_copied_top(b_, r);
		out_a.add(r, move(top_a), a_.kind);
		out_b.add(r, move(top_b), b_.kind);
		return {};
	}

	/*
	 * A top copied up from a writable branch is hidden now (by the other
	 * object on r), and would show again as a stale twin once that goes:
	 * removed, best effort, as rename removes its copied top. A directory
	 * only when nothing visible is in it.
	 */
	void remove_copied_top(const Side &side, int r)
	{
		if (side.top == r || !ctx_.writable(side.top))
			return;
		void *dir = side.parent.handles[side.top];
		void *top = side.object.handles[side.top];

		(void)remove_instance(ctx_, side.top, dir, top, side.kind);
	}

	/*
	 * Steps 2 and 3 for one side: its top on r, self-contained, ready to
	 * show under the other name (whose cells are 'other').
	 */
	Result<BranchRef> bring_to(Journal &journal, const Side &side, int r, NameCells &other,
				   unsigned &flags)
	{
		BranchRef top;

		if (side.top == r) {
			top = ctx_.ops.get(side.object.handles[r]);
		} else {
			TRY(ensure_dir(ctx_, journal, *side.entry.parent, r, UNI_ATTR_IMMUTABLE));
			void *dir = side.parent.handles[r];

			TRY(journal.reserve());
			top = TRY(place_renamed_top(ctx_, side.top, side.object.handles[side.top],
						    side.kind, r, dir, side.name));
			journal.created(r, dir, top.get(), side.kind);
		}
		if (side.kind != UNI_KIND_DIR)
			return move(top);
		/* Its other instances stay under the old name: their contents come along. */
		if (side.top != r || next_present(side.object, r) >= 0) {
			TRY(copy_contents(ctx_, journal, r, top.get(), side.object));
			flags |= UNI_RENAME_COPIED;
		}
		/* A whiteout beside the other name on r cuts the merge already. */
		Cell &there = other.at(r);
		if (!(there.visited && there.whiteout) && other.shows_from(r + 1))
			TRY(make_opaque(ctx_, journal, r, top.get()));
		return move(top);
	}

	Ctx &ctx_;
	Side a_;
	Side b_;
};

} /* namespace */

extern "C" int uni_rename_exchange(const struct uni_context *context, const struct uni_entry *a,
				   const struct uni_entry *b, struct uni_lower_set *out_a,
				   struct uni_lower_set *out_b, unsigned *out_flags)
{
	int err = check_context(context);

	if (err)
		return err;
	unsigned count = uni_branch_table_count(context->table);

	if (!out_a || !out_a->handles || !out_b || !out_b->handles || !out_flags)
		return -UNI_EINVAL;
	if (!is_valid_entry(a, *context->table, false) || !is_valid_entry(b, *context->table, false))
		return -UNI_EINVAL;
	/* renameat2 swaps two existing names only. */
	if (!a->object || a->object->kind == UNI_KIND_NONE || !b->object ||
	    b->object->kind == UNI_KIND_NONE)
		return -UNI_ENOENT;
	if (!is_valid_entry(a, *context->table, true) || !is_valid_entry(b, *context->table, true))
		return -UNI_EINVAL;
	reset_lower_set(*out_a, count);
	reset_lower_set(*out_b, count);
	*out_flags = 0;

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	if (!ctx.ops.can_exchange())
		return -UNI_EINVAL;
	Result<OwnedSet> made_a = OwnedSet::try_create(ctx.ops, count);
	if (made_a.is_error())
		return made_a.error().to_errno();
	Result<OwnedSet> made_b = OwnedSet::try_create(ctx.ops, count);
	if (made_b.is_error())
		return made_b.error().to_errno();
	unsigned flags = 0;
	Result<void> done = Exchange(ctx, *a, *b).run(made_a.value(), made_b.value(), flags);
	if (done.is_error())
		return done.error().to_errno();
	made_a.value().hand_over(*out_a);
	made_b.value().hand_over(*out_b);
	*out_flags = flags;
	return 0;
}
