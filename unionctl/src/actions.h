/* SPDX-License-Identifier: GPL-2.0 */
/*
 * actions.h - unionctl from its arguments to its exit status.
 */
#ifndef UNIONCTL_ACTIONS_H
#define UNIONCTL_ACTIONS_H

#include <ostream>
#include <string>
#include <vector>

#include "ioctl_client.h"
#include "system.h"

namespace unionctl {

/*
 * Parses ARGS (without the program name), does what they say through
 * SYSTEM and IOCTLS, writes results to OUT and messages to ERR, and returns
 * the exit status (ExitCode).
 */
int run(const std::vector<std::string> &args, System &system, IoctlClient &ioctls,
	std::ostream &out, std::ostream &err);

} /* namespace unionctl */

#endif /* UNIONCTL_ACTIONS_H */
