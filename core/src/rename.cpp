// SPDX-License-Identifier: GPL-2.0
/*
 * rename.cpp - rename(2) across branches, never EXDEV.
 *
 * A rename is a create of the new name and a delete of the old one (the
 * delete mode applies to the old name), done so that a failure at any
 * step puts everything back:
 *
 *  1. Branch: the new name's top goes to the source's top branch r = s when
 *     it is writable; else to the nearest writable branch above. Nothing
 *     of the new name may stay on a read-only branch above r (it would
 *     hide the result), so r moves above any such leftover.
 *  2. Placement (how the object gets to the new name on r):
 *       in place   a file, or a directory all of whose instances are on
 *                  writable branches: every instance is renamed within its
 *                  own branch (objects stay where they are);
 *       move top   a directory whose top is writable but some lower
 *                  instance is not: the top is renamed within its branch,
 *                  the lower instances' visible contents are copied into
 *                  it, and it is made opaque;
 *       copy       the top is on a read-only branch (or r had to move up):
 *                  the object is copied to r (a directory with all its
 *                  visible contents) and made opaque as needed; a file of
 *                  a writable branch is linked there where the environment
 *                  can (link_up: the same file, nothing copied).
 *  3. Order: what the old name leaves below (hidden) is settled first as
 *     the delete mode says, lowest priority first; then, journaled: the
 *     way for the new name is cleared (objects in the way are renamed to a
 *     hidden temporary name, whiteouts above removed), the old name gets
 *     its whiteout (beside the positive top: invisible until it moves),
 *     the object is placed; last, a copied top that can go is removed.
 *     Commit then removes the set-aside objects for good.
 */
#include "lookup.h"
#include "whiteout.h"
#include "write.h"

using namespace uni;

namespace {

enum class Placement { kInPlace, kMoveTop, kCopy };

class Rename {
public:
	Rename(Ctx &ctx, const uni_entry &from, const uni_entry &to)
		: ctx_(ctx), from_(from), to_(to), old_name_(from.name, from.len),
		  new_name_(to.name, to.len), object_(*from.object),
		  old_parent_(parent_set(*from.parent)), new_parent_(parent_set(*to.parent)),
		  kind_(from.object->kind), s_(top_of(*from.object)),
		  e_(from.object->kind == UNI_KIND_DIR ? from.object->end : s_)
	{
	}

	Result<void> run(OwnedSet &out, unsigned &flags)
	{
		if (TRY(is_same_object())) {
			out.copy_from(object_);
			return {};
		}
		int r = TRY(choose_branch());

		old_stack_ = TRY(name_stack(ctx_, old_parent_, old_name_, s_));
		settle_old_leftovers();
		TRY(try_branches(ctx_, r, [&](int t) {
			out.release();
			flags = 0;
			return attempt(t, t == r ? planned_ : Placement::kCopy, out, flags);
		}));
		return {};
	}

private:
	/* The checks rename(2) makes of the names; true when there is nothing to do. */
	Result<bool> is_same_object()
	{
		const uni_lower_set *target = to_.object;

		if (is_hidden_name(new_name_))
			return Error(UNI_EPERM);
		if (target && target->kind != UNI_KIND_NONE) {
			int u = top_of(*target);

			if (kind_ == UNI_KIND_DIR && target->kind != UNI_KIND_DIR)
				return Error(UNI_ENOTDIR);
			if (kind_ != UNI_KIND_DIR && target->kind == UNI_KIND_DIR)
				return Error(UNI_EISDIR);
			if (u == s_ && target->handles[u] == object_.handles[s_])
				return true;
			if (target->kind == UNI_KIND_DIR && !TRY(is_logically_empty(ctx_, *target)))
				return Error(UNI_ENOTEMPTY);
			TRY(check_not_sealed(ctx_, u, target->handles[u], kSealed));
		}
		TRY(check_not_sealed(ctx_, s_, object_.handles[s_], kSealed));
		return false;
	}

