// SPDX-License-Identifier: GPL-2.0
/*
 * copy.h - building a copy of one snapshot object in the base.
 */
#ifndef SNAPMERGE_COPY_H
#define SNAPMERGE_COPY_H

#include <sys/stat.h>

#include <functional>
#include <string>

#include "fs.h"

namespace snapmerge {

/* An object on a snapshot branch, as lstat saw it when the walk met it. */
struct Source {
	Place place;
	struct stat st;
};

/* Called with a message when something is copied incompletely (an xattr the target refuses). */
using WarnFn = std::function<void(const std::string &)>;

/*
 * Copies size bytes of in to out, holes kept: SEEK_DATA/SEEK_HOLE find the
 * data, copy_file_range copies it (read/write where it cannot), and the
 * length is set last so a trailing hole stays a hole.
 */
void copy_sparse(int in, int out, off_t size, const std::string &shown);

/*
 * Creates at (a name that does not exist) as a complete copy of the
 * non-directory src: data, then owner, xattrs (ACLs included), mode and
 * times. Hard links are not this function's business.
 */
void build_copy(Fs &fs, const Source &src, const Place &at, const WarnFn &warn);

/*
 * Gives the existing object at src's owner, xattrs (removing others), mode
 * (unless a symbolic link) and times; only what differs is changed, except
 * times, which are always set.
 */
void copy_attributes(Fs &fs, const Source &src, const Place &at, const WarnFn &warn);

} /* namespace snapmerge */

#endif
