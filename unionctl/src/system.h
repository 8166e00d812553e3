/* SPDX-License-Identifier: GPL-2.0 */
/*
 * system.h - what unionctl asks of the system besides the union's ioctls:
 * resolving paths, the mount table, opening and closing files. LinuxSystem
 * (system_linux.cpp) does it for real; the tests have a fake.
 */
#ifndef UNIONCTL_SYSTEM_H
#define UNIONCTL_SYSTEM_H

#include <string>

#include "result.h"
#include "union_mount.h"

namespace unionctl {

class System {
public:
	virtual ~System() = default;

	/* 0 with CANONICAL set, as realpath(3), or a positive errno. */
	virtual int realpath(const std::string &path, std::string &canonical) = 0;
	/* The mount that canonical PATH lies on (see find_mount()). */
	virtual Result<MountEntry> find_mount(const std::string &path) = 0;
	/* A file descriptor, or a negative errno. */
	virtual int open(const std::string &path, int flags) = 0;
	virtual void close(int fd) = 0;
};

/* An open file descriptor, closed through its System when it goes. */
class Fd {
public:
	Fd(System &system, int fd) : system_(&system), fd_(fd) {}
	Fd(Fd &&other) : system_(other.system_), fd_(other.fd_) { other.fd_ = -1; }
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	Fd &operator=(Fd &&) = delete;
	~Fd()
	{
		if (fd_ >= 0)
			system_->close(fd_);
	}

	int get() const { return fd_; }

private:
	System *system_;
	int fd_;
};

class LinuxSystem final : public System {
public:
	explicit LinuxSystem(std::string mountinfo = kMountinfo) : mountinfo_(std::move(mountinfo)) {}

	int realpath(const std::string &path, std::string &canonical) override;
	Result<MountEntry> find_mount(const std::string &path) override;
	int open(const std::string &path, int flags) override;
	void close(int fd) override;

private:
	std::string mountinfo_;
};

} /* namespace unionctl */

#endif /* UNIONCTL_SYSTEM_H */
