// SPDX-License-Identifier: GPL-2.0
/*
 * options.cpp - mount options.
 *
 * The kernel splits the option string at commas and each piece at its first
 * '=', so "dirs=/a,/b=ro" arrives as ("dirs", "/a") then ("/b", "ro"). A key
 * that starts with '/' after dirs= therefore continues the branch list; it
 * is glued back together and parsed exactly like a dirs= value, so both
 * spellings mean the same thing. Within one branch element the mode follows
 * the LAST '=', which lets a path itself contain '='.
 *
 * Each option is applied whole or not at all: a bad element leaves the
 * branch list as it was.
 */
#include "text.h"
#include "vector.h"

using namespace ufs;

#define UFS_STRINGIFY_(x) #x
#define UFS_STRINGIFY(x) UFS_STRINGIFY_(x)

namespace ufs {

struct BranchOption {
	StringBuf path;
	ufs_branch_mode mode;
};

class Options {
public:
	/* Error(UFS_ENOENT) for a key that is not ours; message untouched then. */
	Result<void> parse(StringView key, const char *value, MessageWriter &message);
	Result<void> validate(MessageWriter &message) const;

	usize branch_count() const { return branches_.size(); }
	const BranchOption &branch(usize index) const { return branches_[index]; }
	ufs_delete_mode delete_mode() const { return delete_mode_; }
	usize mode_change_count() const { return mode_changes_.size(); }
	const BranchOption &mode_change(usize index) const { return mode_changes_[index]; }
	bool incgen() const { return incgen_; }

private:
	Result<void> parse_mode_change(const char *value, MessageWriter &message);
	Result<void> parse_dirs(const char *value, MessageWriter &message);
	Result<void> parse_bare_branch(StringView key, const char *value, MessageWriter &message);
	Result<void> parse_delete(const char *value, MessageWriter &message);
	Result<void> add_branch_list(StringView list, MessageWriter &message);
	Result<void> add_branch_element(StringView element, Vector<BranchOption> &pending,
					MessageWriter &message) const;
	bool is_listed(StringView path, const Vector<BranchOption> &pending) const;

	Vector<BranchOption> branches_;
	Vector<BranchOption> mode_changes_;	/* remount's mode=PATH=MODE, in order */
	ufs_delete_mode delete_mode_ = UFS_DELETE_ALL;
	bool dirs_seen_ = false;
	bool incgen_ = false;
};

} /* namespace ufs */

struct ufs_options {
	Options options;
};

namespace {

/* Linux's PATH_MAX, which counts the terminating NUL. */
constexpr usize kPathMax = 4096;

struct BranchModeName {
	const char *name;
	ufs_branch_mode mode;
};

constexpr BranchModeName kBranchModes[] = {
	{"rw", UFS_BRANCH_RW},
	{"ro", UFS_BRANCH_RO},
	{"nfsro", UFS_BRANCH_NFSRO},
};

struct DeleteModeName {
	const char *name;
	ufs_delete_mode mode;
};

constexpr DeleteModeName kDeleteModes[] = {
	{"all", UFS_DELETE_ALL},
	{"whiteout", UFS_DELETE_WHITEOUT},
	{"first", UFS_DELETE_FIRST},
};

bool parse_branch_mode(StringView text, ufs_branch_mode &mode)
{
	for (const BranchModeName &entry : kBranchModes) {
		if (text == entry.name) {
			mode = entry.mode;
			return true;
		}
	}
	return false;
}

} /* namespace */

