// SPDX-License-Identifier: GPL-2.0
/*
 * actions.cpp - the five actions, each a straight line of steps: find the
 * union, read its branches, resolve BRANCH, issue one ioctl.
 */
#include "actions.h"

#include <cerrno>
#include <fcntl.h>

#include "args.h"
#include "format.h"
#include "mode.h"

namespace unionctl {

namespace {

/* GET_BRANCH, ADD_BRANCH ... go to the union's root. */
constexpr int kRootFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
/* --add passes the new branch as a directory fd. */
constexpr int kBranchFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
/*
 * QUERY goes to the file itself. An O_PATH fd takes no ioctl; O_NONBLOCK
 * keeps a FIFO from blocking the open, and without O_DIRECTORY a directory
 * and a file open alike.
 */
constexpr int kQueryFlags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;

struct Context {
	System &system;
	IoctlClient &ioctls;
	std::ostream &out;
	std::ostream &err;
};

struct OpenUnion {
	std::string name;	/* as the user wrote it, for messages */
	MountEntry mount;
	Fd root;
};

/* The union PATH lies in, its root open. */
Result<OpenUnion> open_union(Context &ctx, const std::string &path)
{
	std::string canonical;

	if (int err = ctx.system.realpath(path, canonical))
		return errno_error(path + ": cannot resolve path", err);
	MountEntry mount = TRY(ctx.system.find_mount(canonical));
	if (mount.fstype != kUnionFsType)
		return Failure{kExitNotUnion, path + ": not on a unionfs"};
	int fd = ctx.system.open(mount.target, kRootFlags);
	if (fd < 0)
		return errno_error(path + ": cannot open the union's mount point " + mount.target, -fd);
	return OpenUnion{path, std::move(mount), Fd(ctx.system, fd)};
}

Result<uint32_t> locate(Context &ctx, const BranchRef &ref, const BranchList &list,
			const std::string &union_name)
{
	std::string canonical;
	int err = ref.index ? 0 : ctx.system.realpath(ref.text, canonical);

	return resolve_branch(ref, list, canonical, err, union_name);
}

Result<void> add(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	BranchList list = TRY(read_branches(ctx.ioctls, u.root.get(), u.name));
	const std::string what = u.name + ": cannot add branch " + cmd.dir;
	uint32_t index = 0;	/* on top, as Unionfs 1.x: the snapshot workflow needs it */
	std::string canonical;

	if (cmd.where != Where::Top) {
		index = TRY(locate(ctx, cmd.branch, list, u.name));
		if (cmd.where == Where::After)
			index++;
	}
	if (ctx.system.realpath(cmd.dir, canonical) == 0) {
		if (auto existing = find_branch_path(list, canonical))
			return Failure{kExitFailed,
				       what + ": already a branch (index " + std::to_string(*existing) + ")"};
	}
	int dirfd = ctx.system.open(cmd.dir, kBranchFlags);
	if (dirfd < 0)
		return errno_error(what, -dirfd);
	Fd dir(ctx.system, dirfd);

	struct unionfs_ioc_add req = {};
	req.dirfd = dir.get();
	req.index = index;
	req.mode = cmd.mode;
	if (int err = ctx.ioctls.add_branch(u.root.get(), req))
		return errno_error(what, err);
	return {};
}

Result<void> remove(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	BranchList list = TRY(read_branches(ctx.ioctls, u.root.get(), u.name));
	uint32_t index = TRY(locate(ctx, cmd.branch, list, u.name));

	struct unionfs_ioc_index req = {};
	req.index = index;
	if (int err = ctx.ioctls.del_branch(u.root.get(), req)) {
		Failure failure = errno_error(u.name + ": cannot remove branch " + cmd.branch.text, err);
		const std::optional<uint64_t> &open = list.branches[index].open_files;

		if (err == EBUSY && open && *open)
			failure.message += " (" + std::to_string(*open) +
					   (*open == 1 ? " open file)" : " open files)");
		return failure;
	}
	return {};
}

Result<void> set_mode(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	BranchList list = TRY(read_branches(ctx.ioctls, u.root.get(), u.name));
	uint32_t index = TRY(locate(ctx, cmd.branch, list, u.name));

	struct unionfs_ioc_index req = {};
	req.index = index;
	req.mode = cmd.mode;
	if (int err = ctx.ioctls.set_mode(u.root.get(), req))
		return errno_error(u.name + ": cannot set branch " + cmd.branch.text + " to " +
				   mode_name(cmd.mode), err);
	return {};
}

/*
 * A module without GET_BRANCH (ENOTTY) still shows its branches in the
 * mount options, which is all Unionfs 1.x's --list ever read.
 */
Result<void> list(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	Result<BranchList> read = read_branches(ctx.ioctls, u.root.get(), u.name);
	BranchList branches;

	if (!read.is_error()) {
		branches = read.release_value();
	} else {
		branches = branches_from_options(u.mount.fs_options);
		if (read.failure().err != ENOTTY || branches.branches.empty())
			return read.failure();
		ctx.err << format_warning(read.failure().message + "; listing its mount options instead");
	}
	ctx.out << (cmd.json ? format_list_json(u.mount.target, branches) : format_list(branches));
	return {};
}

Result<void> query(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	const std::string what = cmd.target + ": cannot query which branches hold it";
	int fd = ctx.system.open(cmd.target, kQueryFlags);

	if (fd < 0)
		return errno_error(cmd.target + ": cannot open", -fd);
	Fd file(ctx.system, fd);

	/* QUERY's bits are indexes: read again if the union changed in between. */
	for (int attempt = 0; attempt < kReadAttempts; attempt++) {
		struct unionfs_ioc_query answer = {};

		if (int err = ctx.ioctls.query(file.get(), answer))
			return errno_error(what, err);
		BranchList list = TRY(read_branches(ctx.ioctls, u.root.get(), u.name));
		if (answer.count != list.branches.size())
			continue;

		std::vector<BranchEntry> holders;
		for (uint32_t index : query_indexes(answer, answer.count))
			holders.push_back(list.branches[index]);
		ctx.out << (cmd.json ? format_query_json(cmd.target, u.mount.target, holders)
				     : format_query(cmd.target, holders));
		return {};
	}
	return errno_error(what, EAGAIN);
}

Result<void> perform(Context &ctx, const Command &cmd)
{
	switch (cmd.action) {
	case Action::Help:
		ctx.out << usage_text();
		return {};
	case Action::Version:
		ctx.out << version_text();
		return {};
	case Action::Add:
		return add(ctx, cmd);
	case Action::Remove:
		return remove(ctx, cmd);
	case Action::Mode:
		return set_mode(ctx, cmd);
	case Action::List:
		return list(ctx, cmd);
	case Action::Query:
		return query(ctx, cmd);
	}
	return {};
}

} /* namespace */

int run(const std::vector<std::string> &args, System &system, IoctlClient &ioctls,
	std::ostream &out, std::ostream &err)
{
	Context ctx{system, ioctls, out, err};
	Result<Command> command = parse_args(args);

	if (command.is_error()) {
		err << format_failure(command.failure());
		return command.failure().exit_code;
	}
	Result<void> done = perform(ctx, command.value());
	if (done.is_error()) {
		err << format_failure(done.failure());
		return done.failure().exit_code;
	}
	return kExitOk;
}

} /* namespace unionctl */
