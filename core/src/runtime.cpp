// SPDX-License-Identifier: GPL-2.0
/*
 * runtime.cpp - the few C++ runtime symbols a freestanding kernel object
 * may still reference. Kernel build only: on the host the C++ library
 * provides them.
 *
 * The core itself builds objects with try_new() and never uses a
 * new-expression. These definitions exist so that one slipping in links
 * against the environment's allocator instead of failing to load; a failed
 * allocation there cannot be reported (no exceptions), so it is a bug.
 */
#ifdef UNI_KERNEL

/* Declared before support.h poisons the name: only needed for the mangling. */
namespace std {
struct nothrow_t {
	explicit nothrow_t() = default;
};
} /* namespace std */

using nothrow_type = std::nothrow_t;

#include "support.h"

using uni::usize;

/*
 * The nothrow forms and the ABI hook are not implicitly declared like the
 * plain allocation functions; declared here for -Wmissing-declarations.
 */
void *operator new(usize size, const nothrow_type &) noexcept;
void *operator new[](usize size, const nothrow_type &) noexcept;
void operator delete(void *memory, const nothrow_type &) noexcept;
void operator delete[](void *memory, const nothrow_type &) noexcept;
extern "C" void __cxa_pure_virtual();

namespace {

/* The trap keeps objtool's view of the control flow right (see uni_core.h). */
[[noreturn]] void bug(const char *what)
{
	uni_env_bug(what);
	__builtin_trap();
}

void *allocate_or_bug(usize size)
{
	/* operator new must return a unique pointer even for size 0 */
	void *memory = uni_env_alloc(size ? size : 1);

	if (!memory)
		bug("C++ operator new ran out of memory; use try_new()");
	return memory;
}

void release(void *memory)
{
	if (memory)
		uni_env_free(memory);
}

} /* namespace */

void *operator new(usize size)
{
	return allocate_or_bug(size);
}

void *operator new[](usize size)
{
	return allocate_or_bug(size);
}

void *operator new(usize size, const nothrow_type &) noexcept
{
	return uni_env_alloc(size ? size : 1);
}

void *operator new[](usize size, const nothrow_type &) noexcept
{
	return uni_env_alloc(size ? size : 1);
}

void operator delete(void *memory) noexcept
{
	release(memory);
}

void operator delete[](void *memory) noexcept
{
	release(memory);
}

void operator delete(void *memory, usize) noexcept
{
	release(memory);
}

void operator delete[](void *memory, usize) noexcept
{
	release(memory);
}

void operator delete(void *memory, const nothrow_type &) noexcept
{
	release(memory);
}

void operator delete[](void *memory, const nothrow_type &) noexcept
{
	release(memory);
}

/* Reached only through a call on a half-built or half-destroyed object. */
extern "C" void __cxa_pure_virtual()
{
	bug("pure virtual function called");
}

#endif /* UNI_KERNEL */
