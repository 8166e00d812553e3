// SPDX-License-Identifier: GPL-2.0
/*
 * fs.cpp - system call wrappers, step counting and fault injection.
 */
#include "fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "copy.h"

namespace snapmerge {

FsError::FsError(const std::string &path, const std::string &action, int err)
	: std::runtime_error(path + ": cannot " + action + ": " + std::strerror(err)),
	  path_(path), action_(action), err_(err)
{
}

Fd &Fd::operator=(Fd &&other) noexcept
{
	if (this != &other) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = other.release();
	}
	return *this;
}

Fd::~Fd()
{
	if (fd_ >= 0)
		::close(fd_);
}

int Fd::release()
{
	int fd = fd_;

	fd_ = -1;
	return fd;
}

std::optional<Fault> parse_fault(const std::string &text)
{
	static const std::pair<const char *, Fault::Kind> kinds[] = {
		{"fail:", Fault::kFail}, {"crash:", Fault::kCrash}, {"kill:", Fault::kKill}};

	for (const auto &[prefix, kind] : kinds) {
		size_t length = std::strlen(prefix);

		if (text.compare(0, length, prefix) != 0)
			continue;
		std::string number = text.substr(length);

		if (number.empty() || number.find_first_not_of("0123456789") != std::string::npos)
			return std::nullopt;
		return Fault{kind, std::stoul(number), false};
	}
	return std::nullopt;
}

void Fs::step(const Place &at, const char *what)
{
	++steps_;
	if (fault_.kind == Fault::kNone || steps_ != fault_.at)
		return;
	switch (fault_.kind) {
	case Fault::kFail:
		throw FsError(at.shown, what, EIO);
	case Fault::kCrash:
		throw InjectedCrash{steps_};
	case Fault::kKill:
		::kill(::getpid(), SIGKILL);
		::pause();
		break;
	case Fault::kNone:
		break;
	}
}

