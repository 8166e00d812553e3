/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ownership.h - allocation through the environment, and single ownership.
 *
 * The core never uses a new-expression: with -fno-exceptions a failing
 * global operator new has nowhere to report to, and the compiler may assume
 * its result is non-null. Objects are instead built in memory from
 * uni_env_alloc() with placement new, and a null allocation is an ENOMEM
 * the caller sees.
 */
#ifndef UNI_OWNERSHIP_H
#define UNI_OWNERSHIP_H

#include "result.h"

namespace uni {

/*
 * kmalloc/kvmalloc and malloc all align to at least 8 bytes; nothing in the
 * core needs more.
 */
constexpr usize kEnvAlignment = 8;

/* Uninitialised room for count objects, or nullptr (also on overflow). */
template <typename T>
T *allocate_array(usize count)
{
	static_assert(alignof(T) <= kEnvAlignment, "over-aligned type");
	if (count == 0 || count > kUsizeMax / sizeof(T))
		return nullptr;
	return static_cast<T *>(uni_env_alloc(count * sizeof(T)));
}

/* A constructed object, or nullptr when memory is short. */
template <typename T, typename... Args>
T *try_new(Args &&...args)
{
	static_assert(alignof(T) <= kEnvAlignment, "over-aligned type");
	void *memory = uni_env_alloc(sizeof(T));

	if (!memory)
		return nullptr;
	return new (memory) T(forward<Args>(args)...);
}

/* Undoes try_new(); null is fine. */
template <typename T>
void delete_object(T *object)
{
	if (!object)
		return;
	object->~T();
	uni_env_free(object);
}

/* Sole owner of one object made by try_new(). */
template <typename T>
class OwnPtr {
public:
	OwnPtr() = default;
	/* Adopts object, which must come from try_new(). */
	explicit OwnPtr(T *object) : ptr_(object) {}
	OwnPtr(OwnPtr &&other) : ptr_(other.leak()) {}
	OwnPtr(const OwnPtr &) = delete;
	OwnPtr &operator=(const OwnPtr &) = delete;

	OwnPtr &operator=(OwnPtr &&other)
	{
		if (this != &other)
			reset(other.leak());
		return *this;
	}

	~OwnPtr() { reset(); }

	T *get() const { return ptr_; }
	T *operator->() const { return ptr_; }
	T &operator*() const { return *ptr_; }
	explicit operator bool() const { return ptr_ != nullptr; }

	/* Gives up ownership (e.g. to hand the object to C). */
	T *leak() { return exchange(ptr_, nullptr); }

	void reset(T *object = nullptr)
	{
		T *old = exchange(ptr_, object);

		delete_object(old);
	}

private:
	T *ptr_ = nullptr;
};

template <typename T, typename... Args>
Result<OwnPtr<T>> try_make_own(Args &&...args)
{
	T *object = try_new<T>(forward<Args>(args)...);

	if (!object)
		return Error(UNI_ENOMEM);
	return OwnPtr<T>(object);
}

/* Runs a function when the scope ends unless dismissed: undo on early return. */
template <typename Fn>
class ScopeGuard {
public:
	explicit ScopeGuard(Fn fn) : fn_(move(fn)) {}
	ScopeGuard(const ScopeGuard &) = delete;
	ScopeGuard &operator=(const ScopeGuard &) = delete;

	~ScopeGuard()
	{
		if (armed_)
			fn_();
	}

	void dismiss() { armed_ = false; }

private:
	Fn fn_;
	bool armed_ = true;
};

} /* namespace uni */

#endif /* UNI_OWNERSHIP_H */
