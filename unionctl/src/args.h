/* SPDX-License-Identifier: GPL-2.0 */
/*
 * args.h - unionctl's command line, parsed into a Command.
 *
 * Both orders are accepted: unionctl UNION --ACTION ... and Unionfs 1.x's
 * unionctl --ACTION UNION ...; options may come anywhere, operands keep
 * their order (UNION or FILE first). See usage_text() and unionctl.8.
 */
#ifndef UNIONCTL_ARGS_H
#define UNIONCTL_ARGS_H

#include <cstdint>
#include <string>
#include <vector>

#include "branch_ref.h"
#include "result.h"
#include "uapi/unionfs.h"

namespace unionctl {

enum class Action { Add, Remove, Mode, List, Query, Help, Version };

/* Where --add puts the new branch. */
enum class Where { Top, Before, After };

struct Command {
	Action action = Action::Help;
	std::string target;	/* UNION, or FILE for --query */
	std::string dir;	/* --add: the directory to add */
	/* --remove and --mode: the branch; --add: the one of --before/--after */
	BranchRef branch;
	Where where = Where::Top;
	uint32_t mode = UNIONFS_BRANCH_RW;	/* --add's (default rw) and --mode's */
	bool json = false;
};

/* ARGS without the program name. A usage failure has exit status 1. */
Result<Command> parse_args(const std::vector<std::string> &args);

std::string usage_text();
std::string version_text();

} /* namespace unionctl */

#endif /* UNIONCTL_ARGS_H */
