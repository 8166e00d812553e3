// SPDX-License-Identifier: GPL-2.0
/*
 * names.cpp - what a name is on the branches, and the union metadata the
 * core writes: whiteouts (".wh.NAME", zero-length regular files) and opaque
 * markers (".wh.__dir_opaque" inside a directory), both created through
 * create() with UNI_CREATE_INTERNAL.
 */
#include "dirlist.h"
#include "lookup.h"
#include "whiteout.h"
#include "write.h"

using namespace uni;

namespace {

constexpr uni_create_args kMetaArgs{UNI_CREATE_REG, UNI_META_MODE, 0, nullptr,
				    UNI_CREATE_INTERNAL};

/* The names in one branch directory, copied out of iterate(). */
class NameList {
public:
	static Result<NameList> read(Ctx &ctx, int branch, void *dir)
	{
		NameList list;

		list.error_ = Error(0);
		Result<void> walked =
			ctx.ops.iterate(static_cast<unsigned>(branch), dir, &NameList::emit, &list);

		if (list.error_.code())
			return list.error_;
		if (walked.is_error())
			return walked.error();
		return move(list);
	}

	usize count() const { return entries_.size(); }

	StringView name(usize index) const
	{
		return StringView(bytes_.data() + entries_[index].offset, entries_[index].length);
	}

	bool has_visible() const
	{
		for (usize i = 0; i < count(); ++i)
			if (!is_hidden_name(name(i)))
				return true;
		return false;
	}

private:
	struct Entry {
		usize offset;
		usize length;
	};

	static int emit(void *cookie, const char *name, unsigned len, unsigned long long,
			unsigned)
	{
		auto *self = static_cast<NameList *>(cookie);
		StringView entry(name, len);

		if (entry.is_empty() || entry == "." || entry == "..")
			return 0;
		usize offset = self->bytes_.size();
		Result<void> added = self->bytes_.try_append_copies(name, len);

		if (!added.is_error())
			added = self->entries_.try_append(Entry{offset, len});
		if (added.is_error()) {
			self->error_ = added.error();
			return added.error().to_errno();
		}
		return 0;
	}

	Vector<char> bytes_;
	Vector<Entry> entries_;
	Error error_{0};
};

/* Creates the metadata file NAME in dir (journaled); one already there is fine. */
Result<void> make_meta(Ctx &ctx, Journal &journal, int branch, void *dir, StringView name)
{
	TRY(journal.reserve());
	Result<BranchRef> made = ctx.ops.create(static_cast<unsigned>(branch), dir, name, kMetaArgs);

	if (made.is_error())
		return made.error().code() == UNI_EEXIST ? Result<void>() : made.error();
	journal.created(branch, dir, made.value().get(), UNI_KIND_OTHER);
	return {};
}

} /* namespace */

Result<StringBuf> uni::whiteout_of(StringView name)
{
	if (name.length() > UNI_NAME_MAX - kWhiteoutPrefix.length())
		return Error(UNI_ENAMETOOLONG);
	return StringBuf::try_concat(kWhiteoutPrefix, name, {});
}

Result<void> uni::make_whiteout(Ctx &ctx, Journal &journal, int branch, void *dir,
				StringView name)
{
	StringBuf whiteout = TRY(whiteout_of(name));

	return make_meta(ctx, journal, branch, dir, whiteout.view());
}

Result<void> uni::make_opaque(Ctx &ctx, Journal &journal, int branch, void *dir)
{
	return make_meta(ctx, journal, branch, dir, kOpaqueName);
}

Result<void> uni::remove_meta(Ctx &ctx, Journal &journal, int branch, void *dir, void *child,
			      StringView name)
{
	TRY(journal.reserve());
	StringBuf copy = TRY(StringBuf::try_create(name));

	TRY(ctx.ops.unlink(static_cast<unsigned>(branch), dir, child));
	journal.unlinked_meta(branch, dir, move(copy));
	return {};
}

bool uni::hides_below(const uni_lower_set &parent, int b)
{
	return b < parent.end;
}

