// SPDX-License-Identifier: GPL-2.0
/*
 * create.cpp - new names: create/mkdir/mknod/symlink, the directory an
 * O_TMPFILE goes to, and hard links.
 *
 * The article's rule: a new object goes to the highest-priority branch
 * where the parent exists; on a read-only branch, the parent chain is
 * copied up to the nearest writable branch above and the object made
 * there. A hard link stays in its source's branch, so both names are one
 * inode. A whiteout of the name in the target branch goes once the object
 * exists, and a new directory that would merge with a whited-out lower one
 * is made opaque.
 */
#include "lookup.h"
#include "whiteout.h"
#include "write.h"

using namespace uni;

namespace {

bool is_valid_args(const uni_create_args *args)
{
	if (!args)
		return false;
	int type;

	static_assert(sizeof(type) == sizeof(args->type), "enum is int-sized in C");
	copy_bytes(&type, &args->type, sizeof(type));
	if (type == UNI_CREATE_SYMLINK)
		return args->symlink_target != nullptr;
	return type == UNI_CREATE_REG || type == UNI_CREATE_DIR || type == UNI_CREATE_SPECIAL;
}

/*
 * Would a whiteout of the entry's name beside a new object of this kind,
 * left in place, never change what the union shows? Where the lookup found
 * no branch holding the name, the whiteout hides nothing now, and beside a
 * file it hides nothing while the file is there. Once the file goes
 * (unlink, rename away) it hides whatever a lower branch has by then, as
 * the union does anyway in modes all and whiteout, which cover what is
 * below a removed name. Not in mode first (what is below shows then), nor
 * beside a directory (a lower directory added later would not merge).
 */
bool stray_whiteout_is_harmless(const Ctx &ctx, const uni_entry &entry, uni_kind kind)
{
	const uni_lower_set *object = entry.object;

	return object && object->kind == UNI_KIND_NONE &&
	       (object->known & UNI_KNOWN_HELD_NOWHERE) && kind != UNI_KIND_DIR &&
	       ctx.mode != UNI_DELETE_FIRST;
}

/*
 * The whiteout of the entry's name in dir on branch t, if there is one:
 * looked up unless the lookup that found the name negative saw none
 * there, t is the parent's last branch (a whiteout there hides nothing),
 * or a stray one would be harmless where it is. A stray one made on the
 * branch itself stays beside the new object, as harmless as before.
 */
Result<BranchRef> whiteout_beside(Ctx &ctx, const uni_entry &entry, uni_kind kind, int t,
				  void *dir)
{
	StringView name(entry.name, entry.len);
	const uni_lower_set *object = entry.object;

	if (object && object->kind == UNI_KIND_NONE && object->start == t &&
	    (object->known & UNI_KNOWN_NO_WHITEOUT))
		return BranchRef();
	if (!hides_below(parent_set(*entry.parent), t) ||
	    stray_whiteout_is_harmless(ctx, entry, kind))
		return BranchRef();
	Result<StringBuf> whiteout = whiteout_of(name);

	if (whiteout.is_error()) {
		/* A name too long to have a whiteout has none. */
		if (whiteout.error().code() == UNI_ENAMETOOLONG)
			return BranchRef();
		return whiteout.error();
	}
	LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(t), dir, whiteout.value().view()));

	return move(hit.ref);
}

/*
 * Makes the object on branch t. Steps: parent chain; the object; for a
 * directory that something lower would show through once the whiteout
 * beside it is gone, the opaque marker (if that fails, the whiteout stays
 * and keeps hiding what is below). The whiteout is removed last, best
 * effort: beside a positive name it changes nothing anyway.
 */
