// SPDX-License-Identifier: GPL-2.0
/*
 * chain.cpp - union directories on the way from the root: making one exist
 * on a branch (the "parent chain" of a create, a whiteout, a copyup or a
 * rename), and the checks of what the C boundary hands in.
 */
#include "lookup.h"
#include "whiteout.h"
#include "write.h"

using namespace uni;

namespace {

/*
 * The first level of an ancestry is where the chain may start: the union
 * root, or any union directory with a directory on every writable branch
 * (nothing above it is ever made or looked at: every branch a write can
 * go to finds its parent there at the latest).
 */
bool is_valid_anchor(const uni_lower_set &set, const uni_branch_table &table)
{
	unsigned count = uni_branch_table_count(&table);

	for (unsigned b = 0; b < count; ++b) {
		const uni_branch *branch = uni_branch_table_get(&table, b);

		if (branch && branch->mode == UNI_BRANCH_RW && !set.handles[b])
			return false;
	}
	return top_of(set) >= 0;
}

bool is_valid_level(const uni_dir_level *level, unsigned index, const uni_branch_table &table)
{
	if (!level || !is_valid_range(level->set, uni_branch_table_count(&table)) ||
	    level->set.kind != UNI_KIND_DIR)
		return false;
	if (index == 0)
		return is_valid_anchor(level->set, table);
	StringView name(level->name, level->len);

	return level->name && level->len > 0 && level->len <= UNI_NAME_MAX &&
	       !is_hidden_name(name) && top_of(level->set) >= 0;
}

} /* namespace */

bool uni::is_valid_ancestry(const uni_ancestry *anc, const uni_branch_table &table)
{
	if (!anc || !anc->levels || anc->depth == 0)
		return false;
	for (unsigned k = 0; k < anc->depth; ++k)
		if (!is_valid_level(anc->levels[k], k, table))
			return false;
	return true;
}

Result<bool> uni::dir_reachable(Ctx &ctx, const uni_ancestry &anc, int branch)
{
	for (unsigned k = anc.depth; k-- > 0;) {
		const uni_dir_level &level = *anc.levels[k];
		const uni_lower_set &set = level.set;

		/* There, and so are the levels above it. */
		if (set.handles[branch])
			return true;
		/* Above or inside the range lookup walked: nothing stops it on the way. */
		if (branch <= set.end)
			continue;
		/*
		 * Below it: lookup stopped at the last directory, or ran out of
		 * branches. Only the latter lets a new one below join the merge.
		 */
		const uni_lower_set &parent = anc.levels[k - 1]->set;
		StringView name(level.name, level.len);
		int last = set.end;

		if (TRY(is_opaque(ctx.ops, static_cast<unsigned>(last), set.handles[last])))
			return false;
		for (int b = last; b <= branch; ++b) {
			void *dir = parent.handles[b];

			if (!dir)
				continue;
			/*
			 * Something of the name on the way down (or on branch
			 * itself: a non-directory lookup stopped at) is in the way.
			 */
			if (b > last && TRY(ctx.ops.exists(static_cast<unsigned>(b), dir, name)))
				return false;
			if (b < branch && TRY(has_whiteout(ctx.ops, static_cast<unsigned>(b), dir, name)))
				return false;
		}
	}
	return true;
}

Result<void> uni::check_not_sealed(Ctx &ctx, int branch, void *object, unsigned deny_flags)
{
	uni_attr attr = TRY(ctx.ops.getattr(static_cast<unsigned>(branch), object));

	if (attr.flags & deny_flags)
		return Error(UNI_EPERM);
	return {};
}

namespace {

/*
 * Makes LEVEL (whose parent ABOVE is on branch) exist on branch as a copy
 * of its top directory. One made meanwhile by someone else is adopted.
 */
Result<void> make_level(Ctx &ctx, Journal &journal, uni_dir_level &level,
			const uni_dir_level &above, int branch, unsigned deny_flags)
{
	int top = top_of(level.set);

	if (top < 0)
		return Error(UNI_EINVAL);
	if (deny_flags)
		TRY(check_not_sealed(ctx, top, level.set.handles[top], deny_flags));
	TRY(journal.reserve());

	StringView name(level.name, level.len);
	void *dir = above.set.handles[branch];
	Result<BranchRef> made = ctx.ops.copy_up(static_cast<unsigned>(top), level.set.handles[top],
						 static_cast<unsigned>(branch), dir, name,
						 UNI_COPY_ALL);
	int saved_start = level.set.start;
	int saved_end = level.set.end;

	if (made.is_error()) {
		if (made.error().code() != UNI_EEXIST)
			return made.error();
		LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(branch), dir, name));

		if (hit.kind != UNI_KIND_DIR)
			return Error(UNI_EEXIST);
		level.set.handles[branch] = hit.ref.release();
	} else {
		level.set.handles[branch] = made.value().release();
		journal.made_level(level, branch, dir, saved_start, saved_end);
	}
	level.set.start = min(level.set.start, branch);
	level.set.end = max(level.set.end, branch);
	return {};
}

} /* namespace */

Result<void> uni::ensure_dir(Ctx &ctx, Journal &journal, uni_ancestry &anc, int branch,
			     unsigned deny_flags)
{
	unsigned have = anc.depth;

	for (unsigned k = anc.depth; k-- > 0;) {
		if (anc.levels[k]->set.handles[branch]) {
			have = k;
			break;
		}
	}
	if (have == anc.depth)
		return Error(UNI_EINVAL);
	for (unsigned k = have + 1; k < anc.depth; ++k) {
		bool last = k + 1 == anc.depth;

		TRY(make_level(ctx, journal, *anc.levels[k], *anc.levels[k - 1], branch,
			       last ? deny_flags : 0));
	}
	return {};
}

/* ---- The C boundary ---- */

int uni::check_context(const uni_context *ctx)
{
	if (!ctx || !ctx->table || !ctx->ops || !ctx->ops->lookup || !ctx->ops->put ||
	    !ctx->ops->iterate)
		return -UNI_EINVAL;
	if (uni_branch_table_count(ctx->table) == 0)
		return -UNI_EINVAL;

	int mode;

	/* An out-of-range value must not be loaded as the C++ enum (see branch_table.cpp). */
	static_assert(sizeof(mode) == sizeof(ctx->delete_mode), "enum is int-sized in C");
	copy_bytes(&mode, &ctx->delete_mode, sizeof(mode));
	if (mode != UNI_DELETE_ALL && mode != UNI_DELETE_WHITEOUT && mode != UNI_DELETE_FIRST)
		return -UNI_EINVAL;
	if (!BranchOps(*ctx->ops, ctx->env).can_write())
		return -UNI_EROFS;
	return 0;
}

bool uni::is_valid_entry(const uni_entry *entry, const uni_branch_table &table, bool positive)
{
	unsigned count = uni_branch_table_count(&table);

	if (!entry || !is_valid_ancestry(entry->parent, table) || !entry->name ||
	    entry->len == 0 || entry->len > UNI_NAME_MAX)
		return false;
	if (!positive)
		return true;
	const uni_lower_set *object = entry->object;

	return object && is_valid_range(*object, count) && object->kind != UNI_KIND_NONE &&
	       top_of(*object) >= 0;
}