	/* Step 1, and which placement fits the first branch tried. */
	Result<int> choose_branch()
	{
		NameCells cells = TRY(NameCells::scan(ctx_, new_parent_, new_name_));
		int r = TRY(visible_target(ctx_, cells, *to_.parent, ctx_.first_target(s_)));

		if (r < 0)
			return Error(UNI_EROFS);
		if (r != s_)
			planned_ = Placement::kCopy;
		else if (kind_ != UNI_KIND_DIR || TRY(instances_can_stay(cells)))
			planned_ = Placement::kInPlace;
		else
			planned_ = Placement::kMoveTop;
		return r;
	}

	/*
	 * Every instance on a writable branch that the new parent can reach,
	 * and nothing of the new name on a read-only branch within the range
	 * (it would join or cut the merge).
	 */
	Result<bool> instances_can_stay(const NameCells &cells)
	{
		if (cells.first_readonly_in_use(ctx_, s_, e_) >= 0)
			return false;
		for (int i = s_; i <= e_; ++i) {
			if (!object_.handles[i])
				continue;
			if (!ctx_.writable(i) || !TRY(dir_reachable(ctx_, *to_.parent, i)))
				return false;
		}
		return true;
	}

	/* The last branch whose instance moves with the new name. */
	int last_moved(Placement placement) const
	{
		return placement == Placement::kInPlace ? e_ : s_;
	}

	/*
	 * The old name's instances below those that move, as the delete mode
	 * says: removed lowest first (all), or left to be covered (whiteout),
	 * or left to show through (first).
	 */
	void settle_old_leftovers()
	{
		Vector<Instance> leftovers = move(old_stack_);

		drop_down_to(leftovers, last_moved(planned_));
		switch (ctx_.mode) {
		case UNI_DELETE_ALL:
			leftovers_remain_ = !remove_lowest_first(ctx_, old_parent_, leftovers, kind_);
			break;
		case UNI_DELETE_WHITEOUT:
			leftovers_remain_ = !leftovers.is_empty();
			break;
		case UNI_DELETE_FIRST:
			leftovers_remain_ = false;
			break;
		}
	}

	/* Does something of the old name stay that must be covered by a whiteout? */
	bool old_name_needs_cover(Placement placement, bool top_stays) const
	{
		if (top_stays)
			return true;
		if (leftovers_remain_)
			return true;
		/* Lower instances a retry no longer moves were not settled above. */
		bool unsettled = placement != Placement::kInPlace && planned_ == Placement::kInPlace &&
				 next_present(object_, s_) >= 0;

		return unsettled && ctx_.mode != UNI_DELETE_FIRST;
	}

	Result<void> attempt(int r, Placement placement, OwnedSet &out, unsigned &flags)
	{
		Journal journal(ctx_);
		NameCells cells = TRY(NameCells::scan(ctx_, new_parent_, new_name_));
		bool remove_old_top = false;

		if (placement == Placement::kCopy) {
			void *top = object_.handles[s_];

			remove_old_top = ctx_.writable(s_) &&
					 (kind_ != UNI_KIND_DIR ||
					  !TRY(has_visible_entries(ctx_, s_, top)));
		}
		TRY(clear_way(journal, cells, r, placement));
		if (old_name_needs_cover(placement, placement == Placement::kCopy && !remove_old_top))
			TRY(cover_old_name(journal, r));
		switch (placement) {
		case Placement::kInPlace:
			TRY(place_in_place(journal, cells, out));
			break;
		case Placement::kMoveTop:
			TRY(place_move_top(journal, cells, out));
			flags |= UNI_RENAME_COPIED;
			break;
		case Placement::kCopy:
			TRY(place_copy(journal, cells, r, out));
			if (kind_ == UNI_KIND_DIR)
				flags |= UNI_RENAME_COPIED;
			break;
		}
		if (remove_old_top)
			TRY(remove_copied_top(journal, r));
		journal.commit();

		/* A whiteout beside the new object: meaningless now, removed best effort. */
		Cell &here = cells.at(r);
		bool merges = placement == Placement::kInPlace && kind_ == UNI_KIND_DIR;
		if (here.visited && here.whiteout && !merges)
			(void)ctx_.ops.unlink(static_cast<unsigned>(r), new_parent_.handles[r],
					      here.whiteout.get());
		return {};
	}

