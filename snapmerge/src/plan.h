// SPDX-License-Identifier: GPL-2.0
/*
 * plan.h - deciding what one snapshot does to the base.
 *
 * The walk reads a snapshot branch and the base side by side and reports
 * every change to a Sink, in an order that is safe to carry out as it goes:
 * in each directory, leftovers of an interrupted run first, then what the
 * snapshot deletes, then its objects in name order (a directory's contents
 * before the directory's own attributes). ApplySink carries the changes
 * out; PlanPrinter only prints them (--dry-run).
 *
 * Rules (the union's, see doc/design.md "Lookup"): a snapshot's
 * non-directory replaces whatever the base has; a snapshot directory merges
 * with a base directory unless it is opaque or whited out beside itself, in
 * which case it replaces the base directory's contents, as it does below
 * any replaced directory; ".wh.X" deletes X. The base's own hidden names
 * are left alone where directories merge.
 */
#ifndef SNAPMERGE_PLAN_H
#define SNAPMERGE_PLAN_H

#include <sys/stat.h>

#include <map>
#include <string>
#include <utility>

#include "copy.h"
#include "fs.h"

namespace snapmerge {

class LayerView;

/* A name in the base. dir is -1 where the base directory is not there (dry run). */
struct Target {
	Place place;
	std::string rel;	/* path below the base, for messages and hard links */
};

class Sink {
public:
	virtual ~Sink() = default;
	/* A temporary left by an interrupted run (dry: the base's type). */
	virtual void clean(const Target &target, mode_t type) = 0;
	/* Whited out, or not in a replacing (opaque) directory. */
	virtual void remove(const Target &target, mode_t type) = 0;
	/* A non-directory; old_type is what the base has there (0: nothing). */
	virtual void land(const Target &target, const Source &src, mode_t old_type) = 0;
	/* Another name of a file already landed at first_rel in this run. */
	virtual void link(const Target &target, const std::string &first_rel, const Source &src,
			  mode_t old_type) = 0;
	/* A directory where the base has none (old_type 0) or a non-directory. */
	virtual void make_dir(const Target &target, const Source &src, mode_t old_type) = 0;
	/* A directory's contents are done: its own attributes now. */
	virtual void dir_done(const Target &target, const Source &src) = 0;
	/* Called for each snapshot object met, for progress. */
	virtual void progress(const Source &) {}
};

struct WalkOptions {
	/* The sink changes the base: open what make_dir made. */
	bool live = true;
	/* Dry run over earlier snapshots: the base as they would leave it. */
	const LayerView *view = nullptr;
	/* Told when the snapshot's root is marked opaque (the union ignores that). */
	std::function<void(const std::string &)> warn;
};

/*
 * Walks the snapshot (snap_root) against the base (base_root), reporting to
 * sink. The roots themselves are merged, never replaced, and keep the
 * base's attributes.
 */
void walk_snapshot(int snap_root, const std::string &snap_shown, int base_root,
		   const std::string &base_shown, Sink &sink, const WalkOptions &options);

} /* namespace snapmerge */

#endif
