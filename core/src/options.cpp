// SPDX-License-Identifier: GPL-2.0
/*
 * options.cpp - mount options.
 *
 * The kernel splits the option string at commas and each piece at its first
 * '=', so "dirs=/a,/b=ro" arrives as ("dirs", "/a") then ("/b", "ro"). A key
 * that starts with '/' after dirs= therefore continues the branch list; it
 * is glued back together and parsed exactly like a dirs= value, so both
 * spellings mean the same thing. Within one branch element the mode follows
 * the LAST '=', which lets a path itself contain '='. A path may also carry
 * the octal escapes show_options writes (\072 for ':'); they are decoded
 * after the splitting, so an escaped ':' or '=' splits nothing.
 *
 * Remount's add=, del= and mode= name their branches the same way, but
 * only by absolute paths: they are resolved in the kernel, against the
 * mount(8) caller's working directory, which says nothing about the union.
 * The three kinds go into one list, as they must be applied in order
 * ("del=/a,add=/a=ro" is not "add=/a=ro,del=/a").
 *
 * Each option is applied whole or not at all: a bad element leaves the
 * branch list (and the change list) as it was.
 */
#include "text.h"
#include "vector.h"

using namespace uni;

#define UNI_STRINGIFY_(x) #x
#define UNI_STRINGIFY(x) UNI_STRINGIFY_(x)

namespace uni {

struct BranchOption {
	StringBuf path;
	uni_branch_mode mode;
};

/* One of remount's add=, del=, mode=; see uni_core.h. */
struct BranchChange {
	uni_branch_change_kind kind = UNI_CHANGE_MODE;
	StringBuf path;
	uni_branch_mode mode = UNI_BRANCH_RW;	/* add=, mode= */
	bool anchored = false;			/* add=: "BEFORE:" given, else at the top */
	StringBuf anchor;			/* add=: empty = at the bottom */
};

class Options {
public:
	/* Error(UNI_ENOENT) for a key that is not ours; message untouched then. */
	Result<void> parse(StringView key, const char *value, MessageWriter &message);
	Result<void> validate(MessageWriter &message) const;

	usize branch_count() const { return branches_.size(); }
	const BranchOption &branch(usize index) const { return branches_[index]; }
	uni_delete_mode delete_mode() const { return delete_mode_; }
	usize change_count() const { return changes_.size(); }
	const BranchChange &change(usize index) const { return changes_[index]; }
	bool incgen() const { return incgen_; }

private:
	Result<void> parse_dirs(const char *value, MessageWriter &message);
	Result<void> parse_bare_branch(StringView key, const char *value, MessageWriter &message);
	Result<void> parse_delete(const char *value, MessageWriter &message);
	Result<void> add_branch_list(StringView list, MessageWriter &message);
	Result<void> add_branch_element(StringView element, Vector<BranchOption> &pending,
					MessageWriter &message) const;
	bool is_listed(StringView path, const Vector<BranchOption> &pending) const;

	Vector<BranchOption> branches_;
	Vector<BranchChange> changes_;	/* remount's add=, del=, mode=, in order */
	uni_delete_mode delete_mode_ = UNI_DELETE_ALL;
	bool dirs_seen_ = false;
	bool incgen_ = false;
};

} /* namespace uni */

struct uni_options {
	Options options;
};

