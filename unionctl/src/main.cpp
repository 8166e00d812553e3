// SPDX-License-Identifier: GPL-2.0
/*
 * main.cpp - unionctl: change or show the branches of a mounted unionfs.
 * See unionctl.8.
 */
#include <cerrno>
#include <cstdio>
#include <iostream>

#include "actions.h"
#include "format.h"

int main(int argc, char **argv)
{
	unionctl::LinuxSystem system;
	unionctl::KernelIoctl ioctls;
	std::vector<std::string> args(argv + 1, argv + argc);
	int status = unionctl::run(args, system, ioctls, std::cout, std::cerr);

	/* As util-linux's close_stdout(): output that did not get out is a failure. */
	errno = 0;
	std::cout.flush();
	if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
		std::string why = errno ? ": " + unionctl::errno_text(errno) : "";
		std::cerr << unionctl::format_warning("write error" + why);
		return unionctl::kExitFailed;
	}
	return status;
}
