/* SPDX-License-Identifier: GPL-2.0 */
/*
 * branch_ops.h - the core's side of struct uni_branch_ops.
 *
 * Every reference the environment hands out is held by a BranchRef, which
 * puts it when dropped, so no error path can leak one.
 */
#ifndef UNI_BRANCH_OPS_H
#define UNI_BRANCH_OPS_H

#include "text.h"

namespace uni {

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
	inline BranchRef &operator=(BranchRef &&other);
	~BranchRef() { reset(); }

	void *get() const { return handle_; }
	explicit operator bool() const { return handle_ != nullptr; }
	/* The reference now belongs to the caller. */
	void *release() { return exchange(handle_, nullptr); }
	inline void reset();

private:
	const BranchOps *ops_ = nullptr;
	void *handle_ = nullptr;
};

struct LookupHit {
	BranchRef ref; /* null for a negative name */
	uni_kind kind;
};

/*
 * The operations, wrapped: errors become Result values and every handle
 * handed out is held by a BranchRef. Defined out of line in branch_ops.cpp,
 * once: an inline function the compiler emits in two objects becomes two
 * COMDAT copies, and the kernel's link drops one while __mcount_loc (ftrace)
 * still points into it.
 */
/* Words of a bitmap with a bit per branch. */
constexpr unsigned kLookWords = (UNI_MAX_BRANCHES + 63) / 64;

class BranchOps {
public:
	BranchOps(const uni_branch_ops &ops, void *env) : ops_(ops), env_(env) {}

	Result<LookupHit> lookup(unsigned branch, void *dir, StringView name) const;
	/* lookup() of a name that may_hold() left set for this directory. */
	Result<LookupHit> lookup_held(unsigned branch, void *dir, StringView name) const;
	/* Is NAME present (any kind) in DIR on BRANCH? */
	Result<bool> exists(unsigned branch, void *dir, StringView name) const;
	/*
	 * Of DIR's present directories from branch FROM down, the ones that
	 * may hold NAME or its whiteout: bit i of look (UNI_MAX_BRANCHES bits)
	 * for branch i. Returns the last branch answered for; the bits below
	 * it are "ask" (the environment stopped at one that may hold it).
	 */
	int may_hold(const uni_lower_set &dir, StringView name, int from,
		     unsigned long long *look) const;

	using EmitFn = int (*)(void *cookie, const char *name, unsigned len,
			       unsigned long long ino, unsigned dtype);

	Result<void> iterate(unsigned branch, void *dir, EmitFn emit, void *cookie) const;
	/* Null is fine. */
	void put(void *handle) const;

	/* ---- The write path (see struct uni_branch_ops) ---- */

	/* Are the write operations there at all? */
	bool can_write() const;
	/* A second reference to a handle (none for null). */
	BranchRef get(void *handle) const;
	Result<uni_attr> getattr(unsigned branch, void *handle) const;
	Result<BranchRef> create(unsigned branch, void *dir, StringView name,
				 const uni_create_args &args) const;
	Result<BranchRef> link(unsigned branch, void *old, void *dir, StringView name) const;
	Result<void> unlink(unsigned branch, void *dir, void *child) const;
	Result<void> rmdir(unsigned branch, void *dir, void *child) const;
	Result<void> rename(unsigned branch, void *old_dir, void *child, void *new_dir,
			    StringView name, unsigned flags) const;
	/* Is the optional exchange() there? */
	bool can_exchange() const;
	Result<void> exchange(unsigned branch, void *dir_a, void *child_a, void *dir_b,
			      void *child_b) const;
	Result<BranchRef> copy_up(unsigned from_branch, void *object, unsigned to_branch,
				  void *to_dir, StringView name, u64 size) const;
	/*
	 * A writable branch's non-directory that a rename or an exchange moves
	 * up: linked there (link_up) where the environment can, else copied.
	 */
	Result<BranchRef> move_up(unsigned from_branch, void *object, unsigned to_branch,
				  void *to_dir, StringView name) const;

private:
	using LookupOp = int (*)(void *env, unsigned branch, void *dir, const char *name,
				 unsigned len, void **child, uni_kind *kind);

	Result<LookupHit> lookup_by(LookupOp op, unsigned branch, void *dir, StringView name) const;
	/* A successful create/link/copy_up without an object is a broken environment. */
	Result<BranchRef> positive(void *child) const;

	const uni_branch_ops &ops_;
	void *env_;
};

inline BranchRef &BranchRef::operator=(BranchRef &&other)
{
	if (this != &other) {
		reset();
		ops_ = other.ops_;
		handle_ = exchange(other.handle_, nullptr);
	}
	return *this;
}

inline void BranchRef::reset()
{
	void *handle = exchange(handle_, nullptr);

	if (handle)
		ops_->put(handle);
}

} /* namespace uni */

#endif /* UNI_BRANCH_OPS_H */