namespace {

/* Linux's PATH_MAX, which counts the terminating NUL. */
constexpr usize kPathMax = 4096;

struct BranchModeName {
	const char *name;
	uni_branch_mode mode;
};

constexpr BranchModeName kBranchModes[] = {
	{"rw", UNI_BRANCH_RW},
	{"ro", UNI_BRANCH_RO},
	{"nfsro", UNI_BRANCH_NFSRO},
};

struct DeleteModeName {
	const char *name;
	uni_delete_mode mode;
};

constexpr DeleteModeName kDeleteModes[] = {
	{"all", UNI_DELETE_ALL},
	{"whiteout", UNI_DELETE_WHITEOUT},
	{"first", UNI_DELETE_FIRST},
};

bool parse_branch_mode(StringView text, uni_branch_mode &mode)
{
	for (const BranchModeName &entry : kBranchModes) {
		if (text == entry.name) {
			mode = entry.mode;
			return true;
		}
	}
	return false;
}

/* "PATH[=MODE]", split at the last '=' (see the top of the file). */
struct BranchElement {
	StringView path;
	StringView mode_name;
	bool has_mode;
};

BranchElement split_branch_element(StringView element)
{
	usize equals = element.find_last('=');

	if (equals == StringView::kNotFound)
		return {element, {}, false};
	return {element.substring(0, equals), element.substring(equals + 1), true};
}

/* The byte an escape "\ooo" at index stands for, or -1 when there is none. */
int octal_escape_at(StringView text, usize index)
{
	if (text[index] != '\\' || text.length() - index < 4)
		return -1;

	int value = 0;

	for (usize i = index + 1; i < index + 4; ++i) {
		if (text[i] < '0' || text[i] > '7')
			return -1;
		value = value * 8 + (text[i] - '0');
	}
	return value <= 0xff ? value : -1;
}

/*
 * An owned copy of a branch path with its escapes decoded. seq_path() in
 * show_options writes each of ",:= \t\n\\" as '\' and three octal digits,
 * so a line of /proc/mounts reads back as the same paths; a backslash
 * that starts no such escape is an ordinary byte of the path.
 */
Result<StringBuf> decode_path(StringView path, MessageWriter &message)
{
	StringBuf copy = TRY(StringBuf::try_create(path));
	char *out = copy.data();
	usize length = 0;

	for (usize i = 0; i < path.length(); ++i) {
		int escaped = octal_escape_at(path, i);

		if (escaped == 0)
			return invalid(message, "NUL byte (\\000) in branch path ", path);
		if (escaped < 0) {
			out[length++] = path[i];
			continue;
		}
		out[length++] = static_cast<char>(escaped);
		i += 3;
	}
	if (length >= kPathMax)
		return invalid(message, "branch path too long");
	copy.truncate(length);
	return copy;
}

/* Whether a change's branch element may, or must, name a mode. */
enum class ModeRule { kNone, kOptional, kRequired };

struct ChangeSyntax {
	const char *key;
	uni_branch_change_kind kind;
	ModeRule mode_rule;
	const char *usage;	/* for the messages */
};

constexpr ChangeSyntax kChangeSyntaxes[] = {
	{"add", UNI_CHANGE_ADD, ModeRule::kOptional, "add=[BEFORE:]BRANCH[=rw|ro|nfsro]"},
	{"del", UNI_CHANGE_DEL, ModeRule::kNone, "del=BRANCH"},
	{"mode", UNI_CHANGE_MODE, ModeRule::kRequired, "mode=BRANCH=rw|ro|nfsro"},
};

/* "KEY=VALUE: what is wrong (want USAGE)" */
template <typename... Parts>
Error bad_change(MessageWriter &message, const ChangeSyntax &syntax, StringView value,
		 const Parts &...problem)
{
	return invalid(message, syntax.key, "=", value, ": ", problem..., " (want ", syntax.usage,
		       ")");
}

/* One "PATH[=MODE]" of a change: a dirs= element, but absolute (see the top). */
Result<BranchOption> parse_change_branch(const ChangeSyntax &syntax, StringView value,
					 StringView element, ModeRule mode_rule,
					 MessageWriter &message)
{
	BranchElement parts = split_branch_element(element);
	uni_branch_mode mode = UNI_BRANCH_RW;

	if (parts.path.is_empty())
		return bad_change(message, syntax, value, "empty branch path");
	if (parts.has_mode && mode_rule == ModeRule::kNone)
		return bad_change(message, syntax, value, parts.path, " takes no mode");
	if (!parts.has_mode && mode_rule == ModeRule::kRequired)
		return invalid(message, syntax.key, "=", value, ": want ", syntax.usage);
	if (parts.has_mode && !parse_branch_mode(parts.mode_name, mode))
		return invalid(message, "unknown branch mode '", parts.mode_name, "' for ",
			       parts.path);

	StringBuf path = TRY(decode_path(parts.path, message));

	if (path.view()[0] != '/')
		return invalid(message, syntax.key, "=", value, ": ", parts.path,
			       " is not an absolute path");
	return BranchOption{move(path), mode};
}

/* add=[BEFORE:]BRANCH[=MODE], del=BRANCH, mode=BRANCH=MODE */
Result<BranchChange> parse_change(const ChangeSyntax &syntax, const char *value,
				  MessageWriter &message)
{
	if (!value || !*value)
		return invalid(message, syntax.key, "= needs a value: ", syntax.usage);

	StringView text(value);
	StringView element = text;
	BranchChange change;

	change.kind = syntax.kind;
	if (syntax.kind == UNI_CHANGE_ADD) {
		usize colon = text.find(':');

		if (colon != StringView::kNotFound) {
			if (text.find(':', colon + 1) != StringView::kNotFound)
				return bad_change(message, syntax, text, "more than one ':'");
			StringView anchor = text.substring(0, colon);

			element = text.substring(colon + 1);
			change.anchored = true;
			/* "add=:/new" leaves the anchor empty: the bottom. */
			if (!anchor.is_empty())
				change.anchor = TRY(parse_change_branch(syntax, text, anchor,
									ModeRule::kNone, message)).path;
		}
	}

	BranchOption branch = TRY(parse_change_branch(syntax, text, element, syntax.mode_rule,
						      message));

	change.path = move(branch.path);
	change.mode = branch.mode;
	return change;
}

/* The change at index, or nullptr past the end. */
const BranchChange *find_change(const struct uni_options *opts, unsigned index)
{
	if (!opts || index >= opts->options.change_count())
		return nullptr;
	return &opts->options.change(index);
}

} /* namespace */