Result<void> create_on(Ctx &ctx, const uni_entry &entry, const uni_create_args &args, int t,
		       OwnedSet &out)
{
	Journal journal(ctx);
	StringView name(entry.name, entry.len);
	uni_kind kind = args.type == UNI_CREATE_DIR ? UNI_KIND_DIR : UNI_KIND_OTHER;

	TRY(ensure_dir(ctx, journal, *entry.parent, t, UNI_ATTR_IMMUTABLE));
	uni_lower_set &parent = parent_set(*entry.parent);
	void *dir = parent.handles[t];
	BranchRef whiteout = TRY(whiteout_beside(ctx, entry, kind, t, dir));

	TRY(journal.reserve());
	BranchRef child = TRY(ctx.ops.create(static_cast<unsigned>(t), dir, name, args));
	journal.created(t, dir, child.get(), kind);

	bool keep_whiteout = false;
	if (kind == UNI_KIND_DIR && TRY(shows_through(ctx, parent, name, t + 1))) {
		Result<void> opaque = make_opaque(ctx, journal, t, child.get());

		if (opaque.is_error()) {
			if (!whiteout)
				return opaque.error();
			keep_whiteout = true;
		}
	}
	journal.commit();
	if (whiteout && !keep_whiteout)
		(void)ctx.ops.unlink(static_cast<unsigned>(t), dir, whiteout.get());
	out.add(t, move(child), kind);
	return {};
}

Result<int> create_entry(Ctx &ctx, const uni_entry &entry, const uni_create_args &args,
			 OwnedSet &out)
{
	if (is_hidden_name(StringView(entry.name, entry.len)))
		return Error(UNI_EPERM);
	int first = ctx.first_target(top_of(parent_set(*entry.parent)));

	return try_branches(ctx, first,
			    [&](int t) { return create_on(ctx, entry, args, t, out); });
}

Result<int> prepare_dir(Ctx &ctx, uni_ancestry &anc)
{
	int first = ctx.first_target(top_of(parent_set(anc)));

	return try_branches(ctx, first, [&](int t) -> Result<void> {
		Journal journal(ctx);

		TRY(ensure_dir(ctx, journal, anc, t, UNI_ATTR_IMMUTABLE));
		journal.commit();
		return {};
	});
}

/* ---- link ---- */

class Link {
public:
	Link(Ctx &ctx, const uni_entry &source, const uni_entry &target)
		: ctx_(ctx), source_(source), target_(target),
		  source_name_(source.name, source.len), name_(target.name, target.len),
		  object_(*source.object), s_(top_of(*source.object))
	{
	}

	Result<void> run(OwnedSet &out_source, OwnedSet &out_target)
	{
		if (is_hidden_name(name_))
			return Error(UNI_EPERM);
		if (object_.kind == UNI_KIND_DIR)
			return Error(UNI_EPERM);
		if (target_.object && target_.object->kind != UNI_KIND_NONE)
			return Error(UNI_EEXIST);
		int first = TRY(choose_branch());

		/* Anywhere but its own branch, the source is copied up first. */
		if (first != s_)
			TRY(check_not_sealed(ctx_, s_, object_.handles[s_], kSealed));
		TRY(try_branches(ctx_, first, [&](int t) {
			return link_on(t, out_source, out_target);
		}));
		return {};
	}

private:
	/*
	 * The source's branch when writable, unless something of the new name
	 * sits on a read-only branch above it (the link would stay hidden):
	 * then the nearest writable branch above that.
	 */
	Result<int> choose_branch()
	{
		NameCells cells = TRY(NameCells::scan(ctx_, parent_set(*target_.parent), name_));

		return visible_target(ctx_, cells, *target_.parent, ctx_.first_target(s_));
	}

	/* Leftovers of the name at or above t are set aside, whiteouts above t removed. */
	Result<void> clear_way(Journal &journal, NameCells &cells, int t)
	{
		uni_lower_set &parent = parent_set(*target_.parent);

		for (int b = t; b >= 0; --b) {
			Cell &cell = cells.at(b);
			void *dir = parent.handles[b];

			if (!cell.visited)
				continue;
			if (cell.holds_object())
				TRY(retire(ctx_, journal, b, dir, cell, name_));
			if (cell.whiteout && b < t) {
				StringBuf whiteout = TRY(whiteout_of(name_));

				TRY(remove_meta(ctx_, journal, b, dir, cell.whiteout.get(),
						whiteout.view()));
			}
		}
		return {};
	}

