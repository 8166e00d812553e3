// SPDX-License-Identifier: GPL-2.0
/*
 * args.cpp - the option table, the exclusions between options, and reading
 * a command line into a Command.
 *
 * Parsing is a pure function of the words (no getopt state, nothing
 * printed), in two passes: lex() splits the words into options (with their
 * arguments) and operands the way getopt_long does, then parse_args()
 * checks the options against the tables and gives the operands their
 * meaning. Messages are glibc getopt's and util-linux's.
 */
#include "args.h"

#include <iterator>
#include <optional>
#include <string_view>

#include "mode.h"
#include "version.h"

#ifndef UNIONCTL_VERSION
#define UNIONCTL_VERSION "unknown"
#endif

namespace unionctl {

namespace {

enum class Opt { None, Add, Remove, Mode, AddMode, List, Query, Before, After, Json, Help, Version, Count };

enum class Arg {
	None,
	Required,	/* --name VALUE or --name=VALUE */
	Attached,	/* optional, and then only as --name=VALUE */
};

struct OptionSpec {
	const char *name;
	char short_name;	/* 0: long only */
	Arg arg;
	Opt id;
};

/*
 * --mode has two meanings. As an action it takes BRANCH and MODE from the
 * operands, in either order as in Unionfs 1.x (or MODE as --mode=MODE). After
 * --add it is the new branch's mode and takes the next word: a command line
 * holding --add is read with kAddModeOption in its place.
 */
constexpr OptionSpec kOptions[] = {
	{"add", 0, Arg::None, Opt::Add},
	{"remove", 0, Arg::None, Opt::Remove},
	{"mode", 0, Arg::Attached, Opt::Mode},
	{"list", 0, Arg::None, Opt::List},
	{"query", 0, Arg::None, Opt::Query},
	{"before", 0, Arg::Required, Opt::Before},
	{"after", 0, Arg::Required, Opt::After},
	{"json", 'J', Arg::None, Opt::Json},
	{"help", 'h', Arg::None, Opt::Help},
	{"version", 'V', Arg::None, Opt::Version},
};
constexpr OptionSpec kAddModeOption = {"mode", 0, Arg::Required, Opt::AddMode};

/* Options that exclude each other, as util-linux's ul_excl_t; Opt::None ends a row. */
constexpr Opt kExclusive[][6] = {
	{Opt::Add, Opt::Remove, Opt::Mode, Opt::List, Opt::Query},
	{Opt::Before, Opt::After},
};

/* Options that are only valid together with one of some others. */
struct Requirement {
	Opt option;
	Opt with[2];
};

constexpr Requirement kRequirements[] = {
	{Opt::Before, {Opt::Add}},
	{Opt::After, {Opt::Add}},
	{Opt::Json, {Opt::List, Opt::Query}},
};

const OptionSpec *find_long(std::string_view name, bool with_add)
{
	if (with_add && name == kAddModeOption.name)
		return &kAddModeOption;
	for (const OptionSpec &spec : kOptions)
		if (name == spec.name)
			return &spec;
	return nullptr;
}

const OptionSpec *find_short(char c)
{
	for (const OptionSpec &spec : kOptions)
		if (spec.short_name && c == spec.short_name)
			return &spec;
	return nullptr;
}

std::string long_name(Opt id)
{
	for (const OptionSpec &spec : kOptions)
		if (spec.id == id)
			return std::string("--") + spec.name;
	return "--mode";	/* Opt::AddMode */
}

/* One option with its argument, or one operand. */
struct Token {
	const OptionSpec *option;	/* null for an operand */
	std::string text;		/* the operand, or the option's argument */
	bool has_arg;
};

struct Lexed {
	std::vector<Token> tokens;
	std::optional<Failure> error;	/* what stopped lexing, after the tokens */
};

/* Returns false, with lexed.error set, at a word that is a bad option. */
bool lex_long(const std::vector<std::string> &args, size_t &i, bool with_add, Lexed &lexed)
{
	std::string_view body = std::string_view(args[i]).substr(2);
	size_t eq = body.find('=');
	std::string name(body.substr(0, eq));
	const OptionSpec *spec = find_long(name, with_add);
	Token token{spec, {}, false};

	if (!spec) {
		lexed.error = usage_error("unrecognized option '" + args[i] + "'");
		return false;
	}
	if (eq != std::string_view::npos) {
		if (spec->arg == Arg::None) {
			lexed.error = usage_error("option '--" + name + "' doesn't allow an argument");
			return false;
		}
		token.text = body.substr(eq + 1);
		token.has_arg = true;
	} else if (spec->arg == Arg::Required) {
		if (i + 1 == args.size()) {
			lexed.error = usage_error("option '--" + name + "' requires an argument");
			return false;
		}
		token.text = args[++i];
		token.has_arg = true;
	}
	lexed.tokens.push_back(std::move(token));
	return true;
}

/* Short options take no argument, so "-hJ" is -h -J. */
bool lex_short(const std::string &word, Lexed &lexed)
{
	for (char c : std::string_view(word).substr(1)) {
		const OptionSpec *spec = find_short(c);

		if (!spec) {
			lexed.error = usage_error(std::string("invalid option -- '") + c + "'");
			return false;
		}
		lexed.tokens.push_back(Token{spec, {}, false});
	}
	return true;
}

Lexed lex(const std::vector<std::string> &args, bool with_add)
{
	Lexed lexed;
	bool options_done = false;

	for (size_t i = 0; i < args.size(); i++) {
		const std::string &word = args[i];

		if (options_done || word.size() < 2 || word[0] != '-') {
			lexed.tokens.push_back(Token{nullptr, word, false});
		} else if (word == "--") {
			options_done = true;
		} else if (word[1] == '-') {
			if (!lex_long(args, i, with_add, lexed))
				break;
		} else if (!lex_short(word, lexed)) {
			break;
		}
	}
	return lexed;
}

bool has_option(const Lexed &lexed, Opt id)
{
	for (const Token &token : lexed.tokens)
		if (token.option && token.option->id == id)
			return true;
	return false;
}

bool in_row(const Opt (&row)[6], Opt id)
{
	for (Opt o : row)
		if (o == id)
			return true;
	return false;
}

Failure invalid_mode(const std::string &text)
{
	return usage_error("invalid mode '" + text + "' (expected rw, ro or nfsro)");
}

std::optional<Failure> check_requirements(const bool (&seen)[size_t(Opt::Count)])
{
	for (const Requirement &req : kRequirements) {
		std::string with;

		if (!seen[size_t(req.option)])
			continue;
		bool ok = false;
		for (Opt other : req.with) {
			if (other == Opt::None)
				continue;
			ok |= seen[size_t(other)];
			with += (with.empty() ? "" : " or ") + long_name(other);
		}
		if (!ok)
			return usage_error(long_name(req.option) + " is only valid with " + with);
	}
	return std::nullopt;
}

/* --mode as an action: BRANCH MODE or MODE BRANCH, or BRANCH after --mode=MODE. */
Result<Command> take_mode_operands(Command cmd, const std::vector<std::string> &ops, bool mode_given)
{
	if (mode_given) {
		if (ops.size() < 2)
			return usage_error("--mode: no branch specified");
		if (ops.size() > 2)
			return usage_error("unexpected argument '" + ops[2] + "'");
		cmd.branch = parse_branch_ref(ops[1]);
		return cmd;
	}
	if (ops.size() == 1)
		return usage_error("--mode: no branch and mode specified");
	if (ops.size() == 2)
		return usage_error(parse_mode(ops[1]) ? "--mode: no branch specified"
						      : "--mode: no mode specified");
	if (ops.size() > 3)
		return usage_error("unexpected argument '" + ops[3] + "'");
	/* Like 1.x: the last word is the mode if it can be. */
	if (auto mode = parse_mode(ops[2])) {
		cmd.branch = parse_branch_ref(ops[1]);
		cmd.mode = *mode;
	} else if (auto mode = parse_mode(ops[1])) {
		cmd.branch = parse_branch_ref(ops[2]);
		cmd.mode = *mode;
	} else {
		return invalid_mode(ops[2]);
	}
	return cmd;
}

Result<Command> take_operands(Command cmd, const std::vector<std::string> &ops, bool mode_given)
{
	size_t wanted = 1;

	if (ops.empty())
		return usage_error(cmd.action == Action::Query ? "--query: no file specified"
							       : "no union specified");
	cmd.target = ops[0];
	switch (cmd.action) {
	case Action::Add:
		if (ops.size() < 2)
			return usage_error("--add: no directory specified");
		cmd.dir = ops[1];
		wanted = 2;
		break;
	case Action::Remove:
		if (ops.size() < 2)
			return usage_error("--remove: no branch specified");
		cmd.branch = parse_branch_ref(ops[1]);
		wanted = 2;
		break;
	case Action::Mode:
		return take_mode_operands(std::move(cmd), ops, mode_given);
	default:
		break;
	}
	if (ops.size() > wanted)
		return usage_error("unexpected argument '" + ops[wanted] + "'");
	return cmd;
}

Action action_of(Opt id)
{
	switch (id) {
	case Opt::Add:
		return Action::Add;
	case Opt::Remove:
		return Action::Remove;
	case Opt::Mode:
		return Action::Mode;
	case Opt::List:
		return Action::List;
	default:
		return Action::Query;
	}
}

} /* namespace */

Result<Command> parse_args(const std::vector<std::string> &args)
{
	Lexed lexed = lex(args, false);
	Command cmd;
	std::vector<std::string> operands;
	const OptionSpec *row_seen[std::size(kExclusive)] = {};
	bool seen[size_t(Opt::Count)] = {};
	bool have_action = false;
	std::optional<std::string> mode_text;

	if (has_option(lexed, Opt::Add))
		lexed = lex(args, true);

	/* In order, like a getopt loop: --help counts only up to the first error. */
	for (const Token &token : lexed.tokens) {
		if (!token.option) {
			operands.push_back(token.text);
			continue;
		}
		Opt id = token.option->id;
		for (size_t row = 0; row < std::size(kExclusive); row++) {
			if (!in_row(kExclusive[row], id))
				continue;
			if (row_seen[row] && row_seen[row]->id != id)
				return usage_error("mutually exclusive arguments: " +
						   long_name(row_seen[row]->id) + " " + long_name(id));
			row_seen[row] = token.option;
		}
		seen[size_t(id)] = true;

		switch (id) {
		case Opt::Help:
			cmd.action = Action::Help;
			return cmd;
		case Opt::Version:
			cmd.action = Action::Version;
			return cmd;
		case Opt::AddMode:
			mode_text = token.text;
			break;
		case Opt::Mode:
			if (token.has_arg)
				mode_text = token.text;
			[[fallthrough]];
		case Opt::Add:
		case Opt::Remove:
		case Opt::List:
		case Opt::Query:
			cmd.action = action_of(id);
			have_action = true;
			break;
		case Opt::Before:
		case Opt::After:
			cmd.where = id == Opt::Before ? Where::Before : Where::After;
			cmd.branch = parse_branch_ref(token.text);
			break;
		case Opt::Json:
			cmd.json = true;
			break;
		default:
			break;
		}
	}
	if (lexed.error)
		return *lexed.error;
	if (!have_action)
		return usage_error("no action specified (--add, --remove, --mode, --list or --query)");
	if (auto failure = check_requirements(seen))
		return *failure;
	if (mode_text) {
		auto mode = parse_mode(*mode_text);
		if (!mode)
			return invalid_mode(*mode_text);
		cmd.mode = *mode;
	}
	return take_operands(std::move(cmd), operands, mode_text.has_value());
}

std::string usage_text()
{
	return "\n"
	       "Usage:\n"
	       " unionctl UNION --add [--before BRANCH|--after BRANCH] [--mode MODE] DIR\n"
	       " unionctl UNION --remove BRANCH\n"
	       " unionctl UNION --mode BRANCH MODE\n"
	       " unionctl UNION --list [--json]\n"
	       " unionctl FILE --query [--json]\n"
	       "\n"
	       "Change or show the branches of a mounted unionfs.\n"
	       "\n"
	       "Actions:\n"
	       "     --add DIR            add directory DIR as a branch (on top by default)\n"
	       "     --remove BRANCH      remove a branch\n"
	       "     --mode BRANCH MODE   change the mode of a branch\n"
	       "     --list               list the branches, highest priority first\n"
	       "     --query              list the branches that hold FILE\n"
	       "\n"
	       "Options:\n"
	       "     --before BRANCH      with --add: put DIR just above BRANCH\n"
	       "     --after BRANCH       with --add: put DIR just below BRANCH\n"
	       "     --mode MODE          with --add: the mode of DIR (default rw)\n"
	       " -J, --json               use JSON output format\n"
	       "\n"
	       " -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\n"
	       "UNION is any path inside the union. BRANCH is a branch's directory or its\n"
	       "index (0 is the highest priority). MODE is rw, ro or nfsro. The action may\n"
	       "also come first, as in Unionfs 1.x: unionctl --add UNION DIR.\n"
	       "\n"
	       "For more details see unionctl(8).\n";
}

std::string version_text()
{
	return "unionctl from unionfs " UNIONCTL_VERSION "\n";
}

} /* namespace unionctl */