	/*
	 * Everything of the new name at or above the lowest branch the object
	 * will occupy is set aside (objects) or removed (whiteouts), lowest
	 * first; a whiteout on r itself stays until the end (it hides nothing
	 * once the object is beside it), except inside a directory's range,
	 * where it would cut the merge. A file renamed in place replaces a
	 * file on r directly, as rename(2) does. With delete=all, the target's
	 * lower instances go too.
	 */
	Result<void> clear_way(Journal &journal, NameCells &cells, int r, Placement placement)
	{
		bool merges = placement == Placement::kInPlace && kind_ == UNI_KIND_DIR;
		int bottom = merges ? e_ : r;

		for (int b = bottom; b >= 0; --b) {
			Cell &cell = cells.at(b);
			void *dir = new_parent_.handles[b];

			if (!cell.visited)
				continue;
			bool replaced = placement == Placement::kInPlace && kind_ != UNI_KIND_DIR &&
					b == r && cell.kind != UNI_KIND_DIR;
			if (cell.holds_object() && !replaced)
				TRY(retire(ctx_, journal, b, dir, cell, new_name_));
			if (cell.whiteout && (b < r || merges)) {
				StringBuf whiteout = TRY(whiteout_of(new_name_));

				TRY(remove_meta(ctx_, journal, b, dir, cell.whiteout.get(),
						whiteout.view()));
				cell.whiteout.reset();
			}
		}
		if (ctx_.mode != UNI_DELETE_ALL)
			return {};
		for (int b = bottom + 1; b < cells.count(); ++b) {
			Cell &cell = cells.at(b);

			if (!cell.visited)
				continue;
			if (cell.holds_object() && ctx_.writable(b))
				TRY(retire(ctx_, journal, b, new_parent_.handles[b], cell, new_name_));
			if (cell.whiteout)
				break;
		}
		return {};
	}

	/* The old name's whiteout on r (beside the top when r == s). */
	Result<void> cover_old_name(Journal &journal, int r)
	{
		TRY(ensure_dir(ctx_, journal, *from_.parent, r, kSealed));
		return make_whiteout(ctx_, journal, r, old_parent_.handles[r], old_name_);
	}

	/* Renames the instance on branch i within that branch (journaled). */
	Result<void> rename_instance(Journal &journal, int i, unsigned flags)
	{
		TRY(ensure_dir(ctx_, journal, *to_.parent, i, UNI_ATTR_IMMUTABLE));
		TRY(journal.reserve());
		StringBuf old_name = TRY(StringBuf::try_create(old_name_));
		void *old_dir = old_parent_.handles[i];
		void *new_dir = new_parent_.handles[i];

		TRY(ctx_.ops.rename(static_cast<unsigned>(i), old_dir, object_.handles[i], new_dir,
				    new_name_, flags));
		journal.renamed(i, old_dir, object_.handles[i], new_dir, move(old_name));
		return {};
	}

	Result<void> place_in_place(Journal &journal, NameCells &cells, OwnedSet &out)
	{
		if (kind_ != UNI_KIND_DIR) {
			TRY(rename_instance(journal, s_, 0));
			out.copy_from(object_);
			return {};
		}
		/* What lies below the lowest instance must not join the merge. */
		void *bottom = object_.handles[e_];
		if (cells.shows_from(e_ + 1) &&
		    !TRY(is_opaque(ctx_.ops, static_cast<unsigned>(e_), bottom)))
			TRY(make_opaque(ctx_, journal, e_, bottom));
		for (int i = e_; i >= s_; --i)
			if (object_.handles[i])
				TRY(rename_instance(journal, i, UNI_RENAME_NOREPLACE));
		out.copy_from(object_);
		return {};
	}

