// SPDX-License-Identifier: GPL-2.0
/*
 * dirlist.cpp - the merged listing of a union directory.
 *
 * Branches are read in priority order. A name is listed from the first
 * branch that has it; ".wh.X" on branch b hides X on every branch after b
 * (not on b itself, so its whiteouts are only applied once b is done). One
 * set holds both the listed and the whited-out names, which is all the
 * lower branches need to know. The listing is a snapshot: names live in one
 * byte arena, entries in one array, both growing geometrically.
 */
#include "dirlist.h"
#include "name_set.h"
#include "whiteout.h"

using namespace uni;

namespace uni {

class DirList {
public:
	struct Entry {
		usize name_offset;
		u32 name_length;
		u32 dtype;
		u64 ino;
		i64 branch_offset; /* where a recorded listing read it */
	};

	Result<void> try_add(StringView name, u64 ino, u32 dtype, i64 branch_offset = 0)
	{
		/* The C interface counts entries with an unsigned. */
		if (entries_.size() >= 0xffffffffu)
			return Error(UNI_ENOMEM);
		usize offset = names_.size();

		TRY(names_.try_append_copies(name.data(), name.length()));
		Result<void> added = entries_.try_append(
			Entry{offset, static_cast<u32>(name.length()), dtype, ino, branch_offset});
		/* Leave no orphan bytes behind. */
		if (added.is_error())
			names_.truncate(offset);
		return added;
	}

	usize count() const { return entries_.size(); }
	const Entry &entry(usize index) const { return entries_[index]; }
	void set_ino(usize index, u64 ino) { entries_[index].ino = ino; }
	const char *name_of(const Entry &entry) const { return names_.data() + entry.name_offset; }

private:
	Vector<char> names_;
	Vector<Entry> entries_;
};

} /* namespace uni */

struct uni_dirlist {
	DirList list;
};

namespace {

/* Where a whited-out name sits in the pending arena. */
struct PendingName {
	usize offset;
	usize length;
};

class DirListBuilder {
public:
	DirListBuilder(DirList &list, const BranchOps &ops) : list_(list), ops_(ops) {}

	/* Lists one branch; more_below says whether any branch is read after it. */
	Result<void> add_branch(unsigned branch, void *dir, u32 fs_index, bool more_below)
	{
		fs_index_ = fs_index;
		more_below_ = more_below;
		error_ = Error(0);
		Result<void> walked = ops_.iterate(branch, dir, &DirListBuilder::emit, this);

		/* Our own failure is the real cause of whatever iterate returned. */
		if (error_.code())
			return error_;
		if (walked.is_error())
			return walked.error();
		return hide_pending_whiteouts();
	}

private:
	static int emit(void *cookie, const char *name, unsigned len, unsigned long long ino,
			unsigned dtype)
	{
		auto *self = static_cast<DirListBuilder *>(cookie);
		Result<void> result = self->on_entry(StringView(name, len), ino, dtype);

		if (result.is_error()) {
			self->error_ = result.error();
			return result.error().to_errno();
		}
		return 0;
	}

	Result<void> on_entry(StringView name, u64 ino, u32 dtype)
	{
		if (name.is_empty() || name == "." || name == "..")
			return {};
		if (is_hidden_name(name)) {
			if (more_below_ && !is_opaque_marker(name))
				TRY(remember_whiteout(name.substring(kWhiteoutPrefix.length())));
			return {};
		}
		if (seen_.contains(name))
			return {};
		/* The last branch cannot collide with a later one: skip the set. */
		if (more_below_)
			TRY(seen_.try_insert(name));
		return list_.try_add(name, uni_union_ino(fs_index_, ino), dtype);
	}

	/* Applied when the branch is done: a whiteout never hides its own branch. */
	Result<void> remember_whiteout(StringView target)
	{
		usize offset = pending_bytes_.size();

		TRY(pending_bytes_.try_append_copies(target.data(), target.length()));
		return pending_.try_append(PendingName{offset, target.length()});
	}