namespace ufs {

Result<void> Options::parse(StringView key, const char *value, MessageWriter &message)
{
	if (key == "dirs")
		return parse_dirs(value, message);
	if (key == "delete")
		return parse_delete(value, message);
	if (key.starts_with("/"))
		return parse_bare_branch(key, value, message);
	if (key == "mode")
		return parse_mode_change(value, message);
	if (key == "incgen") {
		incgen_ = true;
		return {};
	}
	if (key == "add" || key == "del")
		return invalid(message, key, "=: adding or removing branches of a mounted union ",
			       "is not supported yet");
	return Error(UFS_ENOENT);
}

/* mode=PATH=MODE (remount): the mode follows the last '=', as in dirs=. */
Result<void> Options::parse_mode_change(const char *value, MessageWriter &message)
{
	if (!value || !*value)
		return invalid(message, "mode= needs a value: mode=BRANCH=rw|ro|nfsro");
	StringView text(value);
	usize equals = text.find_last('=');

	if (equals == StringView::kNotFound || equals == 0)
		return invalid(message, "mode=", text, ": want mode=BRANCH=rw|ro|nfsro");
	StringView path = text.substring(0, equals);
	StringView mode_name = text.substring(equals + 1);
	ufs_branch_mode mode;

	if (!parse_branch_mode(mode_name, mode))
		return invalid(message, "unknown branch mode '", mode_name, "' for ", path);
	if (path.length() >= kPathMax)
		return invalid(message, "branch path too long");
	StringBuf copy = TRY(StringBuf::try_create(path));

	return mode_changes_.try_append(BranchOption{move(copy), mode});
}

Result<void> Options::parse_dirs(const char *value, MessageWriter &message)
{
	if (dirs_seen_)
		return invalid(message, "dirs= given twice");
	if (!value || !*value)
		return invalid(message, "dirs= needs a value");
	TRY(add_branch_list(value, message));
	dirs_seen_ = true;
	return {};
}

Result<void> Options::parse_bare_branch(StringView key, const char *value,
					MessageWriter &message)
{
	if (!dirs_seen_)
		return invalid(message, "branch ", key, " given before dirs=");
	if (!value)
		return add_branch_list(key, message);
	/* Undo the kernel's split at the first '=' (see the top of the file). */
	StringBuf whole = TRY(StringBuf::try_concat(key, "=", value));

	return add_branch_list(whole.view(), message);
}

Result<void> Options::parse_delete(const char *value, MessageWriter &message)
{
	if (!value)
		return invalid(message, "delete= needs a value");
	for (const DeleteModeName &entry : kDeleteModes) {
		if (StringView(value) == entry.name) {
			delete_mode_ = entry.mode;
			return {};
		}
	}
	return invalid(message, "unknown delete mode '", value, "' (want all, whiteout or first)");
}

/* "PATH[=MODE]:PATH[=MODE]...", appended only if every element is good. */
Result<void> Options::add_branch_list(StringView list, MessageWriter &message)
{
	Vector<BranchOption> pending;

	for (usize start = 0;;) {
		usize colon = list.find(':', start);
		usize end = colon == StringView::kNotFound ? list.length() : colon;

		TRY(add_branch_element(list.substring(start, end - start), pending, message));
		if (colon == StringView::kNotFound)
			break;
		start = colon + 1;
	}
	/* Reserve first so that moving the elements in cannot fail halfway. */
	TRY(branches_.try_reserve(branches_.size() + pending.size()));
	for (BranchOption &option : pending)
		TRY(branches_.try_append(move(option)));
	return {};
}

Result<void> Options::add_branch_element(StringView element, Vector<BranchOption> &pending,
					 MessageWriter &message) const
{
	if (element.is_empty())
		return invalid(message, "empty branch in dirs=");

	usize equals = element.find_last('=');
	StringView path = element;
	ufs_branch_mode mode = UFS_BRANCH_RW;

	if (equals != StringView::kNotFound) {
		path = element.substring(0, equals);
		StringView mode_name = element.substring(equals + 1);

		if (path.is_empty())
			return invalid(message, "empty branch path in '", element, "'");
		if (!parse_branch_mode(mode_name, mode))
			return invalid(message, "unknown branch mode '", mode_name, "' for ", path);
	}
	if (path.length() >= kPathMax)
		return invalid(message, "branch path too long");
	if (is_listed(path, pending))
		return invalid(message, "branch ", path, " listed twice");
	if (branches_.size() + pending.size() >= UFS_MAX_BRANCHES)
		return invalid(message, "too many branches (max " UFS_STRINGIFY(UFS_MAX_BRANCHES) ")");

	StringBuf copy = TRY(StringBuf::try_create(path));

	return pending.try_append(BranchOption{move(copy), mode});
}

/* The same spelling twice; overlapping spellings are the kernel's to find. */
bool Options::is_listed(StringView path, const Vector<BranchOption> &pending) const
{
	for (const BranchOption &option : branches_)
		if (option.path.view() == path)
			return true;
	for (const BranchOption &option : pending)
		if (option.path.view() == path)
			return true;
	return false;
}

Result<void> Options::validate(MessageWriter &message) const
{
	if (branches_.is_empty())
		return invalid(message, "no branches: dirs= is required");
	return {};
}

} /* namespace ufs */