	Result<void> place_move_top(Journal &journal, NameCells &cells, OwnedSet &out)
	{
		void *top = object_.handles[s_];

		/* Its lower instances stay behind, under the old name: only the new name's matter. */
		if (cells.shows_from(s_ + 1))
			TRY(make_opaque(ctx_, journal, s_, top));
		TRY(rename_instance(journal, s_, UNI_RENAME_NOREPLACE));
		TRY(copy_contents(ctx_, journal, s_, top, object_));
		out.add(s_, ctx_.ops.get(top), UNI_KIND_DIR);
		return {};
	}

	Result<void> place_copy(Journal &journal, NameCells &cells, int r, OwnedSet &out)
	{
		TRY(ensure_dir(ctx_, journal, *to_.parent, r, UNI_ATTR_IMMUTABLE));
		void *dir = new_parent_.handles[r];

		TRY(journal.reserve());
		BranchRef copy = TRY(place_renamed_top(ctx_, s_, object_.handles[s_], kind_, r, dir,
							     new_name_));
		journal.created(r, dir, copy.get(), kind_);
		if (kind_ == UNI_KIND_DIR) {
			if (cells.shows_from(r + 1))
				TRY(make_opaque(ctx_, journal, r, copy.get()));
			TRY(copy_contents(ctx_, journal, r, copy.get(), object_));
		}
		out.add(r, move(copy), kind_);
		return {};
	}

	/*
	 * The old top, now copied, goes from its writable branch: the last
	 * step, as it cannot be undone. If it will not go, a whiteout covers it.
	 */
	Result<void> remove_copied_top(Journal &journal, int r)
	{
		unsigned b = static_cast<unsigned>(s_);
		void *dir = old_parent_.handles[s_];
		void *top = object_.handles[s_];
		Result<void> removed;

		if (kind_ == UNI_KIND_DIR) {
			removed = clean_dir(ctx_, &journal, s_, top);
			if (!removed.is_error())
				removed = ctx_.ops.rmdir(b, dir, top);
		} else {
			removed = ctx_.ops.unlink(b, dir, top);
		}
		if (removed.is_error())
			return cover_old_name(journal, r);
		return {};
	}

	Ctx &ctx_;
	const uni_entry &from_;
	const uni_entry &to_;
	StringView old_name_;
	StringView new_name_;
	const uni_lower_set &object_;
	uni_lower_set &old_parent_;
	uni_lower_set &new_parent_;
	uni_kind kind_;
	int s_;
	int e_;
	Placement planned_ = Placement::kInPlace;
	Vector<Instance> old_stack_;
	bool leftovers_remain_ = false;
};

} /* namespace */

extern "C" int uni_rename(const struct uni_context *context, const struct uni_entry *from,
			  const struct uni_entry *to, struct uni_lower_set *out,
			  unsigned *out_flags)
{
	int err = check_context(context);

	if (err)
		return err;
	unsigned count = uni_branch_table_count(context->table);

	if (!out || !out->handles || !out_flags || !is_valid_entry(from, *context->table, true) ||
	    !is_valid_entry(to, *context->table, false))
		return -UNI_EINVAL;
	reset_lower_set(*out, count);
	*out_flags = 0;

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	Result<OwnedSet> made = OwnedSet::try_create(ctx.ops, count);
	if (made.is_error())
		return made.error().to_errno();
	unsigned flags = 0;
	Result<void> renamed = Rename(ctx, *from, *to).run(made.value(), flags);
	if (renamed.is_error())
		return renamed.error().to_errno();
	made.value().hand_over(*out);
	*out_flags = flags;
	return 0;
}
