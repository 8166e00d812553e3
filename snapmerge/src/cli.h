// SPDX-License-Identifier: GPL-2.0
/*
 * cli.h - the snapmerge command: options, refusals, messages, exit codes.
 */
#ifndef SNAPMERGE_CLI_H
#define SNAPMERGE_CLI_H

#include <ostream>
#include <string>
#include <vector>

#include "fs.h"

namespace snapmerge {

/* Documented in snapmerge(8), EXIT STATUS. */
enum ExitCode {
	kExitOk = 0,		/* merged (and emptied, unless --keep) */
	kExitFailed = 1,	/* an operation failed; the base may hold part of the changes */
	kExitUsage = 2,		/* bad options or arguments */
	kExitRefused = 3,	/* refused before anything was changed */
};

/* What the command runs against; main() fills it from the process. */
struct CliEnv {
	std::ostream &out;
	std::ostream &err;
	std::string mountinfo = "/proc/self/mountinfo";
	bool err_is_terminal = false;
	Fault fault;
};

/* args without the program name. */
int run_cli(const std::vector<std::string> &args, CliEnv &env);

} /* namespace snapmerge */

#endif
