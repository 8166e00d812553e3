/* SPDX-License-Identifier: GPL-2.0 */
/*
 * support.h - the ground the freestanding core stands on: fixed-size integer
 * names, move/forward, placement new and byte helpers.
 *
 * The same sources build into the kernel module (UNI_KERNEL, -nostdinc, no
 * C++ library at all) and into the host tests. In the kernel build nothing
 * but our own headers may be included, and `std` is poisoned so that a stray
 * use of the standard library fails to compile instead of failing to link.
 */
#ifndef UNI_SUPPORT_H
#define UNI_SUPPORT_H

#include "uni_core.h"

#ifdef UNI_KERNEL
/* No <new> without a C++ library: placement new is all we need. */
inline void *operator new(decltype(sizeof 0), void *where) noexcept
{
	return where;
}
#define std uni_std_is_not_available_in_kernel
#else
#include <new>
#endif

namespace uni {

using usize = decltype(sizeof 0);
using u8 = unsigned char;
using u32 = unsigned int;
using u64 = unsigned long long;
using i64 = long long;

static_assert(sizeof(u32) == 4, "u32 must be 32 bits");
static_assert(sizeof(u64) == 8, "u64 must be 64 bits");
/* uni_env_alloc() takes an unsigned long; it must hold any object size. */
static_assert(sizeof(unsigned long) == sizeof(usize), "LP64 expected");

constexpr usize kUsizeMax = ~usize(0);

template <typename T> struct RemoveReference { using Type = T; };
template <typename T> struct RemoveReference<T &> { using Type = T; };
template <typename T> struct RemoveReference<T &&> { using Type = T; };

template <typename T>
constexpr typename RemoveReference<T>::Type &&move(T &&value) noexcept
{
	return static_cast<typename RemoveReference<T>::Type &&>(value);
}

template <typename T>
constexpr T &&forward(typename RemoveReference<T>::Type &value) noexcept
{
	return static_cast<T &&>(value);
}

template <typename T>
constexpr T &&forward(typename RemoveReference<T>::Type &&value) noexcept
{
	return static_cast<T &&>(value);
}

/* Replaces obj with new_value and hands back the old value. */
template <typename T, typename U = T>
constexpr T exchange(T &obj, U &&new_value)
{
	T old = move(obj);
	obj = forward<U>(new_value);
	return old;
}

template <typename T>
constexpr const T &min(const T &a, const T &b)
{
	return b < a ? b : a;
}

template <typename T>
constexpr const T &max(const T &a, const T &b)
{
	return a < b ? b : a;
}

/*
 * The builtins compile to inline code or to the kernel's own memcpy/memmove/
 * memcmp; a zero length is filtered so a null pointer never reaches them.
 */
inline void copy_bytes(void *dst, const void *src, usize len)
{
	if (len)
		__builtin_memcpy(dst, src, len);
}

inline void move_bytes(void *dst, const void *src, usize len)
{
	if (len)
		__builtin_memmove(dst, src, len);
}

inline bool bytes_equal(const void *a, const void *b, usize len)
{
	return len == 0 || __builtin_memcmp(a, b, len) == 0;
}

constexpr usize string_length(const char *text)
{
	usize len = 0;

	while (text[len])
		++len;
	return len;
}

} /* namespace uni */

#endif /* UNI_SUPPORT_H */
