/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakes.h - an in-memory System and union for the host tests, and a
 * standard world to run unionctl in.
 *
 * The fakes check what unionctl hands them (open fds, open flags, reserved
 * fields) and log every call that changes or queries the union, so a test
 * states the exact ioctl a command line turns into. The union refuses a
 * change as the module does: ESTALE for a generation that is not its own
 * (0 skips the check), EINVAL for a directory overlapping a branch or
 * inside a union, EBUSY for its last branch or one with open files.
 */
#ifndef UNIONCTL_TESTS_FAKES_H
#define UNIONCTL_TESTS_FAKES_H

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ioctl_client.h"
#include "system.h"

namespace unionctl::test {

class FakeSystem : public System {
public:
	/* realpath(): these map elsewhere; other absolute paths resolve to themselves. */
	std::map<std::string, std::string> links;
	/* realpath() and open() of these fail with the errno. */
	std::map<std::string, int> errors;
	/* Not directories: open(O_DIRECTORY) gives ENOTDIR. */
	std::set<std::string> files;
	/* find_mount(): the longest target above the path; the last one on a tie. */
	std::vector<MountEntry> mounts;
	std::optional<Failure> mount_table_failure;

	struct OpenFile {
		std::string path;
		int flags;
	};
	std::map<int, OpenFile> open_files;
	int next_fd = 3;

	int realpath(const std::string &path, std::string &canonical) override;
	Result<MountEntry> find_mount(const std::string &path) override;
	int open(const std::string &path, int flags) override;
	void close(int fd) override;

	/* The open file FD, failing the test when it is not open. */
	const OpenFile &file(int fd) const;
};

class FakeUnion : public IoctlClient {
public:
	FakeUnion(FakeSystem &system, std::string mountpoint)
		: system_(system), mountpoint_(std::move(mountpoint)) {}

	std::vector<BranchEntry> branches;
	uint64_t generation = 1;
	/* QUERY: the branches that hold a file, by the path it was opened with. */
	std::map<std::string, std::vector<uint32_t>> holders;
	/* The call fails with the errno: "GET_BRANCH", "ADD_BRANCH", "DEL_BRANCH", "SET_MODE", "QUERY". */
	std::map<std::string, int> fail;
	/* Runs before each GET_BRANCH, to change the union under a reader. */
	std::function<void(uint32_t index)> before_get_branch;
	/*
	 * Runs in each ADD_BRANCH, DEL_BRANCH and SET_MODE before the generation
	 * is checked, to change the union between unionctl's listing and its request.
	 */
	std::function<void()> before_change;

	/*
	 * Every call but GET_BRANCH, as "ADD_BRANCH dir=/x index=0 mode=rw
	 * generation=1", "DEL_BRANCH index=2 generation=1", "QUERY /mnt/u/x".
	 */
	std::vector<std::string> calls;
	unsigned get_branch_calls = 0;

	void set_branches(const std::vector<std::pair<std::string, uint32_t>> &paths_and_modes);
	/* A concurrent change: every reader must see a new generation. */
	void bump() { generation++; }
	/* Another process adds a branch at INDEX, or removes branch INDEX (and bumps). */
	void insert_branch(uint32_t index, std::string path, uint32_t mode = UNIONFS_BRANCH_RW);
	void erase_branch(uint32_t index);

	int get_branch(int fd, struct unionfs_ioc_branch &req) override;
	int add_branch(int fd, const struct unionfs_ioc_add &req) override;
	int del_branch(int fd, const struct unionfs_ioc_index &req) override;
	int set_mode(int fd, const struct unionfs_ioc_index &req) override;
	int query(int fd, struct unionfs_ioc_query &req) override;

private:
	void check_root(int fd) const;
	/* Runs before_change, then ESTALE unless EXPECTED is 0 or the generation. */
	int check_generation(uint64_t expected);
	void renumber();

	FakeSystem &system_;
	std::string mountpoint_;
};

/*
 * /mnt/u is a unionfs of /srv/top (rw), /srv/mid (ro, 2 files open) and
 * /srv/base (nfsro) on an ext4 root; /mnt/u/etc/passwd is in mid and base,
 * /mnt/u/new only in top. /snaps/0 and /snaps/1 are directories, /srv/file
 * is a file; "top" resolves to /srv/top and "/link/mid" to /srv/mid.
 */
struct World {
	FakeSystem system;
	FakeUnion union_{system, "/mnt/u"};

	World();
};

struct CliResult {
	int status;
	std::string out;
	std::string err;
};

/* Runs unionctl ARGS in WORLD; checks that it left no file open. */
CliResult run_cli(World &world, const std::vector<std::string> &args);

} /* namespace unionctl::test */

#endif /* UNIONCTL_TESTS_FAKES_H */
