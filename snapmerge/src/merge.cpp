// SPDX-License-Identifier: GPL-2.0
/*
 * merge.cpp - one snapshot after the other: apply, flush, mark, empty.
 */
#include "merge.h"

#include <unistd.h>

#include <cerrno>
#include <memory>

#include "apply.h"
#include "plan.h"
#include "view.h"
#include "whiteouts.h"

namespace snapmerge {

namespace {

void flush(int fd, const std::string &shown)
{
	if (::syncfs(fd) < 0)
		throw FsError(shown, "flush to disk (syncfs)", errno);
}

/* Objects the progress line counts: what the walk will meet. */
uint64_t count_entries(int dir, const std::string &shown)
{
	uint64_t count = 0;

	for (const auto &[name, type] : list_types(dir, shown)) {
		if (classify_name(name).kind != NameKind::kPlain)
			continue;
		count++;
		if (S_ISDIR(type)) {
			Fd child = open_dir(dir, name, join(shown, name));

			count += count_entries(child.get(), join(shown, name));
		}
	}
	return count;
}

bool has_done_marker(int snap, const std::string &shown)
{
	return lstat_at(snap, done_marker_name(), join(shown, done_marker_name())).has_value();
}

void empty_snapshot(Fs &fs, int snap, const std::string &shown)
{
	std::string marker = done_marker_name();

	for (const std::string &name : list_dir(snap, shown))
		if (name != marker)
			fs.remove_tree(Place{snap, name, join(shown, name)});
	fs.unlink(Place{snap, marker, join(shown, marker)});
}

void mark_done(Fs &fs, int snap, const std::string &shown)
{
	std::string marker = done_marker_name();
	Place place{snap, marker, join(shown, marker)};

	if (!lstat_at(snap, marker, place.shown))
		fs.create_file(place, 0600);
	/* The marker must be on disk before the first object leaves the snapshot. */
	if (fs.sync())
		flush(snap, shown);
}

} /* namespace */

Stats merge_snapshots(Fs &fs, const std::string &base, const std::vector<std::string> &snapshots,
		      const MergeOptions &options)
{
	Stats total;
	Fd base_fd = open_path(base);
	/* Dry run: snapshots planned so far, newest first, above the base. */
	std::vector<Fd> planned;
	std::vector<std::pair<int, std::string>> layers;

	for (const std::string &snapshot : snapshots) {
		Fd snap_fd = open_path(snapshot);
		Stats stats;

		if (options.actions)
			*options.actions << (options.dry_run ? "merge " : "merging ") << quote(snapshot)
					 << " into " << quote(base) << "\n";
		if (has_done_marker(snap_fd.get(), snapshot)) {
			/* Merged by an earlier run that stopped while emptying it. */
			if (options.warn)
				options.warn(quote(snapshot) + ": already merged by an interrupted run" +
					     (options.keep || options.dry_run ? "" : "; emptying it"));
			if (options.actions && !options.keep)
				*options.actions << (options.dry_run ? "empty " : "emptying ")
						 << quote(snapshot) << "\n";
			if (!options.dry_run && !options.keep)
				empty_snapshot(fs, snap_fd.get(), snapshot);
			continue;
		}

		WalkOptions walk;

		walk.warn = options.warn;
		if (options.dry_run) {
			PlanPrinter printer(options.actions, stats);
			std::unique_ptr<LayerView> view;

			if (!layers.empty()) {
				std::vector<std::pair<int, std::string>> all(layers.rbegin(), layers.rend());

				all.emplace_back(base_fd.get(), base);
				view = std::make_unique<LayerView>(std::move(all));
			}
			walk.live = false;
			walk.view = view.get();
			walk_snapshot(snap_fd.get(), snapshot, base_fd.get(), base, printer, walk);
			if (options.actions && !options.keep)
				*options.actions << "empty " << quote(snapshot) << "\n";
			layers.emplace_back(snap_fd.get(), snapshot);
			planned.push_back(std::move(snap_fd));
		} else {
			std::unique_ptr<Progress> progress;

			if (options.progress)
				progress = std::make_unique<Progress>(
					options.progress, quote(snapshot),
					count_entries(snap_fd.get(), snapshot));
			ApplySink sink(fs, base_fd.get(), stats,
				       options.actions, options.warn, progress.get());

			walk_snapshot(snap_fd.get(), snapshot, base_fd.get(), base, sink, walk);
			if (progress)
				progress->finish();
			if (fs.sync())
				flush(base_fd.get(), base);
			if (!options.keep) {
				if (options.actions)
					*options.actions << "emptying " << quote(snapshot) << "\n";
				mark_done(fs, snap_fd.get(), snapshot);
				empty_snapshot(fs, snap_fd.get(), snapshot);
			}
		}
		total += stats;
	}
	return total;
}

} /* namespace snapmerge */
