// SPDX-License-Identifier: GPL-2.0
/*
 * delete.cpp - unlink and rmdir, in the article's order.
 *
 * The instances of the name are handled lowest priority first, so the
 * visible state changes only when the top one goes. What happens below the
 * top is the delete mode's business:
 *   all       remove them, lowest first; the first that cannot go (a
 *             read-only branch, an error, the other type of object) stops
 *             the walk, and the top is then covered by a whiteout;
 *   whiteout  leave them, and put a whiteout beside the top when any exist;
 *   first     leave them: the next one shows through.
 * The top itself is removed where its branch is writable (with the
 * whiteout made first, beside it, where one is needed: a whiteout beside a
 * positive name changes nothing until the name goes); on a read-only
 * branch it is covered by a whiteout in the nearest writable branch above.
 */
#include "write.h"

using namespace uni;

namespace {

/*
 * Whether the instances of a name below its top (on branch s) are left as
 * they are: mode "first" leaves them without looking for them, and where
 * the parent has no branch below s there are none.
 */
bool nothing_to_settle(const Ctx &ctx, const uni_lower_set &parent, int s)
{
	return ctx.mode == UNI_DELETE_FIRST || !hides_below(parent, s);
}

/*
 * What the delete mode does with the instances of the name below the top
 * (on branch s); true: cover the name.
 */
Result<bool> settle_lower(Ctx &ctx, const uni_lower_set &parent, StringView name, int s,
			  uni_kind kind)
{
	if (nothing_to_settle(ctx, parent, s))
		return false;

	/* From the top's own branch: a whiteout beside the top hides all below. */
	Vector<Instance> lower = TRY(name_stack(ctx, parent, name, s));

	drop_down_to(lower, s);
	if (ctx.mode == UNI_DELETE_ALL)
		return !remove_lowest_first(ctx, parent, lower, kind);
	return !lower.is_empty();	/* UNI_DELETE_WHITEOUT */
}

/* The top on a writable branch: whiteout beside it if needed, then the top goes. */
Result<void> remove_top(Ctx &ctx, const uni_lower_set &parent, StringView name, int s,
			void *object, uni_kind kind, bool cover)
{
	Journal journal(ctx);
	void *dir = parent.handles[s];
	unsigned b = static_cast<unsigned>(s);

	if (cover)
		TRY(make_whiteout(ctx, journal, s, dir, name));
	if (kind == UNI_KIND_DIR) {
		/* The whiteouts inside hide lower entries until the rmdir succeeds. */
		TRY(clean_dir(ctx, &journal, s, object));
		TRY(ctx.ops.rmdir(b, dir, object));
	} else {
		TRY(ctx.ops.unlink(b, dir, object));
	}
	journal.commit();
	return {};
}

/*
 * An rmdir with nothing to settle below (the parent has no branch below the
 * directory's, or mode first leaves what is there): a directory of one
 * writable branch that holds no name at all, whiteouts and markers
 * included, goes by the branch's own rmdir, whose emptiness check is then
 * the union's, and nothing is read. true: removed; false: it holds
 * something, and the caller finds out what.
 */
Result<bool> rmdir_if_bare(Ctx &ctx, const uni_lower_set &parent, const uni_lower_set &object,
			   int s)
{
	if (object.start != object.end || !ctx.writable(s) || !nothing_to_settle(ctx, parent, s))
		return false;
	Result<void> removed = ctx.ops.rmdir(static_cast<unsigned>(s), parent.handles[s],
					     object.handles[s]);

	if (!removed.is_error())
		return true;
	/* POSIX lets a filesystem say EEXIST for a directory not empty. */
	if (removed.error().code() == UNI_ENOTEMPTY || removed.error().code() == UNI_EEXIST)
		return false;
	return removed.error();
}

/* The top on a read-only branch: a whiteout above it is the only way. */
Result<void> cover_top(Ctx &ctx, uni_ancestry &anc, StringView name, int s)
{
	Result<int> covered = try_branches(ctx, ctx.writable_above(s), [&](int t) -> Result<void> {
		Journal journal(ctx);

		TRY(ensure_dir(ctx, journal, anc, t, kSealed));
		TRY(make_whiteout(ctx, journal, t, parent_set(anc).handles[t], name));
		journal.commit();
		return {};
	});

	if (covered.is_error())
		return covered.error();
	return {};
}

Result<void> delete_entry(Ctx &ctx, const uni_entry &entry, uni_kind kind)
{
	const uni_lower_set &object = *entry.object;
	uni_lower_set &parent = parent_set(*entry.parent);
	StringView name(entry.name, entry.len);
	int s = top_of(object);

	if (kind == UNI_KIND_DIR && object.kind != UNI_KIND_DIR)
		return Error(UNI_ENOTDIR);
	if (kind != UNI_KIND_DIR && object.kind == UNI_KIND_DIR)
		return Error(UNI_EISDIR);
	/* Nothing below is touched when the top cannot be handled at all. */
	if (!ctx.writable(s) && ctx.writable_above(s) < 0)
		return Error(UNI_EROFS);
	TRY(check_not_sealed(ctx, s, object.handles[s], kSealed));
	if (kind == UNI_KIND_DIR) {
		if (TRY(rmdir_if_bare(ctx, parent, object, s)))
			return {};
		if (!TRY(is_logically_empty(ctx, object)))
			return Error(UNI_ENOTEMPTY);
	}

	bool cover = TRY(settle_lower(ctx, parent, name, s, kind));

	if (ctx.writable(s))
		return remove_top(ctx, parent, name, s, object.handles[s], kind, cover);
	return cover_top(ctx, *entry.parent, name, s);
}

int delete_c(const uni_context *context, const uni_entry *entry, uni_kind kind)
{
	int err = check_context(context);

	if (err)
		return err;
	if (!is_valid_entry(entry, *context->table, true))
		return -UNI_EINVAL;

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	return to_errno(delete_entry(ctx, *entry, kind));
}

} /* namespace */

extern "C" int uni_unlink(const struct uni_context *context, const struct uni_entry *entry)
{
	return delete_c(context, entry, UNI_KIND_OTHER);
}

extern "C" int uni_rmdir(const struct uni_context *context, const struct uni_entry *entry)
{
	return delete_c(context, entry, UNI_KIND_DIR);
}