Result<Vector<Instance>> uni::name_stack(Ctx &ctx, const uni_lower_set &parent, StringView name,
					 int from)
{
	Vector<Instance> stack;

	for (int b = max(from, parent.start); b <= parent.end; ++b) {
		void *dir = parent.handles[b];

		if (!dir)
			continue;
		LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(b), dir, name));

		if (hit.kind != UNI_KIND_NONE)
			TRY(stack.try_append(Instance{b, move(hit.ref), hit.kind}));
		if (hides_below(parent, b) &&
		    TRY(has_whiteout(ctx.ops, static_cast<unsigned>(b), dir, name)))
			break;
	}
	return move(stack);
}

Result<bool> uni::shows_through(Ctx &ctx, const uni_lower_set &parent, StringView name, int from)
{
	for (int b = max(from, parent.start); b <= parent.end; ++b) {
		void *dir = parent.handles[b];

		if (!dir)
			continue;
		if (TRY(ctx.ops.exists(static_cast<unsigned>(b), dir, name)))
			return true;
		if (hides_below(parent, b) &&
		    TRY(has_whiteout(ctx.ops, static_cast<unsigned>(b), dir, name)))
			return false;
	}
	return false;
}

Result<bool> uni::has_visible_entries(Ctx &ctx, int branch, void *dir)
{
	NameList names = TRY(NameList::read(ctx, branch, dir));

	return names.has_visible();
}

Result<bool> uni::is_logically_empty(Ctx &ctx, const uni_lower_set &dir)
{
	OwnedDirList list = TRY(build_dirlist(ctx.table, ctx.ops, dir));

	return list.count() == 0;
}

Result<void> uni::clean_dir(Ctx &ctx, Journal *journal, int branch, void *dir)
{
	NameList names = TRY(NameList::read(ctx, branch, dir));

	if (names.has_visible())
		return Error(UNI_ENOTEMPTY);
	for (usize i = 0; i < names.count(); ++i) {
		StringView name = names.name(i);
		LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(branch), dir, name));

		if (hit.kind == UNI_KIND_NONE)
			continue;
		/* A hidden directory is a leftover of ours: it goes whole. */
		if (hit.kind == UNI_KIND_DIR) {
			TRY(remove_tree(ctx, branch, dir, hit.ref.get()));
			continue;
		}
		if (journal)
			TRY(remove_meta(ctx, *journal, branch, dir, hit.ref.get(), name));
		else
			TRY(ctx.ops.unlink(static_cast<unsigned>(branch), dir, hit.ref.get()));
	}
	return {};
}

Result<void> uni::remove_instance(Ctx &ctx, int branch, void *dir, void *child, uni_kind kind)
{
	if (kind != UNI_KIND_DIR)
		return ctx.ops.unlink(static_cast<unsigned>(branch), dir, child);
	TRY(clean_dir(ctx, nullptr, branch, child));
	return ctx.ops.rmdir(static_cast<unsigned>(branch), dir, child);
}

bool uni::remove_lowest_first(Ctx &ctx, const uni_lower_set &parent, Vector<Instance> &instances,
			      uni_kind kind)
{
	for (usize i = instances.size(); i > 0; --i) {
		Instance &instance = instances[i - 1];
		int b = instance.branch;

		if (!ctx.writable(b) || instance.kind != kind)
			return false;
		if (remove_instance(ctx, b, parent.handles[b], instance.object.get(), instance.kind)
			    .is_error())
			return false;
	}
	return true;
}

