// SPDX-License-Identifier: GPL-2.0
/*
 * apply.cpp - carrying out and printing the walk's changes.
 */
#include "apply.h"

#include <fcntl.h>
#include <unistd.h>

#include "whiteouts.h"

namespace snapmerge {

Place sibling(const Place &place, const std::string &name)
{
	size_t slash = place.shown.rfind('/');
	std::string dir = slash == std::string::npos ? "" : place.shown.substr(0, slash);

	return Place{place.dir, name, join(dir, name)};
}

/* ---- action lines ---- */

void ActionWriter::line(const char *verb, const std::string &rel, bool dir, const std::string &extra)
{
	if (!out_)
		return;
	*out_ << verb << " " << quote(rel) << (dir ? "/" : "") << extra << "\n";
}

void ActionWriter::clean(const Target &target, mode_t type)
{
	line("clean", target.rel, S_ISDIR(type));
}

void ActionWriter::remove(const Target &target, mode_t type)
{
	line("delete", target.rel, S_ISDIR(type));
}

void ActionWriter::land(const Target &target, mode_t old_type)
{
	line(old_type ? "replace" : "copy", target.rel, false);
}

void ActionWriter::link(const Target &target, const std::string &first_rel)
{
	line("link", target.rel, false, " => " + quote(first_rel));
}

void ActionWriter::make_dir(const Target &target, mode_t old_type)
{
	line(old_type ? "replace" : "mkdir", target.rel, true);
}

void ActionWriter::dir_done(const Target &target)
{
	line("attrs", target.rel, true);
}

/* ---- carrying out ---- */

namespace {

/*
 * Best effort, uncounted: the temporary of a step that failed (the new
 * object, or an old one that was being removed from under it; a directory
 * with contents stays for the next run to remove).
 */
void discard(const Place &temp) noexcept
{
	if (::unlinkat(temp.dir, temp.name.c_str(), 0) < 0)
		::unlinkat(temp.dir, temp.name.c_str(), AT_REMOVEDIR);
}

} /* namespace */

void ApplySink::commit(const Target &target, const Place &temp, mode_t old_type, bool is_dir)
{
	const Place &place = target.place;

	/* rename(2) replaces a non-directory with a non-directory atomically. */
	if (old_type == 0 || (!S_ISDIR(old_type) && !is_dir)) {
		fs_.rename(temp, place.name);
		return;
	}
	if (fs_.exchange(temp, place.name)) {
		fs_.remove_tree(temp);	/* the old object, now under the temporary name */
		return;
	}
	/* No RENAME_EXCHANGE here: the name is briefly absent (a re-run completes it). */
	if (S_ISDIR(old_type)) {
		Place aside = sibling(place, temp_name());

		fs_.rename(place, aside.name);
		fs_.rename(temp, place.name);
		fs_.remove_tree(aside);
	} else {
		fs_.unlink(place);
		fs_.rename(temp, place.name);
	}
}

void ApplySink::clean(const Target &target, mode_t type)
{
	writer_.clean(target, type);
	fs_.remove_tree(target.place);
	stats_.cleaned++;
}

void ApplySink::remove(const Target &target, mode_t type)
{
	writer_.remove(target, type);
	if (S_ISDIR(type)) {
		/* Gone from its name in one step; the contents go afterwards. */
		Place aside = sibling(target.place, temp_name());

		fs_.rename(target.place, aside.name);
		fs_.remove_tree(aside);
	} else {
		fs_.unlink(target.place);
	}
	stats_.deleted++;
}

void ApplySink::land(const Target &target, const Source &src, mode_t old_type)
{
	writer_.land(target, old_type);
	Place temp = sibling(target.place, temp_name());

	try {
		build_copy(fs_, src, temp, warn_);
		commit(target, temp, old_type, false);
	} catch (const FsError &) {
		discard(temp);
		throw;
	}
	stats_.files++;
	if (S_ISREG(src.st.st_mode))
		stats_.bytes += src.st.st_size;
}

void ApplySink::link(const Target &target, const std::string &first_rel, const Source &,
		     mode_t old_type)
{
	writer_.link(target, first_rel);
	if (old_type && !S_ISDIR(old_type)) {
		std::optional<struct stat> first = lstat_at(base_root_, first_rel, first_rel);
		std::optional<struct stat> here =
			lstat_at(target.place.dir, target.place.name, target.place.shown);

		/* rename(2) between two names of one inode does nothing: nothing to do. */
		if (first && here && first->st_dev == here->st_dev && first->st_ino == here->st_ino) {
			stats_.links++;
			return;
		}
	}
	Place temp = sibling(target.place, temp_name());

	try {
		fs_.link(base_root_, first_rel, temp);
		commit(target, temp, old_type, false);
	} catch (const FsError &) {
		discard(temp);
		throw;
	}
	stats_.links++;
}

void ApplySink::make_dir(const Target &target, const Source &, mode_t old_type)
{
	writer_.make_dir(target, old_type);
	/* Private until its contents and attributes are in. */
	if (old_type == 0) {
		fs_.mkdir(target.place, 0700);
	} else {
		Place temp = sibling(target.place, temp_name());

		try {
			fs_.mkdir(temp, 0700);
			commit(target, temp, old_type, true);
		} catch (const FsError &) {
			discard(temp);
			throw;
		}
	}
	stats_.dirs++;
}

void ApplySink::dir_done(const Target &target, const Source &src)
{
	writer_.dir_done(target);
	copy_attributes(fs_, src, target.place, warn_);
}

void ApplySink::progress(const Source &src)
{
	if (progress_)
		progress_->advance(S_ISREG(src.st.st_mode) ? src.st.st_size : 0);
}

/* ---- printing ---- */

void PlanPrinter::clean(const Target &target, mode_t type)
{
	writer_.clean(target, type);
	stats_.cleaned++;
}

void PlanPrinter::remove(const Target &target, mode_t type)
{
	writer_.remove(target, type);
	stats_.deleted++;
}

void PlanPrinter::land(const Target &target, const Source &src, mode_t old_type)
{
	writer_.land(target, old_type);
	stats_.files++;
	if (S_ISREG(src.st.st_mode))
		stats_.bytes += src.st.st_size;
}

void PlanPrinter::link(const Target &target, const std::string &first_rel, const Source &, mode_t)
{
	writer_.link(target, first_rel);
	stats_.links++;
}

void PlanPrinter::make_dir(const Target &target, const Source &, mode_t old_type)
{
	writer_.make_dir(target, old_type);
	stats_.dirs++;
}

void PlanPrinter::dir_done(const Target &target, const Source &)
{
	writer_.dir_done(target);
}

} /* namespace snapmerge */
