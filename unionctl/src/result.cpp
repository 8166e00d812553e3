// SPDX-License-Identifier: GPL-2.0
/*
 * result.cpp - building Failures.
 */
#include "result.h"

#include <cstring>

namespace unionctl {

Failure usage_error(std::string message)
{
	return Failure{kExitUsage, std::move(message)};
}

std::string errno_text(int err)
{
	return std::strerror(err);
}

Failure errno_error(const std::string &what, int err)
{
	return Failure{kExitFailed, what + ": " + errno_text(err), err};
}

} /* namespace unionctl */