namespace uni {

Result<void> Options::parse(StringView key, const char *value, MessageWriter &message)
{
	if (key == "dirs")
		return parse_dirs(value, message);
	if (key == "delete")
		return parse_delete(value, message);
	if (key.starts_with("/"))
		return parse_bare_branch(key, value, message);
	for (const ChangeSyntax &syntax : kChangeSyntaxes)
		if (key == syntax.key)
			return changes_.try_append(TRY(parse_change(syntax, value, message)));
	if (key == "incgen") {
		incgen_ = true;
		return {};
	}
	return Error(UNI_ENOENT);
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

	BranchElement parts = split_branch_element(element);
	uni_branch_mode mode = UNI_BRANCH_RW;

	if (parts.has_mode) {
		if (parts.path.is_empty())
			return invalid(message, "empty branch path in '", element, "'");
		if (!parse_branch_mode(parts.mode_name, mode))
			return invalid(message, "unknown branch mode '", parts.mode_name, "' for ",
				       parts.path);
	}

	StringBuf path = TRY(decode_path(parts.path, message));

	if (is_listed(path.view(), pending))
		return invalid(message, "branch ", parts.path, " listed twice");
	if (branches_.size() + pending.size() >= UNI_MAX_BRANCHES)
		return invalid(message, "too many branches (max " UNI_STRINGIFY(UNI_MAX_BRANCHES) ")");
	return pending.try_append(BranchOption{move(path), mode});
}

/* The same path twice; overlapping paths are the kernel's to find. */
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

} /* namespace uni */

extern "C" struct uni_options *uni_options_create(void)
{
	return try_new<uni_options>();
}

extern "C" void uni_options_destroy(struct uni_options *opts)
{
	delete_object(opts);
}

extern "C" int uni_options_parse(struct uni_options *opts, const char *key, const char *value,
				 char *msg, unsigned long msg_size)
{
	MessageWriter message(msg, msg_size);

	if (!opts || !key)
		return -UNI_EINVAL;
	return to_errno(opts->options.parse(key, value, message));
}

extern "C" int uni_options_validate(const struct uni_options *opts, char *msg,
				    unsigned long msg_size)
{
	MessageWriter message(msg, msg_size);

	if (!opts)
		return -UNI_EINVAL;
	return to_errno(opts->options.validate(message));
}

extern "C" unsigned uni_options_branch_count(const struct uni_options *opts)
{
	return opts ? static_cast<unsigned>(opts->options.branch_count()) : 0;
}

extern "C" const char *uni_options_branch_path(const struct uni_options *opts, unsigned index)
{
	if (!opts || index >= opts->options.branch_count())
		return nullptr;
	return opts->options.branch(index).path.c_str();
}

extern "C" enum uni_branch_mode uni_options_branch_mode(const struct uni_options *opts,
							unsigned index)
{
	if (!opts || index >= opts->options.branch_count())
		return UNI_BRANCH_RW;
	return opts->options.branch(index).mode;
}

extern "C" enum uni_delete_mode uni_options_delete_mode(const struct uni_options *opts)
{
	return opts ? opts->options.delete_mode() : UNI_DELETE_ALL;
}

extern "C" unsigned uni_options_change_count(const struct uni_options *opts)
{
	return opts ? static_cast<unsigned>(opts->options.change_count()) : 0;
}

extern "C" enum uni_branch_change_kind uni_options_change_kind(const struct uni_options *opts,
							       unsigned index)
{
	const BranchChange *change = find_change(opts, index);

	return change ? change->kind : UNI_CHANGE_MODE;
}

extern "C" const char *uni_options_change_path(const struct uni_options *opts, unsigned index)
{
	const BranchChange *change = find_change(opts, index);

	return change ? change->path.c_str() : nullptr;
}

extern "C" const char *uni_options_change_anchor(const struct uni_options *opts, unsigned index)
{
	const BranchChange *change = find_change(opts, index);

	if (!change || change->kind != UNI_CHANGE_ADD || !change->anchored)
		return nullptr;
	return change->anchor.c_str();
}

extern "C" enum uni_branch_mode uni_options_change_mode(const struct uni_options *opts,
							unsigned index)
{
	const BranchChange *change = find_change(opts, index);

	return change ? change->mode : UNI_BRANCH_RW;
}

extern "C" int uni_options_incgen(const struct uni_options *opts)
{
	return opts && opts->options.incgen();
}

extern "C" const char *uni_branch_mode_name(enum uni_branch_mode mode)
{
	for (const BranchModeName &entry : kBranchModes)
		if (entry.mode == mode)
			return entry.name;
	return "?";
}

extern "C" const char *uni_delete_mode_name(enum uni_delete_mode mode)
{
	for (const DeleteModeName &entry : kDeleteModes)
		if (entry.mode == mode)
			return entry.name;
	return "?";
}
