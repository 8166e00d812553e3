// SPDX-License-Identifier: GPL-2.0
/*
 * copyup.cpp - bringing objects up from read-only branches.
 *
 * Copyup before a modification: an object whose top is on a read-only
 * branch is copied, with its parent chain, to the nearest writable branch
 * of higher priority, where the modification then happens. The copy of
 * one object is the environment's copy_up(), atomic by contract, so a
 * failure leaves no partial file; the parent chain made for it is removed
 * again.
 *
 * Copying the contents of a directory (a directory rename that cannot
 * happen in place) walks the union view of the directory, breadth by
 * breadth without recursion: every visible entry not already on the
 * target branch is copied there, directories with their contents.
 */
#include "dirlist.h"
#include "lookup.h"
#include "write.h"

using namespace uni;

namespace {

/*
 * A directory another operation made on branch t since our snapshot (as
 * the parent of something it created below): it is the copy we wanted.
 */
Result<BranchRef> adopt_made_dir(Ctx &ctx, void *dir, StringView name, int t)
{
	LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(t), dir, name));

	if (hit.kind != UNI_KIND_DIR)
		return Error(UNI_EEXIST);
	return move(hit.ref);
}

/* Copies the object to branch t (parent chain first); the copy's reference. */
Result<BranchRef> copy_to(Ctx &ctx, const uni_entry &entry, int s, int t, u64 size)
{
	Journal journal(ctx);
	uni_lower_set &parent = parent_set(*entry.parent);
	StringView name(entry.name, entry.len);

	TRY(ensure_dir(ctx, journal, *entry.parent, t, 0));
	Result<BranchRef> copy = ctx.ops.copy_up(static_cast<unsigned>(s), entry.object->handles[s],
						 static_cast<unsigned>(t), parent.handles[t], name,
						 size);
	if (copy.is_error()) {
		if (copy.error().code() != UNI_EEXIST || entry.object->kind != UNI_KIND_DIR)
			return copy.error();
		BranchRef made = TRY(adopt_made_dir(ctx, parent.handles[t], name, t));

		journal.commit();
		return move(made);
	}
	journal.commit();
	return move(copy.value());
}

Result<void> copy_up_entry(Ctx &ctx, const uni_entry &entry, u64 size, OwnedSet &out)
{
	const uni_lower_set &object = *entry.object;
	int s = top_of(object);

	if (ctx.writable(s)) {
		out.copy_from(object);
		return {};
	}
	TRY(check_not_sealed(ctx, s, object.handles[s], kSealed));
	BranchRef copy;
	int t = TRY(try_branches(ctx, ctx.writable_above(s), [&](int branch) -> Result<void> {
		copy = TRY(copy_to(ctx, entry, s, branch, size));
		return {};
	}));
	/* A directory copy merges with the lower directories; a file hides what is below. */
	if (object.kind == UNI_KIND_DIR)
		out.copy_from(object);
	out.add(t, move(copy), object.kind);
	return {};
}

/* One directory still to fill: DST on the target branch, SOURCE the union directory. */
struct Pending {
	BranchRef dst;
	OwnedSet source;
};

Result<void> copy_level(Ctx &ctx, Journal &journal, int r, void *dst, const uni_lower_set &source,
			Vector<Pending> &work)
{
	OwnedDirList list = TRY(build_dirlist(ctx.table, ctx.ops, source));

	for (unsigned i = 0; i < list.count(); ++i) {
		StringView name = list.name(i);
		OwnedSet child = TRY(OwnedSet::try_create(ctx.ops, ctx.count));

		TRY(resolve_name(ctx.ops, source, name, child.set()));
		int top = top_of(child.set());
		uni_kind kind = child.set().kind;

		if (kind == UNI_KIND_NONE || top < 0)
			continue;
		if (top == r) {
			/* Already there; a directory may still merge with lower ones. */
			if (kind == UNI_KIND_DIR && next_present(child.set(), r) >= 0)
				TRY(work.try_append(Pending{ctx.ops.get(child.at(r)), move(child)}));
			continue;
		}
		TRY(journal.reserve());
		BranchRef copy = TRY(ctx.ops.copy_up(static_cast<unsigned>(top), child.at(top),
						     static_cast<unsigned>(r), dst, name,
						     UNI_COPY_ALL));
		journal.created(r, dst, copy.get(), kind);
		if (kind == UNI_KIND_DIR)
			TRY(work.try_append(Pending{move(copy), move(child)}));
	}
	return {};
}

} /* namespace */

Result<BranchRef> uni::place_renamed_top(Ctx &ctx, int from, void *top, uni_kind kind, int to,
					 void *dir, StringView name)
{
	unsigned from_branch = static_cast<unsigned>(from), to_branch = static_cast<unsigned>(to);

	if (kind != UNI_KIND_DIR && ctx.writable(from))
		return ctx.ops.move_up(from_branch, top, to_branch, dir, name);
	return ctx.ops.copy_up(from_branch, top, to_branch, dir, name, UNI_COPY_ALL);
}

Result<void> uni::copy_contents(Ctx &ctx, Journal &journal, int r, void *dst,
				const uni_lower_set &source)
{
	Vector<Pending> work;
	OwnedSet first = TRY(OwnedSet::try_create(ctx.ops, ctx.count));

	first.copy_from(source);
	TRY(work.try_append(Pending{ctx.ops.get(dst), move(first)}));
	while (!work.is_empty()) {
		Pending next = move(work.last());

		work.truncate(work.size() - 1);
		TRY(copy_level(ctx, journal, r, next.dst.get(), next.source.set(), work));
	}
	return {};
}

extern "C" int uni_copyup(const struct uni_context *context, const struct uni_entry *entry,
			  unsigned long long size, struct uni_lower_set *out)
{
	int err = check_context(context);

	if (err)
		return err;
	unsigned count = uni_branch_table_count(context->table);

	if (!out || !out->handles || !is_valid_entry(entry, *context->table, true))
		return -UNI_EINVAL;
	reset_lower_set(*out, count);

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	Result<OwnedSet> made = OwnedSet::try_create(ctx.ops, count);
	if (made.is_error())
		return made.error().to_errno();
	Result<void> copied = copy_up_entry(ctx, *entry, size, made.value());
	if (copied.is_error())
		return copied.error().to_errno();
	made.value().hand_over(*out);
	return 0;
}
