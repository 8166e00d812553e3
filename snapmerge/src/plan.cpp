// SPDX-License-Identifier: GPL-2.0
/*
 * plan.cpp - the walk over a snapshot and its base.
 */
#include "plan.h"

#include <set>
#include <vector>

#include "report.h"
#include "view.h"
#include "whiteouts.h"

namespace snapmerge {

namespace {

enum class Mode {
	kMerge,		/* the base directory merges with the snapshot's */
	kReplace,	/* the snapshot's directory replaces the base directory's contents */
	kFresh,		/* the base directory was just made: nothing to compare with */
};

class Walker {
public:
	Walker(Sink &sink, const WalkOptions &options, const std::string &base_shown)
		: sink_(sink), options_(options), base_shown_(base_shown) {}

	void directory(int snap_dir, const std::string &snap_shown, int base_dir,
		       const std::string &rel, Mode mode);

private:
	struct Entry {
		std::string name;
		Source src;
	};

	std::map<std::string, mode_t> base_listing(int base_dir, const std::string &rel) const
	{
		if (options_.view)
			return options_.view->list(rel);
		return list_types(base_dir, join(base_shown_, rel));
	}

	Target target(int base_dir, const std::string &rel, const std::string &name) const
	{
		std::string child = join(rel, name);

		return Target{Place{base_dir, name, join(base_shown_, child)}, child};
	}

	void object(int snap_dir, const std::string &snap_shown, int base_dir,
		    const std::string &rel, const Entry &entry, mode_t old_type, bool whited_out,
		    Mode mode);

	Sink &sink_;
	const WalkOptions &options_;
	const std::string &base_shown_;
	/* Snapshot inode -> where its first name landed in the base (hard links). */
	std::map<std::pair<dev_t, ino_t>, std::string> landed_;
};

void Walker::directory(int snap_dir, const std::string &snap_shown, int base_dir,
		       const std::string &rel, Mode mode)
{
	std::vector<Entry> entries;
	std::set<std::string> whiteouts;
	bool opaque = false;

	for (const std::string &name : list_dir(snap_dir, snap_shown)) {
		NameMeaning meaning = classify_name(name);
		std::string shown = join(snap_shown, name);

		if (meaning.kind == NameKind::kWhiteout)
			whiteouts.insert(meaning.target);
		opaque |= meaning.kind == NameKind::kOpaque;
		if (meaning.kind != NameKind::kPlain)
			continue;
		std::optional<struct stat> st = lstat_at(snap_dir, name, shown);

		if (!st)
			continue;	/* gone meanwhile */
		entries.push_back(Entry{name, Source{Place{snap_dir, name, shown}, *st}});
	}

	/* The union's root always merges every branch's root, marker or not. */
	if (opaque && rel.empty()) {
		if (options_.warn)
			options_.warn(quote(snap_shown) + ": the opaque marker at the snapshot's root "
							  "is ignored, as the union ignores it");
	} else if (opaque && mode == Mode::kMerge) {
		mode = Mode::kReplace;
	}

	std::map<std::string, mode_t> base;

	if (mode != Mode::kFresh) {
		base = base_listing(base_dir, rel);
		for (const auto &[name, type] : base)
			if (is_temp_name(name))
				sink_.clean(target(base_dir, rel, name), type);
	}
	std::set<std::string> positive;

	for (const Entry &entry : entries)
		positive.insert(entry.name);
	if (mode == Mode::kMerge) {
		for (const std::string &name : whiteouts) {
			auto found = base.find(name);

			if (found != base.end() && !positive.count(name))
				sink_.remove(target(base_dir, rel, name), found->second);
		}
	} else if (mode == Mode::kReplace) {
		for (const auto &[name, type] : base)
			if (!is_temp_name(name) && !positive.count(name))
				sink_.remove(target(base_dir, rel, name), type);
	}
	for (const Entry &entry : entries) {
		auto found = base.find(entry.name);
		mode_t old_type = found == base.end() ? 0 : found->second;

		object(snap_dir, snap_shown, base_dir, rel, entry, old_type,
		       whiteouts.count(entry.name) != 0, mode);
	}
}

void Walker::object(int snap_dir, const std::string &snap_shown, int base_dir,
		    const std::string &rel, const Entry &entry, mode_t old_type, bool whited_out,
		    Mode mode)
{
	const Source &src = entry.src;
	Target where = target(base_dir, rel, entry.name);

	sink_.progress(src);
	if (!S_ISDIR(src.st.st_mode)) {
		if (src.st.st_nlink > 1) {
			auto key = std::make_pair(src.st.st_dev, src.st.st_ino);
			auto first = landed_.find(key);

			if (first != landed_.end()) {
				sink_.link(where, first->second, src, old_type);
				return;
			}
			landed_.emplace(key, where.rel);
		}
		sink_.land(where, src, old_type);
		return;
	}

	std::string child_shown = join(snap_shown, entry.name);
	Fd snap_child = open_dir(snap_dir, entry.name, child_shown);
	Fd base_child;
	Mode child_mode;

	if (old_type == S_IFDIR) {
		/* Whited out beside itself: replaces, as an opaque directory does. */
		child_mode = mode == Mode::kReplace || whited_out ? Mode::kReplace : Mode::kMerge;
		if (base_dir >= 0 && !options_.view)
			base_child = open_dir(base_dir, entry.name, where.place.shown);
	} else {
		sink_.make_dir(where, src, old_type);
		child_mode = Mode::kFresh;
		if (options_.live)
			base_child = open_dir(base_dir, entry.name, where.place.shown);
	}
	directory(snap_child.get(), child_shown, base_child.get(), where.rel, child_mode);
	sink_.dir_done(where, src);
}

} /* namespace */

void walk_snapshot(int snap_root, const std::string &snap_shown, int base_root,
		   const std::string &base_shown, Sink &sink, const WalkOptions &options)
{
	Walker walker(sink, options, base_shown);

	walker.directory(snap_root, snap_shown, base_root, "", Mode::kMerge);
}

} /* namespace snapmerge */
