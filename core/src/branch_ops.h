/* SPDX-License-Identifier: GPL-2.0 */
/*
 * branch_ops.h - the core's side of struct ufs_branch_ops.
 *
 * Every reference the environment hands out is held by a BranchRef, which
 * puts it when dropped, so no error path can leak one.
 */
#ifndef UFS_BRANCH_OPS_H
#define UFS_BRANCH_OPS_H

#include "text.h"

namespace ufs {

class BranchOps;

/* One reference to a branch object (or none). */
class BranchRef {
public:
	BranchRef() = default;
	BranchRef(const BranchOps &ops, void *handle) : ops_(&ops), handle_(handle) {}
	BranchRef(BranchRef &&other)
		: ops_(other.ops_), handle_(exchange(other.handle_, nullptr))
	{
	}
	BranchRef(const BranchRef &) = delete;
	BranchRef &operator=(const BranchRef &) = delete;
	BranchRef &operator=(BranchRef &&) = delete;
	~BranchRef() { reset(); }

	void *get() const { return handle_; }
	/* The reference now belongs to the caller. */
	void *release() { return exchange(handle_, nullptr); }
	inline void reset();

private:
	const BranchOps *ops_ = nullptr;
	void *handle_ = nullptr;
};

struct LookupHit {
	BranchRef ref; /* null for a negative name */
	ufs_kind kind;
};

class BranchOps {
public:
	BranchOps(const ufs_branch_ops &ops, void *env) : ops_(ops), env_(env) {}

	Result<LookupHit> lookup(unsigned branch, void *dir, StringView name) const
	{
		void *child = nullptr;
		ufs_kind kind = UFS_KIND_NONE;
		int ret = ops_.lookup(env_, branch, dir, name.data(),
				      static_cast<unsigned>(name.length()), &child, &kind);

		if (ret)
			return from_env(ret).error();
		LookupHit hit{BranchRef(*this, child), kind};

		/* An unknown kind, or a positive one without an object, is a broken environment. */
		if (kind != UFS_KIND_NONE && kind != UFS_KIND_DIR && kind != UFS_KIND_OTHER)
			return Error(UFS_EIO);
		if (kind != UFS_KIND_NONE && !child)
			return Error(UFS_EIO);
		/* Whatever object came with a negative answer is not ours to keep. */
		if (kind == UFS_KIND_NONE)
			hit.ref.reset();
		return move(hit);
	}

	/* Is NAME present (any kind) in DIR on BRANCH? */
	Result<bool> exists(unsigned branch, void *dir, StringView name) const
	{
		LookupHit hit = TRY(lookup(branch, dir, name));

		return hit.kind != UFS_KIND_NONE;
	}

	using EmitFn = int (*)(void *cookie, const char *name, unsigned len,
			       unsigned long long ino, unsigned dtype);

	Result<void> iterate(unsigned branch, void *dir, EmitFn emit, void *cookie) const
	{
		return from_env(ops_.iterate(env_, branch, dir, emit, cookie));
	}

	void put(void *handle) const
	{
		if (handle)
			ops_.put(env_, handle);
	}

private:
	const ufs_branch_ops &ops_;
	void *env_;
};

inline void BranchRef::reset()
{
	void *handle = exchange(handle_, nullptr);

	if (handle)
		ops_->put(handle);
}

} /* namespace ufs */

#endif /* UFS_BRANCH_OPS_H */
