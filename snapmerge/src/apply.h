// SPDX-License-Identifier: GPL-2.0
/*
 * apply.h - carrying out (ApplySink) or printing (PlanPrinter) a walk.
 *
 * Every object lands under a temporary name in its final directory and is
 * renamed over the old one when complete, so the base never holds a
 * partial file. Where the kind changes (a directory replaced by a file or
 * the other way round), RENAME_EXCHANGE swaps the new object in atomically
 * and the old one is removed from under the temporary name afterwards; a
 * filesystem without it gets the old object moved aside first. Deleted
 * directories are renamed aside, then removed. A run that is interrupted
 * leaves only temporaries, which the next run removes first.
 */
#ifndef SNAPMERGE_APPLY_H
#define SNAPMERGE_APPLY_H

#include <ostream>

#include "plan.h"
#include "report.h"

namespace snapmerge {

/* One line of --dry-run and --verbose output. */
class ActionWriter {
public:
	explicit ActionWriter(std::ostream *out) : out_(out) {}
	void clean(const Target &target, mode_t type);
	void remove(const Target &target, mode_t type);
	void land(const Target &target, mode_t old_type);
	void link(const Target &target, const std::string &first_rel);
	void make_dir(const Target &target, mode_t old_type);
	void dir_done(const Target &target);

private:
	void line(const char *verb, const std::string &rel, bool dir, const std::string &extra = "");
	std::ostream *out_;
};

class ApplySink : public Sink {
public:
	/* verbose: where to list each action, or null. */
	ApplySink(Fs &fs, int base_root, Stats &stats, std::ostream *verbose, WarnFn warn,
		  Progress *progress)
		: fs_(fs), base_root_(base_root), stats_(stats), writer_(verbose),
		  warn_(std::move(warn)), progress_(progress) {}

	void clean(const Target &target, mode_t type) override;
	void remove(const Target &target, mode_t type) override;
	void land(const Target &target, const Source &src, mode_t old_type) override;
	void link(const Target &target, const std::string &first_rel, const Source &src,
		  mode_t old_type) override;
	void make_dir(const Target &target, const Source &src, mode_t old_type) override;
	void dir_done(const Target &target, const Source &src) override;
	void progress(const Source &src) override;

private:
	/* Puts the complete object at temp in place of target. */
	void commit(const Target &target, const Place &temp, mode_t old_type, bool is_dir);

	Fs &fs_;
	int base_root_;
	Stats &stats_;
	ActionWriter writer_;
	WarnFn warn_;
	Progress *progress_;
};

class PlanPrinter : public Sink {
public:
	PlanPrinter(std::ostream *out, Stats &stats) : stats_(stats), writer_(out) {}

	void clean(const Target &target, mode_t type) override;
	void remove(const Target &target, mode_t type) override;
	void land(const Target &target, const Source &src, mode_t old_type) override;
	void link(const Target &target, const std::string &first_rel, const Source &src,
		  mode_t old_type) override;
	void make_dir(const Target &target, const Source &src, mode_t old_type) override;
	void dir_done(const Target &target, const Source &src) override;

private:
	Stats &stats_;
	ActionWriter writer_;
};

/* A name beside place in the same directory. */
Place sibling(const Place &place, const std::string &name);

} /* namespace snapmerge */

#endif
