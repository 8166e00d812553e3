// SPDX-License-Identifier: GPL-2.0
/*
 * copy.cpp - data (sparse-aware), xattrs and attributes of a copy.
 */
#include "copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "report.h"

namespace snapmerge {

namespace {

/* Copies [offset, offset + length) with read/write, for where copy_file_range cannot. */
void copy_range_plain(int in, int out, off_t offset, off_t length, const std::string &shown)
{
	std::vector<char> buffer(1 << 20);

	while (length > 0) {
		size_t chunk = static_cast<size_t>(std::min<off_t>(length, buffer.size()));
		ssize_t got = ::pread(in, buffer.data(), chunk, offset);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			throw FsError(shown, "read the snapshot's copy", errno);
		if (got == 0)
			return;	/* the file shrank meanwhile; the length is set afterwards */
		for (ssize_t done = 0; done < got;) {
			ssize_t put = ::pwrite(out, buffer.data() + done, got - done, offset + done);

			if (put < 0 && errno == EINTR)
				continue;
			if (put < 0)
				throw FsError(shown, "write", errno);
			done += put;
		}
		offset += got;
		length -= got;
	}
}

void copy_range(int in, int out, off_t offset, off_t length, const std::string &shown)
{
	while (length > 0) {
		loff_t in_offset = offset, out_offset = offset;
		ssize_t copied = ::copy_file_range(in, &in_offset, out, &out_offset,
						   static_cast<size_t>(length), 0);

		if (copied < 0 && errno == EINTR)
			continue;
		if (copied < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
				   errno == EOPNOTSUPP || errno == EBADF || errno == EPERM)) {
			copy_range_plain(in, out, offset, length, shown);
			return;
		}
		if (copied < 0)
			throw FsError(shown, "copy data", errno);
		if (copied == 0)
			return;
		offset += copied;
		length -= copied;
	}
}

/*
 * The union's own records on a branch copy (trusted.unionfs.origin, .impure)
 * say how that copy relates to the branches below it; in the base they
 * would be false, so they are neither copied there nor removed from it.
 */
static bool is_union_record(const std::string &name)
{
	static const std::string prefix = "trusted.unionfs.";

	return name.compare(0, prefix.size(), prefix) == 0;
}

void set_xattrs(Fs &fs, const Source &src, const Place &at, const WarnFn &warn)
{
	std::map<std::string, std::string> wanted = read_xattrs(src.place);
	/* A new object may still have inherited some (a default ACL of its directory). */
	std::map<std::string, std::string> present = read_xattrs(at);

	std::erase_if(wanted, [](const auto &entry) { return is_union_record(entry.first); });
	for (const auto &[name, value] : present) {
		if (wanted.count(name) || is_union_record(name))
			continue;
		try {
			fs.removexattr(at, name);
		} catch (const FsError &error) {
			/* Security modules keep their labels; the rest must go. */
			if (name.compare(0, 9, "security.") != 0)
				throw;
			warn(describe(error));
		}
	}
	for (const auto &[name, value] : wanted) {
		auto found = present.find(name);

		if (found != present.end() && found->second == value)
			continue;
		try {
			fs.setxattr(at, name, value);
		} catch (const FsError &error) {
			if (error.error() != ENOTSUP && error.error() != EPERM)
				throw;
			/* The base's filesystem cannot hold it: say so and go on. */
			warn(describe(error));
		}
	}
}

void apply_attributes(Fs &fs, const Source &src, const Place &at, const WarnFn &warn)
{
	std::optional<struct stat> now = lstat_at(at.dir, at.name, at.shown);

	if (!now)
		throw FsError(at.shown, "set attributes", ENOENT);
	/* chown first: it clears set-user-ID bits and file capabilities. */
	if (now->st_uid != src.st.st_uid || now->st_gid != src.st.st_gid)
		fs.chown(at, src.st.st_uid, src.st.st_gid);
	set_xattrs(fs, src, at, warn);
	if (!S_ISLNK(src.st.st_mode)) {
		now = lstat_at(at.dir, at.name, at.shown);
		if (!now || (now->st_mode & 07777) != (src.st.st_mode & 07777))
			fs.chmod(at, src.st.st_mode & 07777);
	}
	const struct timespec times[2] = {src.st.st_atim, src.st.st_mtim};

	fs.utimes(at, times);
}

} /* namespace */

void copy_sparse(int in, int out, off_t size, const std::string &shown)
{
	off_t offset = 0;

	while (offset < size) {
		off_t data = ::lseek(in, offset, SEEK_DATA);

		if (data < 0 && errno == ENXIO)
			break;	/* only a hole is left */
		if (data < 0) {
			/* No SEEK_DATA here: copy everything. */
			copy_range(in, out, offset, size - offset, shown);
			break;
		}
		if (data >= size)
			break;
		off_t hole = ::lseek(in, data, SEEK_HOLE);

		if (hole < 0 || hole > size)
			hole = size;
		copy_range(in, out, data, hole - data, shown);
		offset = hole;
	}
	if (::ftruncate(out, size) < 0)
		throw FsError(shown, "set the length", errno);
}

void build_copy(Fs &fs, const Source &src, const Place &at, const WarnFn &warn)
{
	const struct stat &st = src.st;

	switch (st.st_mode & S_IFMT) {
	case S_IFREG: {
		int in_fd = ::openat(src.place.dir, src.place.name.c_str(),
				     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);

		if (in_fd < 0)
			throw FsError(src.place.shown, "open", errno);
		Fd in(in_fd);
		struct stat now;

		if (::fstat(in.get(), &now) < 0)
			throw FsError(src.place.shown, "stat", errno);
		Fd out = fs.create_file(at, 0600);

		fs.write_data(at, in.get(), out.get(), now.st_size);
		break;
	}
	case S_IFLNK:
		fs.symlink(read_link(src.place), at);
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		fs.mknod(at, (st.st_mode & S_IFMT) | 0600, st.st_rdev);
		break;
	default:
		throw FsError(src.place.shown, "copy (unknown file type)", EINVAL);
	}
	apply_attributes(fs, src, at, warn);
}

void copy_attributes(Fs &fs, const Source &src, const Place &at, const WarnFn &warn)
{
	apply_attributes(fs, src, at, warn);
}

} /* namespace snapmerge */
