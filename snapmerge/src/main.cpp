// SPDX-License-Identifier: GPL-2.0
/*
 * main.cpp - snapmerge: apply unionfs snapshot branches to their base.
 */
#include <unistd.h>

#include <iostream>

#include "cli.h"

int main(int argc, char **argv)
{
	using namespace snapmerge;

	std::vector<std::string> args(argv + 1, argv + argc);
	CliEnv env{std::cout, std::cerr, "/proc/self/mountinfo", false, {}};

	env.err_is_terminal = ::isatty(STDERR_FILENO) == 1;
	/* Testing hook (snapmerge(8), ENVIRONMENT): fail or die at the Nth change. */
	if (const char *text = std::getenv("SNAPMERGE_FAULT")) {
		std::optional<Fault> fault = parse_fault(text);

		if (!fault) {
			std::cerr << "snapmerge: SNAPMERGE_FAULT: expected fail:N, crash:N or kill:N\n";
			return kExitUsage;
		}
		/* A crash of the real program is a real death: SIGKILL, no unwinding. */
		if (fault->kind == Fault::kCrash)
			fault->kind = Fault::kKill;
		env.fault = *fault;
	}
	return run_cli(args, env);
}
