/* SPDX-License-Identifier: GPL-2.0 */
/*
 * result.h - errors as values.
 *
 * Inside the core an error is a positive UNI_E* code carried by Error; a
 * fallible function returns Result<T> and callers chain steps with TRY(),
 * so the code reads as a straight line. Only the extern "C" functions turn
 * an Error into -errno.
 */
#ifndef UNI_RESULT_H
#define UNI_RESULT_H

#include "support.h"

namespace uni {

class Error {
public:
	/* code is a positive UNI_E* value */
	constexpr explicit Error(int code) : code_(code) {}

	/* From an environment return value (a negative errno). */
	static constexpr Error from_errno(int negative_errno)
	{
		return Error(-negative_errno);
	}

	constexpr int code() const { return code_; }
	constexpr int to_errno() const { return -code_; }

private:
	int code_;
};

template <typename T>
class [[nodiscard]] Result {
public:
	Result(const T &value) : has_value_(true) { new (&value_) T(value); }
	Result(T &&value) : has_value_(true) { new (&value_) T(move(value)); }
	Result(Error error) : error_(error), has_value_(false) {}

	Result(Result &&other) : error_(other.error_), has_value_(other.has_value_)
	{
		if (has_value_)
			new (&value_) T(move(other.value_));
	}

	Result(const Result &) = delete;
	Result &operator=(const Result &) = delete;
	Result &operator=(Result &&) = delete;

	~Result()
	{
		if (has_value_)
			value_.~T();
	}

	bool is_error() const { return !has_value_; }
	Error error() const { return error_; }

	T &value() { return value_; }
	const T &value() const { return value_; }
	T release_value() { return move(value_); }

private:
	/* A union so that T needs no default constructor. */
	union {
		T value_;
	};
	Error error_{0};
	bool has_value_;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() : error_(0) {}
	Result(Error error) : error_(error) {}

	bool is_error() const { return error_.code() != 0; }
	Error error() const { return error_; }
	void release_value() {}

private:
	Error error_;
};

/* Environment calls return 0 or -errno; anything positive breaks that contract. */
inline Result<void> from_env(int ret)
{
	if (ret == 0)
		return {};
	return Error(ret < 0 ? -ret : UNI_EIO);
}

/* 0 or -errno for the C boundary. */
inline int to_errno(const Result<void> &result)
{
	return result.is_error() ? result.error().to_errno() : 0;
}

} /* namespace uni */

/*
 * Evaluates a Result-returning expression; on error returns it from the
 * enclosing function, otherwise yields the value (GNU statement expression).
 */
#define TRY(expr)                                            \
	({                                                   \
		auto &&uni_try_result_ = (expr);             \
		if (uni_try_result_.is_error())              \
			return uni_try_result_.error();      \
		uni_try_result_.release_value();             \
	})

#endif /* UNI_RESULT_H */
