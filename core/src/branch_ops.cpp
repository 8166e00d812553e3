// SPDX-License-Identifier: GPL-2.0
/*
 * branch_ops.cpp - the core's wrappers over struct uni_branch_ops.
 */
#include "branch_ops.h"

using namespace uni;

namespace {

unsigned length_of(StringView name)
{
	return static_cast<unsigned>(name.length());
}

/*
 * Every object an operation names must be there. A missing one means the
 * caller's sets disagree (a parent's set without the branch its child is
 * on: a cached view gone stale); the environment is never asked, since it
 * would follow the NULL. -ESTALE lets the VFS look the names up again.
 */
template <typename... Handles> Result<void> present(Handles... handles)
{
	if ((!handles || ...))
		return Error(UNI_ESTALE);
	return {};
}

} /* namespace */

Result<LookupHit> BranchOps::lookup(unsigned branch, void *dir, StringView name) const
{
	return lookup_by(ops_.lookup, branch, dir, name);
}

Result<LookupHit> BranchOps::lookup_held(unsigned branch, void *dir, StringView name) const
{
	return lookup_by(ops_.lookup_held ? ops_.lookup_held : ops_.lookup, branch, dir, name);
}

Result<LookupHit> BranchOps::lookup_by(LookupOp op, unsigned branch, void *dir,
				       StringView name) const
{
	void *child = nullptr;
	uni_kind kind = UNI_KIND_NONE;
	TRY(present(dir));
	int ret = op(env_, branch, dir, name.data(), length_of(name), &child, &kind);

	if (ret)
		return from_env(ret).error();
	LookupHit hit{BranchRef(*this, child), kind};

	/* An unknown kind, or a positive one without an object, is a broken environment. */
	if (kind != UNI_KIND_NONE && kind != UNI_KIND_DIR && kind != UNI_KIND_OTHER)
		return Error(UNI_EIO);
	if (kind != UNI_KIND_NONE && !child)
		return Error(UNI_EIO);
	/* Whatever object came with a negative answer is not ours to keep. */
	if (kind == UNI_KIND_NONE)
		hit.ref.reset();
	return move(hit);
}

Result<bool> BranchOps::exists(unsigned branch, void *dir, StringView name) const
{
	LookupHit hit = TRY(lookup(branch, dir, name));

	return hit.kind != UNI_KIND_NONE;
}

int BranchOps::may_hold(const uni_lower_set &dir, StringView name, int from,
			unsigned long long *look) const
{
	uni_lower_set rest = dir;

	rest.start = max(dir.start, from);
	for (int i = rest.start; i >= 0 && i <= rest.end; i++) {
		if (dir.handles[i])
			look[i / 64] |= 1ULL << (i % 64);
		else
			look[i / 64] &= ~(1ULL << (i % 64));
	}
	if (!ops_.may_hold || rest.start > rest.end)
		return rest.end;
	int answered = ops_.may_hold(env_, &rest, name.data(),
				     static_cast<unsigned>(name.length()), look, kLookWords);

	/* Out of range breaks the contract: take it as "went through", asking the rest. */
	return answered >= rest.start && answered <= rest.end ? answered : rest.end;
}

Result<void> BranchOps::iterate(unsigned branch, void *dir, EmitFn emit, void *cookie) const
{
	TRY(present(dir));
	return from_env(ops_.iterate(env_, branch, dir, emit, cookie));
}

void BranchOps::put(void *handle) const
{
	if (handle)
		ops_.put(env_, handle);
}

bool BranchOps::can_write() const
{
	return ops_.get && ops_.getattr && ops_.create && ops_.link && ops_.unlink &&
	       ops_.rmdir && ops_.rename && ops_.copy_up;
}

BranchRef BranchOps::get(void *handle) const
{
	return BranchRef(*this, handle ? ops_.get(env_, handle) : nullptr);
}

Result<uni_attr> BranchOps::getattr(unsigned branch, void *handle) const
{
	uni_attr attr{0, 0};

	TRY(present(handle));
	TRY(from_env(ops_.getattr(env_, branch, handle, &attr)));
	return attr;
}

Result<BranchRef> BranchOps::create(unsigned branch, void *dir, StringView name,
				    const uni_create_args &args) const
{
	void *child = nullptr;

	TRY(present(dir));
	TRY(from_env(ops_.create(env_, branch, dir, name.data(), length_of(name), &args, &child)));
	return positive(child);
}

Result<BranchRef> BranchOps::link(unsigned branch, void *old, void *dir, StringView name) const
{
	void *child = nullptr;

	TRY(present(old, dir));
	TRY(from_env(ops_.link(env_, branch, old, dir, name.data(), length_of(name), &child)));
	return positive(child);
}

Result<void> BranchOps::unlink(unsigned branch, void *dir, void *child) const
{
	TRY(present(dir, child));
	return from_env(ops_.unlink(env_, branch, dir, child));
}

Result<void> BranchOps::rmdir(unsigned branch, void *dir, void *child) const
{
	TRY(present(dir, child));
	return from_env(ops_.rmdir(env_, branch, dir, child));
}

Result<void> BranchOps::rename(unsigned branch, void *old_dir, void *child, void *new_dir,
			       StringView name, unsigned flags) const
{
	TRY(present(old_dir, child, new_dir));
	return from_env(ops_.rename(env_, branch, old_dir, child, new_dir, name.data(),
				    length_of(name), flags));
}

bool BranchOps::can_exchange() const
{
	return ops_.exchange != nullptr;
}

Result<void> BranchOps::exchange(unsigned branch, void *dir_a, void *child_a, void *dir_b,
				 void *child_b) const
{
	TRY(present(dir_a, child_a, dir_b, child_b));
	return from_env(ops_.exchange(env_, branch, dir_a, child_a, dir_b, child_b));
}

Result<BranchRef> BranchOps::copy_up(unsigned from_branch, void *object, unsigned to_branch,
				     void *to_dir, StringView name, u64 size) const
{
	void *child = nullptr;

	TRY(present(object, to_dir));
	TRY(from_env(ops_.copy_up(env_, from_branch, object, to_branch, to_dir, name.data(),
				  length_of(name), size, &child)));
	return positive(child);
}

Result<BranchRef> BranchOps::move_up(unsigned from_branch, void *object, unsigned to_branch,
				     void *to_dir, StringView name) const
{
	void *child = nullptr;
	int err;

	TRY(present(object, to_dir));
	err = ops_.link_up ? ops_.link_up(env_, from_branch, object, to_branch, to_dir,
					  name.data(), length_of(name), &child)
			   : -UNI_EXDEV;
	/* Not one filesystem (or no links here): a copy does it. */
	if (err == -UNI_EXDEV)
		return copy_up(from_branch, object, to_branch, to_dir, name, UNI_COPY_ALL);
	TRY(from_env(err));
	return positive(child);
}

Result<BranchRef> BranchOps::positive(void *child) const
{
	if (!child)
		return Error(UNI_EIO);
	return BranchRef(*this, child);
}
