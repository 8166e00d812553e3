// SPDX-License-Identifier: GPL-2.0
/*
 * fs.h - every system call snapmerge makes on a tree.
 *
 * Objects are always named by a directory descriptor and one name inside it,
 * so no path is ever resolved twice and names may hold any byte. Every call
 * that changes a filesystem goes through Fs, which counts it as one "step":
 * the fault injector can make any step fail (an I/O error, so the code's own
 * error handling runs) or crash (nothing after it runs, as after a power
 * cut or SIGKILL). Reads are free functions; they change nothing.
 */
#ifndef SNAPMERGE_FS_H
#define SNAPMERGE_FS_H

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace snapmerge {

/* A failed system call: "PATH: cannot WHAT: strerror(err)". */
class FsError : public std::runtime_error {
public:
	FsError(const std::string &path, const std::string &action, int err);
	int error() const { return err_; }
	const std::string &path() const { return path_; }
	const std::string &action() const { return action_; }

private:
	std::string path_;
	std::string action_;
	int err_;
};

/*
 * Thrown by the fault injector in crash mode. Deliberately not a
 * std::exception: no error handler catches it, so nothing is cleaned up,
 * exactly as if the process had died at that step.
 */
struct InjectedCrash {
	unsigned long step;
};

/* A file descriptor, closed when it goes. */
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd &&other) noexcept : fd_(other.release()) {}
	Fd &operator=(Fd &&other) noexcept;
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	~Fd();

	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }
	int release();

private:
	int fd_ = -1;
};

/* One object: a directory descriptor, a name in it, and how to show it. */
struct Place {
	int dir;
	std::string name;	/* "." for the directory itself */
	std::string shown;	/* for messages */
};

struct Fault {
	enum Kind { kNone, kFail, kCrash, kKill };
	Kind kind = kNone;
	unsigned long at = 0;	/* 1 = the first step */
	/* Act as on a filesystem without RENAME_EXCHANGE (NFS, older ones). */
	bool no_exchange = false;
};

/* Parses "fail:N", "crash:N" or "kill:N" (SNAPMERGE_FAULT); nullopt if malformed. */
std::optional<Fault> parse_fault(const std::string &text);

class Fs {
public:
	void set_fault(Fault fault) { fault_ = fault; }
	/* fsync each copied file before it is renamed into place. */
	void set_sync(bool sync) { sync_ = sync; }
	bool sync() const { return sync_; }
	unsigned long steps() const { return steps_; }

	Fd create_file(const Place &at, mode_t mode);	/* O_CREAT|O_EXCL */
	void write_data(const Place &at, int in, int out, off_t size);
	void mkdir(const Place &at, mode_t mode);
	void symlink(const std::string &target, const Place &at);
	void mknod(const Place &at, mode_t mode, dev_t rdev);
	void link(int old_dir, const std::string &old_name, const Place &at);
	void rename(const Place &from, const std::string &to);	/* within from.dir */
	/* RENAME_EXCHANGE within a.dir; false when the filesystem cannot. */
	bool exchange(const Place &a, const std::string &b);
	void unlink(const Place &at);
	void rmdir(const Place &at);
	void chown(const Place &at, uid_t uid, gid_t gid);
	void chmod(const Place &at, mode_t mode);
	void utimes(const Place &at, const struct timespec times[2]);
	void setxattr(const Place &at, const std::string &name, const std::string &value);
	/* false when the attribute was not there */
	bool removexattr(const Place &at, const std::string &name);
	/* Removes at and, for a directory, everything below it. */
	void remove_tree(const Place &at);

private:
	void step(const Place &at, const char *what);

	Fault fault_;
	unsigned long steps_ = 0;
	bool sync_ = true;
};

/* ---- reads ---- */

std::optional<struct stat> lstat_at(int dir, const std::string &name, const std::string &shown);
/* O_RDONLY|O_DIRECTORY|O_NOFOLLOW */
Fd open_dir(int dir, const std::string &name, const std::string &shown);
Fd open_path(const std::string &path);	/* a directory named by the user */
/* Names in the directory (without . and ..), sorted bytewise. */
std::vector<std::string> list_dir(int dir, const std::string &shown);
/* Names with their file type (S_IFMT bits). */
std::map<std::string, mode_t> list_types(int dir, const std::string &shown);
std::string read_link(const Place &at);
/* Every extended attribute of the object (ACLs are system.posix_acl_*). */
std::map<std::string, std::string> read_xattrs(const Place &at);

/* "/proc/self/fd/N/NAME": the object itself, for the l*xattr calls. */
std::string proc_path(const Place &at);
std::string join(const std::string &dir, const std::string &name);

} /* namespace snapmerge */

#endif
