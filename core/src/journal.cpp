// SPDX-License-Identifier: GPL-2.0
/*
 * journal.cpp - one write call's context, owned lower sets, and the
 * journal that makes a multi-step operation all or nothing.
 *
 * A step that changes a branch records, right after it succeeded, how to
 * undo it; the room for the record is reserved before the step, so a step
 * that happened is always recorded. Rollback undoes newest first. Steps
 * that cannot be undone (removing an object for good) are never recorded:
 * the algorithms order them so that they are either hidden or the last
 * thing that can fail.
 */
#include "write.h"

using namespace uni;

namespace {

/* Hidden twice over: a whiteout of a name that is itself never shown. */
constexpr StringView kTempPrefix(".wh..wh.ufs.tmp.");

/* Decimal digits of value into buffer (room for 10), returns the length. */
usize format_decimal(u32 value, char *buffer)
{
	char digits[10];
	usize count = 0;

	do {
		digits[count++] = static_cast<char>('0' + value % 10);
		value /= 10;
	} while (value);
	for (usize i = 0; i < count; ++i)
		buffer[i] = digits[count - 1 - i];
	return count;
}

} /* namespace */

/* ---- Ctx ---- */

Ctx::Ctx(const uni_branch_table &branch_table, const uni_branch_ops &branch_ops, void *env,
	 uni_delete_mode delete_mode)
	: table(branch_table), ops(branch_ops, env), count(uni_branch_table_count(&branch_table)),
	  mode(delete_mode)
{
}

bool Ctx::writable(int branch) const
{
	const uni_branch *info = branch >= 0 ? uni_branch_table_get(&table, branch) : nullptr;

	return info && info->mode == UNI_BRANCH_RW;
}

int Ctx::writable_above(int branch) const
{
	for (int i = branch - 1; i >= 0; --i)
		if (writable(i))
			return i;
	return -1;
}

Result<StringBuf> Ctx::next_temp_name()
{
	char number[10];
	usize length = format_decimal(temp_counter_++, number);

	return StringBuf::try_concat(kTempPrefix, StringView(number, length), {});
}

bool uni::is_retryable(Error error)
{
	return error.code() == UNI_EROFS || error.code() == UNI_ENOSPC ||
	       error.code() == UNI_EDQUOT;
}

/* ---- OwnedSet ---- */

OwnedSet::OwnedSet(const BranchOps &ops, Vector<void *> handles)
	: ops_(&ops), handles_(move(handles))
{
	set_.start = -1;
	set_.end = -1;
	set_.kind = UNI_KIND_NONE;
	set_.known = 0;
	set_.handles = handles_.data();
}

OwnedSet::OwnedSet(OwnedSet &&other)
	: ops_(other.ops_), handles_(move(other.handles_)), set_(other.set_)
{
	set_.handles = handles_.data();
	other.set_.handles = nullptr;
	other.set_.start = other.set_.end = -1;
	other.set_.kind = UNI_KIND_NONE;
	other.set_.known = 0;
}

Result<OwnedSet> OwnedSet::try_create(const BranchOps &ops, unsigned count)
{
	Vector<void *> handles;

	TRY(handles.try_resize(count, nullptr));
	return OwnedSet(ops, move(handles));
}

void OwnedSet::add(int branch, BranchRef ref, uni_kind kind)
{
	void *&slot = handles_[static_cast<usize>(branch)];

	ops_->put(slot);
	slot = ref.release();
	if (set_.kind == UNI_KIND_NONE) {
		set_.kind = kind;
		set_.start = set_.end = branch;
	}
	set_.start = min(set_.start, branch);
	set_.end = max(set_.end, branch);
}

void OwnedSet::copy_from(const uni_lower_set &src)
{
	release();
	for (int i = src.start; i <= src.end; ++i)
		handles_[static_cast<usize>(i)] = ops_->get(src.handles[i]).release();
	/* The top is where the first object is, whatever start said. */
	set_.start = top_of(src);
	set_.end = src.end;
	set_.kind = src.kind;
}

void OwnedSet::hand_over(uni_lower_set &out)
{
	for (usize i = 0; i < handles_.size(); ++i)
		out.handles[i] = exchange(handles_[i], nullptr);
	out.start = set_.start;
	out.end = set_.end;
	out.kind = set_.kind;
	out.known = set_.known;
	release();
}

void OwnedSet::release()
{
	for (void *&handle : handles_)
		ops_->put(exchange(handle, nullptr));
	set_.start = set_.end = -1;
	set_.kind = UNI_KIND_NONE;
	set_.known = 0;
}

/* ---- Journal ---- */

Result<void> Journal::reserve()
{
	return records_.try_reserve(records_.size() + 1);
}

