// SPDX-License-Identifier: GPL-2.0
/*
 * fakes.cpp - the in-memory System and union.
 */
#include "fakes.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>

#include "actions.h"
#include "mode.h"

namespace unionctl::test {

namespace {

/* DIR is PATH or one of its ancestors. */
bool is_under(const std::string &path, const std::string &dir)
{
	if (dir == "/")
		return path[0] == '/';
	return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

} /* namespace */

int FakeSystem::realpath(const std::string &path, std::string &canonical)
{
	if (auto it = errors.find(path); it != errors.end())
		return it->second;
	if (auto it = links.find(path); it != links.end()) {
		canonical = it->second;
		return 0;
	}
	if (path.empty() || path[0] != '/')
		return ENOENT;
	canonical = strip_trailing_slashes(path);
	return 0;
}

Result<MountEntry> FakeSystem::find_mount(const std::string &path)
{
	const MountEntry *best = nullptr;

	REQUIRE(path[0] == '/');
	if (mount_table_failure)
		return *mount_table_failure;
	for (const MountEntry &mount : mounts)
		if (is_under(path, mount.target) && (!best || mount.target.size() >= best->target.size()))
			best = &mount;
	return best ? *best : MountEntry{};
}

int FakeSystem::open(const std::string &path, int flags)
{
	if (auto it = errors.find(path); it != errors.end())
		return -it->second;
	if ((flags & O_DIRECTORY) && files.count(path))
		return -ENOTDIR;
	open_files[next_fd] = OpenFile{path, flags};
	return next_fd++;
}

void FakeSystem::close(int fd)
{
	INFO("close(" << fd << ")");
	REQUIRE(open_files.erase(fd) == 1);
}

const FakeSystem::OpenFile &FakeSystem::file(int fd) const
{
	INFO("fd " << fd);
	auto it = open_files.find(fd);
	REQUIRE(it != open_files.end());
	return it->second;
}

void FakeUnion::set_branches(const std::vector<std::pair<std::string, uint32_t>> &paths_and_modes)
{
	branches.clear();
	for (const auto &[path, mode] : paths_and_modes)
		branches.push_back(BranchEntry{0, mode, 0, path});
	renumber();
}

void FakeUnion::insert_branch(uint32_t index, std::string path, uint32_t mode)
{
	REQUIRE(index <= branches.size());
	branches.insert(branches.begin() + index, BranchEntry{0, mode, 0, std::move(path)});
	renumber();
	bump();
}

void FakeUnion::erase_branch(uint32_t index)
{
	REQUIRE(index < branches.size());
	branches.erase(branches.begin() + index);
	renumber();
	bump();
}

void FakeUnion::renumber()
{
	for (size_t i = 0; i < branches.size(); i++)
		branches[i].index = static_cast<uint32_t>(i);
}

/* Branch ioctls go to the root, opened as a directory. */
void FakeUnion::check_root(int fd) const
{
	const FakeSystem::OpenFile &root = system_.file(fd);

	CHECK(root.path == mountpoint_);
	CHECK((root.flags & O_DIRECTORY));
	CHECK((root.flags & O_ACCMODE) == O_RDONLY);
}

int FakeUnion::check_generation(uint64_t expected)
{
	if (before_change)
		before_change();
	return expected && expected != generation ? ESTALE : 0;
}

int FakeUnion::get_branch(int fd, struct unionfs_ioc_branch &req)
{
	check_root(fd);
	get_branch_calls++;
	if (before_get_branch)
		before_get_branch(req.index);
	if (auto it = fail.find("GET_BRANCH"); it != fail.end())
		return it->second;
	CHECK(req.reserved == 0);
	if (req.index >= branches.size())
		return EINVAL;
	const BranchEntry &branch = branches[req.index];
	req.mode = branch.mode;
	req.count = static_cast<uint32_t>(branches.size());
	req.open_files = branch.open_files.value_or(0);
	req.generation = generation;
	std::memset(req.path, 'X', sizeof(req.path));	/* no stale NUL to rely on */
	std::memcpy(req.path, branch.path.c_str(), branch.path.size() + 1);
	return 0;
}

int FakeUnion::add_branch(int fd, const struct unionfs_ioc_add &req)
{
	check_root(fd);
	const FakeSystem::OpenFile &dir = system_.file(req.dirfd);
	calls.push_back("ADD_BRANCH dir=" + dir.path + " index=" + std::to_string(req.index) +
			" mode=" + mode_name(req.mode) + " generation=" + std::to_string(req.generation));
	CHECK((dir.flags & O_DIRECTORY));
	CHECK((dir.flags & O_ACCMODE) == O_RDONLY);
	CHECK(req.reserved == 0);
	if (auto it = fail.find("ADD_BRANCH"); it != fail.end())
		return it->second;
	if (int err = check_generation(req.generation))
		return err;
	if (req.index > branches.size() || req.mode > UNIONFS_BRANCH_NFSRO ||
	    branches.size() >= UNIONFS_MAX_BRANCHES)
		return EINVAL;
	std::string canonical;
	REQUIRE(system_.realpath(dir.path, canonical) == 0);
	if (is_under(canonical, mountpoint_))
		return EINVAL;
	/* Any union, like the module (a directory on a unionfs cannot be a branch). */
	if (Result<MountEntry> mount = system_.find_mount(canonical);
	    !mount.is_error() && mount.value().fstype == kUnionFsType)
		return EINVAL;
	for (const BranchEntry &branch : branches)
		if (is_under(canonical, branch.path) || is_under(branch.path, canonical))
			return EINVAL;
	branches.insert(branches.begin() + req.index, BranchEntry{0, req.mode, 0, canonical});
	renumber();
	generation++;
	return 0;
}

int FakeUnion::del_branch(int fd, const struct unionfs_ioc_index &req)
{
	check_root(fd);
	calls.push_back("DEL_BRANCH index=" + std::to_string(req.index) +
			" generation=" + std::to_string(req.generation));
	CHECK(req.mode == 0);
	CHECK(req.reserved[0] == 0);
	CHECK(req.reserved[1] == 0);
	if (auto it = fail.find("DEL_BRANCH"); it != fail.end())
		return it->second;
	if (int err = check_generation(req.generation))
		return err;
	if (req.index >= branches.size())
		return EINVAL;
	if (branches.size() == 1 || branches[req.index].open_files.value_or(0))
		return EBUSY;
	branches.erase(branches.begin() + req.index);
	renumber();
	generation++;
	return 0;
}

int FakeUnion::set_mode(int fd, const struct unionfs_ioc_index &req)
{
	check_root(fd);
	calls.push_back("SET_MODE index=" + std::to_string(req.index) + " mode=" + mode_name(req.mode) +
			" generation=" + std::to_string(req.generation));
	CHECK(req.reserved[0] == 0);
	CHECK(req.reserved[1] == 0);
	if (auto it = fail.find("SET_MODE"); it != fail.end())
		return it->second;
	if (int err = check_generation(req.generation))
		return err;
	if (req.index >= branches.size() || req.mode > UNIONFS_BRANCH_NFSRO)
		return EINVAL;
	branches[req.index].mode = req.mode;
	generation++;
	return 0;
}

int FakeUnion::query(int fd, struct unionfs_ioc_query &req)
{
	const FakeSystem::OpenFile &file = system_.file(fd);

	calls.push_back("QUERY " + file.path);
	/* What unionctl must open a file with for QUERY (see actions.cpp). */
	CHECK((file.flags & O_ACCMODE) == O_RDONLY);
	CHECK((file.flags & O_NONBLOCK));
	CHECK((file.flags & O_NOCTTY));
	CHECK_FALSE((file.flags & O_DIRECTORY));
	CHECK_FALSE((file.flags & O_PATH));
	if (auto it = fail.find("QUERY"); it != fail.end())
		return it->second;
	req = {};
	for (uint32_t index : holders[file.path])
		req.branches[index / 64] |= 1ULL << (index % 64);
	req.count = static_cast<uint32_t>(branches.size());
	return 0;
}

World::World()
{
	system.mounts = {
		MountEntry{"/", "/", "ext4", "rw"},
		MountEntry{"/mnt/u", "/", "unionfs", "rw,dirs=/srv/top=rw:/srv/mid=ro:/srv/base=nfsro"},
	};
	system.links = {{"top", "/srv/top"}, {"/link/mid", "/srv/mid"}};
	system.files = {"/srv/file", "/mnt/u/etc/passwd", "/mnt/u/new"};
	union_.set_branches({{"/srv/top", UNIONFS_BRANCH_RW},
			     {"/srv/mid", UNIONFS_BRANCH_RO},
			     {"/srv/base", UNIONFS_BRANCH_NFSRO}});
	union_.branches[1].open_files = 2;
	union_.holders = {{"/mnt/u/etc/passwd", {1, 2}}, {"/mnt/u/new", {0}}};
}

CliResult run_cli(World &world, const std::vector<std::string> &args)
{
	std::ostringstream out, err;
	int status = run(args, world.system, world.union_, out, err);

	CHECK(world.system.open_files.empty());
	return CliResult{status, out.str(), err.str()};
}

} /* namespace unionctl::test */