extern "C" struct ufs_options *ufs_options_create(void)
{
	return try_new<ufs_options>();
}

extern "C" void ufs_options_destroy(struct ufs_options *opts)
{
	delete_object(opts);
}

extern "C" int ufs_options_parse(struct ufs_options *opts, const char *key, const char *value,
				 char *msg, unsigned long msg_size)
{
	MessageWriter message(msg, msg_size);

	if (!opts || !key)
		return -UFS_EINVAL;
	return to_errno(opts->options.parse(key, value, message));
}

extern "C" int ufs_options_validate(const struct ufs_options *opts, char *msg,
				    unsigned long msg_size)
{
	MessageWriter message(msg, msg_size);

	if (!opts)
		return -UFS_EINVAL;
	return to_errno(opts->options.validate(message));
}

extern "C" unsigned ufs_options_branch_count(const struct ufs_options *opts)
{
	return opts ? static_cast<unsigned>(opts->options.branch_count()) : 0;
}

extern "C" const char *ufs_options_branch_path(const struct ufs_options *opts, unsigned index)
{
	if (!opts || index >= opts->options.branch_count())
		return nullptr;
	return opts->options.branch(index).path.c_str();
}

extern "C" enum ufs_branch_mode ufs_options_branch_mode(const struct ufs_options *opts,
							unsigned index)
{
	if (!opts || index >= opts->options.branch_count())
		return UFS_BRANCH_RW;
	return opts->options.branch(index).mode;
}

extern "C" enum ufs_delete_mode ufs_options_delete_mode(const struct ufs_options *opts)
{
	return opts ? opts->options.delete_mode() : UFS_DELETE_ALL;
}

extern "C" unsigned ufs_options_mode_change_count(const struct ufs_options *opts)
{
	return opts ? static_cast<unsigned>(opts->options.mode_change_count()) : 0;
}

extern "C" const char *ufs_options_mode_change_path(const struct ufs_options *opts, unsigned index)
{
	if (!opts || index >= opts->options.mode_change_count())
		return nullptr;
	return opts->options.mode_change(index).path.c_str();
}

extern "C" enum ufs_branch_mode ufs_options_mode_change_mode(const struct ufs_options *opts,
							     unsigned index)
{
	if (!opts || index >= opts->options.mode_change_count())
		return UFS_BRANCH_RW;
	return opts->options.mode_change(index).mode;
}

extern "C" int ufs_options_incgen(const struct ufs_options *opts)
{
	return opts && opts->options.incgen();
}

extern "C" const char *ufs_branch_mode_name(enum ufs_branch_mode mode)
{
	for (const BranchModeName &entry : kBranchModes)
		if (entry.mode == mode)
			return entry.name;
	return "?";
}

extern "C" const char *ufs_delete_mode_name(enum ufs_delete_mode mode)
{
	for (const DeleteModeName &entry : kDeleteModes)
		if (entry.mode == mode)
			return entry.name;
	return "?";
}
