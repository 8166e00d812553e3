// SPDX-License-Identifier: GPL-2.0
/*
 * branch_ref.cpp - finding the branch a BRANCH argument names.
 */
#include "branch_ref.h"

#include <limits>

namespace unionctl {

BranchRef parse_branch_ref(std::string text)
{
	BranchRef ref{std::move(text), std::nullopt};
	uint64_t value = 0;

	if (ref.text.empty())
		return ref;
	for (char c : ref.text) {
		if (c < '0' || c > '9')
			return ref;
		uint64_t digit = static_cast<uint64_t>(c - '0');
		if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10)
			value = std::numeric_limits<uint64_t>::max();
		else
			value = value * 10 + digit;
	}
	ref.index = value;
	return ref;
}

std::string strip_trailing_slashes(std::string path)
{
	while (path.size() > 1 && path.back() == '/')
		path.pop_back();
	return path;
}

std::optional<uint32_t> find_branch_path(const BranchList &list, std::string_view path)
{
	for (const BranchEntry &branch : list.branches)
		if (branch.path == path)
			return branch.index;
	return std::nullopt;
}

Result<uint32_t> resolve_branch(const BranchRef &ref, const BranchList &list,
				const std::string &canonical, int resolve_err,
				const std::string &union_name)
{
	size_t count = list.branches.size();

	if (ref.index) {
		if (*ref.index < count)
			return static_cast<uint32_t>(*ref.index);
		return Failure{kExitFailed, union_name + ": no branch " + ref.text + " (the union has " +
					    std::to_string(count) +
					    (count == 1 ? " branch)" : " branches)")};
	}

	/* As written first: a branch that is gone or unreachable can still be named. */
	if (!ref.text.empty() && ref.text[0] == '/') {
		if (auto index = find_branch_path(list, strip_trailing_slashes(ref.text)))
			return *index;
	}
	std::string what = union_name + ": " + ref.text + ": not a branch of this union";
	if (resolve_err)
		return errno_error(what, resolve_err);
	if (auto index = find_branch_path(list, canonical))
		return *index;
	return Failure{kExitFailed, what};
}

} /* namespace unionctl */