Fd Fs::create_file(const Place &at, mode_t mode)
{
	step(at, "create");
	int fd = ::openat(at.dir, at.name.c_str(),
			  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		throw FsError(at.shown, "create", errno);
	return Fd(fd);
}

void Fs::write_data(const Place &at, int in, int out, off_t size)
{
	step(at, "write");
	copy_sparse(in, out, size, at.shown);
	if (sync_ && ::fsync(out) < 0)
		throw FsError(at.shown, "fsync", errno);
}

void Fs::mkdir(const Place &at, mode_t mode)
{
	step(at, "create directory");
	if (::mkdirat(at.dir, at.name.c_str(), mode) < 0)
		throw FsError(at.shown, "create directory", errno);
}

void Fs::symlink(const std::string &target, const Place &at)
{
	step(at, "create symbolic link");
	if (::symlinkat(target.c_str(), at.dir, at.name.c_str()) < 0)
		throw FsError(at.shown, "create symbolic link", errno);
}

void Fs::mknod(const Place &at, mode_t mode, dev_t rdev)
{
	step(at, "create special file");
	if (::mknodat(at.dir, at.name.c_str(), mode, rdev) < 0)
		throw FsError(at.shown, "create special file", errno);
}

void Fs::link(int old_dir, const std::string &old_name, const Place &at)
{
	step(at, "create hard link");
	if (::linkat(old_dir, old_name.c_str(), at.dir, at.name.c_str(), 0) < 0)
		throw FsError(at.shown, "create hard link", errno);
}

void Fs::rename(const Place &from, const std::string &to)
{
	step(from, "rename");
	if (::renameat(from.dir, from.name.c_str(), from.dir, to.c_str()) < 0)
		throw FsError(from.shown, "rename", errno);
}

bool Fs::exchange(const Place &a, const std::string &b)
{
	step(a, "exchange");
	if (fault_.no_exchange)
		return false;
	if (::renameat2(a.dir, a.name.c_str(), a.dir, b.c_str(), RENAME_EXCHANGE) == 0)
		return true;
	if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
		return false;
	throw FsError(a.shown, "exchange", errno);
}

void Fs::unlink(const Place &at)
{
	step(at, "remove");
	if (::unlinkat(at.dir, at.name.c_str(), 0) < 0)
		throw FsError(at.shown, "remove", errno);
}

void Fs::rmdir(const Place &at)
{
	step(at, "remove directory");
	if (::unlinkat(at.dir, at.name.c_str(), AT_REMOVEDIR) < 0)
		throw FsError(at.shown, "remove directory", errno);
}

void Fs::chown(const Place &at, uid_t uid, gid_t gid)
{
	step(at, "change owner");
	if (::fchownat(at.dir, at.name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		throw FsError(at.shown, "change owner", errno);
}

/* Never called on a symbolic link (they have no mode of their own). */
void Fs::chmod(const Place &at, mode_t mode)
{
	step(at, "change mode");
	if (::fchmodat(at.dir, at.name.c_str(), mode, 0) < 0)
		throw FsError(at.shown, "change mode", errno);
}

void Fs::utimes(const Place &at, const struct timespec times[2])
{
	step(at, "set times");
	if (::utimensat(at.dir, at.name.c_str(), times, AT_SYMLINK_NOFOLLOW) < 0)
		throw FsError(at.shown, "set times", errno);
}

void Fs::setxattr(const Place &at, const std::string &name, const std::string &value)
{
	step(at, "set extended attribute");
	if (::lsetxattr(proc_path(at).c_str(), name.c_str(), value.data(), value.size(), 0) < 0)
		throw FsError(at.shown, "set extended attribute " + name, errno);
}

bool Fs::removexattr(const Place &at, const std::string &name)
{
	step(at, "remove extended attribute");
	if (::lremovexattr(proc_path(at).c_str(), name.c_str()) == 0)
		return true;
	if (errno == ENODATA)
		return false;
	throw FsError(at.shown, "remove extended attribute " + name, errno);
}

void Fs::remove_tree(const Place &at)
{
	std::optional<struct stat> st = lstat_at(at.dir, at.name, at.shown);

	if (!st)
		return;
	if (!S_ISDIR(st->st_mode)) {
		unlink(at);
		return;
	}
	Fd dir = open_dir(at.dir, at.name, at.shown);

	for (const std::string &name : list_dir(dir.get(), at.shown))
		remove_tree(Place{dir.get(), name, join(at.shown, name)});
	dir = Fd();
	rmdir(at);
}

/* ---- reads ---- */

std::string join(const std::string &dir, const std::string &name)
{
	if (name == ".")
		return dir;
	if (dir.empty() || dir == ".")
		return name;
	if (dir.back() == '/')
		return dir + name;
	return dir + "/" + name;
}

std::string proc_path(const Place &at)
{
	return "/proc/self/fd/" + std::to_string(at.dir) + "/" + at.name;
}

std::optional<struct stat> lstat_at(int dir, const std::string &name, const std::string &shown)
{
	struct stat st;

	if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
		return st;
	if (errno == ENOENT)
		return std::nullopt;
	throw FsError(shown, "stat", errno);
}

Fd open_dir(int dir, const std::string &name, const std::string &shown)
{
	int fd = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		throw FsError(shown, "open directory", errno);
	return Fd(fd);
}

Fd open_path(const std::string &path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		throw FsError(path, "open directory", errno);
	return Fd(fd);
}

namespace {

template <typename Fn>
void each_entry(int dir, const std::string &shown, Fn &&fn)
{
	int fd = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		throw FsError(shown, "open directory", errno);
	DIR *stream = ::fdopendir(fd);

	if (!stream) {
		int err = errno;

		::close(fd);
		throw FsError(shown, "read directory", err);
	}
	for (;;) {
		errno = 0;
		struct dirent *entry = ::readdir(stream);

		if (!entry)
			break;
		if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0)
			continue;
		fn(std::string(entry->d_name), entry->d_type);
	}
	int err = errno;

	::closedir(stream);
	if (err)
		throw FsError(shown, "read directory", err);
}

} /* namespace */

std::vector<std::string> list_dir(int dir, const std::string &shown)
{
	std::vector<std::string> names;

	each_entry(dir, shown, [&](std::string name, unsigned char) { names.push_back(std::move(name)); });
	std::sort(names.begin(), names.end());
	return names;
}

std::map<std::string, mode_t> list_types(int dir, const std::string &shown)
{
	std::map<std::string, mode_t> types;

	each_entry(dir, shown, [&](std::string name, unsigned char dtype) {
		mode_t type = DTTOIF(dtype);

		if (dtype == DT_UNKNOWN) {
			std::optional<struct stat> st = lstat_at(dir, name, join(shown, name));

			if (!st)
				return;	/* gone meanwhile */
			type = st->st_mode & S_IFMT;
		}
		types.emplace(std::move(name), type);
	});
	return types;
}

std::string read_link(const Place &at)
{
	std::string target(256, '\0');

	for (;;) {
		ssize_t length = ::readlinkat(at.dir, at.name.c_str(), target.data(), target.size());

		if (length < 0)
			throw FsError(at.shown, "read symbolic link", errno);
		if (static_cast<size_t>(length) < target.size()) {
			target.resize(length);
			return target;
		}
		target.resize(target.size() * 2);
	}
}

std::map<std::string, std::string> read_xattrs(const Place &at)
{
	std::string path = proc_path(at);
	std::map<std::string, std::string> attrs;
	std::string names;

	for (;;) {
		ssize_t size = ::llistxattr(path.c_str(), nullptr, 0);

		if (size < 0) {
			if (errno == ENOTSUP)
				return attrs;
			throw FsError(at.shown, "list extended attributes", errno);
		}
		names.resize(size);
		size = ::llistxattr(path.c_str(), names.data(), names.size());
		if (size >= 0) {
			names.resize(size);
			break;
		}
		if (errno != ERANGE)
			throw FsError(at.shown, "list extended attributes", errno);
	}
	for (size_t pos = 0; pos < names.size();) {
		std::string name(names.c_str() + pos);
		std::string value;

		pos += name.size() + 1;
		for (;;) {
			ssize_t size = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);

			if (size < 0 && errno == ENODATA)
				break;
			if (size < 0)
				throw FsError(at.shown, "read extended attribute " + name, errno);
			value.resize(size);
			size = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
			if (size >= 0) {
				value.resize(size);
				attrs.emplace(name, std::move(value));
				break;
			}
			if (errno != ERANGE)
				throw FsError(at.shown, "read extended attribute " + name, errno);
		}
	}
	return attrs;
}

} /* namespace snapmerge */
