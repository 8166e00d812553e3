// SPDX-License-Identifier: GPL-2.0
/*
 * actions.cpp - the five actions, each a straight line of steps: find the
 * union, read its branches, resolve BRANCH, issue one ioctl. A change
 * carries the generation of the listing it was computed from, and is
 * computed again from a new listing when the union changed in between.
 */
#include "actions.h"

#include <cerrno>
#include <fcntl.h>
#include <optional>

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

/*
 * The mount point of the union canonical PATH lies in, or "" when it lies
 * in none or the mount table cannot tell: only for a message.
 */
std::string union_holding(Context &ctx, const std::string &path)
{
	Result<MountEntry> mount = ctx.system.find_mount(path);

	if (mount.is_error() || mount.value().fstype != kUnionFsType)
		return "";
	return mount.value().target;
}

/* What one request of a change came to. */
enum class Outcome { Done, Stale };

/*
 * A change computed from a listing of the branches. TRY_ONCE(list) turns
 * the listing into one request, with the listing's generation, and issues
 * it; when the module answers ESTALE (someone changed the branches since
 * the listing, so the index may name another branch now), the branches are
 * read, BRANCH is resolved and the request issued again, up to
 * kChangeAttempts times in all.
 */
template <typename TryOnce>
Result<void> change(Context &ctx, const OpenUnion &u, const std::string &what, TryOnce try_once)
{
	for (int attempt = 0; attempt < kChangeAttempts; attempt++) {
		BranchList list = TRY(read_branches(ctx.ioctls, u.root.get(), u.name));
		Outcome outcome = TRY(try_once(list));
		if (outcome == Outcome::Done)
			return {};
	}
	return Failure{kExitFailed, what + ": " + kept_changing(kChangeAttempts), ESTALE};
}

/* read_branches() always knows it; 0 would skip the module's check. */
uint64_t generation_of(const BranchList &list)
{
	return list.generation.value_or(0);
}

Result<void> add(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	const std::string what = u.name + ": cannot add branch " + cmd.dir;
	std::string canonical;
	const bool resolved = ctx.system.realpath(cmd.dir, canonical) == 0;
	std::optional<Fd> dir;	/* opened once: every request adds the same directory */

	return change(ctx, u, what, [&](const BranchList &list) -> Result<Outcome> {
		uint32_t index = 0;	/* on top, as Unionfs 1.x: the snapshot workflow needs it */

		if (cmd.where != Where::Top) {
			index = TRY(locate(ctx, cmd.branch, list, u.name));
			if (cmd.where == Where::After)
				index++;
		}
		if (resolved) {
			if (auto existing = find_branch_path(list, canonical))
				return Failure{kExitFailed, what + ": already a branch (index " +
								    std::to_string(*existing) + ")"};
		}
		if (!dir) {
			int dirfd = ctx.system.open(cmd.dir, kBranchFlags);
			if (dirfd < 0)
				return errno_error(what, -dirfd);
			dir.emplace(ctx.system, dirfd);
		}

		struct unionfs_ioc_add req = {};
		req.dirfd = dir->get();
		req.index = index;
		req.mode = cmd.mode;
		req.generation = generation_of(list);
		int err = ctx.ioctls.add_branch(u.root.get(), req);
		if (err == ESTALE)
			return Outcome::Stale;
		if (err) {
			/* EINVAL also means the directory is on a unionfs: say which. */
			std::string dir_union = err == EINVAL && resolved ? union_holding(ctx, canonical) : "";
			return Failure{kExitFailed, what + ": " + add_refusal(err, list, dir_union, u.mount.target),
				       err};
		}
		return Outcome::Done;
	});
}

Result<void> remove(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	const std::string what = u.name + ": cannot remove branch " + cmd.branch.text;

	return change(ctx, u, what, [&](const BranchList &list) -> Result<Outcome> {
		uint32_t index = TRY(locate(ctx, cmd.branch, list, u.name));

		struct unionfs_ioc_index req = {};
		req.index = index;
		req.generation = generation_of(list);
		int err = ctx.ioctls.del_branch(u.root.get(), req);
		if (err == ESTALE)
			return Outcome::Stale;
		if (err)
			return Failure{kExitFailed, what + ": " + remove_refusal(err, list, index), err};
		return Outcome::Done;
	});
}

Result<void> set_mode(Context &ctx, const Command &cmd)
{
	OpenUnion u = TRY(open_union(ctx, cmd.target));
	const std::string what = u.name + ": cannot set branch " + cmd.branch.text + " to " + mode_name(cmd.mode);

	return change(ctx, u, what, [&](const BranchList &list) -> Result<Outcome> {
		uint32_t index = TRY(locate(ctx, cmd.branch, list, u.name));

		struct unionfs_ioc_index req = {};
		req.index = index;
		req.mode = cmd.mode;
		req.generation = generation_of(list);
		int err = ctx.ioctls.set_mode(u.root.get(), req);
		if (err == ESTALE)
			return Outcome::Stale;
		if (err)
			return Failure{kExitFailed, what + ": " + mode_refusal(err, index), err};
		return Outcome::Done;
	});
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
