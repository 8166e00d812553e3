// SPDX-License-Identifier: GPL-2.0
/*
 * report.h - what snapmerge tells the user: names made printable, action
 * lines (--dry-run, --verbose), the progress line and the summary.
 */
#ifndef SNAPMERGE_REPORT_H
#define SNAPMERGE_REPORT_H

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace snapmerge {

/*
 * A name or path as one unambiguous word: valid UTF-8 stays as it is;
 * space, backslash, control characters and bytes that are not UTF-8 become
 * octal escapes (\040, \134, \012, \377), as in /proc/mounts.
 */
std::string quote(const std::string &text);

class FsError;

/* An FsError for people: the path quoted, then "cannot ACTION: strerror". */
std::string describe(const FsError &error);

/* "4.0 MiB" */
std::string human_bytes(uint64_t bytes);

struct Stats {
	uint64_t files = 0;	/* non-directories copied */
	uint64_t links = 0;	/* hard links made */
	uint64_t dirs = 0;	/* directories created */
	uint64_t deleted = 0;	/* objects deleted (a directory counts once) */
	uint64_t cleaned = 0;	/* leftovers of an interrupted run */
	uint64_t bytes = 0;	/* length of the regular files copied */
	uint64_t warnings = 0;

	Stats &operator+=(const Stats &other);
};

/* "12 files copied (4.0 MiB, 4194304 bytes), 3 hard links, 2 directories created, 5 deleted" */
std::string summary_text(const Stats &stats);

/*
 * The progress line on stderr (a terminal): shown once a merge has taken
 * more than a second, at most five times a second, erased at the end.
 */
class Progress {
public:
	Progress(std::ostream *stream, std::string label, uint64_t total);
	~Progress();
	void advance(uint64_t bytes);
	void finish();

private:
	std::ostream *stream_;
	std::string label_;
	uint64_t total_;
	uint64_t done_ = 0;
	uint64_t bytes_ = 0;
	bool shown_ = false;
	std::chrono::steady_clock::time_point start_;
	std::chrono::steady_clock::time_point last_;
};

} /* namespace snapmerge */

#endif
