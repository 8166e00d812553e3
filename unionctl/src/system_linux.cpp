// SPDX-License-Identifier: GPL-2.0
/*
 * system_linux.cpp - the real System and the real ioctls.
 */
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ioctl_client.h"
#include "system.h"

namespace unionctl {

namespace {

int ioctl_errno(int fd, unsigned long request, void *arg)
{
	return ::ioctl(fd, request, arg) < 0 ? errno : 0;
}

} /* namespace */

int KernelIoctl::get_branch(int fd, struct unionfs_ioc_branch &req)
{
	return ioctl_errno(fd, UNIONFS_IOC_GET_BRANCH, &req);
}

/* The kernel only reads these; ioctl(2) takes a plain pointer. */
int KernelIoctl::add_branch(int fd, const struct unionfs_ioc_add &req)
{
	struct unionfs_ioc_add copy = req;

	return ioctl_errno(fd, UNIONFS_IOC_ADD_BRANCH, &copy);
}

int KernelIoctl::del_branch(int fd, const struct unionfs_ioc_index &req)
{
	struct unionfs_ioc_index copy = req;

	return ioctl_errno(fd, UNIONFS_IOC_DEL_BRANCH, &copy);
}

int KernelIoctl::set_mode(int fd, const struct unionfs_ioc_index &req)
{
	struct unionfs_ioc_index copy = req;

	return ioctl_errno(fd, UNIONFS_IOC_SET_MODE, &copy);
}

int KernelIoctl::query(int fd, struct unionfs_ioc_query &req)
{
	return ioctl_errno(fd, UNIONFS_IOC_QUERY, &req);
}

int LinuxSystem::realpath(const std::string &path, std::string &canonical)
{
	char *resolved = ::realpath(path.c_str(), nullptr);

	if (!resolved)
		return errno;
	canonical = resolved;
	std::free(resolved);
	return 0;
}

Result<MountEntry> LinuxSystem::find_mount(const std::string &path)
{
	return unionctl::find_mount(mountinfo_, path);
}

int LinuxSystem::open(const std::string &path, int flags)
{
	int fd = ::open(path.c_str(), flags);

	return fd < 0 ? -errno : fd;
}

void LinuxSystem::close(int fd)
{
	::close(fd);
}

} /* namespace unionctl */
