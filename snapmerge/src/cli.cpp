// SPDX-License-Identifier: GPL-2.0
/*
 * cli.cpp - options, the checks made before anything changes, and messages.
 *
 * Messages follow util-linux: "snapmerge: OBJECT: what failed: why", lower
 * case, no final period; names are quoted (report.h) so any byte prints.
 */
#include "cli.h"

#include <getopt.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "merge.h"
#include "mounts.h"
#include "report.h"

namespace snapmerge {

namespace {

#ifndef SNAPMERGE_VERSION
#define SNAPMERGE_VERSION "unknown"
#endif
const char kVersion[] = "snapmerge from unionfs " SNAPMERGE_VERSION;

struct OptionSpec {
	struct option option;
	const char *arg;	/* shown in --help, or null */
	const char *help;
};

const OptionSpec kOptions[] = {
	{{"dry-run", no_argument, nullptr, 'n'}, nullptr, "print what would be done, change nothing"},
	{{"keep", no_argument, nullptr, 'k'}, nullptr, "leave the snapshots as they are (default: empty them)"},
	{{"verbose", no_argument, nullptr, 'v'}, nullptr, "list each action as it is carried out"},
	{{"quiet", no_argument, nullptr, 'q'}, nullptr, "no summary at the end"},
	{{"no-sync", no_argument, nullptr, 'S'}, nullptr, "do not flush files to disk before they replace old ones"},
	{{"no-progress", no_argument, nullptr, 'P'}, nullptr, "no progress line, even on a terminal"},
	{{"help", no_argument, nullptr, 'h'}, nullptr, "display this help and exit"},
	{{"version", no_argument, nullptr, 'V'}, nullptr, "display the version and exit"},
};

/* Options that cannot be used together (util-linux's UL_EXCL idea). */
const int kExclusive[][2] = {
	{'q', 'v'},
};

const char kShortOptions[] = "nkvqhV";

struct Options {
	bool dry_run = false;
	bool keep = false;
	bool verbose = false;
	bool quiet = false;
	bool sync = true;
	bool progress = true;
	std::vector<std::string> paths;
};

const char *long_name(int value)
{
	for (const OptionSpec &spec : kOptions)
		if (spec.option.val == value)
			return spec.option.name;
	return "?";
}

void usage(std::ostream &out)
{
	out << "Usage:\n"
	       " snapmerge [options] BASE SNAPSHOT...\n\n"
	       "Apply unionfs snapshot branches to their base directory, oldest first:\n"
	       "copy their files down, delete what they whited out, then empty them.\n\n"
	       "Options:\n";
	for (const OptionSpec &spec : kOptions) {
		std::string left = " ";

		if (std::strchr(kShortOptions, spec.option.val))
			left += std::string("-") + static_cast<char>(spec.option.val) + ", ";
		else
			left += "    ";
		left += std::string("--") + spec.option.name;
		if (spec.arg)
			left += std::string(" ") + spec.arg;
		left.resize(std::max<size_t>(left.size() + 1, 20), ' ');
		out << left << spec.help << "\n";
	}
	out << "\nExit status: 0 merged, 1 failed part way (run again to finish),\n"
	       "2 usage error, 3 refused before changing anything.\n"
	       "\nFor more details see snapmerge(8).\n";
}

int usage_error(CliEnv &env, const std::string &message)
{
	env.err << "snapmerge: " << message << "\n"
		<< "Try 'snapmerge --help' for more information.\n";
	return kExitUsage;
}

/* Parses args into options; returns an exit code when the command is already done. */
std::optional<int> parse(const std::vector<std::string> &args, CliEnv &env, Options &options)
{
	std::vector<std::string> storage;
	std::vector<char *> argv;
	std::vector<struct option> longopts;
	std::vector<int> seen;

	storage.push_back("snapmerge");
	storage.insert(storage.end(), args.begin(), args.end());
	for (std::string &arg : storage)
		argv.push_back(arg.data());
	argv.push_back(nullptr);
	for (const OptionSpec &spec : kOptions)
		longopts.push_back(spec.option);
	longopts.push_back({nullptr, 0, nullptr, 0});

	optind = 0;	/* glibc: start over (run_cli may be called more than once) */
	opterr = 0;
	for (;;) {
		int c = getopt_long(static_cast<int>(argv.size() - 1), argv.data(), kShortOptions,
				    longopts.data(), nullptr);

		if (c == -1)
			break;
		for (const auto &group : kExclusive) {
			bool in_group = c == group[0] || c == group[1];
			int other = c == group[0] ? group[1] : group[0];

			for (int previous : seen)
				if (in_group && previous == other)
					return usage_error(env, std::string("--") + long_name(previous) +
								" and --" + long_name(c) +
								" cannot be used together");
		}
		seen.push_back(c);
		switch (c) {
		case 'n': options.dry_run = true; break;
		case 'k': options.keep = true; break;
		case 'v': options.verbose = true; break;
		case 'q': options.quiet = true; break;
		case 'S': options.sync = false; break;
		case 'P': options.progress = false; break;
		case 'h':
			usage(env.out);
			return kExitOk;
		case 'V':
			env.out << kVersion << "\n";
			return kExitOk;
		default: {
			std::string arg = argv[optind - 1] ? argv[optind - 1] : "";

			if (optopt && arg.compare(0, 2, "--") != 0)
				return usage_error(env, std::string("invalid option -- '") +
							static_cast<char>(optopt) + "'");
			return usage_error(env, "unrecognized option '" + quote(arg) + "'");
		}
		}
	}
	for (int i = optind; i < static_cast<int>(argv.size() - 1); i++)
		options.paths.push_back(argv[i]);
	if (options.paths.empty())
		return usage_error(env, "no base directory specified");
	if (options.paths.size() == 1)
		return usage_error(env, "no snapshot specified");
	return std::nullopt;
}

/* A directory named on the command line, resolved. */
struct Directory {
	std::string given;
	std::string real;
	struct stat st;
	std::optional<FsLocation> location;
	bool read_only;
};

int refuse(CliEnv &env, const std::string &message)
{
	env.err << "snapmerge: " << message << "\n";
	return kExitRefused;
}

std::optional<int> resolve(CliEnv &env, const std::string &given, const char *role,
			   const std::vector<MountEntry> &mounts, Directory &dir)
{
	char *real = ::realpath(given.c_str(), nullptr);

	if (!real)
		return refuse(env, quote(given) + ": cannot use as the " + role + ": " +
				       std::strerror(errno));
	dir.given = given;
	dir.real = real;
	std::free(real);
	if (::stat(dir.real.c_str(), &dir.st) < 0)
		return refuse(env, quote(given) + ": cannot use as the " + role + ": " +
				       std::strerror(errno));
	if (!S_ISDIR(dir.st.st_mode))
		return refuse(env, quote(given) + ": cannot use as the " + role + ": " +
				       std::strerror(ENOTDIR));
	struct statvfs vfs;

	dir.read_only = ::statvfs(dir.real.c_str(), &vfs) == 0 && (vfs.f_flag & ST_RDONLY);
	dir.location = locate(mounts, dir.real);
	return std::nullopt;
}

/* inner is outer, or inside it: by path, by inode, or through a bind mount. */
bool within(const Directory &inner, const Directory &outer)
{
	if (inner.st.st_dev == outer.st.st_dev && inner.st.st_ino == outer.st.st_ino)
		return true;
	if (path_within(inner.real, outer.real))
		return true;
	return inner.location && outer.location && inner.location->major == outer.location->major &&
	       inner.location->minor == outer.location->minor &&
	       path_within(inner.location->path, outer.location->path);
}

bool same(const Directory &a, const Directory &b)
{
	return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino;
}

std::optional<int> check_overlaps(CliEnv &env, const Directory &base,
				  const std::vector<Directory> &snapshots)
{
	for (size_t i = 0; i < snapshots.size(); i++) {
		const Directory &snap = snapshots[i];

		if (same(snap, base))
			return refuse(env, quote(snap.given) + ": the snapshot is the base directory itself");
		if (within(snap, base))
			return refuse(env, quote(snap.given) + ": the snapshot is inside the base " +
					       quote(base.given));
		if (within(base, snap))
			return refuse(env, quote(base.given) + ": the base is inside the snapshot " +
					       quote(snap.given));
		for (size_t k = 0; k < i; k++) {
			if (same(snap, snapshots[k]))
				return refuse(env, quote(snap.given) + ": snapshot given twice");
			if (within(snap, snapshots[k]) || within(snapshots[k], snap))
				return refuse(env, quote(snap.given) + ": the snapshot overlaps the snapshot " +
						       quote(snapshots[k].given));
		}
	}
	return std::nullopt;
}

} /* namespace */

int run_cli(const std::vector<std::string> &args, CliEnv &env)
{
	Options options;

	if (std::optional<int> done = parse(args, env, options))
		return *done;

	std::vector<MountEntry> mounts = parse_mountinfo(read_file(env.mountinfo));
	Directory base;
	std::vector<Directory> snapshots(options.paths.size() - 1);

	if (std::optional<int> refused = resolve(env, options.paths[0], "base", mounts, base))
		return *refused;
	for (size_t i = 1; i < options.paths.size(); i++)
		if (std::optional<int> refused =
			    resolve(env, options.paths[i], "snapshot", mounts, snapshots[i - 1]))
			return *refused;
	if (std::optional<int> refused = check_overlaps(env, base, snapshots))
		return *refused;
	if (!options.dry_run) {
		if (base.read_only)
			return refuse(env, quote(base.given) + ": the base is on a read-only filesystem");
		for (const Directory &snap : snapshots)
			if (snap.read_only && !options.keep)
				return refuse(env, quote(snap.given) +
						       ": the snapshot is on a read-only filesystem "
						       "and cannot be emptied (use --keep)");
	}

	Stats stats;
	auto warn = [&](const std::string &message) {
		env.err << "snapmerge: warning: " << message << "\n";
		stats.warnings++;
	};

	for (const BranchUse &use : find_branch_uses(mounts, base.real, base.st))
		if (use.mode == "rw")
			warn(quote(base.given) + ": the base is a read-write branch of the union mounted on " +
			     quote(use.mount_point) + "; what is written through it meanwhile may be "
			     "lost or merged half-way (unmount it first)");
	if (!options.keep && !options.dry_run)
		for (const Directory &snap : snapshots)
			for (const BranchUse &use : find_branch_uses(mounts, snap.real, snap.st))
				warn(quote(snap.given) + ": the snapshot is a branch of the union mounted on " +
				     quote(use.mount_point) + "; emptying it changes what the union shows");

	Fs fs;
	MergeOptions merge;
	std::vector<std::string> snapshot_paths;

	fs.set_fault(env.fault);
	fs.set_sync(options.sync);
	merge.dry_run = options.dry_run;
	merge.keep = options.keep;
	if (options.dry_run || options.verbose)
		merge.actions = &env.out;
	if (env.err_is_terminal && options.progress && !options.dry_run && !options.quiet)
		merge.progress = &env.err;
	merge.warn = warn;
	for (const Directory &snap : snapshots)
		snapshot_paths.push_back(snap.real);

	try {
		Stats merged = merge_snapshots(fs, base.real, snapshot_paths, merge);

		merged.warnings = stats.warnings;
		stats = merged;
	} catch (const FsError &error) {
		env.out.flush();
		env.err << "snapmerge: " << describe(error) << "\n";
		if (!options.dry_run)
			env.err << "snapmerge: " << quote(base.given)
				<< ": holds part of the changes (every file either old or new); "
				   "fix the cause and run the same command again to finish\n";
		return kExitFailed;
	} catch (const std::bad_alloc &) {
		env.err << "snapmerge: out of memory\n";
		return kExitFailed;
	}

	if (!options.quiet) {
		std::string count = std::to_string(snapshots.size()) +
				    (snapshots.size() == 1 ? " snapshot" : " snapshots");

		if (options.dry_run)
			env.out << "snapmerge: dry run, nothing changed; " << count << " would give: ";
		else
			env.out << "snapmerge: " << count << " merged into " << quote(base.given) << ": ";
		env.out << summary_text(stats) << "\n";
	}
	return kExitOk;
}

} /* namespace snapmerge */