void Journal::append(Record record)
{
	/* reserve() made the room, so this cannot fail. */
	if (records_.try_append(move(record)).is_error())
		uni_env_bug("journal record without reserve()");
}

void Journal::created(int branch, void *dir, void *child, uni_kind kind)
{
	append(Record{Kind::kCreated, branch, ctx_.ops.get(dir), ctx_.ops.get(child), BranchRef(),
		      StringBuf(), kind, nullptr, -1, -1, BranchRef()});
}

void Journal::renamed(int branch, void *old_dir, void *child, void *new_dir, StringBuf old_name)
{
	append(Record{Kind::kRenamed, branch, ctx_.ops.get(old_dir), ctx_.ops.get(child),
		      ctx_.ops.get(new_dir), move(old_name), UNI_KIND_NONE, nullptr, -1, -1,
		      BranchRef()});
}

void Journal::exchanged(int branch, void *dir_a, void *child_a, void *dir_b, void *child_b)
{
	append(Record{Kind::kExchanged, branch, ctx_.ops.get(dir_a), ctx_.ops.get(child_a),
		      ctx_.ops.get(dir_b), StringBuf(), UNI_KIND_NONE, nullptr, -1, -1,
		      ctx_.ops.get(child_b)});
}

void Journal::retired(int branch, void *dir, void *child, uni_kind kind, StringBuf name)
{
	append(Record{Kind::kRetired, branch, ctx_.ops.get(dir), ctx_.ops.get(child), BranchRef(),
		      move(name), kind, nullptr, -1, -1, BranchRef()});
}

void Journal::unlinked_meta(int branch, void *dir, StringBuf name)
{
	append(Record{Kind::kUnlinkedMeta, branch, ctx_.ops.get(dir), BranchRef(), BranchRef(),
		      move(name), UNI_KIND_OTHER, nullptr, -1, -1, BranchRef()});
}

void Journal::made_level(uni_dir_level &level, int branch, void *parent, int saved_start,
			 int saved_end)
{
	append(Record{Kind::kMadeLevel, branch, ctx_.ops.get(parent),
		      ctx_.ops.get(level.set.handles[branch]), BranchRef(), StringBuf(),
		      UNI_KIND_DIR, &level, saved_start, saved_end, BranchRef()});
}

void Journal::undo(Record &record)
{
	const BranchOps &ops = ctx_.ops;
	unsigned branch = static_cast<unsigned>(record.branch);

	switch (record.kind) {
	case Kind::kCreated:
		if (record.object_kind == UNI_KIND_DIR)
			(void)ops.rmdir(branch, record.dir.get(), record.child.get());
		else
			(void)ops.unlink(branch, record.dir.get(), record.child.get());
		break;
	case Kind::kRenamed:
		(void)ops.rename(branch, record.new_dir.get(), record.child.get(), record.dir.get(),
				 record.name.view(), UNI_RENAME_NOREPLACE);
		break;
	case Kind::kExchanged:
		/* child now sits in new_dir, other in dir. */
		(void)ops.exchange(branch, record.new_dir.get(), record.child.get(), record.dir.get(),
				   record.other.get());
		break;
	case Kind::kRetired:
		(void)ops.rename(branch, record.dir.get(), record.child.get(), record.dir.get(),
				 record.name.view(), UNI_RENAME_NOREPLACE);
		break;
	case Kind::kUnlinkedMeta: {
		uni_create_args args{UNI_CREATE_REG, UNI_META_MODE, 0, nullptr, UNI_CREATE_INTERNAL};

		/* The new reference is dropped at once: nobody holds the old one. */
		(void)ops.create(branch, record.dir.get(), record.name.view(), args);
		break;
	}
	case Kind::kMadeLevel: {
		uni_lower_set &set = record.level->set;

		/* A directory that cannot be removed stays known to the caller. */
		if (ops.rmdir(branch, record.dir.get(), record.child.get()).is_error())
			break;
		ops.put(exchange(set.handles[record.branch], nullptr));
		set.start = record.saved_start;
		set.end = record.saved_end;
		break;
	}
	}
}

void Journal::commit()
{
	for (Record &record : records_) {
		if (record.kind != Kind::kRetired)
			continue;
		/* Best effort: a leftover stays under its hidden name. */
		if (record.object_kind == UNI_KIND_DIR)
			(void)remove_tree(ctx_, record.branch, record.dir.get(), record.child.get());
		else
			(void)ctx_.ops.unlink(static_cast<unsigned>(record.branch), record.dir.get(),
					      record.child.get());
	}
	records_.clear();
}

void Journal::rollback()
{
	for (usize i = records_.size(); i > 0; --i)
		undo(records_[i - 1]);
	records_.clear();
}