	Result<void> link_on(int t, OwnedSet &out_source, OwnedSet &out_target)
	{
		Journal journal(ctx_);
		BranchRef copy;
		void *old = object_.handles[s_];

		if (t != s_) {
			uni_lower_set &source_parent = parent_set(*source_.parent);

			TRY(ensure_dir(ctx_, journal, *source_.parent, t, 0));
			TRY(journal.reserve());
			copy = TRY(ctx_.ops.copy_up(static_cast<unsigned>(s_), old,
						    static_cast<unsigned>(t), source_parent.handles[t],
						    source_name_, UNI_COPY_ALL));
			journal.created(t, source_parent.handles[t], copy.get(), UNI_KIND_OTHER);
			old = copy.get();
		}
		TRY(ensure_dir(ctx_, journal, *target_.parent, t, UNI_ATTR_IMMUTABLE));
		uni_lower_set &parent = parent_set(*target_.parent);
		void *dir = parent.handles[t];
		NameCells cells = TRY(NameCells::scan(ctx_, parent, name_));

		TRY(clear_way(journal, cells, t));
		TRY(journal.reserve());
		BranchRef child = TRY(ctx_.ops.link(static_cast<unsigned>(t), old, dir, name_));
		journal.created(t, dir, child.get(), UNI_KIND_OTHER);
		journal.commit();

		Cell &here = cells.at(t);
		if (here.visited && here.whiteout)
			(void)ctx_.ops.unlink(static_cast<unsigned>(t), dir, here.whiteout.get());
		out_target.add(t, move(child), UNI_KIND_OTHER);
		if (copy)
			out_source.add(t, move(copy), object_.kind);
		else
			out_source.copy_from(object_);
		return {};
	}

	Ctx &ctx_;
	const uni_entry &source_;
	const uni_entry &target_;
	StringView source_name_;
	StringView name_;
	const uni_lower_set &object_;
	int s_;
};

} /* namespace */

extern "C" int uni_create(const struct uni_context *context, const struct uni_entry *entry,
			  const struct uni_create_args *args, struct uni_lower_set *out)
{
	int err = check_context(context);

	if (err)
		return err;
	unsigned count = uni_branch_table_count(context->table);

	if (!out || !out->handles || !is_valid_entry(entry, *context->table, false) || !is_valid_args(args))
		return -UNI_EINVAL;
	reset_lower_set(*out, count);

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	Result<OwnedSet> made = OwnedSet::try_create(ctx.ops, count);
	if (made.is_error())
		return made.error().to_errno();
	Result<int> branch = create_entry(ctx, *entry, *args, made.value());
	if (branch.is_error())
		return branch.error().to_errno();
	made.value().hand_over(*out);
	return 0;
}

extern "C" int uni_prepare_dir(const struct uni_context *context, struct uni_ancestry *dir,
			       int *branch)
{
	int err = check_context(context);

	if (err)
		return err;
	if (!branch || !is_valid_ancestry(dir, *context->table))
		return -UNI_EINVAL;
	*branch = -1;

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	Result<int> chosen = prepare_dir(ctx, *dir);
	if (chosen.is_error())
		return chosen.error().to_errno();
	*branch = chosen.value();
	return 0;
}

extern "C" int uni_link(const struct uni_context *context, const struct uni_entry *source,
			const struct uni_entry *target, struct uni_lower_set *out_source,
			struct uni_lower_set *out_target)
{
	int err = check_context(context);

	if (err)
		return err;
	unsigned count = uni_branch_table_count(context->table);

	if (!out_source || !out_source->handles || !out_target || !out_target->handles ||
	    !is_valid_entry(source, *context->table, true) || !is_valid_entry(target, *context->table, false))
		return -UNI_EINVAL;
	reset_lower_set(*out_source, count);
	reset_lower_set(*out_target, count);

	Ctx ctx(*context->table, *context->ops, context->env, context->delete_mode);
	Result<OwnedSet> new_source = OwnedSet::try_create(ctx.ops, count);
	if (new_source.is_error())
		return new_source.error().to_errno();
	Result<OwnedSet> new_target = OwnedSet::try_create(ctx.ops, count);
	if (new_target.is_error())
		return new_target.error().to_errno();
	Result<void> linked = Link(ctx, *source, *target).run(new_source.value(), new_target.value());
	if (linked.is_error())
		return linked.error().to_errno();
	new_source.value().hand_over(*out_source);
	new_target.value().hand_over(*out_target);
	return 0;
}