Result<void> uni::remove_tree(Ctx &ctx, int branch, void *parent, void *child)
{
	/* Depth first without recursion: the kernel stack is small. */
	struct Frame {
		BranchRef parent;
		BranchRef dir;
		bool emptied;
	};
	Vector<Frame> stack;
	unsigned b = static_cast<unsigned>(branch);

	TRY(stack.try_append(Frame{ctx.ops.get(parent), ctx.ops.get(child), false}));
	while (!stack.is_empty()) {
		Frame &top = stack.last();
		void *dir = top.dir.get();

		if (top.emptied) {
			TRY(ctx.ops.rmdir(b, top.parent.get(), dir));
			stack.truncate(stack.size() - 1);
			continue;
		}
		top.emptied = true;
		NameList names = TRY(NameList::read(ctx, branch, dir));

		for (usize i = 0; i < names.count(); ++i) {
			LookupHit entry = TRY(ctx.ops.lookup(b, dir, names.name(i)));

			if (entry.kind == UNI_KIND_NONE)
				continue;
			if (entry.kind != UNI_KIND_DIR) {
				TRY(ctx.ops.unlink(b, dir, entry.ref.get()));
				continue;
			}
			/* 'top' may move with the vector: only 'dir' is used from here on. */
			TRY(stack.try_append(Frame{ctx.ops.get(dir), move(entry.ref), false}));
		}
	}
	return {};
}

/* ---- Cells ---- */

Result<NameCells> NameCells::scan(Ctx &ctx, const uni_lower_set &parent, StringView name)
{
	Vector<Cell> cells;

	TRY(cells.try_reserve(ctx.count));
	for (unsigned b = 0; b < ctx.count; ++b)
		TRY(cells.try_append(Cell()));
	for (int b = parent.start; b <= parent.end; ++b) {
		void *dir = parent.handles[b];
		Cell &cell = cells[static_cast<usize>(b)];

		if (!dir)
			continue;
		cell.visited = true;
		LookupHit hit = TRY(ctx.ops.lookup(static_cast<unsigned>(b), dir, name));

		cell.object = move(hit.ref);
		cell.kind = hit.kind;

		Result<StringBuf> whiteout = whiteout_of(name);
		if (whiteout.is_error()) {
			if (whiteout.error().code() == UNI_ENAMETOOLONG)
				continue; /* too long to have one */
			return whiteout.error();
		}
		LookupHit marker = TRY(ctx.ops.lookup(static_cast<unsigned>(b), dir,
						      whiteout.value().view()));
		cell.whiteout = move(marker.ref);
	}
	return NameCells(move(cells));
}

int NameCells::first_readonly_in_use(const Ctx &ctx, int from, int to) const
{
	for (int b = max(from, 0); b <= to && b < count(); ++b)
		if (!ctx.writable(b) && !cells_[static_cast<usize>(b)].is_empty())
			return b;
	return -1;
}

Result<int> uni::visible_target(Ctx &ctx, const NameCells &cells, const uni_ancestry &parent,
				int from)
{
	int t = from;

	while (t >= 0) {
		int blocked = cells.first_readonly_in_use(ctx, 0, t - 1);

		if (blocked >= 0)
			t = ctx.writable_above(blocked);
		else if (!TRY(dir_reachable(ctx, parent, t)))
			t = ctx.writable_above(t);
		else
			break;
	}
	return t;
}

bool NameCells::shows_from(int from) const
{
	for (int b = max(from, 0); b < count(); ++b) {
		const Cell &cell = cells_[static_cast<usize>(b)];

		if (cell.holds_object())
			return true;
		if (cell.whiteout)
			return false;
	}
	return false;
}

Result<void> uni::retire(Ctx &ctx, Journal &journal, int branch, void *dir, Cell &cell,
			 StringView name)
{
	/* Leftovers of earlier failures may hold a few temporary names. */
	constexpr int kAttempts = 64;

	TRY(journal.reserve());
	StringBuf original = TRY(StringBuf::try_create(name));

	for (int attempt = 0; attempt < kAttempts; ++attempt) {
		StringBuf temp = TRY(ctx.next_temp_name());
		Result<void> moved = ctx.ops.rename(static_cast<unsigned>(branch), dir,
						    cell.object.get(), dir, temp.view(),
						    UNI_RENAME_NOREPLACE);

		if (moved.is_error()) {
			if (moved.error().code() == UNI_EEXIST)
				continue;
			return moved.error();
		}
		journal.retired(branch, dir, cell.object.get(), cell.kind, move(original));
		cell.retired = true;
		return {};
	}
	return Error(UNI_EEXIST);
}
