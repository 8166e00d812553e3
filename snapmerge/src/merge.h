// SPDX-License-Identifier: GPL-2.0
/*
 * merge.h - applying snapshots to a base, then emptying them.
 *
 * For each snapshot, oldest first: walk it against the base and carry the
 * changes out; flush the base (syncfs) so the changes are on disk; put the
 * "done" marker into the snapshot and flush it; empty the snapshot, the
 * marker last. A snapshot found holding the marker was merged completely
 * by an interrupted run: it is only emptied, never applied again (a half
 * emptied snapshot is not what the union showed).
 */
#ifndef SNAPMERGE_MERGE_H
#define SNAPMERGE_MERGE_H

#include <ostream>
#include <string>
#include <vector>

#include "copy.h"
#include "fs.h"
#include "report.h"

namespace snapmerge {

struct MergeOptions {
	bool dry_run = false;	/* print the plan, change nothing */
	bool keep = false;	/* leave the snapshots as they are */
	std::ostream *actions = nullptr;	/* plan / --verbose lines, or null */
	std::ostream *progress = nullptr;	/* a terminal for the progress line, or null */
	WarnFn warn;
};

/* Throws FsError; the base then holds part of the changes, each object whole. */
Stats merge_snapshots(Fs &fs, const std::string &base, const std::vector<std::string> &snapshots,
		      const MergeOptions &options);

} /* namespace snapmerge */

#endif