	Result<void> hide_pending_whiteouts()
	{
		for (const PendingName &pending : pending_)
			TRY(seen_.try_insert(
				StringView(pending_bytes_.data() + pending.offset, pending.length)));
		pending_.clear();
		pending_bytes_.clear();
		return {};
	}

	DirList &list_;
	const BranchOps &ops_;
	NameSet seen_; /* listed or whited out so far */
	Vector<char> pending_bytes_;
	Vector<PendingName> pending_;
	u32 fs_index_ = 0;
	bool more_below_ = false;
	Error error_{0};
};

Result<OwnPtr<uni_dirlist>> build(const uni_branch_table &table, const BranchOps &ops,
				  const uni_lower_set &dir)
{
	OwnPtr<uni_dirlist> result = TRY(try_make_own<uni_dirlist>());
	DirListBuilder builder(result->list, ops);

	for (int branch = next_present(dir, dir.start - 1); branch >= 0;) {
		int next = next_present(dir, branch);
		const uni_branch *info = uni_branch_table_get(&table, branch);

		TRY(builder.add_branch(branch, dir.handles[branch], info->fs_index, next >= 0));
		branch = next;
	}
	return move(result);
}

} /* namespace */

Result<OwnedDirList> uni::build_dirlist(const uni_branch_table &table, const BranchOps &ops,
					const uni_lower_set &dir)
{
	OwnPtr<uni_dirlist> list = TRY(build(table, ops, dir));

	return OwnedDirList(list.leak());
}

extern "C" int uni_dirlist_build(const struct uni_branch_table *table,
				 const struct uni_branch_ops *ops, void *env,
				 const struct uni_lower_set *dir, struct uni_dirlist **out)
{
	if (!out)
		return -UNI_EINVAL;
	*out = nullptr;
	if (!table || !ops || !dir || !is_valid_range(*dir, uni_branch_table_count(table)))
		return -UNI_EINVAL;
	if (dir->kind != UNI_KIND_DIR)
		return -UNI_ENOTDIR;

	Result<OwnPtr<uni_dirlist>> list = build(*table, BranchOps(*ops, env), *dir);

	if (list.is_error())
		return list.error().to_errno();
	*out = list.value().leak();
	return 0;
}

extern "C" void uni_dirlist_destroy(struct uni_dirlist *list)
{
	delete_object(list);
}

extern "C" unsigned uni_dirlist_count(const struct uni_dirlist *list)
{
	return list ? static_cast<unsigned>(list->list.count()) : 0;
}

extern "C" void uni_dirlist_entry(const struct uni_dirlist *list, unsigned index,
				  const char **name, unsigned *len, unsigned long long *ino,
				  unsigned *dtype)
{
	if (!list || index >= list->list.count()) {
		*name = nullptr;
		*len = 0;
		*ino = 0;
		*dtype = 0;
		return;
	}
	const DirList::Entry &entry = list->list.entry(index);

	*name = list->list.name_of(entry);
	*len = entry.name_length;
	*ino = entry.ino;
	*dtype = entry.dtype;
}

extern "C" void uni_dirlist_set_ino(struct uni_dirlist *list, unsigned index,
				    unsigned long long ino)
{
	if (list && index < list->list.count())
		list->list.set_ino(index, ino);
}

extern "C" struct uni_dirlist *uni_dirlist_create(void)
{
	Result<OwnPtr<uni_dirlist>> list = try_make_own<uni_dirlist>();

	return list.is_error() ? nullptr : list.value().leak();
}

extern "C" int uni_dirlist_append(struct uni_dirlist *list, const char *name, unsigned len,
				  unsigned long long ino, unsigned dtype, long long offset)
{
	if (!list || (!name && len))
		return -UNI_EINVAL;
	Result<void> added = list->list.try_add(StringView(name, len), ino, dtype, offset);

	return added.is_error() ? added.error().to_errno() : 0;
}

extern "C" long long uni_dirlist_offset(const struct uni_dirlist *list, unsigned index)
{
	if (!list || index >= list->list.count())
		return -1;
	return list->list.entry(index).branch_offset;
}
