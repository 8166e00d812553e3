/* SPDX-License-Identifier: GPL-2.0 */
/*
 * write_cases.h - the semantics table of the write path: for each branch
 * layout and operation, the exact contents of every branch afterwards,
 * under each delete mode. Shared by the table test and the fault sweeps.
 *
 * An expectation is a dump (see memfs::Fs::dump), or "!ERRNO" for a
 * failure that leaves every branch as it was. nullptr: same as the mode
 * before it (whiteout as all, first as whiteout).
 */
#ifndef UNI_TESTS_WRITE_CASES_H
#define UNI_TESTS_WRITE_CASES_H

#include <string>
#include <vector>

struct WriteCase {
	const char *what;
	const char *layout;
	const char *modes;
	const char *op;
	const char *path;
	const char *path2;
	const char *expect[3]; /* delete=all, whiteout, first */
};

const std::vector<WriteCase> &write_cases();

/* The expectation of one case under delete mode index 0..2, nullptr resolved. */
std::string expectation(const WriteCase &c, int mode);

#endif /* UNI_TESTS_WRITE_CASES_H */
