/* SPDX-License-Identifier: GPL-2.0 */
/*
 * result.h - failures as values.
 *
 * Every step of unionctl that can fail returns Result<T>: a value, or a
 * Failure that already holds the exit status and the message the user will
 * read. Steps are chained with TRY(), so an action reads as a straight line
 * and only run() prints and exits.
 */
#ifndef UNIONCTL_RESULT_H
#define UNIONCTL_RESULT_H

#include <optional>
#include <string>
#include <utility>

namespace unionctl {

/* The exit statuses, as documented in unionctl.8 (EXIT STATUS). */
enum ExitCode : int {
	kExitOk = 0,
	kExitUsage = 1,		/* the command line is wrong */
	kExitFailed = 2,	/* the command is right, doing it failed */
	kExitNotUnion = 3,	/* UNION or FILE is not on a unionfs */
};

struct Failure {
	ExitCode exit_code;
	/* Without the "unionctl: " prefix and without a newline. */
	std::string message;
	int err = 0;		/* the errno behind it, if one is */
};

Failure usage_error(std::string message);
/* "WHAT: <errno text>", exit status 2. */
Failure errno_error(const std::string &what, int err);
/* The text of a positive errno value, as strerror(3) gives it. */
std::string errno_text(int err);

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : value_(std::move(value)) {}
	Result(Failure failure) : failure_(std::move(failure)) {}

	bool is_error() const { return !value_.has_value(); }
	const Failure &failure() const { return failure_; }
	T &value() { return *value_; }
	const T &value() const { return *value_; }
	T release_value() { return std::move(*value_); }

private:
	std::optional<T> value_;
	Failure failure_{kExitOk, {}};
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Failure failure) : failure_(std::move(failure)) {}

	bool is_error() const { return failure_.has_value(); }
	const Failure &failure() const { return *failure_; }
	void release_value() {}

private:
	std::optional<Failure> failure_;
};

} /* namespace unionctl */

/*
 * Evaluates a Result; on failure returns it from the enclosing function,
 * otherwise yields the value (GNU statement expression, as in core/).
 */
#define TRY(expr)                                                    \
	({                                                           \
		auto &&unionctl_try_result_ = (expr);                \
		if (unionctl_try_result_.is_error())                 \
			return unionctl_try_result_.failure();       \
		unionctl_try_result_.release_value();                \
	})

#endif /* UNIONCTL_RESULT_H */
